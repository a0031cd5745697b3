"""Read a questionnaire definition (YAML), validate it, and store it as a version.

The format is documented in `docs/questionnaire-format.md`. Validation collects every
problem with the path where it was found (`sections[2].questions[0].options[3].code`), so a
person editing a file sees all mistakes at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from surveys.definition.structure import QuestionNode, SectionNode, Structure
from surveys.models import MatrixRow, Option, Question, Questionnaire, QuestionnaireVersion, Section
from surveys.types import TYPES

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

T = Question.Type
# The keys of every question. Each type's own keys, what it may declare under `plausibility:`
# (docs/questionnaire-format.md), whether a repeat table's field may have it and the check of
# its keys are the type's: surveys.types.
COMMON_KEYS = {"code", "type", "text", "help", "required", "shown_if", "same_as"}
# What a partnership question may designate: registered partnerships of these programmes, of
# these groups, or with these acronyms.
PARTNERSHIP_KEYS = ("programmes", "groups", "acronyms")
DEFAULT_MAX_ROWS = 500


class DefinitionError(Exception):
    """The definition has problems; `problems` lists each with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def text(self, data: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(path, f"'{key}' is missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(f"{path}.{key}", "must be text")
            return ""
        return str(value).strip()

    def code(self, data: dict[str, Any], path: str) -> str:
        value = self.text(data, "code", path)
        if value and not CODE_RE.match(value):
            self.error(f"{path}.code", f"'{value}' may hold only letters, digits, '_', '-' and '.'")
        return value

    def boolean(self, data: dict[str, Any], key: str, path: str, default: bool = False) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", "must be true or false")
            return default
        return value

    def number(self, data: dict[str, Any], key: str, path: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            self.error(f"{path}.{key}", "must be a number")
            return None
        try:
            return str(Decimal(str(value)))
        except InvalidOperation:
            self.error(f"{path}.{key}", "must be a number")
            return None

    def whole(self, data: dict[str, Any], key: str, path: str, *, minimum: int = 0) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.error(f"{path}.{key}", f"must be a whole number of at least {minimum}")
            return None
        return value

    def listing(self, data: dict[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.error(path, f"'{key}' must be a non-empty list")
            return []
        return value

    def unknown_keys(self, data: dict[str, Any], allowed: set[str] | frozenset[str], path: str) -> None:
        for key in sorted(set(data) - allowed):
            self.error(f"{path}.{key}", "is not a known attribute")

    # What the types' definition checks call (surveys.types).

    def options(self, items: list[Any], path: str, *, multi: bool = False) -> list[dict[str, Any]]:
        return _options(self, items, path, multi=multi)

    def question(self, data: Any, path: str, *, in_repeat: bool = False) -> dict[str, Any] | None:
        return _question(self, data, path, in_repeat=in_repeat)

    def check_same_as(self, items: list[dict[str, Any]], path: str) -> None:
        _check_same_as(self, items, path)

    def partnerships(self, value: Any, path: str) -> dict[str, list[str]]:
        return _partnerships(self, value, path)


def _options(ck: _Checker, items: list[Any], path: str, *, multi: bool = False) -> list[dict[str, Any]]:
    allowed = {"code", "label", "same_as"} | ({"comment", "number", "exclusive"} if multi else set())
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        p = f"{path}[{i}]"
        if not isinstance(item, dict):
            ck.error(p, "must be a mapping with 'code' and 'label'")
            continue
        ck.unknown_keys(item, allowed, p)
        code = ck.code(item, p)
        if code in seen:
            ck.error(f"{p}.code", f"'{code}' is used twice")
        seen.add(code)
        option: dict[str, Any] = {"code": code, "label": ck.text(item, "label", p)}
        _same_as(ck, item, option, p)
        if multi:
            option["comment"] = ck.boolean(item, "comment", p, default=True)
            number = item.get("number")
            if number is not None and (not isinstance(number, str) or not number.strip()):
                ck.error(f"{p}.number", "must be the label of the number box")
                number = None
            option["number_label"] = (number or "").strip()
            option["exclusive"] = ck.boolean(item, "exclusive", p)
        result.append(option)
    _check_same_as(ck, result, path)
    return result


def _same_as(ck: _Checker, data: dict[str, Any], target: dict[str, Any], path: str) -> None:
    """`same_as: OLDCODE`: this question, option, row or field is the one the earlier version
    called OLDCODE (a renamed code). Kept only when given, so that a definition without it
    keeps its checksum (and its version)."""
    if "same_as" not in data:
        return
    value = data["same_as"]
    if not isinstance(value, str) or not CODE_RE.match(value.strip()):
        ck.error(f"{path}.same_as", "must be the code the earlier version used (letters, digits, '_', '.', '-')")
        return
    value = value.strip()
    if value == target.get("code"):
        ck.error(f"{path}.same_as", f"'{value}' is this item's own code (same code is matched without same_as)")
        return
    target["same_as"] = value


def _check_same_as(ck: _Checker, items: list[dict[str, Any]], path: str) -> None:
    """Among siblings, an earlier code is claimed at most once: by `same_as`, or by a sibling
    still carrying that code (which would then be the same item by default)."""
    codes = {item["code"]: i for i, item in enumerate(items)}
    claimed: dict[str, int] = {}
    for i, item in enumerate(items):
        old = item.get("same_as")
        if not old:
            continue
        if old in codes:
            ck.error(
                f"{path}[{i}].same_as",
                f"'{old}' is still the code of {path}[{codes[old]}]; rename that one too or drop same_as",
            )
        elif old in claimed:
            ck.error(f"{path}[{i}].same_as", f"'{old}' is already claimed by {path}[{claimed[old]}].same_as")
        claimed.setdefault(old, i)


def _question(ck: _Checker, data: Any, path: str, *, in_repeat: bool = False) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        ck.error(path, "must be a mapping")
        return None
    qtype = data.get("type")
    if qtype not in TYPES:
        ck.error(f"{path}.type", f"'{qtype}' is not a known type ({', '.join(TYPES)})")
        return None
    question_type = TYPES[qtype]
    if in_repeat and not question_type.in_tables:
        ck.error(f"{path}.type", f"a repeat field cannot be of type '{qtype}'")
        return None
    allowed = COMMON_KEYS | question_type.keys | ({"label"} if in_repeat else set())
    if not in_repeat and question_type.plausibility_keys:
        allowed = allowed | {"plausibility"}
    ck.unknown_keys(data, allowed, path)
    text_key = "label" if in_repeat and "label" in data else "text"
    q: dict[str, Any] = {
        "code": ck.code(data, path),
        "type": qtype,
        "text": ck.text(data, text_key, path),
        "help": ck.text(data, "help", path, required=False),
        "required": ck.boolean(data, "required", path),
        "scale": False,
        "other": False,
        "min": None,
        "max": None,
        "decimals": 0,
        "exclude_eu": False,
        "max_items": None,
        "rows_from": "",
        "max_rows": None,
        "shown_if": {},
        "options": [],
        "rows": [],
        "fields": [],
    }
    _same_as(ck, data, q, path)
    shown_if = data.get("shown_if")
    if shown_if is not None:
        if (
            not isinstance(shown_if, dict)
            or set(shown_if) != {"question", "equals"}
            or not isinstance(shown_if.get("question"), str)
        ):
            ck.error(f"{path}.shown_if", "must be {question: CODE, equals: VALUE}")
        else:
            q["shown_if"] = {"question": shown_if["question"], "equals": str(shown_if["equals"])}
    question_type.check_definition(ck, data, q, path)
    if "plausibility" in data and "plausibility" in allowed:
        # Only when given, so that the checksum of a definition without it does not change.
        q["plausibility"] = _plausibility(ck, data["plausibility"], f"{path}.plausibility", qtype, q["fields"])
    return q


def _plausibility(ck: _Checker, value: Any, path: str, qtype: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """Warnings (never refusals) asked of a number or a repeat table: surveys/plausibility.py."""
    if not isinstance(value, dict) or not value:
        ck.error(path, f"must be a mapping of {', '.join(sorted(TYPES[qtype].plausibility_keys))}")
        return {}
    ck.unknown_keys(value, TYPES[qtype].plausibility_keys, path)
    rules: dict[str, Any] = {}
    if "cumulative" in value:
        rules["cumulative"] = ck.boolean(value, "cumulative", path)
    if "at_most_times_previous" in value:
        times = ck.number(value, "at_most_times_previous", path)
        if times is not None and Decimal(times) <= 1:
            ck.error(f"{path}.at_most_times_previous", "must be above 1")
        elif times is not None:
            rules["at_most_times_previous"] = times
    if "count_of" in value:
        rules["count_of"] = ck.text(value, "count_of", path)
    if "carried_rows" in value:
        field = ck.text(value, "carried_rows", path)
        if field and field not in {f["code"] for f in fields}:
            ck.error(f"{path}.carried_rows", f"'{field}' is not a field of this table")
        rules["carried_rows"] = field
    return rules


def _partnerships(ck: _Checker, value: Any, path: str) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not value or set(value) - set(PARTNERSHIP_KEYS):
        ck.error(path, f"must be a mapping of {', '.join(PARTNERSHIP_KEYS)} (at least one)")
        return {}
    result = {}
    for key in PARTNERSHIP_KEYS:
        if key not in value:
            continue
        items = value[key]
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
            ck.error(f"{path}.{key}", "must be a non-empty list of texts")
            continue
        result[key] = [i.strip() for i in items]
    return result


DEFAULT_POPULATION = {"singular": "partnership", "plural": "partnerships"}


def _population(ck: _Checker, value: Any) -> dict[str, str] | None:
    """`population: {singular: cluster organisation, plural: cluster organisations}`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        ck.error("population", "must be a mapping with `singular` and `plural` (e.g. partnership, partnerships)")
        return None
    ck.unknown_keys(value, {"singular", "plural"}, "population")
    names = {}
    for key in ("singular", "plural"):
        name = value.get(key)
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 64:
            ck.error(f"population.{key}", "must be a name of 1 to 64 characters (e.g. cluster organisation)")
            continue
        names[key] = " ".join(name.split())
    return names if len(names) == 2 else None


def normalise(data: Any, source: str = "definition") -> dict[str, Any]:
    """Validate a parsed definition and return it with every default filled in."""
    ck = _Checker()
    if not isinstance(data, dict):
        raise DefinitionError(source, ["the file must hold a mapping (code, title, version, groups, sections)"])
    ck.unknown_keys(
        data, {"code", "title", "description", "version", "minutes", "groups", "population", "sections", "report"}, ""
    )
    code = ck.text(data, "code", "")
    if code and not SLUG_RE.match(code):
        ck.error("code", f"'{code}' must be a slug (lower-case letters, digits and '-')")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        ck.error("version", "must be a whole number of at least 1")
        version = 1
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) and SLUG_RE.match(g) for g in groups):
        ck.error("groups", "must be a non-empty list of slugs (e.g. [strand-1, strand-2])")
        groups = []
    definition: dict[str, Any] = {
        "code": code,
        "title": ck.text(data, "title", ""),
        "description": ck.text(data, "description", "", required=False),
        "version": version,
        "minutes": ck.whole(data, "minutes", "", minimum=1) or 30,
        "groups": groups,
        "sections": [],
    }
    population = _population(ck, data.get("population"))
    if population is not None:
        # Only when declared: a definition without it keeps its checksum (and its version).
        definition["population"] = population
    section_codes: set[str] = set()
    questions: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for s_index, section in enumerate(ck.listing(data, "sections", "")):
        sp = f"sections[{s_index}]"
        if not isinstance(section, dict):
            ck.error(sp, "must be a mapping")
            continue
        ck.unknown_keys(section, {"code", "title", "description", "questions"}, sp)
        s_code = ck.code(section, sp)
        if s_code in section_codes:
            ck.error(f"{sp}.code", f"'{s_code}' is used twice")
        section_codes.add(s_code)
        s: dict[str, Any] = {
            "code": s_code,
            "title": ck.text(section, "title", sp),
            "description": ck.text(section, "description", sp, required=False),
            "questions": [],
        }
        for q_index, raw in enumerate(ck.listing(section, "questions", sp)):
            qp = f"{sp}.questions[{q_index}]"
            q = _question(ck, raw, qp)
            if q is None:
                continue
            if q["code"] in questions:
                ck.error(f"{qp}.code", f"'{q['code']}' is used twice in the questionnaire")
            q["_path"] = qp
            questions[q["code"]] = q
            order.append(q["code"])
            s["questions"].append(q)
        definition["sections"].append(s)

    # same_as of questions: an earlier code is claimed once, and not by a question while
    # another still carries it.
    claimed: dict[str, str] = {}
    for q_code in order:
        q = questions[q_code]
        old = q.get("same_as")
        if not old:
            continue
        where = f"{q.get('_path', q_code)}.same_as"
        if old in questions:
            ck.error(where, f"'{old}' is still the code of another question; rename that one too or drop same_as")
        elif old in claimed:
            ck.error(where, f"'{old}' is already claimed by {claimed[old]}")
        claimed.setdefault(old, q_code)
    # Cross-references: shown_if and rows_from point to earlier questions of the right type.
    for position, q_code in enumerate(order):
        q = questions[q_code]
        qp = q.pop("_path", q_code)
        earlier = set(order[:position])
        if q["shown_if"]:
            target = q["shown_if"]["question"]
            if target not in earlier:
                ck.error(f"{qp}.shown_if", f"'{target}' is not a question asked before {q_code}")
            else:
                codes = {o["code"] for o in questions[target]["options"]}
                if questions[target]["type"] not in (T.YES_NO, T.SINGLE_CHOICE, T.MULTI_CHOICE):
                    ck.error(f"{qp}.shown_if", f"'{target}' is not a choice question")
                elif q["shown_if"]["equals"] not in codes:
                    ck.error(f"{qp}.shown_if.equals", f"'{q['shown_if']['equals']}' is not an option of {target}")
        count_of = q.get("plausibility", {}).get("count_of")
        if count_of and (count_of not in questions or questions[count_of]["type"] != T.REPEAT):
            ck.error(f"{qp}.plausibility.count_of", f"'{count_of}' is not a repeat question of this questionnaire")
        if q["rows_from"]:
            target = q["rows_from"]
            if target not in earlier or questions[target]["type"] != T.NUMBER:
                ck.error(f"{qp}.rows_from", f"'{target}' is not a number question asked before {q_code}")
    if "report" in data:
        # Only when given: a definition without it keeps its checksum (and its version).
        definition["report"] = _report_settings(ck, data["report"], questions)
    if ck.problems:
        raise DefinitionError(source, ck.problems)
    problems = export_problems(definition)
    if problems:
        raise DefinitionError(source, [f"its Excel export could not be imported back: {p}" for p in problems])
    return definition


INDICATOR_KINDS = ("at_least_one_row", "eu_split", "cumulative_share")


def _report_settings(ck: _Checker, data: Any, questions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The `report` mapping: what the printed report's Table 1 shows and which derived
    indicators it prints (docs/questionnaire-format.md, "Report")."""
    out: dict[str, Any] = {}
    if not isinstance(data, dict):
        ck.error("report", "must be a mapping (table1, indicators)")
        return out
    ck.unknown_keys(data, {"table1", "indicators"}, "report")

    def target(code: str, path: str) -> dict[str, Any] | None:
        head, _, rest = code.partition(".")
        q = questions.get(head)
        if q is not None and rest:
            q = next((f for f in q.get("fields", []) if f["code"] == rest), None)
        if q is None:
            ck.error(path, f"'{code}' is not a question (or TABLE.FIELD) of the questionnaire")
        return q

    table = data.get("table1")
    if table is not None:
        p = "report.table1"
        if not isinstance(table, dict):
            ck.error(p, "must be a mapping with 'question' (and 'option', 'title')")
        else:
            ck.unknown_keys(table, {"question", "option", "title"}, p)
            code = ck.text(table, "question", p)
            option = ck.text(table, "option", p, required=False)
            q = target(code, f"{p}.question") if code and "." not in code else None
            if code and "." in code:
                ck.error(f"{p}.question", "must be a question, not a field of a table")
            if q is not None:
                if option:
                    found = next((o for o in q.get("options", []) if o["code"] == option), None)
                    if q["type"] != T.MULTI_CHOICE or found is None or not found.get("number_label"):
                        ck.error(f"{p}.option", f"'{option}' is not an option of {code} with a number box")
                elif q["type"] not in (T.NUMBER, T.REPEAT):
                    ck.error(
                        f"{p}.question", f"'{code}' must be a number question or a repeat table (or give 'option')"
                    )
            out["table1"] = {
                "question": code,
                "option": option or None,
                "title": ck.text(table, "title", p, required=False),
            }
    items = data.get("indicators", [])
    if not isinstance(items, list):
        ck.error("report.indicators", "must be a list")
        items = []
    indicators: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        p = f"report.indicators[{i}]"
        if not isinstance(item, dict):
            ck.error(p, "must be a mapping with 'kind' and 'question'")
            continue
        ck.unknown_keys(item, {"kind", "question", "through", "label"}, p)
        kind = ck.text(item, "kind", p)
        code = ck.text(item, "question", p)
        if kind and kind not in INDICATOR_KINDS:
            ck.error(f"{p}.kind", f"'{kind}' is not one of {', '.join(INDICATOR_KINDS)}")
        q = target(code, f"{p}.question") if code else None
        spec = {"kind": kind, "question": code, "label": ck.text(item, "label", p, required=False)}
        if q is not None and kind == "at_least_one_row" and q["type"] != T.REPEAT:
            ck.error(f"{p}.question", f"'{code}' is not a repeat table")
        if q is not None and kind == "eu_split" and q["type"] != T.COUNTRIES:
            ck.error(f"{p}.question", f"'{code}' is not a countries question")
        if kind == "cumulative_share":
            through = ck.text(item, "through", p)
            spec["through"] = through
            if q is not None and q["type"] != T.SINGLE_CHOICE:
                ck.error(f"{p}.question", f"'{code}' is not a single choice question")
            elif q is not None and through and through not in [o["code"] for o in q.get("options", [])]:
                ck.error(f"{p}.through", f"'{through}' is not an option of {code}")
        elif "through" in item:
            ck.error(f"{p}.through", "belongs only to a cumulative_share")
        indicators.append(spec)
    out["indicators"] = indicators
    return out


def checksum(definition: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(str(path), [f"not valid YAML: {exc}"]) from exc
    except OSError as exc:
        raise DefinitionError(str(path), [f"cannot be read: {exc.strerror}"]) from exc
    return normalise(data, source=str(path))


@dataclass(frozen=True)
class LoadResult:
    version: QuestionnaireVersion
    outcome: str  # "created", "updated", "unchanged", "new version"

    def __str__(self) -> str:
        return f"{self.version}: {self.outcome}"


@transaction.atomic
def questionnaire_load(*, definition: dict[str, Any], source: str = "") -> LoadResult:
    """Store a normalised definition; safe to run again with the same content.

    The definition's `version` names the version to write. If that version exists with the
    same content, nothing changes. If its content differs and no wave uses it, it is rebuilt
    in place; if a wave uses it, it is never touched and the content becomes the next
    version number instead.
    """
    digest = checksum(definition)
    questionnaire, _ = Questionnaire.objects.select_for_update(of=("self",)).get_or_create(
        code=definition["code"], defaults={"title": definition["title"]}
    )
    if questionnaire.title != definition["title"]:
        questionnaire.title = definition["title"]
        questionnaire.save(update_fields=["title", "updated_at"])
    existing = questionnaire.versions.filter(number=definition["version"]).first()
    if existing is not None and existing.checksum == digest:
        return LoadResult(existing, "unchanged")
    same_content = questionnaire.versions.filter(checksum=digest).order_by("-number").first()
    if existing is not None and same_content is not None:
        # Already stored as a later version (a frozen version was changed before).
        return LoadResult(same_content, "unchanged")
    if existing is None:
        version = _create_version(questionnaire, definition["version"], definition, digest, source)
        return LoadResult(version, "created")
    if not existing.is_frozen():
        existing.sections.all().delete()
        _fill_version(existing, definition, digest, source)
        return LoadResult(existing, "updated")
    number = (questionnaire.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = _create_version(questionnaire, number, definition, digest, source)
    return LoadResult(version, "new version")


def _create_version(
    questionnaire: Questionnaire, number: int, definition: dict[str, Any], digest: str, source: str
) -> QuestionnaireVersion:
    version = QuestionnaireVersion(questionnaire=questionnaire, number=number)
    _fill_version(version, definition, digest, source)
    return version


def _fill_version(version: QuestionnaireVersion, definition: dict[str, Any], digest: str, source: str) -> None:
    version.title = definition["title"]
    version.description = definition["description"]
    version.groups = definition["groups"]
    version.minutes_needed = definition["minutes"]
    population = definition.get("population", DEFAULT_POPULATION)
    version.population_singular = population["singular"]
    version.population_plural = population["plural"]
    version.definition = definition
    version.checksum = digest
    version.source = source[-255:]
    version.save()
    for s_pos, s in enumerate(definition["sections"], start=1):
        section = Section.objects.create(
            version=version, code=s["code"], title=s["title"], description=s["description"], position=s_pos
        )
        for q_pos, q in enumerate(s["questions"], start=1):
            question = _create_question(version, section, None, q, q_pos)
            for f_pos, f in enumerate(q["fields"], start=1):
                _create_question(version, section, question, f, f_pos)


def _question_objects(
    version: QuestionnaireVersion | None,
    section: Section | None,
    parent: Question | None,
    q: dict[str, Any],
    position: int,
) -> tuple[Question, list[Option], list[MatrixRow]]:
    """A question of the definition with its options and rows, not saved (the options and rows
    get their question once it is)."""
    question = Question(
        version=version,
        section=section,
        parent=parent,
        code=q["code"],
        type=q["type"],
        text=q["text"],
        help=q["help"],
        required=q["required"],
        position=position,
        scale=q["scale"],
        other=q["other"],
        min_value=q["min"],
        max_value=q["max"],
        exclude_eu=q["exclude_eu"],
        max_items=q["max_items"],
        rows_from=q["rows_from"],
        max_rows=q["max_rows"],
        decimals=q["decimals"],
        shown_if=q["shown_if"],
        partnerships=q.get("partnerships", {}),
    )
    options = [
        Option(
            code=o["code"],
            label=o["label"],
            position=pos,
            comment=o.get("comment", False),
            number_label=o.get("number_label", ""),
            exclusive=o.get("exclusive", False),
        )
        for pos, o in enumerate(q["options"], start=1)
    ]
    if q["other"]:
        options.append(
            Option(
                code=Option.OTHER_CODE,
                label="Other (please specify)",
                position=len(options) + 1,
                is_other=True,
            )
        )
    rows = [MatrixRow(code=r["code"], label=r["label"], position=pos) for pos, r in enumerate(q["rows"], start=1)]
    return question, options, rows


def _create_question(
    version: QuestionnaireVersion, section: Section, parent: Question | None, q: dict[str, Any], position: int
) -> Question:
    question, options, rows = _question_objects(version, section, parent, q, position)
    question.save()
    for option in options:
        option.question = question
    for row in rows:
        row.question = question
    Option.objects.bulk_create(options)
    MatrixRow.objects.bulk_create(rows)
    return question


# Checks that apps above the engine add in their `ready()`: each is given the structure a
# definition would have once stored and says what is wrong with it for that app (the exchange
# app: whether its Excel export could be imported back). The engine imports none of them.
STRUCTURE_CHECKS: list[Callable[[Structure], list[str]]] = []


def export_problems(definition: dict[str, Any]) -> list[str]:
    """What the apps' structure checks find in this definition (`STRUCTURE_CHECKS`).

    The structure is built from the definition as it would be stored (questions not saved),
    so that a definition whose export could not be read back is refused before anything is
    written.
    """
    if not STRUCTURE_CHECKS:
        return []
    sections = []
    by_code: dict[str, QuestionNode] = {}
    for s_pos, s in enumerate(definition["sections"], start=1):
        node = SectionNode(section=Section(code=s["code"], title=s["title"], position=s_pos), index=s_pos - 1)
        for q_pos, q in enumerate(s["questions"], start=1):
            question, options, rows = _question_objects(None, None, None, q, q_pos)
            qnode = QuestionNode(question=question, options=options, rows=rows)
            for f_pos, f in enumerate(q["fields"], start=1):
                field, f_options, f_rows = _question_objects(None, None, question, f, f_pos)
                qnode.fields.append(QuestionNode(question=field, options=f_options, rows=f_rows))
            node.questions.append(qnode)
            by_code[q["code"]] = qnode
        sections.append(node)
    structure = Structure(version_id=0, checksum="", sections=sections, by_code=by_code, by_id={})
    return [problem for check in STRUCTURE_CHECKS for problem in check(structure)]


def bundled_paths() -> list[Path]:
    return sorted(BUNDLED_DIR.glob("*.yaml"))
