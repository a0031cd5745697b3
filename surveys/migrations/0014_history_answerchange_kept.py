"""Answer changes kept by wave and partnership (a deleted response leaves them), and `by_name`."""

import django.db.models.deletion
from django.db import migrations, models


def fill_wave_and_partnership(apps, schema_editor):
    AnswerChange = apps.get_model("surveys", "AnswerChange")
    Response = apps.get_model("surveys", "Response")
    for response_id, wave_id, partnership_id in Response.objects.filter(
        pk__in=AnswerChange.objects.values("response_id")
    ).values_list("pk", "wave_id", "partnership_id"):
        AnswerChange.objects.filter(response_id=response_id).update(wave_id=wave_id, partnership_id=partnership_id)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0013_layers_close_due_waves_task"),
    ]

    operations = [
        migrations.AddField(
            model_name="answerchange",
            name="by_name",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="answerchange",
            name="wave",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.wave"
            ),
        ),
        migrations.AddField(
            model_name="answerchange",
            name="partnership",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.partnership"
            ),
        ),
        migrations.RunPython(fill_wave_and_partnership, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="answerchange",
            name="wave",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.wave"),
        ),
        migrations.AlterField(
            model_name="answerchange",
            name="partnership",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.partnership"
            ),
        ),
        migrations.AlterField(
            model_name="answerchange",
            name="response",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="answer_changes",
                to="surveys.response",
            ),
        ),
        migrations.AddIndex(
            model_name="answerchange",
            index=models.Index(fields=["wave", "partnership", "at"], name="answerchange_wave_at_idx"),
        ),
    ]
