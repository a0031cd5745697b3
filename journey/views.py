"""The respondent's journey, from the personal link to the printable copy.

Every page is reached through the personal link's key; no account, no second password. A GET
never changes anything (mail scanners open links); answers are saved by the POST of a
section page, whichever button or section link was pressed, and by its autosave (the same
POST with action "autosave", answered in JSON).

Nothing typed is lost: what is valid is saved and the rest shown again with its message; a
save that would delete saved answers asks first; a page refused (deadline, a colleague's
submission, the database away) is shown again with what was typed, and kept as an
UnsavedEdit where the refusal is final for now.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, partial
from typing import Any

from django.contrib import messages
from django.core.cache import cache as django_cache
from django.db import DatabaseError
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journey import forms, posting
from journey.partnerships import PartnershipChoices, partnership_choices
from journey.prefill import prefill_offer
from journey.widgets import build_section, error_summary, show_previous
from surveys.definition.structure import SectionNode, Structure, structure_for
from surveys.display import shown_sections
from surveys.exceptions import AlreadySubmitted, EditConflict, Incomplete, ResponseClosed, WouldRemove
from surveys.models import (
    AccessKey,
    Contact,
    Invitation,
    Partnership,
    Question,
    Response,
    SectionState,
    UnsavedEdit,
    Wave,
)
from surveys.models.waves import hash_key
from surveys.prefetch import has_answers, rows_of, states_of, values_of, with_lists
from surveys.prepared import PreparedQuery
from surveys.services.collaborations import collaborations_for
from surveys.services.plausibility import notes_by_key, response_warnings
from surveys.services.prefill import previous_values
from surveys.services.responses import response_problems, response_save_section, response_submit
from surveys.services.review import pending_send_back
from surveys.values import Values, hidden_codes, load_values, rows_expected

MAX_KEY_LENGTH = 100
# Autosave of a section page after this long without typing (static/js/journey.js).
AUTOSAVE_IDLE_MS = 3000

logger = logging.getLogger(__name__)


@dataclass
class Access:
    key: str
    contact: Contact
    invitation: Invitation
    wave: Wave
    response: Response
    structure: Structure
    # Read with the response by `_response_query` (surveys.prefetch); a save sets them to
    # None, and they are read afresh where needed after it.
    _states: dict[int, SectionState] | None = None
    _rows: list[tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        if getattr(self.response, "states_json", False) is not False:
            self._states = states_of(self.response)
            self._rows = rows_of(self.response)

    def states(self) -> dict[int, SectionState]:
        """The response's section states by section id (no query but after a save)."""
        if self._states is None:
            self._states = {
                s.section_id: s
                for s in SectionState.objects.filter(response=self.response).only(
                    "section_id", "complete", "lock_version", "saved_at"
                )
            }
        return self._states

    def values(self) -> Values:
        """The response's answers, as read with it (`_access(…, answers=True)`, no query) or
        else read now (two queries)."""
        if self._rows is not None and has_answers(self.response):
            return values_of(self.response, self.structure)
        return load_values(self.response, self.structure)

    def changed(self) -> None:
        """The request saved: what was read with the response is stale."""
        self._states = None
        self._rows = None

    def url(self, name: str, *args: str) -> str:
        return reverse(f"journey:{name}", args=[self.key, *args])


# The link's resolution, key hash -> ids (never data): see `_cached_access`.
ACCESS_CACHE_PREFIX = "journey-access:"
ACCESS_CACHE_SECONDS = 3600


def _access_cache_key(key_hash: str) -> str:
    return ACCESS_CACHE_PREFIX + key_hash


