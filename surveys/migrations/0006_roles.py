"""The four staff roles as groups (surveys/permissions.py, docs/roles.md)."""

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def roles_create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from django.contrib.auth.management import create_permissions

    from surveys.permissions import roles_sync

    # Permissions are created after the last migration (post_migrate); the roles need them
    # now, on a fresh database too.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)
    roles_sync(apps=apps)


def roles_delete(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from surveys.permissions import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_permissions"),
        ("outreach", "0003_permissions"),
        ("reports", "0005_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
