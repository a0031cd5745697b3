"""What the engine tells the apps above it (reports, outreach, exchange), which subscribe in
their `AppConfig.ready()`: the engine imports none of them.

Every signal is sent *inside* the transaction of the change, with the response rows locked,
so a receiver that keeps derived data (the report's tallies) writes it in the same
transaction and can never disagree with what was committed. A receiver whose work must wait
for the commit (an email) registers it with `transaction.on_commit` itself. An exception in
a receiver rolls the change back: `send`, not `send_robust`.

Arguments are ids (keyword `response_id`, `response_ids`, `extension_id`…), never model instances, so a
receiver reads what it needs and no stale instance travels between apps.
"""

from __future__ import annotations

from django.dispatch import Signal

# A response became submitted (`response_id`).
response_submitted = Signal()

# A submitted response became a draft again, its answers kept (`response_id`).
response_reopened = Signal()

# The answers of these responses are about to change or to be deleted, with the responses
# themselves or alone (`response_ids`): a receiver takes what it derived from them out now,
# while the rows are still there.
answers_changing = Signal()

# The answers of these (still existing) responses changed (`response_ids`): sent after
# `answers_changing`, once the new rows and statuses are written.
answers_changed = Signal()

# Staff sent a submitted response back to its contacts with a message (`response_id`,
# `event_id` of the ResponseEvent that holds the message); sent after `response_reopened`.
response_sent_back = Signal()

# A deadline was extended (`extension_id` of the DeadlineExtension, `partnership_ids` of the
# partnerships concerned: not submitted, and no later deadline of their own); the wave is
# open again. Outreach queues the emails' rows in the same transaction (sent after it commits).
deadline_extended = Signal()