def _response_query(*, lists: bool = True, answers: bool = False) -> QuerySet[Response]:
    """The response with, in the same SELECT (`with_lists`), its section states and repeat rows
    (`lists`) and its answers (`answers`): a page's progress, lock version and answers need
    no query of their own. A save and a submission read them afresh under their lock: their
    link's query asks for neither (compiling the subqueries costs about 1.5 ms of CPU)."""
    query = (
        Response.objects.select_related("submitted_by", "last_saved_by")
        # Typing refused after a deadline or a submission, to show again: asked in this SELECT.
        .annotate(
            has_unsaved_edits=Exists(UnsavedEdit.objects.filter(response=OuterRef("pk"), restored_at__isnull=True))
        )
    )
    return with_lists(query, answers=answers) if lists else query


def _access_query(
    *,
    lists: bool,
    answers: bool,
    key_hash: str,
    response: int,
    wave: int,
    partnership: int,
    invitation: int,
    contact: int,
) -> QuerySet[Response]:
    """The cached access's one query (`_cached_access`), for these ids."""
    return (
        _response_query(lists=lists, answers=answers)
        .select_related("wave__version__questionnaire", "partnership")
        .defer("wave__version__definition")
        .filter(pk=response, wave_id=wave, partnership_id=partnership)
        .annotate(
            key_valid=Exists(AccessKey.objects.filter(key_hash=key_hash, invitation_id=invitation)),
            invitation_revoked_at=Subquery(Invitation.objects.filter(pk=invitation).values("revoked_at")[:1]),
            invitation_wave_id=Subquery(Invitation.objects.filter(pk=invitation).values("wave_id")[:1]),
            invitation_contact_id=Subquery(Invitation.objects.filter(pk=invitation).values("contact_id")[:1]),
            contact_partnership_id=Subquery(Contact.objects.filter(pk=contact).values("partnership_id")[:1]),
            contact_name=Subquery(Contact.objects.filter(pk=contact).values("name")[:1]),
        )
    )


# Compiled once per process (surveys.prepared): Django's compilation of this query took
# about 4.5 ms of CPU a request, half of a section GET (docs/journey-speed.md, fourth round).
_ACCESS_IDS: dict[str, type[int] | type[str]] = {
    "key_hash": str,
    "response": int,
    "wave": int,
    "partnership": int,
    "invitation": int,
    "contact": int,
}
_ACCESS_QUERIES = {
    (lists, answers): PreparedQuery(partial(_access_query, lists=lists, answers=answers), _ACCESS_IDS)
    for lists in (True, False)
    for answers in (True, False)
}


def _cached_access(key: str, key_hash: str, *, lists: bool = True, answers: bool = False) -> Access | None:
    """The access from the cached ids, in one query, or None to resolve the link afresh.

    The cache holds the ids of the link's invitation, contact, partnership, wave and response,
    never their data. The one query reads the response, its wave, version, questionnaire and
    partnership by pk, and, fresh, what can change between two requests: that the key still
    exists for that invitation, the invitation's `revoked_at`, wave and contact, the contact's
    partnership and name. A key gone, an invitation given to another contact or wave, a
    contact moved (whatever its new partnership) or a response gone drops
    the entry and the link is resolved as if never cached; a revoked invitation is refused at
    once, from this same query. So no writer has to invalidate anything.
    """
    ids = django_cache.get(_access_cache_key(key_hash))
    if not isinstance(ids, dict):
        return None
    found = _ACCESS_QUERIES[lists, answers].rows(
        key_hash=key_hash,
        response=ids["response"],
        wave=ids["wave"],
        partnership=ids["partnership"],
        invitation=ids["invitation"],
        contact=ids["contact"],
    )
    # Any: the instance carries the annotations above, which the type does not know.
    response: Any = found[0] if found else None
    if (
        response is None
        or not response.key_valid
        or response.invitation_wave_id != ids["wave"]
        or response.invitation_contact_id != ids["contact"]
        or response.contact_partnership_id != ids["partnership"]
    ):
        django_cache.delete(_access_cache_key(key_hash))
        return None
    # Instances with the fields read here; any other field is loaded on first use (Django's
    # deferred fields), never invented.
    db = response._state.db
    contact = Contact.from_db(
        db, ["id", "partnership_id", "name"], [ids["contact"], ids["partnership"], response.contact_name]
    )
    contact.partnership = response.partnership
    invitation = Invitation.from_db(
        db,
        ["id", "contact_id", "wave_id", "revoked_at"],
        [ids["invitation"], ids["contact"], ids["wave"], response.invitation_revoked_at],
    )
    invitation.contact = contact
    invitation.wave = response.wave
    return Access(
        key=key,
        contact=contact,
        invitation=invitation,
        wave=response.wave,
        response=response,
        structure=structure_for(response.wave.version),
    )


