"""The demo's admin account and the links `make run` prints (setup_demo, demo_links).

The password is generated once and kept in a file only its owner can read (by default
var/demo-admin-password, beside the SQLite database it opens), so that `make run` prints the
same password every time; `setup_demo --new-password` makes a new one.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from surveys.models import Invitation, Response, Wave
from surveys.services.waves import access_key_mint

ADMIN_USERNAME = "admin"


def password_file() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "demo-admin-password"
    return Path(getattr(settings, "DEMO_ADMIN_PASSWORD_FILE", default))


def _stored_password() -> str:
    try:
        return password_file().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def _store_password(password: str) -> None:
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start (not chmod-ed after): never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)


@dataclass(frozen=True)
class DemoAdmin:
    username: str
    # Empty when the password was changed since (in the admin): it is then not known here.
    password: str
    created_password: bool


def demo_admin_ensure(*, new_password: bool = False) -> DemoAdmin:
    """The superuser `admin`, with the stored password; a new one if asked or none is known."""
    User = get_user_model()
    admin, created = User.objects.get_or_create(username=ADMIN_USERNAME, defaults={"email": "admin@example.org"})
    stored = _stored_password()
    changed = False
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        changed = True
    make_new = new_password or created or not stored
    if make_new:
        stored = secrets.token_urlsafe(12)
        admin.set_password(stored)
        _store_password(stored)
        changed = True
    if changed:
        admin.save()
    if not make_new and not admin.check_password(stored):
        # Someone chose another password in the admin: keep theirs, say we do not know it.
        return DemoAdmin(username=ADMIN_USERNAME, password="", created_password=False)
    return DemoAdmin(username=ADMIN_USERNAME, password=stored, created_password=make_new)


def demo_admin_read() -> DemoAdmin | None:
    """The demo admin as it is, changing nothing (None before setup_demo)."""
    admin = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        return None
    stored = _stored_password()
    known = stored if stored and admin.check_password(stored) else ""
    return DemoAdmin(username=ADMIN_USERNAME, password=known, created_password=False)


@dataclass(frozen=True)
class DemoLink:
    questionnaire: str
    url: str
    contact: str


def response_link(response: Response, page: str, *, label: str, note: str = "") -> DemoLink | None:
    """A fresh personal link to `page` (a journey URL name) for the first contact of the
    response's partnership still invited (none when every invitation was withdrawn)."""
    invitation = (
        Invitation.objects.filter(
            wave=response.wave, contact__partnership=response.partnership, revoked_at__isnull=True
        )
        .select_related("contact")
        .order_by("contact__email")
        .first()
    )
    if invitation is None:
        return None
    key = access_key_mint(invitation=invitation)
    return DemoLink(
        questionnaire=label,
        url=f"{settings.SITE_URL}{reverse(page, args=[key])}",
        contact=f"{invitation.contact.name}, {response.partnership.acronym}{note}",
    )


def demo_links_mint() -> list[DemoLink]:
    """A fresh personal link per open demo wave, for a partnership that has not started."""
    site = settings.SITE_URL
    links = []
    for wave in Wave.objects.open().select_related("version__questionnaire").order_by("version__questionnaire__code"):
        untouched = Response.objects.filter(wave=wave, status=Response.Status.NOT_STARTED).values("partnership")
        invitation = (
            Invitation.objects.filter(wave=wave, revoked_at__isnull=True, contact__partnership__in=untouched)
            .select_related("contact__partnership")
            .order_by("contact__partnership__acronym", "contact__email")
            .first()
        )
        if invitation is None:
            continue
        key = access_key_mint(invitation=invitation)
        links.append(
            DemoLink(
                questionnaire=wave.version.questionnaire.code,
                url=f"{site}{reverse('journey:welcome', args=[key])}",
                contact=invitation.contact.name,
            )
        )
        prefill = _prefill_invitation(wave)
        if prefill is not None:
            links.append(
                DemoLink(
                    questionnaire="  …from last year",
                    url=f"{site}{reverse('journey:welcome', args=[access_key_mint(invitation=prefill)])}",
                    contact=f"{prefill.contact.name}: starts from last year's answers",
                )
            )
    return links


def _prefill_invitation(wave: Wave) -> Invitation | None:
    """A contact of a partnership that has not started and answered the previous wave."""
    if wave.previous_id is None:
        return None
    answered = Response.objects.filter(wave_id=wave.previous_id, answers__isnull=False).values("partnership")
    untouched = Response.objects.filter(
        wave=wave, status=Response.Status.NOT_STARTED, prefill_choice="", partnership__in=answered
    ).values("partnership")
    return (
        Invitation.objects.filter(wave=wave, revoked_at__isnull=True, contact__partnership__in=untouched)
        .select_related("contact__partnership")
        .order_by("contact__partnership__acronym", "contact__email")
        .first()
    )


def demo_box(*, admin: DemoAdmin | None, links: list[DemoLink]) -> str:
    """What `make run` prints last: where to go, framed so it stands out of the logs."""
    site = settings.SITE_URL
    lines = [f"escp-survey is ready: {site}/", ""]
    if admin is None:
        lines.append("No admin yet: run `python manage.py setup_demo`.")
    else:
        password = admin.password or (
            "(changed in the admin since; `python manage.py setup_demo --new-password` sets a new one)"
        )
        lines.append(f"Admin:     {site}{reverse('admin:index')}")
        lines.append(f"  user {admin.username}, password {password}")
        lines.append(f"Reports:   {site}{reverse('reports:wave_list')}")
    if links:
        lines.append("")
        lines.append("Coordinators' personal links (a partnership that has not started):")
        for link in links:
            lines.append(f"  {link.questionnaire:<24} {link.url}  ({link.contact})")
    lines.append("")
    lines.append("Again later: python manage.py demo_links (or make demo-links). Stop: Ctrl-C.")
    width = max(len(line) for line in lines)
    top = "┌" + "─" * (width + 2) + "┐"
    bottom = "└" + "─" * (width + 2) + "┘"
    return "\n".join([top, *(f"│ {line:<{width}} │" for line in lines), bottom])
