"""Types holding rows: the repeat table, whose fields are questions of the other types."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from surveys.models import Answer, Question, RepeatRow
from surveys.types.base import FormReader, QuestionType, Raw, is_empty

if TYPE_CHECKING:
    from surveys.definition.structure import QuestionNode
    from surveys.models import Response

T = Question.Type
DEFAULT_MAX_ROWS = 500


def max_rows(node: QuestionNode) -> int:
    """The most rows a table holds: its `max_rows`, else 500."""
    limit = node.question.max_rows or DEFAULT_MAX_ROWS
    return limit


def rows_expected(node: QuestionNode, values: dict[str, Any]) -> int | None:
    """The number of rows a repeat table must have, from the question it takes it from."""
    source = node.question.rows_from
    if not source:
        return None
    number = values.get(source)
    if number is None:
        return None
    return int(number)


def _type(node: QuestionNode) -> QuestionType:
    from surveys.types import type_of

    return type_of(node)


class Repeat(QuestionType):
    code = T.REPEAT
    keys = frozenset({"fields", "rows_from", "max_rows"})
    plausibility_keys = frozenset({"carried_rows"})
    in_tables = False
    report_kind = "repeat"

    def check_definition(self, ck: Any, data: dict[str, Any], q: dict[str, Any], path: str) -> None:
        q["rows_from"] = ck.text(data, "rows_from", path, required=False)
        q["max_rows"] = ck.whole(data, "max_rows", path, minimum=1)
        seen: set[str] = set()
        for i, field in enumerate(ck.listing(data, "fields", path)):
            f = ck.question(field, f"{path}.fields[{i}]", in_repeat=True)
            if f is None:
                continue
            if f["code"] in seen:
                ck.error(f"{path}.fields[{i}].code", f"'{f['code']}' is used twice")
            seen.add(f["code"])
            if f["shown_if"]:
                ck.error(f"{path}.fields[{i}].shown_if", "fields of a repeat table cannot have shown_if")
            q["fields"].append(f)
        ck.check_same_as(q["fields"], f"{path}.fields")

    def merge_row(
        self,
        node: QuestionNode,
        into: dict[str, Any],
        answer: Answer,
        option_codes: dict[int, str],
        row_codes: dict[int, str],
    ) -> None:
        """A table has no answer row of its own: its rows are RepeatRow, their answers its fields'."""

    def add_rows(
        self,
        response: Response,
        node: QuestionNode,
        value: Any,
        partnership_ids: dict[str, int],
        answers: list[Answer],
        repeats: list[tuple[RepeatRow, list[Answer]]],
    ) -> None:
        for position, row in enumerate(value or [], start=1):
            repeat_row = RepeatRow(response=response, question=node.question, position=position)
            origin = row.get("_origin")
            if origin is not None and row.get("_status") in ("carried", "confirmed", "ended"):
                repeat_row.status, repeat_row.carried_from = row["_status"], origin
            row_answers: list[Answer] = []
            for field in node.fields:
                field_value = row.get(field.code)
                if not is_empty(field, field_value):
                    row_answers.extend(_type(field).answer_rows(response, field, field_value, partnership_ids))
            repeats.append((repeat_row, row_answers))

    def completeness(self, node: QuestionNode, value: Any, values: dict[str, Any]) -> dict[str, str]:
        problems: dict[str, str] = {}
        rows = value or []
        expected = rows_expected(node, values)
        # Rows marked ended are kept but are no longer current: the number counts the others.
        current = [row for row in rows if not _ended(row)]
        if expected is not None and len(current) != expected:
            source = node.question.rows_from
            ended = len(rows) - len(current)
            problems[node.code] = (
                f"You answered {expected} to {source}: please give {expected} "
                f"{'current ' if ended else ''}row{'s' if expected != 1 else ''} here "
                f"(there {'is' if len(current) == 1 else 'are'} {len(current)}"
                f"{f', and {ended} ended' if ended else ''})."
            )
        for index, row in enumerate(rows):
            for field in node.fields:
                if field.question.required and is_empty(field, row.get(field.code)):
                    problems[f"{node.code}.{index}.{field.code}"] = "This field needs an answer."
        return problems

    def short_text(self, node: QuestionNode, value: Any) -> str:
        return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'}"

    def shown_table(
        self, node: QuestionNode, value: Any, partnership_names: dict[str, str]
    ) -> tuple[list[str], list[list[str]]] | None:
        headers = [f.question.text for f in node.fields]
        rows = [
            [
                "" if is_empty(f, row.get(f.code)) else _type(f).display_text(f, row.get(f.code), partnership_names)
                for f in node.fields
            ]
            for row in value or []
        ]
        return headers, rows

    def history_text(self, node: QuestionNode, value: Any) -> str:
        rows = []
        for number, row in enumerate(value, start=1):
            cells = [
                f"{f.code}: {_history_text(f, row.get(f.code))}"
                for f in node.fields
                if not is_empty(f, row.get(f.code))
            ]
            # The respondent's answer on a carried row is part of the history ("carried": as copied).
            status = row.get("_status") if row.get("_origin") is not None else None
            mark = {"confirmed": "(still current) ", "ended": "(ended) "}.get(status or "", "")
            rows.append(f"{number}. {mark}" + "; ".join(cells))
        return "\n".join(rows)

    def keep_stored(self, node: QuestionNode, into: dict[str, Any], code: str, sub: str, saved: Any) -> None:
        # The piece is one field of one row (`<row>.<field>[.<its piece>]`), kept by the field's type.
        index_text, _, field_rest = sub.partition(".")
        field_code, _, field_sub = field_rest.partition(".")
        field = node.field_node(field_code)
        rows = into.get(code) or []
        if not index_text.isdigit() or field is None or int(index_text) >= len(rows):
            return
        index = int(index_text)
        saved_rows = saved or []
        before = saved_rows[index].get(field_code) if index < len(saved_rows) else None
        _type(field).keep_stored(field, rows[index], field_code, field_sub, before)

    def raw(self, node: QuestionNode, value: Any, prefix: str) -> Raw:
        if value is None:
            return {f"{prefix}.rows": "0"}
        raw: Raw = {f"{prefix}.rows": str(len(value))}
        for index, row in enumerate(value):
            if row.get("_origin") is not None:
                raw[f"{prefix}.{index}._origin"] = str(row["_origin"])
                raw[f"{prefix}.{index}._status"] = str(row.get("_status", "carried"))
            for f in node.fields:
                raw.update(_type(f).raw(f, row.get(f.code), f"{prefix}.{index}.{f.code}"))
        return raw

    def parse(self, reader: FormReader, node: QuestionNode, prefix: str) -> Any:
        count_name = f"{prefix}.rows"
        try:
            count = int(reader.data.get(count_name, "0"))
        except ValueError:
            count = 0
        count = max(0, min(count, max_rows(node)))
        reader.raw[count_name] = str(count)
        rows = []
        for index in range(count):
            row: dict[str, Any] = {}
            for f in node.fields:
                value = reader.question(f, f"{prefix}.{index}.{f.code}")
                if value is not None:
                    row[f.code] = value
            _parse_status(reader, f"{prefix}.{index}", row)
            rows.append(row)
        return rows

    def inputs(self, node: QuestionNode, countries: Callable[[QuestionNode], int]) -> tuple[int, int]:
        per_row = [_type(f).inputs(f, countries) for f in node.fields]
        rows = max_rows(node)
        return 1 + rows * sum(n for n, _ in per_row), len(node.code) + 60 + rows * sum(c for _, c in per_row)


def _ended(row: dict[str, Any]) -> bool:
    return row.get("_status") == "ended" and row.get("_origin") is not None


def _parse_status(reader: FormReader, prefix: str, row: dict[str, Any]) -> None:
    """A carried row's origin (hidden input) and status (the "still current / ended" choice).

    The origin is only a claim here: the section save keeps it only if it is one of the
    response's prefilled rows (surveys/services/responses.py)."""
    origin = reader.data.get(f"{prefix}._origin", "").strip()
    if not origin.isdigit() or len(origin) > 18:
        return
    status = reader.data.get(f"{prefix}._status", "carried")
    if status not in ("carried", "confirmed", "ended"):
        status = "carried"
    reader.raw[f"{prefix}._origin"] = origin
    reader.raw[f"{prefix}._status"] = status
    row["_origin"] = int(origin)
    row["_status"] = status


def _history_text(node: QuestionNode, value: Any) -> str:
    if is_empty(node, value):
        return ""
    return _type(node).history_text(node, value)


TYPES = [Repeat()]