def _access(request: HttpRequest, key: str, *, lists: bool = True, answers: bool = False) -> Access | HttpResponse:
    """The invitation behind a link, or the page that explains why it does not work (`lists`,
    `answers`: what `_response_query` reads with the response)."""
    if len(key) > MAX_KEY_LENGTH:
        return render(request, "journey/link_unknown.html", status=404)
    key_hash = hash_key(key)
    cached = _cached_access(key, key_hash, lists=lists, answers=answers)
    if cached is not None:
        if cached.invitation.revoked_at is not None:
            return render(request, "journey/link_revoked.html", {"invitation": cached.invitation}, status=410)
        return cached
    access_key = (
        AccessKey.objects.select_related("invitation__contact__partnership", "invitation__wave__version__questionnaire")
        # The version's stored definition is a large JSON document the pages never read.
        .defer("invitation__wave__version__definition")
        .filter(key_hash=key_hash)
        .first()
    )
    if access_key is None:
        return render(request, "journey/link_unknown.html", status=404)
    invitation = access_key.invitation
    if invitation.revoked_at is not None:
        return render(request, "journey/link_revoked.html", {"invitation": invitation}, status=410)
    wave = invitation.wave
    response = (
        _response_query(lists=lists, answers=answers)
        .filter(wave=wave, partnership=invitation.contact.partnership)
        .first()
    )
    if response is None:
        # The contact moved to a partnership that is not part of this wave.
        return render(request, "journey/link_revoked.html", {"invitation": invitation}, status=410)
    response.wave = wave
    response.partnership = invitation.contact.partnership
    django_cache.set(
        _access_cache_key(key_hash),
        {
            "invitation": invitation.pk,
            "contact": invitation.contact_id,
            "partnership": invitation.contact.partnership_id,
            "wave": wave.pk,
            "response": response.pk,
        },
        ACCESS_CACHE_SECONDS,
    )
    return Access(
        key=key,
        contact=invitation.contact,
        invitation=invitation,
        wave=wave,
        response=response,
        structure=structure_for(wave.version),
    )


def _closed(request: HttpRequest, access: Access) -> HttpResponse:
    return render(request, "journey/closed.html", {"access": access}, status=403)


def _not_open(request: HttpRequest, access: Access) -> HttpResponse:
    return render(request, "journey/not_open.html", {"access": access}, status=403)


def _gate(request: HttpRequest, access: Access) -> HttpResponse | None:
    """The page to show instead when the survey takes no answers now."""
    now = timezone.now()
    if now < access.wave.opens_at:
        return _not_open(request, access)
    if not access.response.accepts_answers(now) and not access.response.is_submitted:
        return _closed(request, access)
    return None


def _answering(request: HttpRequest, key: str, *, answers: bool = False) -> Access | HttpResponse:
    """The access of a page that takes answers, or the page to show instead (an unknown or
    withdrawn link, a survey not open yet or closed)."""
    access = _access(request, key, answers=answers)
    if isinstance(access, HttpResponse):
        return access
    gate = _gate(request, access)
    return access if gate is None else gate


@dataclass
class Step:
    """One section in the list of sections at the top of the pages."""

    access: Access
    node: SectionNode
    current: bool
    status: str

    @cached_property
    def url(self) -> str:
        # Reversed only where shown (welcome, review): a section page draws its steps as
        # buttons of its form, and six reverse() calls cost more than the list's markup.
        return self.access.url("section", self.node.code)


