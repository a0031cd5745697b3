from django.db import migrations, models


def copy_tallied_responses(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Write the figures and named partnerships of every response already tallied anew, with
    the same SQL as `tallies_rebuild` (as 0003 did): the rows of tables now come with their
    new and ended rows (Table 1), the named partnerships with whether their row was ended."""
    from reports.tallies import copy_wave

    TalliedResponse = apps.get_model("reports", "TalliedResponse")
    ResponseFigure = apps.get_model("reports", "ResponseFigure")
    NamedPartnership = apps.get_model("reports", "NamedPartnership")
    wave_ids = TalliedResponse.objects.values_list("wave_id", flat=True).distinct().order_by("wave_id")
    with schema_editor.connection.cursor() as cursor:
        for wave_id in list(wave_ids):
            ResponseFigure.objects.filter(wave_id=wave_id).delete()
            NamedPartnership.objects.filter(wave_id=wave_id).delete()
            copy_wave(cursor, wave_id=wave_id)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_figure_choices"),
        ("surveys", "0015_rows_repeat_row_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="namedpartnership",
            name="ended",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(copy_tallied_responses, migrations.RunPython.noop),
    ]
