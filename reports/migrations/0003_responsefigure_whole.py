from django.db import migrations, models


def copy_tallied_responses(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Write the figures and named partnerships of every response already tallied anew, with
    the same SQL as `tallies_rebuild` (their answers are unchanged since they were counted)."""
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
        ("reports", "0002_figures_and_named_partnerships"),
    ]

    operations = [
        migrations.AddField(
            model_name="responsefigure",
            name="whole",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(copy_tallied_responses, migrations.RunPython.noop),
    ]
