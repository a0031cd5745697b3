"""Opening and closing waves, inviting contacts and minting their personal links."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import dateformat, timezone

from surveys.models import AccessKey, Contact, Invitation, Partnership, QuestionnaireVersion, Response, Wave
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
