"""Celery tasks of outreach: thin wrappers that take ids and call a service.

The periodic ones are in `CELERY_BEAT_SCHEDULE` (settings); each is safe to repeat.
"""

from __future__ import annotations

from celery import shared_task

from outreach import services


@shared_task(name="outreach.send_batch", acks_late=True, ignore_result=True)
def send_batch(message_ids: list[int]) -> dict[str, int]:
    report = services.messages_send(message_ids=message_ids)
    return report.__dict__


@shared_task(name="outreach.recover_messages", ignore_result=True)
def recover_messages() -> dict[str, int]:
    return services.messages_recover().__dict__


@shared_task(name="outreach.queue_due_reminders", ignore_result=True)
def queue_due_reminders() -> int:
    return services.reminders_queue_due()


@shared_task(name="outreach.queue_confirmations", acks_late=True, ignore_result=True)
def queue_confirmations(response_id: int) -> int:
    # Sent once a submission commits (outreach.receivers); safe to repeat: a contact confirmed
    # since the submission is skipped.
    return len(services.confirmations_queue(response_id=response_id))