def _progress(access: Access, current: SectionNode | None = None) -> list[Step]:
    states = access.states()
    steps = []
    for node in access.structure.sections:
        state = states.get(node.section.pk)
        steps.append(
            Step(
                access=access,
                node=node,
                current=current is not None and node.code == current.code,
                status="complete" if state and state.complete else ("started" if state else "not started"),
            )
        )
    return steps


def _partnership_choices(access: Access, section: SectionNode) -> PartnershipChoices:
    """Registered partnerships that the questions of this page designate (never one's own)."""
    return partnership_choices(
        section=section, wave_id=access.response.wave_id, own_partnership_id=access.response.partnership_id
    )


def _partnership_names() -> dict[str, str]:
    return {a: (f"{a} – {n}" if n and n != a else a) for a, n in Partnership.objects.values_list("acronym", "name")}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "journey/home.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "journey/accessibility.html")


@never_cache
@require_GET
def welcome(request: HttpRequest, key: str) -> HttpResponse:
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    now = timezone.now()
    if now < access.wave.opens_at:
        return _not_open(request, access)
    progress = _progress(access)
    first_open = next((s for s in progress if s.status != "complete"), progress[0] if progress else None)
    return render(
        request,
        "journey/welcome.html",
        {
            "access": access,
            "progress": progress,
            "continue_url": first_open.url if first_open else access.url("review"),
            "is_open": access.response.accepts_answers(now),
            "completed": sum(1 for s in progress if s.status == "complete"),
            "prefill_from": prefill_offer(access.response) if access.response.accepts_answers(now) else None,
            # Other partnerships naming this one, to confirm (journey/collaborations.py).
            "claims": collaborations_for(access.response),
            # The staff's message while the answers wait to be corrected (no query unless reopened).
            "sent_back": pending_send_back(access.response),
        },
    )


def _render_section(
    request: HttpRequest,
    access: Access,
    section: SectionNode,
    *,
    raw: forms.Raw,
    errors: dict[str, str],
    stored: Values,
    lock_version: int,
    conflict: SectionState | None = None,
    conflict_values: Values | None = None,
    saved_with_problems: bool = False,
    saved_with_errors: bool = False,
    refused: Refusal | None = None,
    removal: WouldRemove | None = None,
    removal_action: str = "",
    restored: UnsavedEdit | None = None,
    status: int = 200,
) -> HttpResponse:
    structure = access.structure
    section_codes = {n.code for n in section.questions}
    hidden_elsewhere = {
        code
        for code in hidden_codes(structure, stored)
        if structure.by_code[code].question.shown_if.get("question") not in section_codes
    }
    partnerships = _partnership_choices(access, section)
    expected = {n.code: rows_expected(n, stored) for n in section.questions if n.question.rows_from}
    questions = build_section(
        section,
        structure,
        raw,
        errors,
        partnerships=partnerships,
        hidden_elsewhere=hidden_elsewhere,
        rows_expected=expected,
    )
    # Last year's answers that differ (prefilled responses only: no query otherwise).
    previous = show_previous(
        questions,
        previous_values(
            response=access.response, section_code=section.code, current=stored, partnership_names=_partnership_names
        ),
    )
    index = section.index
    context = {
        "access": access,
        "section": section,
        "questions": questions,
        "errors": error_summary(questions, errors),
        "lock_version": lock_version,
        "progress": _progress(access, section),
        "number": index + 1,
        "total": len(structure.sections),
        "is_first": index == 0,
        "is_last": index == len(structure.sections) - 1,
        "conflict": conflict,
        "saved_with_problems": saved_with_problems,
        "saved_with_errors": saved_with_errors,
        "refused": refused,
        "removal": removal,
        "removal_action": removal_action,
        "restored": restored,
        "autosave_ms": AUTOSAVE_IDLE_MS,
        "previous": previous,
    }
    if conflict is not None and conflict_values is not None:
        context["conflict_sections"] = shown_sections(
            structure, conflict_values, partnership_names=_partnership_names(), sections=[section]
        )
    return render(request, "journey/section.html", context, status=status)


