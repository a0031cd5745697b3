# DeadlineExtension is the engine's now (surveys 0010): messages point to it there; the
# table stays, surveys 0011 renames it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0004_sent_back'),
        ('surveys', '0011_layers_deadline_extension'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='message',
                    name='extension',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='messages', to='surveys.deadlineextension'),
                ),
                migrations.DeleteModel(name='DeadlineExtension'),
            ],
            database_operations=[],
        ),
    ]
