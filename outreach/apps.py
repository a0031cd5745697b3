from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Invitations, reminders and deadlines"

    def ready(self) -> None:
        # The engine tells, outreach listens (surveys imports nothing of outreach). Its admin
        # actions and links on the engine's admin are the back office's (backoffice/).
        from outreach import receivers
        from surveys import signals

        signals.response_submitted.connect(receivers.confirm_submitted, dispatch_uid="outreach.confirm_submitted")
        signals.response_sent_back.connect(receivers.email_sent_back, dispatch_uid="outreach.email_sent_back")
        signals.deadline_extended.connect(receivers.email_extension, dispatch_uid="outreach.email_extension")