def _restorable_edit(access: Access, node: SectionNode) -> UnsavedEdit | None:
    """Typing refused earlier (deadline, submission) that can be saved now, if newer than the save."""
    if not getattr(access.response, "has_unsaved_edits", False):
        return None  # the usual case costs no query: `_access` asked in the same SELECT
    edit = (
        UnsavedEdit.objects.filter(response=access.response, section=node.section, restored_at__isnull=True)
        .select_related("contact")
        .first()
    )
    state = access.states().get(node.section.pk)
    if edit is None or (state is not None and state.saved_at is not None and state.saved_at > edit.created_at):
        return None
    return edit


@never_cache
@csrf_exempt  # checked in the view, once the post is read with the page's own field limit
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, key: str, section: str) -> HttpResponse:
    if request.method == "POST":
        try:
            return _section_post(request, key, section)
        except DatabaseError:
            # Nothing can be read or written: give the person back what they typed.
            logger.exception("database error while saving a section page")
            return _unsaved_page(request)
    access = _answering(request, key, answers=True)
    if isinstance(access, HttpResponse):
        return access
    node = access.structure.section(section)
    if node is None:
        return render(request, "journey/link_unknown.html", status=404)
    if access.response.is_submitted:
        messages.info(
            request,
            f"Your {access.wave.version.population_singular} has submitted its answers. "
            "Here is the copy of what was submitted.",
        )
        return redirect(access.url("copy"))
    stored = access.values()
    state = access.states().get(node.section.pk)
    restored = _restorable_edit(access, node)
    return _render_section(
        request,
        access,
        node,
        raw=restored.inputs if restored else forms.raw_for_section(node, stored),
        errors={},
        stored=stored,
        lock_version=state.lock_version if state else 0,
        restored=restored,
    )


def _section_post(request: HttpRequest, key: str, section: str) -> HttpResponse:
    access = _access(request, key, lists=False)
    if isinstance(access, HttpResponse):
        return access
    if timezone.now() < access.wave.opens_at:
        return _not_open(request, access)
    # A page posted after the deadline or after a colleague submitted goes on: the service
    # refuses it, and the page is shown again with what was typed (see _refused).
    node = access.structure.section(section)
    if node is None:
        return render(request, "journey/link_unknown.html", status=404)
    if not posting.read_section_post(request, node):
        return _too_big(request)
    refusal = posting.csrf_refusal(request)
    if refusal is not None:
        return refusal
    # The saved answers are read only where the page needs them (an error, a refusal): the
    # save itself reads them under its lock.
    stored = cache(partial(load_values, access.response, access.structure))
    return _save_section(request, access, node, stored)


def _too_big(request: HttpRequest) -> HttpResponse:
    # Only a crafted post goes past the definition's maxima; a person's page never does.
    return render(request, "journey/too_big.html", status=413)


@dataclass
class Refusal:
    """Why a page could not be saved, and what to do, shown above what was typed."""

    title: str
    text: str


def _keep_refused(access: Access, node: SectionNode, raw: forms.Raw, reason: str) -> None:
    UnsavedEdit.objects.create(
        response=access.response, section=node.section, contact=access.contact, reason=reason, inputs=_storable(raw)
    )


def _storable(raw: forms.Raw) -> forms.Raw:
    # PostgreSQL's JSON refuses NUL; the other control characters are kept as typed.
    def clean(value: object) -> object:
        if isinstance(value, str):
            return value.replace("\x00", "\ufffd")
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {name.replace("\x00", "\ufffd"): clean(value) for name, value in raw.items()}


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return f"{timezone.localtime(moment):%A %d %B %Y at %H:%M}"


