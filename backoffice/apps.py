from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        # Above the engine, outreach and exchange: their actions and links on the engine's
        # admin (surveys, outreach and exchange import nothing of this app).
        from backoffice.admin import install

        install()
