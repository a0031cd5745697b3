"""Fictional, deterministic answers so that the dashboard shows something in `make run`,
and the same generator for the benchmark's large data sets.

`demo_responses_fill` answers the demo waves that `surveys.services.demo` opens: it opens a
closed ESCP-4i wave a year earlier (the "first survey"), fills it, makes the open demo wave
follow it, and answers part of the open demo waves (some submitted, some drafts). Every
answer comes from a random generator seeded with the wave and the partnership, so two runs
give the same figures; running it again changes nothing.

The open ESCP-4i wave is a monitoring exercise (issue 15): a partnership that answered the
first wave starts from its answers there (the journey's prefill, `response_prefill`), then
updates its table of agreements the way a coordinator would: it confirms most rows carried
from last year, marks some ended, adds new ones, and gives as A4 the rows still current. So
previous + new − ended = current for every partnership of Table 1, and the count of
agreements "so far" never falls (the one answer that does is the implausible draft of
`surveys.services.demo_plausibility`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from surveys.definition.structure import QuestionNode, Structure, structure_for
from surveys.models import Answer, AnswerChange, Question, Questionnaire, Response, Wave
from surveys.services.history import history_record
from surveys.services.prefill import prefill_source, response_prefill
from surveys.services.responses import derive_row_origins, replace_answers
from surveys.services.waves import wave_open
from surveys.values import ORIGIN, Choice, PartnershipValue, Ticked, Values, hidden_codes, load_values

from .tallies import tallies_add

T = Question.Type

# Countries outside the EU that cluster partnerships target, most frequent first.
THIRD_COUNTRIES = ["CN", "US", "JP", "CA", "IN", "BR", "KR", "MX", "SG", "ZA", "AU", "CL", "VN", "MA", "TR", "AR"]
ANY_COUNTRIES = [*THIRD_COUNTRIES, "DE", "FR", "ES", "IT", "NL", "PL", "SE", "AT", "BE", "PT"]
NAMES = ["Alex Moreau", "Sam Novak", "Kim Jensen", "Robin Keller", "Noa Rossi", "Eli Virtanen", "Jo Santos"]
ROLES = ["Coordinator", "Project manager", "Cluster manager", "Internationalisation officer"]
SENTENCES = [
    "Joint mission to the target market with twelve SMEs from four regions.",
    "Matchmaking sessions led to first contacts with local distributors.",
    "We shared market intelligence reports with all cluster members.",
    "A webinar series prepared SMEs for the trade fair.",
    "Cooperation with the regional development agency on co-funding.",
    "Partners exchanged staff for two weeks to align their services.",
    "A joint booth at the international fair gave the partnership visibility.",
    "The engagement of SMEs took longer than planned because of competing priorities.",
    "Access to reliable partners in the target country needed local intermediaries.",
    "Alignment of funding rules between regions slowed the joint activities.",
]
ORGANISATIONS = [
    "Tech Cluster Association",
    "Regional Innovation Agency",
    "Industrial Park Co.",
    "Polytechnic University",
]


@dataclass
class FakeAnswers:
    """Random but plausible answers to a questionnaire, from a seeded generator."""

    structure: Structure
    rng: random.Random
    acronym: str
    others: list[str]

    def values(self) -> Values:
        values: Values = {}
        for node in self.structure.questions():
            value = self.value(node, values)
            if value is not None:
                values[node.code] = value
        hidden = hidden_codes(self.structure, values)
        return {code: v for code, v in values.items() if code not in hidden}

    def value(self, node: QuestionNode, values: Values) -> Any:
        rng = self.rng
        q = node.question
        if not q.required and node.type not in (T.REPEAT,) and rng.random() < 0.15:
            return None
        if node.type == T.MULTI_CHOICE:
            return self.ticked(node)
        if node.type in (T.SINGLE_CHOICE, T.YES_NO):
            return self.choice(node)
        if node.type == T.RATING_MATRIX:
            levels = [o.code for o in node.options]
            weights = [1 + i * i for i in range(len(levels))]
            return {row.code: rng.choices(levels, weights)[0] for row in node.rows if rng.random() < 0.9}
        if node.type == T.NUMBER:
            high = int(q.max_value) if q.max_value is not None else 20
            return Decimal(min(high, int(rng.triangular(0, 12, 2))))
        if node.type in (T.TEXT, T.LONG_TEXT):
            return self.text(node)
        if node.type == T.DATE:
            return dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 500))
        if node.type == T.COUNTRIES:
            pool = THIRD_COUNTRIES if q.exclude_eu else ANY_COUNTRIES
            k = 1 if q.max_items == 1 else rng.randint(1, min(q.max_items or 5, 5))
            weights = [len(pool) - i for i in range(len(pool))]
            picked: list[str] = []
            while len(picked) < k:
                code = rng.choices(pool, weights)[0]
                if code not in picked:
                    picked.append(code)
            return picked
        if node.type == T.PARTNERSHIP:
            return self.partnership()
        if node.type == T.REPEAT:
            source = q.rows_from
            count = int(values.get(source, 0)) if source else rng.randint(0, 3)
            count = min(count, q.max_rows or 500, 12)
            rows = []
            for _ in range(count):
                row = {}
                for f in node.fields:
                    field_value = self.value(f, {})
                    if field_value is not None:
                        row[f.code] = field_value
                rows.append(row)
            return rows or None
        return None

    def ticked(self, node: QuestionNode) -> dict[str, Ticked]:
        rng = self.rng
        plain = [o for o in node.options if not o.exclusive and not o.is_other]
        exclusive = [o for o in node.options if o.exclusive]
        if exclusive and rng.random() < 0.1:
            return {exclusive[0].code: Ticked()}
        weights = [len(plain) + 2 - i for i in range(len(plain))]
        chosen = {rng.choices(plain, weights)[0] for _ in range(rng.randint(1, min(6, len(plain))))}
        out: dict[str, Ticked] = {}
        for o in sorted(chosen, key=lambda o: o.position):
            comment = rng.choice(SENTENCES) if o.comment and rng.random() < 0.25 else ""
            number = Decimal(rng.randint(1, 9)) if o.number_label else None
            out[o.code] = Ticked(comment=comment, number=number)
        if node.question.other and rng.random() < 0.15:
            out["other"] = Ticked(text="Participation in a regional policy dialogue")
        return out

    def choice(self, node: QuestionNode) -> Choice:
        rng = self.rng
        codes = [o.code for o in node.options if not o.is_other]
        if node.type == T.YES_NO:
            return Choice(option="yes" if rng.random() < 0.7 else "no")
        weights = [1 + i for i in range(len(codes))] if node.question.scale else [1] * len(codes)
        code = rng.choices(codes, weights)[0]
        if node.question.other and rng.random() < 0.05:
            return Choice(option="other", text="Other organisation")
        return Choice(option=code)

    def text(self, node: QuestionNode) -> str:
        rng = self.rng
        code = node.code
        if code == "R1":
            return rng.choice(NAMES)
        if code == "R2":
            return rng.choice(ROLES)
        if code == "R3":
            return f"contact@{self.acronym.lower()}.example.org"
        if code == "organisation":
            return rng.choice(ORGANISATIONS)
        if node.type == T.TEXT:
            return rng.choice(ROLES)
        return rng.choice(SENTENCES)

    def partnership(self) -> PartnershipValue:
        if not self.others or self.rng.random() < 0.1:
            return PartnershipValue(text="Cluster partnership outside the register")
        return PartnershipValue(acronym=self.rng.choice(self.others))


def fake_values(structure: Structure, *, seed: str, acronym: str, others: list[str]) -> Values:
    """Answers of one partnership, the same for the same seed."""
    rng = random.Random(seed)
    return FakeAnswers(
        structure=structure, rng=rng, acronym=acronym, others=[o for o in others if o != acronym]
    ).values()


# Filling the demo waves --------------------------------------------------------------------------

PREVIOUS_SLUG = "escp-4i-demo-2018"


def _answer(
    response: Response,
    structure: Structure,
    values: Values,
    *,
    submit: bool,
    when: dt.datetime,
    prefilled: Values | None = None,
) -> None:
    replace_answers(response=response, structure=structure, nodes=structure.questions(), values=values)
    if prefilled is not None:
        # A prefilled response's history starts with the prefill: the answers changed since
        # are recorded too, so that the trail ends at the answers kept.
        history_record(
            response=response,
            structure=structure,
            codes=[n.code for n in structure.questions()],
            before=prefilled,
            after=values,
            source=AnswerChange.Source.JOURNEY,
            at=when,
            name=DEMO_AUTHOR,
        )
    response.status = Response.Status.SUBMITTED if submit else Response.Status.DRAFT
    response.started_at = when - dt.timedelta(days=2)
    response.last_saved_at = when
    response.submitted_at = when if submit else None
    response.save(update_fields=["status", "started_at", "last_saved_at", "submitted_at", "updated_at"])
    tallies_add(response_id=response.pk)


# Who the history says changed a prefilled demo response's answers.
DEMO_AUTHOR = "demo (setup_demo)"
# The table a count gives the rows of, updated from last year's (A5 for A4).
CARRIED_TABLE = "A5"


def _new_rows(
    structure: Structure, node: QuestionNode, rng: random.Random, *, acronym: str, count: int
) -> list[dict[str, Any]]:
    fake = FakeAnswers(structure=structure, rng=rng, acronym=acronym, others=[])
    rows = []
    for _ in range(count):
        row = {}
        for f in node.fields:
            value = fake.value(f, {})
            if value is not None:
                row[f.code] = value
        rows.append(row)
    return rows


def updated_table(
    structure: Structure, node: QuestionNode, carried: list[dict[str, Any]], *, seed: str, acronym: str, submit: bool
) -> list[dict[str, Any]]:
    """A table carried from last year as a coordinator updates it: most rows confirmed, some
    ended (about one in eight), at least as many new rows as ended ones (so that a count "so
    far" does not fall). A draft leaves some rows as carried, not confirmed yet."""
    rng = random.Random(seed)
    rows = []
    for row in carried:
        draw = rng.random()
        if draw < 0.12:
            status = "ended"
        elif not submit and draw > 0.7:
            status = "carried"
        else:
            status = "confirmed"
        rows.append({**row, "_status": status})
    ended = sum(1 for r in rows if r["_status"] == "ended")
    added = ended + rng.choices([0, 1, 2, 3], [35, 40, 20, 5])[0]
    return rows + _new_rows(structure, node, rng, acronym=acronym, count=added)


def _from_previous(
    response: Response, structure: Structure, fresh: Values, *, submit: bool, when: dt.datetime
) -> tuple[Values, Values] | None:
    """The values of a response started from the previous wave's answers, and the carried
    ones (None: nothing to start from): prefilled by the journey's service an hour before
    `when`, then this year's answers given, the table of agreements updated from the carried
    one and its count the rows still current."""
    source = prefill_source(response=response)
    if source is None:
        return None
    response_prefill(response=response, source=source, contact=None, now=when - dt.timedelta(hours=1))
    carried = load_values(response, structure)
    node = structure.by_code.get(CARRIED_TABLE)
    values = dict(fresh)
    if node is not None and node.question.rows_from:
        rows = updated_table(
            structure,
            node,
            [r for r in carried.get(CARRIED_TABLE) or [] if r.get(ORIGIN) is not None],
            seed=f"{response.wave.slug}:{response.partnership.acronym}:{CARRIED_TABLE}",
            acronym=response.partnership.acronym,
            submit=submit,
        )
        values[CARRIED_TABLE] = rows
        values[node.question.rows_from] = Decimal(sum(1 for r in rows if r.get("_status") != "ended"))
        if not rows:
            del values[CARRIED_TABLE]
    # As a section save does: the carried rows keep their origin, "signed since the previous
    # survey?" is derived from it.
    derived = derive_row_origins(response=response, nodes=structure.questions(), values=values, stored=carried)
    return derived, carried


def _fill(wave: Wave, *, submitted: float, drafts: float, when: dt.datetime) -> int:
    """Answer a share of a wave's responses (chosen by a seeded draw); returns how many."""
    if Answer.objects.filter(response__wave=wave).exists():
        return 0
    structure = structure_for(wave.version)
    responses = list(wave.responses.select_related("partnership").order_by("partnership__acronym"))
    acronyms = [r.partnership.acronym for r in responses]
    filled = 0
    for response in responses:
        acronym = response.partnership.acronym
        draw = random.Random(f"{wave.slug}:{acronym}:status").random()
        if draw >= submitted + drafts:
            continue
        # A partnership tends to name its neighbours in the register, so some name each other.
        index = acronyms.index(acronym)
        neighbours = [acronyms[(index + k) % len(acronyms)] for k in (-2, -1, 1, 2)]
        values = fake_values(structure, seed=f"{wave.slug}:{acronym}", acronym=acronym, others=neighbours)
        submit = draw < submitted
        prefilled = None
        started = _from_previous(response, structure, values, submit=submit, when=when) if wave.previous_id else None
        if started is not None:
            values, prefilled = started
        _answer(response, structure, values, submit=submit, when=when, prefilled=prefilled)
        filled += 1
    return filled


@transaction.atomic
def demo_responses_fill(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Answer the demo waves (run `setup_demo` first); returns responses filled per wave."""
    now = now or timezone.now()
    filled: dict[str, int] = {}
    current = Wave.objects.filter(slug="escp-4i-demo").select_related("version").first()
    if current is not None:
        previous = Wave.objects.filter(slug=PREVIOUS_SLUG).first()
        if previous is None:
            version = Questionnaire.objects.get(code="escp-4i-progress").latest_version()
            assert version is not None
            previous = wave_open(
                version=version,
                slug=PREVIOUS_SLUG,
                title="ESCP-4i Progress Survey, first monitoring exercise (demo)",
                opens_at=now - dt.timedelta(days=380),
                closes_at=now - dt.timedelta(days=355),
            )
            previous.closed_at = now - dt.timedelta(days=355)
            previous.save(update_fields=["closed_at", "updated_at"])
        filled[previous.slug] = _fill(previous, submitted=0.85, drafts=0.05, when=now - dt.timedelta(days=360))
        if current.previous_id is None:
            # The open demo wave is the second survey: its report compares with the first.
            current.previous = previous
            current.save(update_fields=["previous", "updated_at"])
        filled[current.slug] = _fill(current, submitted=0.55, drafts=0.2, when=now)
    for slug in ("escp-s3-demo", "eccp-demo"):
        wave = Wave.objects.filter(slug=slug).select_related("version").first()
        if wave is not None:
            filled[slug] = _fill(wave, submitted=0.6, drafts=0.15, when=now)
    return filled