def _json(status: str, message: str, code: int = 200, **extra: object) -> JsonResponse:
    return JsonResponse({"status": status, "message": message, **extra}, status=code)


def _save_section(
    request: HttpRequest, access: Access, node: SectionNode, stored: Callable[[], Values]
) -> HttpResponse:
    partnerships = _partnership_choices(access, node)
    parsed = forms.parse_section(
        node, request.POST, partnerships=partnerships, structure=access.structure, stored=stored
    )
    if parsed.errors:
        # Whatever is valid is saved; an invalid piece keeps its saved value (and its message).
        forms.keep_stored_where_invalid(node, parsed, stored())
    action = request.POST.get("action", "save")
    confirm_removal = ""
    if action.startswith("confirm:"):
        action = action[len("confirm:") :]
        confirm_removal = request.POST.get("confirm_removal", "")
    autosave = action == "autosave"
    shown_raw = parsed.raw
    anchor = ""
    if action.startswith("add:"):
        target = access.structure.by_code.get(action[4:])
        is_table = target is not None and target.type == Question.Type.REPEAT and target in node.questions
        if target is not None and is_table and forms.add_row(parsed, target):
            anchor = f"#{forms.input_id(f'{target.code}.{len(parsed.values[target.code]) - 1}')}"
    elif action.startswith("remove:"):
        code, _, index_text = action[len("remove:") :].partition(":")
        target = access.structure.by_code.get(code)
        if target is not None and target.type == Question.Type.REPEAT and index_text.isdigit():
            forms.remove_row(parsed, target, int(index_text))
            anchor = f"#{forms.input_id(code)}"
    try:
        lock_version = int(request.POST.get("lock_version", "0"))
    except ValueError:
        lock_version = 0

    def page(**kwargs: Any) -> HttpResponse:
        return _render_section(
            request, access, node, **{"stored": stored(), "raw": parsed.raw, "errors": parsed.errors, **kwargs}
        )

    population = access.wave.version.population_singular  # "partnership", "cluster organisation"

    try:
        saved = response_save_section(
            response_id=access.response.pk,
            section_code=node.code,
            contact=access.contact,
            values=parsed.values,
            lock_version=lock_version,
            confirm_removal=confirm_removal,
        )
    except EditConflict as conflict:
        theirs = load_values(access.response, access.structure)
        state = SectionState.objects.select_related("saved_by").get(pk=conflict.state.pk)
        if autosave:
            who = state.saved_by.name if state.saved_by else "A colleague"
            return _json(
                "conflict",
                f"Not saved: {who} saved this section at {timezone.localtime(state.saved_at):%H:%M}, after you "
                "opened it. Press “Save” to see both versions and choose.",
                409,
            )
        return page(lock_version=state.lock_version, conflict=state, conflict_values=theirs, status=409)
    except WouldRemove as removal:
        if autosave:
            # The script asks in a dialog (or knows the person removed these rows with a button)
            # and posts again with the token; a page without script gets the step below.
            listed = "; ".join(f"{r.code} ({r.what})" for r in removal.removals)
            return _json(
                "confirm",
                f"Not saved automatically: saving this page would remove answers ({listed}). "
                "Press “Save” to see what would go and confirm, or change your answer back.",
                409,
                question=f"Saving this page removes saved answers: {listed}. Remove them and save?",
                token=removal.token,
                removals=[{"code": r.code, "what": r.what, "hidden": r.hidden} for r in removal.removals],
            )
        # The page shows what was on it before a row was removed, so that keeping is the default.
        pending = action if action.startswith("remove:") else ("stay" if action.startswith("add:") else action)
        raw = shown_raw if action.startswith("remove:") else parsed.raw
        return page(raw=raw, lock_version=lock_version, removal=removal, removal_action=pending, status=409)
    except ResponseClosed:
        _keep_refused(access, node, parsed.raw, UnsavedEdit.Reason.CLOSED)
        closed = _when(access.response.effective_deadline)
        message = (
            f"The survey closed on {closed} (Brussels time), so this page could not be saved. What you "
            f"typed is shown below and kept for the Observatory with your {population}'s answers; if they "
            "extend your deadline, it will be shown on this page again for you to save."
        )
        if autosave:
            return _json("closed", message, 403)
        return page(lock_version=lock_version, refused=Refusal("This survey is closed", message), status=403)
    except AlreadySubmitted:
        _keep_refused(access, node, parsed.raw, UnsavedEdit.Reason.SUBMITTED)
        response = Response.objects.select_related("submitted_by").get(pk=access.response.pk)
        who = response.submitted_by.name if response.submitted_by else "A colleague"
        message = (
            f"{who} submitted your {population}'s answers on {_when(response.submitted_at)}, after you opened "
            "this page, so it could not be saved. What you typed is shown below and kept for the Observatory: "
            "if it must change the submitted answers, ask the Observatory to reopen them, then save this page again."
        )
        if autosave:
            return _json("submitted", message, 409)
        return page(lock_version=lock_version, refused=Refusal("Your answers were submitted", message), status=409)
    except DatabaseError:
        logger.exception("database error while saving section %s", node.code)
        message = (
            "The answers of this page could not be saved: the database did not answer. Nothing you typed "
            "is lost: it is shown below. Wait a minute, then press “Save” again."
        )
        if autosave:
            return _json("error", message, 503)
        return page(lock_version=lock_version, refused=Refusal("Not saved yet", message), status=503)

    access.changed()
    restored_id = request.POST.get("restored_edit", "")
    if restored_id.isdigit():
        # The typing kept after a deadline or a submission is in the answers now.
        UnsavedEdit.objects.filter(pk=int(restored_id), response=access.response).update(restored_at=saved.saved_at)
    if autosave:
        problems = [f"{name.split('.', 1)[0]}: {message}" for name, message in parsed.errors.items()]
        saved_at = f"{timezone.localtime(saved.saved_at):%H:%M}"
        text = f"Saved at {saved_at}."
        if problems:
            text += f" Not saved: {len(problems)} answer{'s' if len(problems) != 1 else ''} to correct ({'; '.join(problems)})."
        return _json("saved", text, lock_version=saved.lock_version, saved_at=saved_at, problems=problems)
    if parsed.errors:
        # The rest is saved; the invalid inputs stay on the page with their messages.
        return page(lock_version=saved.lock_version, saved_with_errors=True, status=422)
    if anchor or action.startswith(("add:", "remove:")):
        return HttpResponseRedirect(access.url("section", node.code) + anchor)
    if action == "stay":
        messages.success(request, f"Your answers are saved ({timezone.localtime(saved.saved_at):%H:%M}).")
        return redirect(access.url("section", node.code))
    if action.startswith("goto:"):
        target_section = access.structure.section(action[len("goto:") :])
        if target_section is not None:
            return redirect(access.url("section", target_section.code))
        return redirect(access.url("review" if action == "goto:review" else "welcome"))
    if action == "next":
        # The save computed the section's completeness as it wrote it: only an incomplete
        # section needs the answers read back, to show what is missing.
        if not saved.complete:
            after = load_values(access.response, access.structure)
            section_problems = response_problems(access.response, access.structure, after).get(node.code, {})
            if section_problems:
                return _render_section(
                    request,
                    access,
                    node,
                    raw=parsed.raw,
                    errors=section_problems,
                    stored=after,
                    lock_version=saved.lock_version,
                    saved_with_problems=True,
                    status=422,
                )
        sections = access.structure.sections
        if node.index + 1 < len(sections):
            return redirect(access.url("section", sections[node.index + 1].code))
        return redirect(access.url("review"))
    if action == "back":
        if node.index > 0:
            return redirect(access.url("section", access.structure.sections[node.index - 1].code))
        return redirect(access.url("welcome"))
    deadline = timezone.localtime(access.response.effective_deadline)
    messages.success(
        request,
        f"Your answers are saved. You can close this page and come back with the link in your email "
        f"until {deadline:%d %B %Y, %H:%M} (Brussels time).",
    )
    return redirect(access.url("welcome"))


