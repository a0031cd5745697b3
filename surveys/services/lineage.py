"""Which questions, options, matrix rows and repeat fields of two versions are the same.

Waves of a questionnaire run on successive versions; carrying last year's answers into this
year's response (prefill), and the staff page of what changed, both need to know what in the
new version is what in the old. The rule lives here only:

- an item is the same as the old item with the same code and, for a question or field, the
  same type;
- `same_as: OLDCODE` in the new definition (on a question, option, matrix row or field) maps a
  renamed code (the loader validates it);
- a question whose code matches but whose type changed is *retyped*: not carried (its values
  mean something else), listed apart from removed and added;
- a matched question whose text changed is *reworded*: still the same question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import QuestionnaireVersion


@dataclass
class ItemMap:
    """Codes of options (or matrix rows) of a matched question: old code -> new code."""

    pairs: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    relabelled: list[str] = field(default_factory=list)  # new codes whose label changed


@dataclass
class QuestionPair:
    old: QuestionNode
    new: QuestionNode
    options: ItemMap
    rows: ItemMap
    # Repeat fields: the same correspondence one level down (fields have options too).
    fields: Correspondence | None = None

    @property
    def renamed(self) -> bool:
        return self.old.code != self.new.code

    @property
    def reworded(self) -> bool:
        return _words(self.old.question.text) != _words(self.new.question.text)


@dataclass
class Correspondence:
    pairs: list[QuestionPair] = field(default_factory=list)
    added: list[QuestionNode] = field(default_factory=list)
    removed: list[QuestionNode] = field(default_factory=list)
    # (old, new): the same code (or same_as) with another type; neither carried nor "same".
    retyped: list[tuple[QuestionNode, QuestionNode]] = field(default_factory=list)

    @property
    def reworded(self) -> list[QuestionPair]:
        return [p for p in self.pairs if p.reworded]

    @property
    def renamed(self) -> list[QuestionPair]:
        return [p for p in self.pairs if p.renamed]

    def by_new_code(self) -> dict[str, QuestionPair]:
        return {p.new.code: p for p in self.pairs}

    def is_identity(self) -> bool:
        return not (self.added or self.removed or self.retyped or self.reworded or self.renamed) and all(
            not (p.options.added or p.options.removed or p.rows.added or p.rows.removed)
            and (p.fields is None or p.fields.is_identity())
            for p in self.pairs
        )


def version_correspondence(*, old: QuestionnaireVersion, new: QuestionnaireVersion) -> Correspondence:
    """What in `new` is what in `old` (see the module's rules)."""
    old_structure, new_structure = structure_for(old), structure_for(new)
    return structure_correspondence(old=old_structure, new=new_structure, same_as=same_as_codes(new.definition))


def structure_correspondence(*, old: Structure, new: Structure, same_as: dict[tuple[str, ...], str]) -> Correspondence:
    return _match(old.questions(), new.questions(), same_as, ())


def same_as_codes(definition: dict[str, Any]) -> dict[tuple[str, ...], str]:
    """The definition's `same_as` by path of new codes: (Q,) for a question, (Q, "option", O),
    (Q, "row", R), (Q, "field", F) and (Q, "field", F, "option", O)."""
    found: dict[tuple[str, ...], str] = {}

    def walk(q: dict[str, Any], prefix: tuple[str, ...]) -> None:
        here = (*prefix, q["code"])
        if q.get("same_as"):
            found[here] = q["same_as"]
        for o in q.get("options", []):
            if o.get("same_as"):
                found[(*here, "option", o["code"])] = o["same_as"]
        for r in q.get("rows", []):
            if r.get("same_as"):
                found[(*here, "row", r["code"])] = r["same_as"]
        for f in q.get("fields", []):
            walk(f, (*here, "field"))

    for section in definition.get("sections", []):
        for q in section.get("questions", []):
            walk(q, ())
    return found


def _match(
    old_nodes: list[QuestionNode],
    new_nodes: list[QuestionNode],
    same_as: dict[tuple[str, ...], str],
    prefix: tuple[str, ...],
) -> Correspondence:
    result = Correspondence()
    old_by_code = {n.code: n for n in old_nodes}
    used: set[str] = set()
    for node in new_nodes:
        path = (*prefix, node.code)
        old_code = same_as.get(path, node.code)
        old_node = old_by_code.get(old_code)
        if old_node is None or old_code in used:
            result.added.append(node)
            continue
        used.add(old_code)
        if old_node.type != node.type:
            result.retyped.append((old_node, node))
            continue
        pair = QuestionPair(
            old=old_node,
            new=node,
            options=_items(
                [(o.code, o.label) for o in old_node.options],
                [(o.code, o.label) for o in node.options],
                same_as,
                (*path, "option"),
            ),
            rows=_items(
                [(r.code, r.label) for r in old_node.rows],
                [(r.code, r.label) for r in node.rows],
                same_as,
                (*path, "row"),
            ),
        )
        if node.fields or old_node.fields:
            pair.fields = _match(old_node.fields, node.fields, same_as, (*path, "field"))
        result.pairs.append(pair)
    result.removed = [n for n in old_nodes if n.code not in used]
    return result


def _items(
    old: list[tuple[str, str]], new: list[tuple[str, str]], same_as: dict[tuple[str, ...], str], prefix: tuple[str, ...]
) -> ItemMap:
    result = ItemMap()
    old_labels = dict(old)
    for code, label in new:
        old_code = same_as.get((*prefix, code), code)
        if old_code not in old_labels or old_code in result.pairs:
            result.added.append(code)
            continue
        result.pairs[old_code] = code
        if _words(old_labels[old_code]) != _words(label):
            result.relabelled.append(code)
    result.removed = [code for code, _ in old if code not in result.pairs]
    return result


def _words(text: str) -> str:
    # Reflowing a long question text in the YAML is not a rewording.
    return " ".join(text.split())
