"""The respondent's journey, from the personal link to the printable copy.

Every page is reached through the personal link's key; no account, no second password. A GET
never changes anything (mail scanners open links); answers are saved by the POST of a
section page, whichever button was pressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.definition.structure import SectionNode, Structure, structure_for
from surveys.exceptions import AlreadySubmitted, EditConflict, Incomplete, ResponseClosed
from surveys.journey import forms
from surveys.journey.display import shown_sections
from surveys.journey.partnerships import PartnershipChoices, partnership_choices
from surveys.journey.widgets import build_section, error_summary
from surveys.models import AccessKey, Contact, Invitation, Partnership, Question, Response, SectionState, Wave
from surveys.models.waves import hash_key
from surveys.services.responses import response_problems, response_save_section, response_submit
from surveys.values import Values, hidden_codes, load_values, rows_expected

MAX_KEY_LENGTH = 100


@dataclass
class Access:
    key: str
    contact: Contact
    invitation: Invitation
    wave: Wave
    response: Response
    structure: Structure
    _states: dict[int, SectionState] | None = None

    def states(self) -> dict[int, SectionState]:
        """The response's section states by section id (one query, reused within a request)."""
        if self._states is None:
            self._states = {
                s.section_id: s
                for s in SectionState.objects.filter(response=self.response).only(
                    "section_id", "complete", "lock_version"
                )
            }
        return self._states

    def url(self, name: str, *args: str) -> str:
        return reverse(f"surveys:{name}", args=[self.key, *args])


def _access(request: HttpRequest, key: str) -> Access | HttpResponse:
    """The invitation behind a link, or the page that explains why it does not work."""
    access_key = None
    if len(key) <= MAX_KEY_LENGTH:
        access_key = (
            AccessKey.objects.select_related(
                "invitation__contact__partnership", "invitation__wave__version__questionnaire"
            )
            # The version's stored definition is a large JSON document the pages never read.
            .defer("invitation__wave__version__definition")
            .filter(key_hash=hash_key(key))
            .first()
        )
    if access_key is None:
        return render(request, "surveys/journey/link_unknown.html", status=404)
    invitation = access_key.invitation
    if invitation.revoked_at is not None:
        return render(request, "surveys/journey/link_revoked.html", {"invitation": invitation}, status=410)
    wave = invitation.wave
    response = (
        Response.objects.filter(wave=wave, partnership=invitation.contact.partnership)
        .select_related("submitted_by", "last_saved_by")
        .first()
    )
    if response is None:
        # The contact moved to a partnership that is not part of this wave.
        return render(request, "surveys/journey/link_revoked.html", {"invitation": invitation}, status=410)
    response.wave = wave
    response.partnership = invitation.contact.partnership
    return Access(
        key=key,
        contact=invitation.contact,
        invitation=invitation,
        wave=wave,
        response=response,
        structure=structure_for(wave.version),
    )


def _closed(request: HttpRequest, access: Access) -> HttpResponse:
    return render(request, "surveys/journey/closed.html", {"access": access}, status=403)


def _not_open(request: HttpRequest, access: Access) -> HttpResponse:
    return render(request, "surveys/journey/not_open.html", {"access": access}, status=403)


def _gate(request: HttpRequest, access: Access) -> HttpResponse | None:
    """The page to show instead when the survey takes no answers now."""
    now = timezone.now()
    if now < access.wave.opens_at:
        return _not_open(request, access)
    if not access.response.accepts_answers(now) and not access.response.is_submitted:
        return _closed(request, access)
    return None