def _unsaved_page(request: HttpRequest, *, action: str = "", parsed_by_django: bool = False) -> HttpResponse:
    """What was posted, shown back with a button to post it again, without touching the database.

    A section page's post is read here if the view had not read it yet (`posting`); other
    pages' posts (`parsed_by_django`) are Django's own, within its limits."""
    if not parsed_by_django and not posting.read_post(
        request, max_inputs=posting.FALLBACK_MAX_INPUTS, max_bytes=posting.FALLBACK_MAX_BYTES
    ):
        return _too_big(request)
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        for value in values
        if name not in ("action", "csrfmiddlewaretoken")
    ]
    texts = [(name, value) for name, value in fields if value.strip() and name != "lock_version"]
    return render(
        request,
        "journey/unsaved.html",
        {"fields": fields, "texts": texts, "action": action or request.POST.get("action", "stay")},
        status=503,
    )


@never_cache
@require_GET
def review(request: HttpRequest, key: str) -> HttpResponse:
    access = _answering(request, key, answers=True)
    if isinstance(access, HttpResponse):
        return access
    if access.response.is_submitted:
        return redirect(access.url("copy"))
    values = access.values()
    problems = response_problems(access.response, access.structure, values)
    sections = shown_sections(access.structure, values, partnership_names=_partnership_names(), problems=problems)
    for shown in sections:
        shown.edit_url = access.url("section", shown.section.code)
    # Warnings ask for a comment but never block the submission (surveys/plausibility.py).
    warnings = response_warnings(access.response, values)
    notes = notes_by_key(access.response) if warnings else {}
    return render(
        request,
        "journey/review.html",
        {
            "access": access,
            "sections": sections,
            "problems": problems,
            "progress": _progress(access),
            "warnings": [(w, notes.get(w.key, "")) for w in warnings],
            "sent_back": pending_send_back(access.response),
            # As on the welcome page: the collaborations to confirm before submitting.
            "claims": collaborations_for(access.response),
        },
    )


