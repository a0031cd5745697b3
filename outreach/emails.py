"""The wording of the emails: default templates, per-wave overrides, placeholders, rendering.

Each kind of email is a trio (subject, plain text, HTML) written in Django's template
language, compiled by a restricted engine: no template loaders and no tag libraries, so a
template edited in the admin can use the placeholders of `PLACEHOLDERS` with the built-in
filters and `{% if %}`, and nothing else (no `{% include %}`, `{% load %}`, `{% debug %}`).

One source for both bodies: a wave's own plain-text body is also its HTML body, derived
from the rendered text (escaped, paragraphs at blank lines, addresses made links, in the
default emails' layout), unless the wave also gives an HTML body of its own; the admin then
warns where the two say different things (`bodies_differ`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import unescape
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, Variable, VariableNode
from django.template.defaulttags import IfNode
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode, IncludeNode
from django.utils.html import strip_tags, urlize

from outreach.models import EmailTemplate, Kind

# The placeholders an email template may use, with what they hold (shown in the admin and
# in docs/outreach.md).
PLACEHOLDERS: dict[str, str] = {
    "contact_name": "the contact's name (Ada Lovelace)",
    "partnership": "the partnership's acronym (GCA)",
    "partnership_name": "the partnership's full name, or its acronym when it has none",
    "population": "what one respondent of the questionnaire is: partnership, or cluster organisation (ECCP)",
    "population_plural": "the same in the plural: partnerships, cluster organisations",
    "questionnaire": "the questionnaire's title",
    "wave": "the wave's title",
    "deadline": "the partnership's deadline in Brussels time (5 June 2019, end of the day)",
    "link": "the contact's personal link to the questionnaire (a fresh one in every email)",
    "minutes_needed": "minutes the questionnaire takes (30)",
    "organisation": "the Observatory's name",
    "submitted_at": "when the response was submitted (confirmation only)",
    "submitted_by": "who submitted it (confirmation only)",
    "review_message": "what staff wrote when sending the response back (send-back only)",
}
PARTS = ("subject", "text", "html")


def _braces(name: str) -> str:
    return "{{ " + name + " }}"


_FORBIDDEN_NODES = (IncludeNode, ExtendsNode, BlockNode)

# No loaders, no libraries: see the module docstring.
ENGINE = Engine(dirs=[], app_dirs=False, loaders=[], libraries={}, debug=False)


def default_path(kind: str, part: str) -> str:
    suffix = {"subject": "_subject.txt", "text": ".txt", "html": ".html"}[part]
    return f"outreach/email/{kind}{suffix}"


@cache
def default_source(kind: str, part: str) -> str:
    """The text of a default template file (templates/outreach/email/)."""
    return get_template(default_path(kind, part)).template.source  # type: ignore[attr-defined]


def _expressions(node: Node) -> list[FilterExpression]:
    found: list[FilterExpression] = []
    if isinstance(node, VariableNode):
        found.append(node.filter_expression)
    if isinstance(node, IfNode):
        stack: list[Any] = [cond for cond, _ in node.conditions_nodelists if cond is not None]
        while stack:
            cond = stack.pop()
            if hasattr(cond, "value") and isinstance(cond.value, FilterExpression):
                found.append(cond.value)
            stack.extend(x for x in (getattr(cond, "first", None), getattr(cond, "second", None)) if x is not None)
    return found


def compile_template(source: str) -> Template:
    """Compile an email template, refusing unknown placeholders and forbidden tags.

    Raises ValidationError with a message an admin can act on.
    """
    try:
        template = ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(f"Template error: {exc}") from None
    unknown: set[str] = set()
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, _FORBIDDEN_NODES):
            raise ValidationError("Email templates may not include, extend or define blocks.")
        for expression in _expressions(node):
            var = expression.var
            if isinstance(var, Variable) and var.lookups and var.lookups[0] not in PLACEHOLDERS:
                unknown.add(var.lookups[0])
    if unknown:
        raise ValidationError(
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(_braces(name) for name in sorted(unknown))}; use {', '.join(PLACEHOLDERS)}."
        )
    return template


@dataclass(frozen=True)
class Trio:
    subject: Template
    text: Template
    # None: derived from the rendered text (see the module docstring).
    html: Template | None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def _default_trio(kind: str) -> Trio:
    return Trio(*(compile_template(default_source(kind, part)) for part in PARTS))


def trio_for(kind: str, override: EmailTemplate | None) -> Trio:
    """The templates of one kind of email: the wave's own parts where set, else the defaults."""
    default = _default_trio(kind)
    if override is None:
        return default
    own_text = bool(override.text_body.strip())
    if override.html_body.strip():
        html: Template | None = compile_template(override.html_body)
    else:
        # The wave's wording in the HTML part too, not the default's (issue 12).
        html = None if own_text else default.html
    return Trio(
        subject=compile_template(override.subject) if override.subject.strip() else default.subject,
        text=compile_template(override.text_body) if own_text else default.text,
        html=html,
    )


