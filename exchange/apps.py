from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Exchange with Excel"

    def ready(self) -> None:
        # Its admin actions and links on the engine's admin are the back office's (backoffice/).
        from exchange.layout import layout_problems
        from surveys.definition import loader

        # A definition whose export could not be imported back is refused by the loader.
        if layout_problems not in loader.STRUCTURE_CHECKS:
            loader.STRUCTURE_CHECKS.append(layout_problems)