@never_cache
@require_POST
def submit(request: HttpRequest, key: str) -> HttpResponse:
    try:
        found = _access(request, key, lists=False)
        if isinstance(found, HttpResponse):
            return found
        access = found
        response_submit(response_id=access.response.pk, contact=access.contact)
    except DatabaseError:
        logger.exception("database error while submitting")
        return _unsaved_page(request, action="submit", parsed_by_django=True)
    except ResponseClosed:
        return _closed(request, access)
    except AlreadySubmitted:
        return redirect(access.url("done"))
    except Incomplete:
        messages.error(request, "Some answers are still needed before you can submit: see the sections marked below.")
        return redirect(access.url("review"))
    return redirect(access.url("done"))


@never_cache
@require_GET
def done(request: HttpRequest, key: str) -> HttpResponse:
    access = _access(request, key, lists=False)
    if isinstance(access, HttpResponse):
        return access
    if not access.response.is_submitted:
        return redirect(access.url("welcome"))
    return render(request, "journey/done.html", {"access": access})


@never_cache
@require_GET
def copy(request: HttpRequest, key: str) -> HttpResponse:
    """A read-only, printable copy of the answers (submitted, or the draft as it stands)."""
    access = _access(request, key, answers=True)
    if isinstance(access, HttpResponse):
        return access
    values = access.values()
    sections = shown_sections(access.structure, values, partnership_names=_partnership_names())
    return render(request, "journey/copy.html", {"access": access, "sections": sections})
