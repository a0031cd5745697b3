from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # The engine tells, the report listens: surveys imports nothing of reports.
        from reports import receivers
        from surveys import signals

        signals.response_submitted.connect(receivers.count_submitted, dispatch_uid="reports.count_submitted")
        signals.response_reopened.connect(receivers.uncount_reopened, dispatch_uid="reports.uncount_reopened")
        signals.answers_changing.connect(receivers.uncount_changing, dispatch_uid="reports.uncount_changing")
        signals.answers_changed.connect(receivers.count_changed, dispatch_uid="reports.count_changed")
