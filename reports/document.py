"""The report draft as a document: the same content for the Word file (python-docx) and the
printable page.

`report_document` gathers what the printed progress report holds, in its order: a title
page, the response rates, each question's figures (an image with its caption and the figures
as a table under it), Table 1 and Table 2 with the derived indicators, and each question's
comments as quote boxes the analyst edits. `document_docx` writes it as a Word document.

In the Word file every text is a run of plain text (python-docx escapes it; nothing becomes a
field code), and characters XML cannot hold are dropped; on the page Django escapes it.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table

from surveys.definition.structure import Structure
from surveys.models import Question, Wave

from . import charts, selectors
from .charts import FigureSpec
from .choices import Choices, apply_to_views, population_plural
from .figures import collaboration_figure, population_figure, report_views
from .filters import scope_counted
from .tables import PrintedTable, printed_tables

QUOTE_SHADING = "F2F4F7"
# What a quote from a table row carried from the previous wave and marked ended says.
ENDED_ROW = "a row from the previous wave, marked ended"
# Characters XML 1.0 cannot hold (a respondent may paste them): dropped from the Word file.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Quote:
    text: str
    partnership: str
    group: str
    option: str = ""  # the option a comment belongs to, or the field of a table


@dataclass
class DocFigure:
    number: int
    spec: FigureSpec
    # False for a world map whose countries the bars before it already list (one table).
    show_table: bool = True

    @property
    def caption(self) -> str:
        return f"Figure {self.number}. {self.spec.title}"


@dataclass
class DocQuestion:
    code: str
    text: str
    respondents: str
    notes: list[str] = field(default_factory=list)
    figures: list[DocFigure] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class ReportDocument:
    title: str
    facts: list[tuple[str, str]]
    rates: str
    population: DocFigure
    sections: list[tuple[str, list[DocQuestion]]]
    tables: list[PrintedTable]
    collaborations: DocFigure | None

    @property
    def figures(self) -> list[DocFigure]:
        found = [self.population]
        for _, questions in self.sections:
            for q in questions:
                found.extend(q.figures)
        if self.collaborations is not None:
            found.append(self.collaborations)
        return found


def _quotes(wave: Wave, structure: Structure) -> dict[str, list[Quote]]:
    """What the report quotes, by (top-level) question code: the comments on options, the
    long texts (also in tables) and the "other (please specify)" texts of completed
    responses. One-line text answers are names, roles, emails and organisations: not
    quotes, and personal, so they stay out of the document."""
    quotes: dict[str, list[Quote]] = defaultdict(list)
    answers = selectors.text_answers(selectors.Scope(wave_id=wave.pk)).select_related("question__parent", "option")
    for a in answers:
        question = a.question.parent or a.question
        detail = a.question.text if a.question.parent_id else ""
        quoted_text = a.question.type == Question.Type.LONG_TEXT or a.question.is_choice
        label = a.option.label if a.option is not None else detail
        if a.row_ended:  # type: ignore[attr-defined]
            label = f"{label} ({ENDED_ROW})"
        pieces = ((a.text if quoted_text else "", label), (a.comment, label))
        for text, option in pieces:
            if text and text.strip():
                quotes[question.code].append(
                    Quote(text=text.strip(), partnership=a.acronym, group=a.group or "", option=option)  # type: ignore[attr-defined]
                )
    return quotes


def _doc_figures(specs: list[FigureSpec], number: Iterator[int]) -> list[DocFigure]:
    out: list[DocFigure] = []
    for spec in specs:
        repeated = bool(out) and spec.kind == "map" and spec.table_rows == out[-1].spec.table_rows
        out.append(DocFigure(next(number), spec, show_table=not repeated))
    return out


def report_document(
    report: dict[str, Any], *, wave: Wave, structure: Structure, choices: dict[str, Choices] | None = None
) -> ReportDocument:
    """The report draft of a wave from its JSON-ready report (see `report.as_json`), with the
    figures as the staff chose to print them (`reports.choices`)."""
    number = iter(range(1, 10_000))
    quotes = _quotes(wave, structure)
    population = report["population"]
    rate = report["response_rate"]["total"]
    rates = (
        f"{population['completed']['total']} of {population['invited']['total']} invited completed the survey"
        + (f" ({rate}%)" if rate is not None else "")
        + f"; {population['started']['total']} started it."
    )
    pop = DocFigure(next(number), population_figure(report))
    sections = []
    unit = population_plural(wave.version.definition)
    for title, views in apply_to_views(report_views(report, structure), choices or {}, unit=unit):
        questions = []
        for view in views:
            keys = [k for k in view.respondents if k != "total"]
            respondents = ", ".join(f"{k} {view.respondents[k]}" for k in keys) + f", total {view.respondents['total']}"
            questions.append(
                DocQuestion(
                    code=view.code,
                    text=view.text,
                    respondents=f"Respondents: {respondents}",
                    notes=list(view.notes),
                    figures=_doc_figures(view.figures, number),
                    quotes=quotes.get(view.code, []),
                )
            )
        sections.append((title, questions))
    collaborations = None
    if report["collaborations"]["pairs"]:
        collaborations = DocFigure(next(number), collaboration_figure(report))
    tables = (
        printed_tables(
            report["tables"], groups=report["groups"], previous_wave=report["previous_wave"], wave=report["wave"]
        )
        if "tables" in report
        else []
    )
    facts = [
        ("Wave", report["wave"]),
        ("Questionnaire", f"{report['questionnaire']} v{report['version']}"),
        ("Open", f"{wave.opens_at:%d %B %Y} – {wave.closes_at:%d %B %Y}"),
        ("Previous wave", report["previous_wave"] or "–"),
        ("Groups", ", ".join(report["groups"])),
        ("Counted", "completed (submitted) responses only"),
    ]
    title = report["title"]
    scope = report.get("scope")  # a filtered report (reports.filters)
    if scope:
        title = f"{title}: {scope['description']}"
        facts[-1] = ("Counted", scope_counted(scope))
        facts.append(("Scope", f"{scope['description']}; quotes from every completed response (not filtered)"))
    return ReportDocument(
        title=title,
        facts=facts,
        rates=rates,
        population=pop,
        sections=sections,
        tables=tables,
        collaborations=collaborations,
    )


# Word -------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return "–"
    return NOT_XML.sub("", str(value))


def _shade(cell: Any, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    properties.append(shading)


def _grid(doc: Any, headers: list[str], rows: list[list[Any]], *, bold_from: int | None = None) -> Table:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(_text(header)).bold = True
        _shade(cell, "DFE3E8")
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=False):
            run = cell.paragraphs[0].add_run(_text(value))
            run.bold = bold_from is not None and i >= bold_from
    return table


def _figure(doc: Any, figure: DocFigure) -> None:
    doc.add_picture(io.BytesIO(charts.render(figure.spec, "png")), width=Cm(16))
    doc.add_paragraph(_text(figure.caption), style="Caption")
    if figure.spec.table_headers and figure.show_table:
        _grid(doc, figure.spec.table_headers, figure.spec.table_rows)
    doc.add_paragraph()


def _quote(doc: Any, quote: Quote) -> None:
    """A quote box: a one-cell bordered, shaded table the analyst edits or deletes."""
    box = doc.add_table(rows=1, cols=1)
    box.style = "Table Grid"
    cell = box.rows[0].cells[0]
    _shade(cell, QUOTE_SHADING)
    paragraph = cell.paragraphs[0]
    paragraph.add_run(f"“{_text(quote.text)}”").italic = True
    who = " · ".join(filter(None, [quote.partnership, quote.group, quote.option]))
    source = cell.add_paragraph()
    run = source.add_run(f"— {_text(who)}")
    run.font.size = Pt(8)
    doc.add_paragraph()


def document_docx(doc_data: ReportDocument) -> bytes:
    """The Word draft as bytes."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    doc.add_heading(_text(doc_data.title), level=0)
    doc.add_paragraph("Progress report – draft")
    _grid(doc, ["", ""], [list(f) for f in doc_data.facts])
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    doc.add_heading("Response rates", level=1)
    doc.add_paragraph(_text(doc_data.rates))
    _figure(doc, doc_data.population)
    rates = next((t for t in doc_data.tables if t.key == "rates"), None)
    if rates is not None:
        _grid(doc, rates.headers, rates.rows)

    for title, questions in doc_data.sections:
        doc.add_heading(_text(title), level=1)
        for q in questions:
            doc.add_heading(_text(f"{q.code}. {q.text}"), level=2)
            doc.add_paragraph(_text(q.respondents))
            for note in q.notes:
                doc.add_paragraph(_text(note))
            for figure in q.figures:
                _figure(doc, figure)
            if q.quotes:
                doc.add_heading(_text(f"Comments on {q.code}"), level=3)
                for quote in q.quotes:
                    _quote(doc, quote)

    others = [t for t in doc_data.tables if t.key != "rates"]
    if others or doc_data.collaborations is not None:
        doc.add_heading("Tables", level=1)
    for table in others:
        doc.add_heading(_text(table.title), level=2)
        _grid(doc, table.headers, table.rows, bold_from=table.totals_from)
        if table.note:
            doc.add_paragraph(_text(table.note))
    if doc_data.collaborations is not None:
        doc.add_heading("Collaborations between partnerships", level=2)
        _figure(doc, doc_data.collaborations)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
