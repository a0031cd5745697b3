"""The engine's news that outreach acts on (connected in `OutreachConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from outreach.services import extension_queue, sent_back_queue
from outreach.tasks import queue_confirmations


def confirm_submitted(*, response_id: int, **_: Any) -> None:
    # The confirmation emails are queued once the submission is committed (the signal comes
    # inside its transaction), by a worker: the person's request does not wait for the
    # contacts' lookup and the messages' rows (issue 17). The task is idempotent and acked
    # late, so a worker lost mid-way queues them on the retry, never twice; robust: a broker
    # that does not answer is logged and never turns a stored submission into an error page.
    transaction.on_commit(lambda: queue_confirmations.delay(response_id), robust=True)


def email_sent_back(*, response_id: int, event_id: int, **_: Any) -> None:
    # As for confirmations: queued after the commit, and a failure to queue never undoes the send-back.
    transaction.on_commit(lambda: sent_back_queue(response_id=response_id, event_id=event_id), robust=True)


def email_extension(*, extension_id: int, partnership_ids: list[int], **_: Any) -> None:
    # The message rows are written in the extension's transaction (an extension and the
    # emails it owes commit together); they go to the broker once it commits (messages_dispatch).
    extension_queue(extension_id=extension_id, partnership_ids=partnership_ids)
