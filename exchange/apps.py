from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Exchange with Excel"

    def ready(self) -> None:
        # Exchange adds its actions to the engine's admin: surveys imports nothing of it.
        from django.contrib import admin

        from exchange import admin as exchange_admin
        from exchange.layout import layout_problems
        from surveys import admin as surveys_admin
        from surveys.definition import loader
        from surveys.models import Wave

        # A definition whose export could not be imported back is refused by the loader.
        if layout_problems not in loader.STRUCTURE_CHECKS:
            loader.STRUCTURE_CHECKS.append(layout_problems)

        waves = admin.site.get_model_admin(Wave)
        waves.actions = [
            *(waves.actions or []),
            exchange_admin.export_responses,
            exchange_admin.export_responses_with_texts,
        ]
        surveys_admin.LINKS["wave_excel"] = exchange_admin.wave_excel_link
