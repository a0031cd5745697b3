from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Exchange with Excel"

    def ready(self) -> None:
        # Exchange adds its actions to the engine's admin: surveys imports nothing of it.
        from django.contrib import admin

        from exchange import admin as exchange_admin
        from surveys import admin as surveys_admin
        from surveys.models import Wave

        waves = admin.site.get_model_admin(Wave)
        waves.actions = [
            *(waves.actions or []),
            exchange_admin.export_responses,
            exchange_admin.export_responses_with_texts,
        ]
        surveys_admin.LINKS["wave_excel"] = exchange_admin.wave_excel_link
