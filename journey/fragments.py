"""The repeated markup of a section page, drawn in Python: options, matrix cells, sub-inputs.

Why not templates: a page's options and matrix cells were most of its template nodes (a
choice of 7 options in each row of a table, a matrix of 6 rows by 5 levels), and Django's
engine spends a few microseconds on each node it renders; these loops were about two thirds
of a section page's rendering (docs/journey-speed.md, "Third round"). Here the parts that
depend only on the questionnaire version (escaped codes, labels, the attributes an option
carries) are computed once per version and kept on the version's cached tree
(`QuestionNode.memo`); a request only fills in names, ids, ticks, values and errors. Nothing
that depends on a response is ever kept.

The markup is the templates' as it was (the same inputs, attributes, labels and ids), but for
an option's label, which holds its box; the question's frame (fieldset, legend, help,
messages) stays in templates/journey/q/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from journey.widgets import Input, OptionUI, QuestionUI
    from surveys.definition.structure import QuestionNode


@dataclass(frozen=True)
class _OptionParts:
    raw: str  # the code, as the raw input holds it
    code: str  # escaped, as in value=""
    label: str  # escaped


def _option_parts(node: QuestionNode) -> list[_OptionParts]:
    parts = node.memo.get("option_parts")
    if parts is None:
        parts = node.memo["option_parts"] = [
            _OptionParts(raw=o.code, code=escape(o.code), label=escape(o.label)) for o in node.options
        ]
    return parts  # type: ignore[return-value]


def _error_attributes(item: Input) -> str:
    return f' aria-invalid="true" aria-describedby="{item.error_id}"' if item.error else ""


def sub_input(item: Input, label: str, kind: str) -> str:
    """An option's comment, number or "please specify" box (`label` escaped already)."""
    error = (
        f'<p class="error-message small mb-1" id="{item.error_id}"><span class="visually-hidden">Error: </span>'
        f"{conditional_escape(item.error)}</p>"
        if item.error
        else ""
    )
    invalid = " is-invalid" if item.error else ""
    name, value = conditional_escape(item.name), conditional_escape(item.value)
    if kind == "textarea":
        control = (
            f'<textarea class="form-control form-control-sm{invalid}" name="{name}" id="{item.id}" rows="2"'
            f"{_error_attributes(item)}>{value}</textarea>"
        )
    else:
        width, numeric = (" w-auto", ' inputmode="numeric" size="8"') if kind == "number" else ("", "")
        control = (
            f'<input class="form-control form-control-sm{width}{invalid}" type="text"{numeric} name="{name}" '
            f'id="{item.id}" value="{value}"{_error_attributes(item)}>'
        )
    return f'<div class="mb-2">\n<label class="form-label small mb-1" for="{item.id}">{label}</label>{error}\n{control}\n</div>'


def options(ui: QuestionUI, *, ticks: bool) -> SafeString:
    """The checkboxes (`ticks`) or radios of a choice, each with its boxes revealed when chosen."""
    name = conditional_escape(ui.input.name)
    kind = "checkbox" if ticks else "radio"
    out = []
    for o, parts in zip(ui.options, _option_parts(ui.node), strict=True):
        extra = o.has_extra if ticks else o.text is not None
        attributes = (" checked" if o.checked else "") + (" data-exclusive" if ticks and o.option.exclusive else "")
        if extra:
            attributes += f' aria-controls="{o.extra_id}"'
        # The label holds its box (an implicit label, as the HTML standard allows): the same name
        # for assistive technology and the same click target as a separate label `for` the box,
        # without the wrapper and the repeated id, about 80 bytes an option in every table row.
        out.append(
            f'<label class="form-check"><input class="form-check-input" type="{kind}" name="{name}" '
            f'value="{parts.code}" id="{o.id}"{attributes}> {parts.label}</label>'
        )
        if extra:
            out.append(_extras(o, parts))
    return mark_safe("\n".join(out))  # noqa: S308 - every piece escaped above


def _extras(o: OptionUI, parts: _OptionParts) -> str:
    boxes = []
    if o.text:
        boxes.append(sub_input(o.text, "Please specify", "text"))
    if o.number:
        boxes.append(sub_input(o.number, escape(o.option.number_label), "number"))
    if o.comment:
        boxes.append(sub_input(o.comment, f"Comment on “{parts.label}” (optional)", "textarea"))
    return f'<div class="option-extra" id="{o.extra_id}" data-reveal-for="{o.id}">\n{"".join(boxes)}\n</div>'


def _matrix_labels(node: QuestionNode) -> list[tuple[str, list[str]]]:
    """Per row: its escaped label and the hidden label of each of its radios."""
    labels = node.memo.get("matrix_labels")
    if labels is None:
        labels = node.memo["matrix_labels"] = [
            (escape(row.label), [escape(f"{row.label}: {level.label}") for level in node.options]) for row in node.rows
        ]
    return labels  # type: ignore[return-value]


def matrix_rows(ui: QuestionUI) -> SafeString:
    """The rows of a rating matrix: a header cell, then one radio per level."""
    levels = _option_parts(ui.node)
    out = []
    for r, (row_label, cell_labels) in zip(ui.matrix, _matrix_labels(ui.node), strict=True):
        item = r.input
        row_id, name = item.id, conditional_escape(item.name)
        error = (
            f'<span class="error-message small" id="{item.error_id}">{conditional_escape(item.error)}</span>'
            if item.error
            else ""
        )
        cells = []
        for level, cell_label in zip(levels, cell_labels, strict=True):
            checked = " checked" if item.value == level.raw else ""
            cells.append(
                f'<td class="text-center"><input class="form-check-input" type="radio" name="{name}" '
                f'value="{level.code}" id="{row_id}-{level.code}"{checked}{_error_attributes(item)}>'
                f'<label class="visually-hidden" for="{row_id}-{level.code}">{cell_label}</label></td>'
            )
        danger = ' class="table-danger"' if item.error else ""
        out.append(
            f'<tr{danger}>\n<th scope="row" id="{row_id}">{row_label}{error}</th>\n' + "\n".join(cells) + "\n</tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every piece escaped above
