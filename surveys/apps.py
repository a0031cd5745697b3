from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from surveys.bulk import register_lookups

        register_lookups()

        from django.db.models.signals import post_migrate

        post_migrate.connect(_roles_sync_after_migrate, dispatch_uid="surveys_roles_sync")


def _roles_sync_after_migrate(sender: AppConfig, **kwargs: object) -> None:
    # post_migrate is sent once per app, in INSTALLED_APPS order, each time after the
    # permissions of that app are created: after the last one every permission exists, and the
    # admin role also gets those of models added since the roles migration. Apps without
    # models (the back office) get no post_migrate: the last app that has some is the one.
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from surveys.permissions import roles_sync

    roles_sync()
