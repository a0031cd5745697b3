"""Staff pages of the reports: the list of waves, a wave's dashboard, the comparison with
the previous wave, the qualitative answers, and the downloads (figures, Excel, JSON)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from surveys.definition.structure import structure_for
from surveys.models import Question, Wave
from surveys.permissions import staff_permission_required
from surveys.types import type_of

from . import charts, selectors
from .choices import DEFAULT, apply_choices, apply_to_views, figure_choice_set, figure_choices, population_plural
from .document import document_docx, report_document
from .excel import report_workbook
from .figures import all_figures, collaboration_figure, country_name, population_figure, report_views
from .filters import ReportScope
from .forms import FigureChoiceForm, ReportScopeForm
from .report import cached_report
from .tables import PrintedTable, printed_tables

COMMENTS_PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _wave(slug: str) -> Wave:
    return get_object_or_404(Wave.objects.select_related("version__questionnaire", "previous__version"), slug=slug)


def _report(request: HttpRequest, wave: Wave, scope: ReportScope | None = None) -> dict[str, Any]:
    return cached_report(wave, fresh=request.GET.get("fresh") == "1", scope=scope)


SCOPE_PARAMS = ("filter", "by", "include_incomplete")


def _scope_form(request: HttpRequest, wave: Wave) -> ReportScopeForm:
    """The filter, breakdown and drafts asked for in the query (`reports.filters`), checked:
    `form.scope` is the default scope when nothing (or something wrong) was asked."""
    bound = any(name in request.GET for name in SCOPE_PARAMS)
    form = ReportScopeForm(request.GET if bound else None, structure=structure_for(wave.version))
    if bound:
        form.is_valid()
    return form


def _scoped(request: HttpRequest, wave: Wave) -> tuple[dict[str, Any] | None, ReportScopeForm]:
    """The report in the scope of the query, or None when a parameter is wrong."""
    form = _scope_form(request, wave)
    if form.errors:
        return None, form
    return _report(request, wave, form.scope), form


def _bad_scope(form: ReportScopeForm) -> HttpResponse:
    problems = "; ".join(f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())
    return HttpResponseBadRequest(f"Wrong report parameters: {problems}", content_type="text/plain; charset=utf-8")


@require_GET
@staff_permission_required("reports.view_report")
def wave_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/wave_list.html", {"waves": selectors.wave_list()})


@require_GET
@staff_permission_required("reports.view_report")
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    report, scope_form = _scoped(request, wave)
    if report is None:  # said next to the form's fields; the page shows the whole report
        report = _report(request, wave)
    structure = structure_for(wave.version)
    sections = apply_to_views(report_views(report, structure), figure_choices(wave), unit=_unit(wave))
    population = population_figure(report)
    collaborations = collaboration_figure(report) if report["collaborations"]["pairs"] else None
    specs = [population, *(spec for _, views in sections for view in views for spec in view.figures)]
    if collaborations is not None:
        specs.append(collaborations)
    for spec in specs:
        # Maps are large: the page links them (<img>, cached by the browser) instead.
        if spec.kind != "map":
            spec.svg = charts.inline_svg(spec)
    return render(
        request,
        "reports/dashboard.html",
        {
            "wave": wave,
            "report": report,
            "sections": sections,
            "population": population,
            "collaborations": collaborations,
            "printed_tables": _printed_tables(report),
            "choice_groups": list(wave.version.groups),
            "scope_form": scope_form,
            "scope": report.get("scope"),
            "scope_query": scope_form.scope.query(),
        },
    )


def _printed_tables(report: dict[str, Any]) -> list[PrintedTable]:
    # A report cached before the tables existed has none: shown on the next computation.
    if "tables" not in report:
        return []
    return printed_tables(
        report["tables"], groups=report["groups"], previous_wave=report["previous_wave"], wave=report["wave"]
    )


@require_GET
@staff_permission_required("reports.view_report")
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    if wave.previous is None:
        raise Http404("This wave follows no other wave.")
    report = _report(request, wave)
    structure = structure_for(wave.version)
    comparison = report["comparison"]
    groups = list(report["groups"])
    rows = []
    for node in structure.questions():
        code = node.code
        now = report["questions"][code]
        before = comparison["previous"]["questions"].get(code)
        panel_now = comparison["panel"]["current"]["questions"][code]
        panel_before = comparison["panel"]["previous"]["questions"].get(code)
        lines = _compare_lines(type_of(node).report_kind, node, now, before, panel_now, panel_before)
        if lines:
            rows.append(
                {
                    "code": code,
                    "text": node.question.text,
                    "lines": lines,
                    "by_group": _compare_group_lines(node, now, before, groups) if len(groups) > 1 else [],
                }
            )
    by_partnership = [
        {"key": key, "rows": list(values.items())} for key, values in comparison["by_partnership"].items() if values
    ]
    return render(
        request,
        "reports/compare.html",
        {
            "wave": wave,
            "report": report,
            "comparison": comparison,
            "rows": rows,
            "by_partnership": by_partnership,
            "group_headers": [f"{g}, {when}" for g in groups for when in ("previous", "this wave")],
        },
    )


def _compare_group_lines(
    node: Any, now: dict[str, Any], before: dict[str, Any] | None, groups: list[str]
) -> list[list[Any]]:
    """Rows (label, then previous and this wave in each group) of one question."""
    per_group = [_compare_lines(type_of(node).report_kind, node, now, before, now, before, key=g) for g in groups]
    return [
        [line[0], *[value for lines in per_group for value in lines[i][1:3]]] for i, line in enumerate(per_group[0])
    ]


def _compare_lines(
    kind: str,
    node: Any,
    now: dict[str, Any],
    before: dict[str, Any] | None,
    pnow: dict[str, Any],
    pbefore: dict[str, Any] | None,
    *,
    key: str = "total",
) -> list[list[Any]]:
    """Rows (label, previous all, this all, previous panel, this panel) of one question, for
    the total or one group (`key`), by the `report_kind` of its type."""

    def get(q: dict[str, Any] | None, *path: str) -> Any:
        for key in path:
            if not isinstance(q, dict):
                return None
            q = q.get(key)
        return q

    lines: list[list[Any]] = [["Respondents", *(get(x, "respondents", key) for x in (before, now, pbefore, pnow))]]
    if kind in ("ticks", "choice"):
        for o in node.options:
            lines.append([o.label, *(get(x, "options", o.code, key) for x in (before, now, pbefore, pnow))])
    elif kind == "number":
        for stat in ("sum", "mean", "median"):
            lines.append([stat.title(), *(get(x, stat, key) for x in (before, now, pbefore, pnow))])
    elif kind == "countries":
        for code in list(now.get("countries", {}))[:15]:
            lines.append([country_name(code), *(get(x, "countries", code, key) for x in (before, now, pbefore, pnow))])
    elif kind == "repeat":
        lines.append(["Rows", *(get(x, "rows", key) for x in (before, now, pbefore, pnow))])
    elif kind == "matrix":
        for row in node.rows:
            lines.append(
                [
                    f"{row.label}: mean",
                    *(get(x, "row_summary", row.code, "mean", key) for x in (before, now, pbefore, pnow)),
                ]
            )
    else:
        return []
    return lines


@require_GET
@staff_permission_required("reports.view_report", "surveys.view_response")
def comments(request: HttpRequest, slug: str) -> HttpResponse:
    """Every comment and text answer of completed responses, by question and option."""
    wave = _wave(slug)
    structure = structure_for(wave.version)
    groups = list(wave.version.groups)
    group = request.GET.get("group") or None
    if group is not None and group not in groups:
        group = None
    code = request.GET.get("question") or None
    question_ids = None
    node = structure.by_code.get(code) if code else None
    if node is not None:
        question_ids = [node.id, *[f.id for f in node.fields]]
    answers = selectors.text_answers(
        selectors.Scope(wave_id=wave.pk), group=group, question_ids=question_ids
    ).select_related("question__parent", "option")
    page = Paginator(answers, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    choosable = [n for n in structure.questions() if n.type != Question.Type.REPEAT or n.fields]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/comments.html",
        {
            "wave": wave,
            "page": page,
            "groups": groups,
            "group": group,
            "questions": choosable,
            "question": node,
            "query": query.urlencode(),
        },
    )


@require_GET
@staff_permission_required("reports.view_report")
def figure(request: HttpRequest, slug: str, name: str, fmt: str) -> HttpResponse:
    wave = _wave(slug)
    report, form = _scoped(request, wave)
    if report is None:
        return _bad_scope(form)
    spec = all_figures(report, structure_for(wave.version)).get(name)
    if spec is None:
        raise Http404(f"No figure '{name}' in this report.")
    spec = apply_choices(spec, figure_choices(wave).get(name, DEFAULT), unit=_unit(wave))
    response = HttpResponse(charts.render(spec, fmt), content_type=charts.CONTENT_TYPES[fmt])
    if request.GET.get("download") == "1":
        response["Content-Disposition"] = f'attachment; filename="{wave.slug}-{name}.{fmt}"'
    return response


@require_GET
@staff_permission_required("reports.view_report")
def excel(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    report, form = _scoped(request, wave)
    if report is None:
        return _bad_scope(form)
    response = HttpResponse(
        report_workbook(report, structure=structure_for(wave.version), choices=figure_choices(wave), unit=_unit(wave)),
        content_type=XLSX,
    )
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-report.xlsx"'
    return response


@require_GET
@staff_permission_required("reports.view_report")
def report_json(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    report, form = _scoped(request, wave)
    if report is None:
        return JsonResponse({"errors": form.errors}, status=400)
    response = JsonResponse(report, json_dumps_params={"ensure_ascii": False, "indent": 2})
    if request.GET.get("download") == "1":
        response["Content-Disposition"] = f'attachment; filename="{wave.slug}-report.json"'
    return response


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
@staff_permission_required("reports.view_report", "surveys.view_response")
def report_docx(request: HttpRequest, slug: str) -> HttpResponse:
    """The Word draft of the progress report."""
    wave = _wave(slug)
    report, form = _scoped(request, wave)
    if report is None:
        return _bad_scope(form)
    document = report_document(report, wave=wave, structure=structure_for(wave.version), choices=figure_choices(wave))
    response = HttpResponse(document_docx(document), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-report.docx"'
    return response


@require_GET
@staff_permission_required("reports.view_report", "surveys.view_response")
def printable(request: HttpRequest, slug: str) -> HttpResponse:
    """The report draft as one page to print (or save as PDF) from the browser."""
    wave = _wave(slug)
    report, form = _scoped(request, wave)
    if report is None:
        return _bad_scope(form)
    document = report_document(report, wave=wave, structure=structure_for(wave.version), choices=figure_choices(wave))
    for figure in document.figures:
        if figure.spec.kind != "map":
            figure.spec.svg = charts.inline_svg(figure.spec)
    return render(request, "reports/printable.html", {"wave": wave, "document": document})


def _unit(wave: Wave) -> str | None:
    return population_plural(wave.version.definition)


@require_POST
@staff_permission_required("reports.view_report")
def figure_choice(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """Remember how one figure of the wave is printed (order, labels, groups)."""
    wave = _wave(slug)
    if name not in all_figures(_report(request, wave), structure_for(wave.version)):
        raise Http404(f"No figure '{name}' in this report.")
    form = FigureChoiceForm(request.POST, groups=list(wave.version.groups))
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())
        messages.error(request, f"Figure {name}: the choices were not saved ({problems}).")
    else:
        figure_choice_set(wave=wave, figure=name, choices=form.choices())
        messages.success(request, f"Figure {name}: choices saved for this wave.")
    return redirect(f"{reverse('reports:dashboard', args=[wave.slug])}#figure-{slugify(name)}")
