from django.db import migrations, models


def mark_ended(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The named partnerships already copied from a table row marked ended (one statement: the
    rows are otherwise those a rebuild would write)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_namedpartnership SET ended = %s WHERE repeat_row_id IN "
            "(SELECT id FROM surveys_repeatrow WHERE status = 'ended')",
            [True],
        )


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
        migrations.RunPython(mark_ended, migrations.RunPython.noop),
    ]
