# The record of deadline extensions moves from outreach to the engine (the wave's life is
# the engine's). The table is kept: this migration takes the model into the engine's state,
# outreach 0005 lets go of it, and 0011 renames the table and moves its content type.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0010_collab_confirmations'),
        ('outreach', '0004_sent_back'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DeadlineExtension',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('previous_deadline', models.DateTimeField()),
                        ('new_deadline', models.DateTimeField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('response', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='surveys.response')),
                        ('wave', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='surveys.wave')),
                    ],
                    options={
                        'ordering': ['-created_at'],
                        'db_table': 'outreach_deadlineextension',
                        'constraints': [models.CheckConstraint(condition=models.Q(('new_deadline__gt', models.F('previous_deadline'))), name='extension_is_later')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
