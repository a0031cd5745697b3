"""The name of a questionnaire's respondents (issue 12): "partnership" unless its definition
says otherwise; versions of the ECCP survey stored before are named as the ECCP's are now."""

from typing import Any

from django.db import migrations, models


def name_eccp_versions(apps: Any, schema_editor: Any) -> None:
    QuestionnaireVersion = apps.get_model("surveys", "QuestionnaireVersion")
    QuestionnaireVersion.objects.filter(questionnaire__code="eccp-user-satisfaction").update(
        population_singular="cluster organisation", population_plural="cluster organisations"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0003_unsaved_edits"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaireversion",
            name="population_plural",
            field=models.CharField(default="partnerships", max_length=64),
        ),
        migrations.AddField(
            model_name="questionnaireversion",
            name="population_singular",
            field=models.CharField(default="partnership", max_length=64),
        ),
        migrations.RunPython(name_eccp_versions, migrations.RunPython.noop),
    ]