def trios_for_wave(wave_id: int) -> dict[str, Trio]:
    overrides = {t.kind: t for t in EmailTemplate.objects.filter(wave_id=wave_id)}
    return {kind: trio_for(kind, overrides.get(kind)) for kind in Kind.values}


# The default emails' frame (templates/outreach/email/*.html), around a derived HTML body.
_LAYOUT_HEAD = (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
    '<body style="margin:0;padding:0;background:#f4f5f7">\n'
    '  <div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;'
    'font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1d1d1d">\n'
)
_LAYOUT_FOOT = "  </div>\n</body>\n</html>\n"


def html_from_text(text: str) -> str:
    """The HTML body of a rendered plain-text body: every character escaped, a paragraph
    per blank-line-separated block, line breaks kept, web addresses made links."""
    blocks = [block.strip("\n") for block in text.replace("\r\n", "\n").split("\n\n")]
    paragraphs = []
    for block in blocks:
        if not block.strip():
            continue
        # urlize escapes the text around the links it makes (autoescape=True).
        lines = [urlize(line, nofollow=False, autoescape=True) for line in block.split("\n")]
        paragraphs.append("    <p>" + "<br>\n".join(lines) + "</p>\n")
    return _LAYOUT_HEAD + "".join(paragraphs) + _LAYOUT_FOOT


def render(trio: Trio, context: dict[str, Any]) -> Rendered:
    subject = trio.subject.render(Context(context, autoescape=False))
    # Plain str, not SafeString: the text is not HTML, whoever shows it must escape it.
    text = str.__str__(trio.text.render(Context(context, autoescape=False)))
    if trio.html is None:
        html = html_from_text(text)
    else:
        html = str.__str__(trio.html.render(Context(context, autoescape=True)))
    return Rendered(
        # A header is one line, whatever the template's line breaks.
        subject=" ".join(str.__str__(subject).split())[:255],
        text=text,
        html=html,
    )


def _words(text: str) -> list[str]:
    # Addresses are compared apart from the words: a link's href is not a word people read.
    return [w.strip(".,;:!?()\"'«»").lower() for w in text.split() if "://" not in w and w.strip(".,;:!?()")]


def bodies_differ(rendered: Rendered) -> list[str]:
    """Words one body has and the other has not (empty when they say the same)."""
    in_text = set(_words(rendered.text))
    in_html = set(_words(unescape(strip_tags(rendered.html))))
    only_text = sorted(in_text - in_html)
    only_html = sorted(in_html - in_text)
    found = []
    if only_text:
        found.append("only in the plain text: " + ", ".join(only_text[:12]) + ("…" if len(only_text) > 12 else ""))
    if only_html:
        found.append("only in the HTML: " + ", ".join(only_html[:12]) + ("…" if len(only_html) > 12 else ""))
    return found
