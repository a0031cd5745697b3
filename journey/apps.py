from django.apps import AppConfig


class JourneyConfig(AppConfig):
    """The respondent's pages: above the engine, whose services are its only writers."""

    name = "journey"
    verbose_name = "Respondent journey"
