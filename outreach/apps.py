from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Invitations, reminders and deadlines"

    def ready(self) -> None:
        # The engine tells, outreach listens: surveys imports nothing of outreach.
        from outreach import receivers
        from surveys import signals

        signals.response_submitted.connect(receivers.confirm_submitted, dispatch_uid="outreach.confirm_submitted")