def _progress(access: Access, current: SectionNode | None = None) -> list[dict[str, object]]:
    states = access.states()
    steps = []
    for node in access.structure.sections:
        state = states.get(node.section.pk)
        steps.append(
            {
                "node": node,
                "url": access.url("section", node.code),
                "current": current is not None and node.code == current.code,
                "status": "complete" if state and state.complete else ("started" if state else "not started"),
            }
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
    return render(request, "surveys/home.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/accessibility.html")


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
    first_open = next((s for s in progress if s["status"] != "complete"), progress[0] if progress else None)
    return render(
        request,
        "surveys/journey/welcome.html",
        {
            "access": access,
            "progress": progress,
            "continue_url": first_open["url"] if first_open else access.url("review"),
            "is_open": access.response.accepts_answers(now),
            "completed": sum(1 for s in progress if s["status"] == "complete"),
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
    }
    if conflict is not None and conflict_values is not None:
        context["conflict_sections"] = shown_sections(
            structure, conflict_values, partnership_names=_partnership_names(), sections=[section]
        )
    return render(request, "surveys/journey/section.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, key: str, section: str) -> HttpResponse:
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    gate = _gate(request, access)
    if gate is not None:
        return gate
    node = access.structure.section(section)
    if node is None:
        return render(request, "surveys/journey/link_unknown.html", status=404)
    if access.response.is_submitted:
        messages.info(request, "Your partnership has submitted its answers. Here is the copy of what was submitted.")
        return redirect(access.url("copy"))

    stored = load_values(access.response, access.structure)
    state = access.states().get(node.section.pk)
    current_lock = state.lock_version if state else 0
    if request.method == "GET":
        return _render_section(
            request,
            access,
            node,
            raw=forms.raw_for_section(node, stored),
            errors={},
            stored=stored,
            lock_version=current_lock,
        )
    return _save_section(request, access, node, stored, current_lock)


def _save_section(
    request: HttpRequest, access: Access, node: SectionNode, stored: Values, current_lock: int
) -> HttpResponse:
    partnerships = _partnership_choices(access, node)
    parsed = forms.parse_section(
        node, request.POST, partnerships=partnerships, structure=access.structure, stored=stored
    )
    action = request.POST.get("action", "save")
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

    if parsed.errors:
        # Nothing is saved while a value cannot be read; everything typed is shown again.
        return _render_section(
            request,
            access,
            node,
            raw=parsed.raw,
            errors=parsed.errors,
            stored=stored,
            lock_version=lock_version,
            status=422,
        )
    try:
        saved = response_save_section(
            response_id=access.response.pk,
            section_code=node.code,
            contact=access.contact,
            values=parsed.values,
            lock_version=lock_version,
        )
    except EditConflict as conflict:
        theirs = load_values(access.response, access.structure)
        state = SectionState.objects.select_related("saved_by").get(pk=conflict.state.pk)
        return _render_section(
            request,
            access,
            node,
            raw=parsed.raw,
            errors={},
            stored=stored,
            lock_version=state.lock_version,
            conflict=state,
            conflict_values=theirs,
            status=409,
        )
    except ResponseClosed:
        return _closed(request, access)
    except AlreadySubmitted:
        messages.warning(request, "A colleague submitted your partnership's answers before this page was saved.")
        return redirect(access.url("copy"))

    access._states = None  # the save changed them
    if anchor or action.startswith(("add:", "remove:")):
        return HttpResponseRedirect(access.url("section", node.code) + anchor)
    if action == "next":
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


@never_cache
@require_GET
def review(request: HttpRequest, key: str) -> HttpResponse:
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    gate = _gate(request, access)
    if gate is not None:
        return gate
    if access.response.is_submitted:
        return redirect(access.url("copy"))
    values = load_values(access.response, access.structure)
    problems = response_problems(access.response, access.structure, values)
    sections = shown_sections(access.structure, values, partnership_names=_partnership_names(), problems=problems)
    for shown in sections:
        shown.edit_url = access.url("section", shown.section.code)
    return render(
        request,
        "surveys/journey/review.html",
        {"access": access, "sections": sections, "problems": problems, "progress": _progress(access)},
    )


@never_cache
@require_POST
def submit(request: HttpRequest, key: str) -> HttpResponse:
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    try:
        response_submit(response_id=access.response.pk, contact=access.contact)
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
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    if not access.response.is_submitted:
        return redirect(access.url("welcome"))
    return render(request, "surveys/journey/done.html", {"access": access})


@never_cache
@require_GET
def copy(request: HttpRequest, key: str) -> HttpResponse:
    """A read-only, printable copy of the answers (submitted, or the draft as it stands)."""
    access = _access(request, key)
    if isinstance(access, HttpResponse):
        return access
    values = load_values(access.response, access.structure)
    sections = shown_sections(access.structure, values, partnership_names=_partnership_names())
    return render(request, "surveys/journey/copy.html", {"access": access, "sections": sections})
