# The periodic close of waves is the engine's task now: `surveys.close_due_waves`, formerly
# `outreach.close_due_waves`. django-celery-beat keeps the schedule's entries in its tables,
# so the stored entry is renamed (beat would otherwise keep calling a task that is gone).

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

MOVES = [('outreach-close-due-waves', 'outreach.close_due_waves', 'surveys-close-due-waves', 'surveys.close_due_waves')]


def rename(apps: Apps, schema_editor: BaseDatabaseSchemaEditor, forwards: bool) -> None:
    tasks = apps.get_model('django_celery_beat', 'PeriodicTask').objects.using(schema_editor.connection.alias)
    for old_name, old_task, new_name, new_task in MOVES:
        if not forwards:
            old_name, old_task, new_name, new_task = new_name, new_task, old_name, old_task
        if not tasks.filter(name=new_name).exists():
            tasks.filter(name=old_name).update(name=new_name)
        tasks.filter(task=old_task).update(task=new_task)


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    rename(apps, schema_editor, True)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    rename(apps, schema_editor, False)


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0012_layers_deadline_extension_table'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
