import django.db.models.deletion
from django.db import migrations, models


def count_tallied_responses(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The responses each wave and group already holds. Counts left wrong before by a
    response deleted in the admin cannot be seen from here: `rebuild_tallies --check` finds
    them and `rebuild_tallies --wave SLUG` repairs them."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO reports_grouptally (wave_id, "group", responses, created_at, updated_at) '
            'SELECT wave_id, "group", COUNT(*), MIN(created_at), MAX(updated_at) FROM reports_talliedresponse '
            'GROUP BY wave_id, "group"'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_responsefigure_whole"),
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("group", models.CharField(blank=True, max_length=32)),
                ("responses", models.IntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "wave",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.wave"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("wave", "group"), name="grouptally_unique_key")],
            },
        ),
        migrations.RunPython(count_tallied_responses, migrations.RunPython.noop),
    ]
