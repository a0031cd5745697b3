# The moved DeadlineExtension gets the engine's table name, and its content type (with the
# permissions the roles hold) follows it into the engine.

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def content_type_move(apps: Apps, schema_editor: BaseDatabaseSchemaEditor, source: str, target: str) -> None:
    content_types = apps.get_model('contenttypes', 'ContentType').objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=target, model='deadlineextension').exists():
        content_types.filter(app_label=source, model='deadlineextension').update(app_label=target)


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    content_type_move(apps, schema_editor, 'outreach', 'surveys')


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    content_type_move(apps, schema_editor, 'surveys', 'outreach')


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0011_layers_deadline_extension'),
        ('outreach', '0005_layers_deadline_extension_moved'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(name='deadlineextension', table=None),
        migrations.RunPython(forwards, backwards),
    ]
