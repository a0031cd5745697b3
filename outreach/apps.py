from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Invitations, reminders and deadlines"

    def ready(self) -> None:
        # The engine tells, outreach listens and adds its actions to the engine's admin:
        # surveys imports nothing of outreach.
        from django.contrib import admin

        from outreach import admin_actions, receivers
        from surveys import admin as surveys_admin
        from surveys import signals
        from surveys.models import Response, Wave

        signals.response_submitted.connect(receivers.confirm_submitted, dispatch_uid="outreach.confirm_submitted")
        signals.response_sent_back.connect(receivers.email_sent_back, dispatch_uid="outreach.email_sent_back")

        waves = admin.site.get_model_admin(Wave)
        waves.actions = [
            admin_actions.send_invitations,
            admin_actions.send_reminders,
            admin_actions.close_now,
            *(waves.actions or []),
        ]
        responses = admin.site.get_model_admin(Response)
        responses.actions = [admin_actions.reopen_responses, *(responses.actions or [])]
        surveys_admin.LINKS["wave_messages"] = admin_actions.wave_messages_link
        surveys_admin.LINKS["response_extend"] = admin_actions.response_extend_link
