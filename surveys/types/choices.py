"""Types answered by choosing: multiple and single choice, yes/no, rating matrix, countries, partnership."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django_countries import countries

from surveys.countries import EU_COUNTRIES
from surveys.models import Answer, Option, Question
from surveys.types.base import (
    LONG_TEXT_MAX,
    TEXT_MAX,
    CellColumn,
    CellError,
    CellReading,
    Cells,
    CellWriting,
    Choice,
    FormReader,
    PartnershipValue,
    Problem,
    QuestionType,
    Raw,
    Ticked,
    number_text,
)
from surveys.types.scalars import as_code, as_number, as_text

if TYPE_CHECKING:
    from surveys.definition.structure import QuestionNode
    from surveys.models import Response

T = Question.Type
YES_NO_OPTIONS = [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}]
# The choice of "a partnership not in this list" in the journey's select.
OTHER_PARTNERSHIP = "__other__"
COUNTRY_SEPARATORS = re.compile(r"[,;]")
COUNTRY_CODES = frozenset(str(code) for code, _ in countries)


def country_name(code: str) -> str:
    return str(countries.name(code)) or code


def _name_length(node: QuestionNode) -> int:
    return len(node.code) + 60


# Cells -------------------------------------------------------------------------------------


def as_option(node: QuestionNode, value: Any, *, what: str = "option") -> str:
    code = as_code(value)
    if node.option(code) is None:
        known = ", ".join(o.code for o in node.options)
        raise CellError(f"'{code}' is not an {what} of {node.code} (its codes: {known}).")
    return code


def as_tick(value: Any) -> bool:
    if value in (1, True, "1"):
        return True
    if value in (0, False, "0"):
        return False
    raise CellError(f"'{value}' is not a tick: write 1 when the option is ticked, 0 or nothing when it is not.")


def as_countries(node: QuestionNode, value: Any) -> list[str]:
    """ISO codes separated by commas, in the order given (a repeated code counts once)."""
    if not isinstance(value, str):
        raise CellError(f"{value!r} is not a list of country codes (such as CN, US).")
    codes = [c.strip().upper() for c in COUNTRY_SEPARATORS.split(value) if c.strip()]
    unknown = [c for c in codes if c not in COUNTRY_CODES]
    if unknown:
        raise CellError(f"{', '.join(unknown)}: not ISO 3166 country codes (write codes such as CN, US).")
    if node.question.exclude_eu:
        inside = [c for c in codes if c in EU_COUNTRIES]
        if inside:
            raise CellError(f"{', '.join(inside)}: {node.code} takes only countries outside the EU.")
    codes = list(dict.fromkeys(codes))
    limit = node.question.max_items
    if limit and len(codes) > limit:
        raise CellError(f"{node.code} takes at most {limit} {'country' if limit == 1 else 'countries'}.")
    return codes


# The types ---------------------------------------------------------------------------------


class MultiChoice(QuestionType):
    code = T.MULTI_CHOICE
    keys = frozenset({"options", "other"})
    in_tables = False
    report_kind = "ticks"
    several_rows = True
    options_kind = "tick"

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        _check_options(ck, data, q, path, multi=True)

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        into.setdefault(node.code, {})[option_codes[answer.option_id]] = Ticked(  # type: ignore[index]
            comment=answer.comment, number=answer.number, text=answer.text
        )

    def answer_rows(
        self, response: Response, node: QuestionNode, value: Any, partnership_ids: dict[str, int]
    ) -> list[Answer]:
        options = {o.code: o for o in node.options}
        return [
            Answer(
                response=response,
                question=node.question,
                option=options[code],
                comment=t.comment,
                number=t.number,
                text=t.text,
            )
            for code, t in value.items()
        ]

    def completeness(self, node: QuestionNode, value: Any, values: dict[str, Any]) -> dict[str, str]:
        ticked_other = value.get("other") if value else None
        if ticked_other is not None and not ticked_other.text:
            return {f"{node.code}.other.text": "Please specify what “Other” is."}
        return {}

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return ", ".join(o.label for o in node.options if o.code in value)

    def shown_lines(
        self, node: QuestionNode, value: Any, partnership_names: dict[str, str]
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        lines = []
        for option in node.options:
            ticked = value.get(option.code)
            if ticked is None:
                continue
            details = []
            if ticked.number is not None:
                details.append((option.number_label or "Number", number_text(ticked.number)))
            if ticked.comment:
                details.append(("Comment", ticked.comment))
            lines.append((option.label if not option.is_other else f"Other: {ticked.text}", details))
        return lines

    def history_text(self, node: QuestionNode, value: Any) -> str:
        parts = []
        for option in node.options:
            ticked = value.get(option.code)
            if ticked is None:
                continue
            extra = [x for x in (number_text(ticked.number), ticked.text, ticked.comment) if x]
            parts.append(option.label + (f" ({'; '.join(extra)})" if extra else ""))
        return ", ".join(parts)

    def keep_stored(self, node: QuestionNode, into: dict[str, Any], code: str, sub: str, saved: Any) -> None:
        # A piece of a ticked option (its comment, number or text) keeps its own stored part;
        # a box next to an unticked option concerns nothing that can be saved.
        if not sub:
            super().keep_stored(node, into, code, sub, saved)
            return
        ticked: dict[str, Ticked] = into.get(code) or {}
        option, _, part = sub.partition(".")
        if option not in ticked or part not in ("comment", "number", "text"):
            return
        before = saved.get(option) if isinstance(saved, dict) else None
        kept = getattr(before if before is not None else Ticked(), part)
        ticked[option] = replace(ticked[option], **{part: kept})

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        raw: Raw = {}
        if value is None:
            return raw
        raw[prefix] = list(value)
        for code, ticked in value.items():
            raw[f"{prefix}.{code}.comment"] = ticked.comment
            raw[f"{prefix}.{code}.number"] = number_text(ticked.number)
            if code == "other":
                raw[f"{prefix}.other.text"] = ticked.text
        return raw

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        ticked_codes = reader.many(prefix)
        result: dict[str, Ticked] = {}
        for option in node.options:
            comment_name = f"{prefix}.{option.code}.comment"
            number_name = f"{prefix}.{option.code}.number"
            comment = reader.text(comment_name, LONG_TEXT_MAX) if option.comment else ""
            number = reader.number(number_name, minimum=Decimal(0)) if option.number_label else None
            text = reader.text(f"{prefix}.other.text") if option.is_other else ""
            if option.code in ticked_codes:
                result[option.code] = Ticked(comment=comment, number=number, text=text)
            else:
                # Typed but not ticked: say so rather than drop what the person wrote.
                if comment:
                    reader.errors[comment_name] = f"Tick “{option.label}” to keep this comment, or clear it."
                if reader.raw.get(number_name):
                    reader.errors[number_name] = f"Tick “{option.label}” to keep this number, or clear it."
                if text:
                    reader.errors[f"{prefix}.other.text"] = "Tick “Other” to keep this text, or clear it."
        unknown = [c for c in ticked_codes if node.option(c) is None]
        if unknown:
            reader.errors[prefix] = "Please choose among the options shown."
        exclusive = [o for o in node.options if o.exclusive and o.code in result]
        if exclusive and len(result) > 1:
            reader.errors[prefix] = (
                f"“{exclusive[0].label}” cannot be combined with other answers: untick one or the other."
            )
        return result or None

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        name = _name_length(node)
        n = c = 0
        for option in node.options:
            n += 1
            c += name + 64
            if option.comment:
                n, c = n + 1, c + name + LONG_TEXT_MAX
            if option.number_label:
                n, c = n + 1, c + name + 40
        if any(o.is_other for o in node.options):
            n, c = n + 1, c + name + TEXT_MAX
        return n, c

    def columns(self, node: QuestionNode) -> list[CellColumn]:
        out = []
        for option in node.options:
            c = option.code
            out.append(CellColumn(f"[{c}]", option.label, 10, c, "option", "tick", option))
            if option.comment:
                out.append(CellColumn(f"[{c}][comment]", f"Comment: {option.label}", 40, c, "comment", "comment"))
            if option.number_label:
                out.append(CellColumn(f"[{c}][number]", option.number_label, 12, c, "number", "number"))
            if option.is_other:
                out.append(CellColumn(f"[{c}][text]", f"{option.label}: text", 30, c, "other text", "other_text"))
        return out

    def to_cells(self, writer: CellWriting, nc: Any, value: Any, out: Cells) -> None:
        for oc in nc.options:
            ticked: Ticked | None = value.get(oc.option.code)
            if ticked is None:
                continue
            out.append((oc.tick, 1))
            if oc.comment is not None and ticked.comment:
                out.append((oc.comment, ticked.comment))
            if oc.number is not None and ticked.number is not None:
                out.append((oc.number, ticked.number))
            if oc.option.is_other and ticked.text:
                out.append((nc.other_text, ticked.text))

    def from_cells(self, reader: CellReading, nc: Any, get: Callable[[int], Any], problems: list[Problem]) -> Any:
        node = nc.node
        result: dict[str, Ticked] = {}
        other_text = reader.cell(nc.other_text, get, as_text, problems)
        for oc in nc.options:
            before = len(problems)
            ticked = reader.cell(oc.tick, get, as_tick, problems)
            if len(problems) > before:
                continue  # a faulty tick: what goes with it is not judged
            comment = reader.cell(oc.comment, get, as_text, problems) or ""
            number = reader.cell(oc.number, get, lambda v: as_number(None, v, minimum=Decimal(0)), problems)
            text = (other_text or "") if oc.option.is_other else ""
            if ticked:
                result[oc.option.code] = Ticked(comment=comment, number=number, text=text)
                continue
            header = f"{node.code}[{oc.option.code}]"
            if comment:
                problems.append(
                    (
                        oc.comment,
                        f"there is a comment but {header} is not ticked: write 1 in {header} or clear the comment.",
                    )
                )
            if number is not None:
                problems.append(
                    (
                        oc.number,
                        f"there is a number but {header} is not ticked: write 1 in {header} or clear the number.",
                    )
                )
            if text:
                problems.append(
                    (
                        nc.other_text,
                        f"there is a text but {header} is not ticked: write 1 in {header} or clear the text.",
                    )
                )
        exclusive = [oc for oc in nc.options if oc.option.exclusive and oc.option.code in result]
        if exclusive and len(result) > 1:
            problems.append(
                (
                    exclusive[0].tick,
                    f"'{exclusive[0].option.label}' excludes every other option of {node.code}, but others are ticked too.",
                )
            )
        return result or None


def _check_options(ck: Any, data: dict[str, Any], q: dict[str, Any], path: str, *, multi: bool) -> None:
    q["options"] = ck.options(ck.listing(data, "options", path), f"{path}.options", multi=multi)
    q["other"] = ck.boolean(data, "other", path)
    if q["other"] and any(o["code"] == Option.OTHER_CODE for o in q["options"]):
        ck.error(f"{path}.options", "the code 'other' is kept for the 'other: true' option")
    if not multi:
        q["scale"] = ck.boolean(data, "scale", path)
    if sum(1 for o in q["options"] if o.get("exclusive")) > 1:
        ck.error(f"{path}.options", "at most one option can be exclusive")


class SingleChoice(QuestionType):
    code = T.SINGLE_CHOICE
    keys = frozenset({"options", "other", "scale"})
    report_kind = "choice"
    cell_width = 14
    options_kind = "choice"

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        _check_options(ck, data, q, path, multi=False)

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        into[node.code] = Choice(option=option_codes[answer.option_id], text=answer.text)  # type: ignore[index]

    def answer_rows(
        self, response: Response, node: QuestionNode, value: Any, partnership_ids: dict[str, int]
    ) -> list[Answer]:
        options = {o.code: o for o in node.options}
        return [Answer(response=response, question=node.question, option=options[value.option], text=value.text)]

    def completeness(self, node: QuestionNode, value: Any, values: dict[str, Any]) -> dict[str, str]:
        if isinstance(value, Choice) and value.option == "other" and not value.text:
            return {f"{node.code}.other.text": "Please specify what “Other” is."}
        return {}

    def short_text(self, node: QuestionNode, value: Any) -> str:
        option = node.option(value.option)
        return value.text or (option.label if option else value.option)

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        if not isinstance(value, Choice):
            return str(value)
        option = node.option(value.option)
        label = option.label if option else value.option
        return f"{label}: {value.text}" if value.text else label

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        if value is None:
            return {}
        return {prefix: value.option, f"{prefix}.other.text": value.text}

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        code = reader.data.get(prefix, "")
        reader.raw[prefix] = code
        other_text = reader.text(f"{prefix}.other.text") if node.question.other else ""
        if not code:
            if other_text:
                reader.errors[f"{prefix}.other.text"] = "Choose “Other” to keep this text, or clear it."
            return None
        if node.option(code) is None:
            reader.errors[prefix] = "Please choose one of the options shown."
            return None
        return Choice(option=code, text=other_text if code == "other" else "")

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        return 2, 2 * _name_length(node) + 64 + TEXT_MAX

    def columns(self, node: QuestionNode) -> list[CellColumn]:
        out = super().columns(node)
        if node.question.other:
            out.append(
                CellColumn("[other][text]", "Other (please specify): text", 30, "other", "other text", "other_text")
            )
        return out

    def to_cells(self, writer: CellWriting, nc: Any, value: Any, out: Cells) -> None:
        out.append((nc.value, nc.option_cells[value.option]))
        if nc.other_text is not None and value.text:
            out.append((nc.other_text, value.text))

    def from_cells(self, reader: CellReading, nc: Any, get: Callable[[int], Any], problems: list[Problem]) -> Any:
        node = nc.node
        before = len(problems)
        code = reader.cell(nc.value, get, lambda v: as_option(node, v), problems)
        text = reader.cell(nc.other_text, get, as_text, problems) or ""
        if text and code != "other" and len(problems) == before:
            problems.append(
                (
                    nc.other_text,
                    f"there is a text but {node.code} is not 'other': set it to other or clear the text.",
                )
            )
        if code is None:
            return None
        return Choice(option=code, text=text if code == "other" else "")


class YesNo(SingleChoice):
    code = T.YES_NO
    keys = frozenset()
    cell_width = 8

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        q["options"] = [dict(o) for o in YES_NO_OPTIONS]

    def completeness(self, node: QuestionNode, value: Any, values: dict[str, Any]) -> dict[str, str]:
        return {}


class RatingMatrix(QuestionType):
    code = T.RATING_MATRIX
    keys = frozenset({"rows", "scale"})
    in_tables = False
    report_kind = "matrix"
    several_rows = True
    options_kind = "level"

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        q["rows"] = ck.options(ck.listing(data, "rows", path), f"{path}.rows")
        q["options"] = ck.options(ck.listing(data, "scale", path), f"{path}.scale")
        q["scale"] = True

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        into.setdefault(node.code, {})[row_codes[answer.matrix_row_id]] = option_codes[answer.option_id]  # type: ignore[index]

    def answer_rows(
        self, response: Response, node: QuestionNode, value: Any, partnership_ids: dict[str, int]
    ) -> list[Answer]:
        options = {o.code: o for o in node.options}
        rows = {r.code: r for r in node.rows}
        return [
            Answer(response=response, question=node.question, matrix_row=rows[row], option=options[level])
            for row, level in value.items()
        ]

    def completeness(self, node: QuestionNode, value: Any, values: dict[str, Any]) -> dict[str, str]:
        if not node.question.required or value is None:
            return {}
        return {f"{node.code}.{row.code}": "Please rate this item." for row in node.rows if row.code not in value}

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return f"{len(value)} rating{'s' if len(value) != 1 else ''}"

    def shown_lines(
        self, node: QuestionNode, value: Any, partnership_names: dict[str, str]
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        lines = []
        for row in node.rows:
            level = value.get(row.code)
            scale = node.option(level) if level else None
            lines.append((row.label, [("Rating", scale.label if scale else "not rated")]))
        return lines

    def history_text(self, node: QuestionNode, value: Any) -> str:
        labels = {o.code: o.label for o in node.options}
        return "; ".join(f"{row}: {labels.get(option, option)}" for row, option in sorted(value.items()))

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        return {f"{prefix}.{row}": level for row, level in (value or {}).items()}

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        result: dict[str, str] = {}
        for row in node.rows:
            name = f"{prefix}.{row.code}"
            level = reader.data.get(name, "")
            reader.raw[name] = level
            if level:
                if node.option(level) is None:
                    reader.errors[name] = "Please choose one of the levels shown."
                else:
                    result[row.code] = level
        return result or None

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        return len(node.rows), len(node.rows) * (_name_length(node) + 64)

    def columns(self, node: QuestionNode) -> list[CellColumn]:
        return [CellColumn(f"[{row.code}]", row.label, 12, row.code, "row", "row", row) for row in node.rows]

    def to_cells(self, writer: CellWriting, nc: Any, value: Any, out: Cells) -> None:
        for row, col in nc.rows:
            level = value.get(row.code)
            if level is not None:
                out.append((col, nc.option_cells[level]))

    def from_cells(self, reader: CellReading, nc: Any, get: Callable[[int], Any], problems: list[Problem]) -> Any:
        node = nc.node
        levels: dict[str, str] = {}
        for row, col in nc.rows:
            level = reader.cell(col, get, lambda v: as_option(node, v, what="level of the scale"), problems)
            if level is not None:
                levels[row.code] = level
        return levels or None


class Countries(QuestionType):
    code = T.COUNTRIES
    value_column = "country"
    keys = frozenset({"exclude_eu", "max"})
    report_kind = "countries"
    several_rows = True
    cell_width = 16

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        q["exclude_eu"] = ck.boolean(data, "exclude_eu", path)
        q["max_items"] = ck.whole(data, "max", path, minimum=1)

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        into.setdefault(node.code, []).append(answer.country)

    def answer_rows(
        self, response: Response, node: QuestionNode, value: Any, partnership_ids: dict[str, int]
    ) -> list[Answer]:
        return [Answer(response=response, question=node.question, country=c) for c in value]

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return ", ".join(value)

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        return ", ".join(country_name(c) for c in value)

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        return {} if value is None else {prefix: list(value)}

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        # Ticked boxes or a select post codes; the text input of a page without script
        # posts names or codes, separated by commas.
        chosen, unknown = reader.countries_read(reader.many(prefix), exclude_eu=node.question.exclude_eu)
        if unknown:
            listed = ", ".join(f"“{u[:64]}”" for u in unknown[:5])
            reader.errors[prefix] = (
                f"Please choose from the list or type a country's name or two-letter code "
                f"({listed} cannot be chosen here)."
            )
            return None
        chosen = list(dict.fromkeys(chosen))
        limit = node.question.max_items
        if limit and len(chosen) > limit:
            reader.errors[prefix] = f"Please choose at most {limit} {'country' if limit == 1 else 'countries'}."
            return None
        return chosen or None

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        # One select when at most one country, else a checkbox per country (a person may tick
        # more than allowed and be told so: that post must still be read).
        offered = 1 if node.question.max_items == 1 else countries(node)
        return offered, offered * (_name_length(node) + 2)

    def to_cells(self, writer: CellWriting, nc: Any, value: Any, out: Cells) -> None:
        out.append((nc.value, writer.countries_cell(value)))

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        return as_countries(node, value) or None


class Partnership(QuestionType):
    code = T.PARTNERSHIP
    value_column = "partnership"
    keys = frozenset({"partnerships"})
    report_kind = "partnership"
    cell_width = 16

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        if "partnerships" in data:
            # Only when given, so that the checksum of a definition without it does not change.
            q["partnerships"] = ck.partnerships(data["partnerships"], f"{path}.partnerships")

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        into[node.code] = PartnershipValue(
            acronym=answer.partnership.acronym if answer.partnership else "", text=answer.text
        )

    def answer_rows(
        self, response: Response, node: QuestionNode, value: Any, partnership_ids: dict[str, int]
    ) -> list[Answer]:
        pid = partnership_ids.get(value.acronym) if value.acronym else None
        return [Answer(response=response, question=node.question, partnership_id=pid, text="" if pid else value.text)]

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return value.acronym or value.text

    def display_text(self, node: QuestionNode, value: Any, partnership_names: dict[str, str]) -> str:
        if not isinstance(value, PartnershipValue):
            return str(value)
        if value.acronym:
            return partnership_names.get(value.acronym, value.acronym)
        return f"{value.text} (not in the register)"

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        if value is None:
            return {}
        return {
            prefix: value.acronym or (OTHER_PARTNERSHIP if value.text else ""),
            f"{prefix}.other.text": value.text,
        }

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        choice = reader.data.get(prefix, "")
        reader.raw[prefix] = choice
        other_text = reader.text(f"{prefix}.other.text")
        if not choice:
            if other_text:
                reader.errors[f"{prefix}.other.text"] = "Choose “Another partnership” to keep this name, or clear it."
            return None
        if choice == OTHER_PARTNERSHIP:
            return PartnershipValue(text=other_text)
        if choice not in reader.partnerships_offered(node):
            # Only the partnerships the question designates may be named (a crafted post
            # or a stale page must not name any organisation of the register).
            reader.errors[prefix] = (
                f"“{choice[:64]}” is not one of the partnerships offered here: choose one from the list, "
                "or “Another partnership (not in this list)” and type its name."
            )
            return None
        return PartnershipValue(acronym=choice)

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        return 2, 2 * _name_length(node) + 64 + TEXT_MAX

    def to_cells(self, writer: CellWriting, nc: Any, value: Any, out: Cells) -> None:
        if value.acronym:
            name = writer.partnership_names.get(value.acronym) if writer.labels else None
            out.append((nc.value, f"{value.acronym} ({name})" if name else value.acronym))
        else:
            out.append((nc.value, value.text))

    def read_cell(self, reader: CellReading, node: QuestionNode, value: Any) -> Any:
        text = as_text(value)
        if text.strip() in reader.acronyms:
            return PartnershipValue(acronym=text.strip())
        return PartnershipValue(text=text)


TYPES = [MultiChoice(), SingleChoice(), YesNo(), RatingMatrix(), Countries(), Partnership()]
