"""The life of a wave: opening it, closing it (early, or at its deadline: the beat task
`surveys.tasks.close_due_waves`), extending its deadline or one partnership's; inviting
contacts and minting their personal links.

Extensions send `surveys.signals.deadline_extended`, which outreach turns into emails."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import dateformat, timezone

from surveys import signals
from surveys.models import (
    AccessKey,
    Contact,
    DeadlineExtension,
    Invitation,
    Partnership,
    QuestionnaireVersion,
    Response,
    Wave,
)
from surveys.models.waves import hash_key


@transaction.atomic
def wave_open(
    *,
    version: QuestionnaireVersion,
    slug: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    previous: Wave | None = None,
    groups: list[str] | None = None,
    title: str = "",
) -> Wave:
    """Open a version for the partnerships of some groups (default: the questionnaire's).

    Creates one response per partnership (not started) and one invitation per active
    contact; sending the invitations is a separate step.
    """
    errors: dict[str, list[str]] = {}
    if Wave.objects.filter(slug=slug).exists():
        errors.setdefault("slug", []).append(f"A wave with the slug '{slug}' exists already.")
    if opens_at >= closes_at:
        errors.setdefault("closes_at", []).append("The wave must close after it opens.")
    if previous is not None and previous.version.questionnaire_id != version.questionnaire_id:
        errors.setdefault("previous", []).append(
            f"The previous wave '{previous.slug}' is of another questionnaire ({previous.version.questionnaire.code})."
        )
    groups = list(groups or version.groups)
    partnerships = list(Partnership.objects.in_groups(groups))
    if not partnerships:
        errors.setdefault("groups", []).append(f"No partnership is registered in the groups {', '.join(groups)}.")
    if errors:
        raise ValidationError(errors)
    wave = Wave.objects.create(
        version=version,
        slug=slug,
        title=title or f"{version.title} ({slug})",
        opens_at=opens_at,
        closes_at=closes_at,
        previous=previous,
    )
    Response.objects.bulk_create(Response(wave=wave, partnership=p) for p in partnerships)
    invitations_sync(wave=wave)
    return wave


@transaction.atomic
def wave_close(*, wave: Wave, now: dt.datetime | None = None) -> Wave:
    """Close a wave now, before its deadline (staff's "close early"): from this moment no
    response of it takes answers or a submission, extensions of single partnerships
    included (`Response.accepts_answers`), and its queued reminders are not sent. Answers
    saved so far are kept; extending the wave's deadline opens it again.
    """
    now = now or timezone.now()
    wave = Wave.objects.select_for_update(of=("self",)).get(pk=wave.pk)
    if wave.closed_at is not None:
        raise ValidationError(f"The wave {wave.slug} is closed already (since {_brussels(wave.closed_at)}).")
    if wave.opens_at > now:
        raise ValidationError(
            f"The wave {wave.slug} has not opened yet (it opens on {_brussels(wave.opens_at)}): "
            "change its dates instead."
        )
    Wave.objects.filter(pk=wave.pk).update(closed_at=now, updated_at=now)
    wave.closed_at = now
    return wave


def _brussels(moment: dt.datetime) -> str:
    return f"{dateformat.format(moment.astimezone(ZoneInfo(settings.TIME_ZONE)), 'j F Y, H:i')} (Brussels time)"


def format_moment(moment: dt.datetime) -> str:
    """A deadline as people read it: a deadline at midnight is the end of the day before."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    if local.time() == dt.time(0, 0):
        return f"{dateformat.format(local - dt.timedelta(days=1), 'j F Y')}, end of the day (Brussels time)"
    return f"{dateformat.format(local, 'j F Y, H:i')} (Brussels time)"


def waves_close_due(*, now: dt.datetime | None = None) -> int:
    """Close the waves whose deadline and every partnership's extension have passed.

    One UPDATE, safe to repeat. Closing is a record for people and reports: the server
    refuses late answers by each response's deadline (`Response.accepts_answers`) anyway.
    """
    now = now or timezone.now()
    later = Response.objects.filter(wave=OuterRef("pk"), deadline__gt=now)
    return (
        Wave.objects.filter(closed_at__isnull=True, closes_at__lte=now)
        .filter(~Exists(later))
        .update(closed_at=now, updated_at=now)
    )


def _check_new_deadline(deadline: dt.datetime, current: dt.datetime, now: dt.datetime, field: str) -> None:
    if deadline <= now:
        raise ValidationError({field: "The new deadline must be in the future."})
    if deadline <= current:
        raise ValidationError(
            {field: f"The new deadline must be later than the current one ({format_moment(current)})."}
        )


def _extended(extension: DeadlineExtension, partnership_ids: list[int]) -> DeadlineExtension:
    # Inside the extension's transaction: outreach queues its emails' rows with it.
    signals.deadline_extended.send(sender=DeadlineExtension, extension_id=extension.pk, partnership_ids=partnership_ids)
    return extension


@transaction.atomic
def wave_extend(
    *, wave: Wave, closes_at: dt.datetime, by: User | None = None, now: dt.datetime | None = None
) -> DeadlineExtension:
    """Move a wave's deadline later and reopen it if it had closed. The partnerships
    concerned are those that have not submitted, but for those with a still later deadline
    of their own (`deadline_extended` names them; outreach emails their contacts)."""
    now = now or timezone.now()
    wave = Wave.objects.select_for_update(of=("self",)).get(pk=wave.pk)
    _check_new_deadline(closes_at, wave.closes_at, now, "closes_at")
    extension = DeadlineExtension.objects.create(
        wave=wave, previous_deadline=wave.closes_at, new_deadline=closes_at, created_by=by
    )
    Wave.objects.filter(pk=wave.pk).update(closes_at=closes_at, closed_at=None, updated_at=now)
    partnerships = list(
        Response.objects.filter(wave=wave)
        .unsubmitted()
        .filter(Q(deadline__isnull=True) | Q(deadline__lt=closes_at))
        .values_list("partnership_id", flat=True)
    )
    return _extended(extension, partnerships)


@transaction.atomic
def response_extend(
    *, response: Response, deadline: dt.datetime, by: User | None = None, now: dt.datetime | None = None
) -> DeadlineExtension:
    """Give one partnership a later deadline than its wave's (`deadline_extended` names it)."""
    now = now or timezone.now()
    wave = Wave.objects.select_for_update(of=("self",)).get(pk=response.wave_id)
    response = (
        Response.objects.select_for_update(of=("self",)).select_related("wave", "partnership").get(pk=response.pk)
    )
    if response.is_submitted:
        raise ValidationError(
            {
                "deadline": f"{response.partnership.acronym} has submitted; reopen its response first if it must change it."
            }
        )
    if wave.closed_at is not None and wave.closed_at < wave.closes_at:
        # Closed early by staff (wave_close): opening it for one partnership would open it
        # for every one whose deadline has not passed.
        raise ValidationError(
            {
                "deadline": f"The wave {wave.slug} was closed early, on {format_moment(wave.closed_at)}: "
                "extend the deadline of the whole wave to open it again."
            }
        )
    _check_new_deadline(deadline, response.effective_deadline, now, "deadline")
    extension = DeadlineExtension.objects.create(
        wave=wave,
        response=response,
        previous_deadline=response.effective_deadline,
        new_deadline=deadline,
        created_by=by,
    )
    Response.objects.filter(pk=response.pk).update(deadline=deadline, updated_at=now)
    # A wave closes only once every extension has passed (see waves_close_due).
    Wave.objects.filter(pk=wave.pk, closed_at__isnull=False).update(closed_at=None, updated_at=now)
    return _extended(extension, [response.partnership_id])


def invitations_sync(*, wave: Wave) -> int:
    """Create the missing invitations of a wave's active contacts; returns how many."""
    invited = set(Invitation.objects.filter(wave=wave).values_list("contact_id", flat=True))
    contacts = (
        Contact.objects.filter(partnership__responses__wave=wave, is_active=True)
        .exclude(pk__in=invited)
        .values_list("pk", flat=True)
    )
    created = Invitation.objects.bulk_create(
        (Invitation(wave=wave, contact_id=pk) for pk in contacts), ignore_conflicts=True
    )
    return len(created)


def access_key_mint(*, invitation: Invitation) -> str:
    """A fresh personal link key (256 random bits) for an invitation; only its hash is kept."""
    return access_keys_mint(invitations=[invitation])[0]


def access_keys_mint(*, invitations: list[Invitation]) -> list[str]:
    """Fresh keys for several invitations (one each, in order), in one INSERT."""
    keys = [secrets.token_urlsafe(32) for _ in invitations]
    AccessKey.objects.bulk_create(
        AccessKey(invitation=invitation, key_hash=hash_key(key))
        for invitation, key in zip(invitations, keys, strict=True)
    )
    return keys


def invitation_revoke(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
