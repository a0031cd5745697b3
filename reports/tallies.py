"""Keeping the tallies of `reports.models` in step with the submitted responses.

The writers call these services in the same transaction as the change they make:

- `tallies_add(response_id=...)` after a response became submitted (or, submitted, got new
  answers): its answer rows are added once; a response not submitted, or already counted,
  is left alone.
- `tallies_remove(response_id=...)` before the answers of a counted response change, or when
  it stops being submitted: what was added is subtracted (under the group it was added to).

Both are idempotent, so a writer may call them whenever in doubt. Each is a handful of
statements over one response's answer rows, whatever the size of the wave. The counts are
changed by one SQL upsert (`count = count + excluded.count`), never read-modify-written in
Python, so two responses of a wave submitted at the same moment cannot lose each other's
counts; the rows are upserted in key order so that two such transactions take their row
locks in the same order and cannot deadlock (PostgreSQL).

Beside the counts, the figures the report shows per partnership (`ResponseFigure`: numbers,
option numbers, rows of repeat tables with their new and ended rows) and the partnerships each
response names (`NamedPartnership`, with the purposes of the table row and whether the row was
marked ended) are copied per response, by the
same services, with one `INSERT … SELECT` each; taking a response out deletes its rows.

The services reach these through the engine's signals (`surveys.signals`, subscribed in
`reports.receivers`): a submission, a reopening, answers changed or deleted, with their
responses or alone (the admin's deletes go through `surveys.services.deletions`).

`stale_responses` finds, in one query, the responses whose tallied state disagrees with
their status or their partnership's current group (a writer that bypassed the services, a
partnership moved in the register) and `tallies_recount` recounts them; `stale_waves` finds
the waves whose tallies still hold a response deleted behind the services' back (`GroupTally`
disagrees with the `TalliedResponse` rows), which only `tallies_rebuild` can repair: the
answers to subtract are gone. Every report does both through `tallies_check` and
`tallies_repair`. `tallies_rebuild` recomputes a whole wave from its answer rows (repair, and
after bulk loads). What no cheap query can see is a submitted response whose answers were
changed or deleted by a writer that bypassed the engine's signals (a queryset delete of
answer rows in the shell): `rebuild_tallies --check` finds that and `tallies_rebuild`
repairs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import F, Q
from django.utils import timezone

from surveys.models import Response, Wave
from surveys.services.responses import DERIVED_NEW_FIELD

from .models import GroupTally, NamedPartnership, RespondentTally, ResponseFigure, TalliedResponse, Tally
from .selectors import ENDED_ROWS, NEW_ROWS

SUBMITTED = Response.Status.SUBMITTED

TALLY_KEY = ["wave_id", '"group"', "question_id", "option_id", "matrix_row_id", "country", "partnership_id", "year"]
TALLY_SUMS = ["n", "number_sum", "number_n", "comments", "texts"]
RESPONDENT_KEY = ["wave_id", '"group"', "question_id"]
RESPONDENT_SUMS = ["respondents", "non_exclusive"]
GROUP_KEY = ["wave_id", '"group"']
# What Python's `str.strip()` takes off (the scan of the answers strips purposes in Python):
# given to SQL's trim as the set of characters to remove, so both agree on every text.
# Written out: finding them among all code points took a seventh of a second at every start
# (tests/reports/test_tallies_text.py checks the list against Python's).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _year_sql() -> str:
    # No date function of Django's here: on SQLite it is a Python callback per row, which a
    # rebuild over millions of answer rows would feel.
    if connection.vendor == "postgresql":
        return "COALESCE(CAST(EXTRACT(YEAR FROM a.date) AS INTEGER), 0)"
    return "COALESCE(CAST(strftime('%%Y', a.date) AS INTEGER), 0)"


def _upsert(table: str, key: list[str], sums: list[str]) -> str:
    columns = ", ".join([*key, *sums, "created_at", "updated_at"])
    added = ", ".join(f"{s} = {table}.{s} + excluded.{s}" for s in sums)
    return (
        f"INSERT INTO {table} ({columns}) {{select}} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}, updated_at = excluded.updated_at"
    )


def _tally_sql(*, whole_wave: bool) -> str:
    """Answer rows counted per tally key, for one response (group given) or for every
    tallied response of a wave (group from `TalliedResponse`)."""
    keys = [
        "a.question_id",
        "COALESCE(a.option_id, 0)",
        "COALESCE(a.matrix_row_id, 0)",
        "a.country",
        "COALESCE(a.partnership_id, 0)",
        _year_sql(),
    ]
    if whole_wave:
        group, source = 't."group"', "surveys_answer a JOIN reports_talliedresponse t ON t.response_id = a.response_id"
        where, grouping = "t.wave_id = %s", ['t."group"', *keys]
    else:
        group, source, where, grouping = "%s", "surveys_answer a", "a.response_id = %s", keys
    # Built from the constants above only; every value is a query parameter.
    select = (
        f"SELECT %s, {group}, {', '.join(keys)}, "  # noqa: S608
        "%s * COUNT(*), %s * COALESCE(SUM(a.number), 0), %s * COUNT(a.number), "
        "%s * SUM(CASE WHEN a.comment <> '' THEN 1 ELSE 0 END), %s * SUM(CASE WHEN a.text <> '' THEN 1 ELSE 0 END), "
        f"%s, %s FROM {source} WHERE {where} "
        # The fields of an ended row (carried from the previous wave) are not counted, like the row.
        "AND NOT EXISTS (SELECT 1 FROM surveys_repeatrow e WHERE e.id = a.repeat_row_id AND e.status = 'ended') "
        f"GROUP BY {', '.join(grouping)} ORDER BY {', '.join(grouping)}"
    )
    return _upsert("reports_tally", TALLY_KEY, TALLY_SUMS).format(select=select)


def _respondent_sql(*, whole_wave: bool) -> str:
    """Responses with answer rows per question (outside repeat tables), and those with one
    that is not an exclusive option."""
    if whole_wave:
        group = 't."group"'
        source = "surveys_answer a JOIN reports_talliedresponse t ON t.response_id = a.response_id"
        where, grouping = "t.wave_id = %s", 't."group", a.question_id'
    else:
        group, source, where, grouping = "%s", "surveys_answer a", "a.response_id = %s", "a.question_id"
    # Built from constants only, like the one above.
    select = (
        f"SELECT %s, {group}, a.question_id, %s * COUNT(DISTINCT a.response_id), "  # noqa: S608
        "%s * COUNT(DISTINCT CASE WHEN o.exclusive THEN NULL ELSE a.response_id END), %s, %s "
        f"FROM {source} LEFT JOIN surveys_option o ON o.id = a.option_id "
        f"WHERE {where} AND a.repeat_row_id IS NULL GROUP BY {grouping} ORDER BY {grouping}"
    )
    return _upsert("reports_respondenttally", RESPONDENT_KEY, RESPONDENT_SUMS).format(select=select)


def _source(*, whole_wave: bool, table: str) -> tuple[str, str, str]:
    """The rows of `table` (answers or repeat rows, alias `a`) of one response, or of every
    tallied response of a wave; with the group they are counted under (a query parameter
    for one response)."""
    if whole_wave:
        joined = f"{table} a JOIN reports_talliedresponse t ON t.response_id = a.response_id"
        return 't."group"', joined, "t.wave_id = %s"
    return "%s", f"{table} a", "a.response_id = %s"


def _figure_sql(*, whole_wave: bool) -> list[str]:
    """Numbers of number questions and options (outside repeat tables), and the rows of each
    repeat table, per response: two INSERT … SELECT."""
    group, source, where = _source(whole_wave=whole_wave, table="surveys_answer")
    columns = (
        'wave_id, response_id, partnership_id, "group", question_id, option_id, number, "rows", whole, '
        "created_at, updated_at"
    )
    # The same test on SQLite (which truncates a cast) and PostgreSQL (which rounds): only a
    # number equal to its cast is whole.
    whole = "CASE WHEN a.number = CAST(a.number AS BIGINT) THEN CAST(a.number AS BIGINT) END"
    numbers = (
        f"INSERT INTO reports_responsefigure ({columns}) "  # noqa: S608 (constants only)
        f"SELECT %s, a.response_id, r.partnership_id, {group}, a.question_id, COALESCE(a.option_id, 0), a.number, 0, {whole}, "
        f"%s, %s FROM {source} JOIN surveys_response r ON r.id = a.response_id WHERE {where} "
        "AND a.repeat_row_id IS NULL AND a.matrix_row_id IS NULL AND a.number IS NOT NULL "
        # A whole wave is written in the order of the report's read index: the read then walks
        # the table's pages in order instead of jumping between them for each row.
        f"{'ORDER BY a.question_id, COALESCE(a.option_id, 0), r.partnership_id' if whole_wave else ''}"
    )
    group, source, where = _source(whole_wave=whole_wave, table="surveys_repeatrow")
    # Three figures per table (`selectors.NEW_ROWS`): its current rows (ended rows, carried
    # from the previous wave and no longer current, are not counted), the current rows new
    # since the previous wave, and the ended rows; a count of 0 is no figure.
    new = (
        "a.status = 'new' AND NOT EXISTS (SELECT 1 FROM surveys_answer n "  # noqa: S608 (constants only)
        "JOIN surveys_question nq ON nq.id = n.question_id JOIN surveys_option o ON o.id = n.option_id "
        f"WHERE n.repeat_row_id = a.id AND nq.code = '{DERIVED_NEW_FIELD}' AND nq.type = 'yes_no' AND o.code = 'no')"
    )
    # Each row once per figure kind, with whether it counts there (the subquery only for "new").
    hit = (
        "CASE WHEN k.kind = 0 THEN CASE WHEN a.status <> 'ended' THEN 1 ELSE 0 END "
        f"WHEN k.kind = {ENDED_ROWS} THEN CASE WHEN a.status = 'ended' THEN 1 ELSE 0 END "
        f"ELSE CASE WHEN {new} THEN 1 ELSE 0 END END"
    )
    kinds = f"(SELECT 0 AS kind UNION ALL SELECT {NEW_ROWS} UNION ALL SELECT {ENDED_ROWS}) k"
    inner_group, outer_group = ('t."group" AS grp, ', "x.grp") if whole_wave else ("", group)
    each = (
        f"SELECT a.response_id, r.partnership_id, {inner_group}a.question_id, k.kind, {hit} AS hit "  # noqa: S608 (constants only)
        f"FROM {source} JOIN surveys_response r ON r.id = a.response_id CROSS JOIN {kinds} WHERE {where}"
    )
    grouped = f"x.response_id, x.partnership_id, {'x.grp, ' if whole_wave else ''}x.question_id, x.kind"
    rows = (
        f"INSERT INTO reports_responsefigure ({columns}) "  # noqa: S608 (constants only)
        f"SELECT %s, x.response_id, x.partnership_id, {outer_group}, x.question_id, x.kind, NULL, SUM(x.hit), "
        f"SUM(x.hit), %s, %s FROM ({each}) x GROUP BY {grouped} HAVING SUM(x.hit) > 0 "
        f"{'ORDER BY x.question_id, x.kind, x.partnership_id' if whole_wave else ''}"
    )
    return [numbers, rows]


def _purpose_sql() -> str:
    """The purpose of a named partnership's table row: the row's text fields, stripped, in
    the fields' order, joined with " · " (as `report.collaborations` joins them from a scan)."""
    texts = (
        "FROM surveys_answer p JOIN surveys_question pq ON pq.id = p.question_id "
        "WHERE p.repeat_row_id = a.repeat_row_id AND pq.type IN ('text', 'long_text') AND p.text <> ''"
    )
    if connection.vendor == "postgresql":
        joined = f"SELECT string_agg(btrim(p.text, %s), ' · ' ORDER BY pq.position, p.id) {texts}"
    else:
        # SQLite (before 3.44) has no ORDER BY inside an aggregate: it concatenates the rows
        # of an ordered subquery in their order.
        joined = f"SELECT group_concat(s, ' · ') FROM (SELECT trim(p.text, %s) AS s {texts} ORDER BY pq.position, p.id)"  # noqa: S608
    return f"CASE WHEN a.repeat_row_id IS NULL THEN '' ELSE COALESCE(({joined}), '') END"


def _named_sql(*, whole_wave: bool) -> str:
    """Answers to partnership questions and fields, with their row's purpose and whether
    the row was marked ended."""
    group, source, where = _source(whole_wave=whole_wave, table="surveys_answer")
    return (
        'INSERT INTO reports_namedpartnership (wave_id, response_id, reporter_id, "group", question_id, '  # noqa: S608
        "repeat_row_id, partnership_id, text, purpose, ended, created_at, updated_at) "
        f"SELECT %s, a.response_id, r.partnership_id, {group}, a.question_id, COALESCE(a.repeat_row_id, 0), "
        f"a.partnership_id, a.text, {_purpose_sql()}, "
        # A row the coordinator marked ended is copied too, flagged: the report leaves it out
        # of the current collaborations and lists it as ended against the previous wave.
        "EXISTS (SELECT 1 FROM surveys_repeatrow e WHERE e.id = a.repeat_row_id AND e.status = 'ended'), %s, %s "
        f"FROM {source} JOIN surveys_response r ON r.id = a.response_id "
        f"JOIN surveys_question q ON q.id = a.question_id WHERE {where} AND q.type = 'partnership' "
        f"{'ORDER BY r.partnership_id, a.question_id, COALESCE(a.repeat_row_id, 0)' if whole_wave else ''}"
    )


def _copy(cursor: CursorWrapper, *, response_id: int, wave_id: int, group: str) -> None:
    """Copy a response's per-partnership figures and named partnerships."""
    now = timezone.now()
    cursor.execute(_one_response_figure_sql(), [wave_id, group, now, now, response_id] * 2)
    cursor.execute(_named_sql(whole_wave=False), [wave_id, group, WHITESPACE, now, now, response_id])


def _one_response_figure_sql() -> str:
    """`_figure_sql`'s two INSERT … SELECT for one response as one statement (a submission's
    statement fewer): the second SELECT joined to the first by UNION ALL (neither is ordered
    for one response)."""
    numbers, rows = _figure_sql(whole_wave=False)
    prefix = rows[: rows.index("SELECT ")]  # the INSERT INTO … (columns) both share
    return f"{numbers} UNION ALL {rows[len(prefix) :]}"


def _apply(cursor: CursorWrapper, *, response_id: int, wave_id: int, group: str, sign: int) -> None:
    now = timezone.now()
    cursor.execute(_tally_sql(whole_wave=False), [wave_id, group, *[sign] * 5, now, now, response_id])
    cursor.execute(_respondent_sql(whole_wave=False), [wave_id, group, sign, sign, now, now, response_id])
    # Last, after the tallies' rows in key order: every writer takes the locks in this order.
    cursor.execute(
        _upsert("reports_grouptally", GROUP_KEY, ["responses"]).format(select="VALUES (%s, %s, %s, %s, %s)"),
        [wave_id, group, sign, now, now],
    )


def _share_wave(cursor: CursorWrapper, response_id: int) -> None:
    # A rebuild locks the wave's row FOR UPDATE: a submission (which only shares it) waits
    # for a rebuild running, and a rebuild for the submissions under way, so a rebuild never
    # misses one nor counts one twice. KEY SHARE: submissions of a wave do not wait for
    # each other, nor for an UPDATE of the wave's row (a deadline). SQLite locks the whole
    # database for each write instead.
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT 1 FROM surveys_wave WHERE id = (SELECT wave_id FROM surveys_response WHERE id = %s) FOR KEY SHARE",
            [response_id],
        )


# No savepoint of its own inside a writer's transaction: an error there rolls the writer's
# change back with it (`surveys.signals`: `send`, never `send_robust`), which is the point.
@transaction.atomic(savepoint=False)
def tallies_add(*, response_id: int) -> bool:
    """Count a submitted response's answers in its wave's tallies, once; returns whether it
    was added now (False: not submitted, or already counted)."""
    now = timezone.now()
    # The wave's KEY SHARE lock (see `_share_wave`) taken by this first statement itself, a
    # submission's statement fewer (issue 17): the statements that write the counts come after
    # it, each with a snapshot of its own, so they see a rebuild that the lock waited for.
    shared = connection.vendor == "postgresql"
    join, share = ("JOIN surveys_wave w ON w.id = r.wave_id ", "FOR KEY SHARE OF w ") if shared else ("", "")
    with connection.cursor() as cursor:
        # Recording the response first, with ON CONFLICT DO NOTHING, is what makes this
        # idempotent under concurrency: only one caller gets the row back.
        cursor.execute(
            'INSERT INTO reports_talliedresponse (response_id, wave_id, "group", created_at, updated_at) '  # noqa: S608 (constants only)
            'SELECT r.id, r.wave_id, p."group", %s, %s FROM surveys_response r '
            f"JOIN surveys_partnership p ON p.id = r.partnership_id {join}WHERE r.id = %s AND r.status = %s {share}"
            'ON CONFLICT (response_id) DO NOTHING RETURNING wave_id, "group"',
            [now, now, response_id, SUBMITTED],
        )
        row = cursor.fetchone()
        if row is None:
            return False
        _apply(cursor, response_id=response_id, wave_id=row[0], group=row[1], sign=1)
        _copy(cursor, response_id=response_id, wave_id=row[0], group=row[1])
    return True


@transaction.atomic
def tallies_remove(*, response_id: int) -> bool:
    """Take a counted response's answers out of its wave's tallies (call it before its
    answers change); returns whether it was counted."""
    with connection.cursor() as cursor:
        _share_wave(cursor, response_id)
        cursor.execute(
            'DELETE FROM reports_talliedresponse WHERE response_id = %s RETURNING wave_id, "group"', [response_id]
        )
        row = cursor.fetchone()
        if row is None:
            return False
        wave_id, group = row
        _apply(cursor, response_id=response_id, wave_id=wave_id, group=group, sign=-1)
    ResponseFigure.objects.filter(response_id=response_id).delete()
    NamedPartnership.objects.filter(response_id=response_id).delete()
    # Keys nobody holds any more would otherwise list a country or a year with 0.
    Tally.objects.filter(wave_id=wave_id, group=group, n=0).delete()
    RespondentTally.objects.filter(wave_id=wave_id, group=group, respondents=0).delete()
    return True


def stale_responses(*, wave_ids: Iterable[int]) -> list[int]:
    """Responses whose place in the tallies disagrees with their status or their
    partnership's group (one query over the responses of these waves)."""
    submitted = Q(status=SUBMITTED)
    counted = Q(tallied__isnull=False)
    moved = counted & ~Q(tallied__group=F("partnership__group"))
    return list(
        Response.objects.filter(wave_id__in=list(wave_ids))
        .filter((submitted & (~counted | moved)) | (~submitted & counted))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def tallies_recount(*, response_ids: Iterable[int]) -> int:
    """Take these responses out of the tallies and add them again as they are now, each in a
    transaction of its own; returns how many. A partnership moved to another group is
    subtracted under its old group and added under the new one."""
    n = 0
    for response_id in response_ids:
        with transaction.atomic():
            tallies_remove(response_id=response_id)
            tallies_add(response_id=response_id)
        n += 1
    return n


def stale_waves(*, wave_ids: Iterable[int]) -> list[int]:
    """Waves whose tallies hold a response that is no longer there: a group whose
    `GroupTally` disagrees with its `TalliedResponse` rows (one query, one snapshot, over
    these waves' tallied responses)."""
    ids = list(wave_ids)
    if not ids:
        return []
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            # Placeholders only; every value is a query parameter.
            'SELECT DISTINCT wave_id FROM (SELECT wave_id, "group", COUNT(*) AS n FROM reports_talliedresponse '  # noqa: S608
            f'WHERE wave_id IN ({marks}) GROUP BY wave_id, "group" '
            f'UNION ALL SELECT wave_id, "group", -responses FROM reports_grouptally WHERE wave_id IN ({marks})) d '
            'GROUP BY wave_id, "group" HAVING SUM(n) <> 0 ORDER BY wave_id',
            [*ids, *ids],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class TallyCheck:
    """What `tallies_repair` must do: rebuild `waves`, recount `responses`."""

    waves: list[int]
    responses: list[int]

    @property
    def clean(self) -> bool:
        return not self.waves and not self.responses


def tallies_check(*, wave_ids: Iterable[int]) -> TallyCheck:
    """Whether the tallies of these waves agree with their responses (two cheap queries)."""
    ids = list(wave_ids)
    return TallyCheck(waves=stale_waves(wave_ids=ids), responses=stale_responses(wave_ids=ids))


def tallies_repair(check: TallyCheck) -> int:
    """Rebuild and recount what `tallies_check` found; returns how many waves and responses."""
    for wave_id in check.waves:
        tallies_rebuild(wave=Wave(pk=wave_id))
    # A rebuilt wave counted its responses as they are: nothing left to recount in it.
    rebuilt = set(check.waves)
    recounted = (
        Response.objects.filter(pk__in=check.responses).exclude(wave_id__in=rebuilt).values_list("pk", flat=True)
    )
    return len(check.waves) + tallies_recount(response_ids=sorted(recounted) if rebuilt else check.responses)


@transaction.atomic
def tallies_rebuild(*, wave: Wave) -> int:
    """Recompute a wave's tallies from its answer rows; returns the responses counted.

    Locks the wave's row, so two rebuilds of a wave run one after the other; run it when
    nobody submits (it does not see submissions committed while it runs).
    """
    Wave.objects.select_for_update(of=("self",)).filter(pk=wave.pk).first()
    GroupTally.objects.filter(wave=wave).delete()
    Tally.objects.filter(wave=wave).delete()
    RespondentTally.objects.filter(wave=wave).delete()
    TalliedResponse.objects.filter(wave=wave).delete()
    ResponseFigure.objects.filter(wave=wave).delete()
    NamedPartnership.objects.filter(wave=wave).delete()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO reports_talliedresponse (response_id, wave_id, "group", created_at, updated_at) '
            'SELECT r.id, r.wave_id, p."group", %s, %s FROM surveys_response r '
            "JOIN surveys_partnership p ON p.id = r.partnership_id WHERE r.wave_id = %s AND r.status = %s",
            [now, now, wave.pk, SUBMITTED],
        )
        counted = cursor.rowcount
        cursor.execute(
            'INSERT INTO reports_grouptally (wave_id, "group", responses, created_at, updated_at) '
            'SELECT wave_id, "group", COUNT(*), %s, %s FROM reports_talliedresponse WHERE wave_id = %s '
            'GROUP BY wave_id, "group"',
            [now, now, wave.pk],
        )
        cursor.execute(_tally_sql(whole_wave=True), [wave.pk, *[1] * 5, now, now, wave.pk])
        cursor.execute(_respondent_sql(whole_wave=True), [wave.pk, 1, 1, now, now, wave.pk])
        copy_wave(cursor, wave_id=wave.pk)
    return counted


def copy_wave(cursor: CursorWrapper, *, wave_id: int) -> None:
    """Copy the per-partnership figures and named partnerships of every tallied response of
    a wave (which has none yet): `tallies_rebuild`, and the migration that added them."""
    now = timezone.now()
    for sql in _figure_sql(whole_wave=True):
        cursor.execute(sql, [wave_id, now, now, wave_id])
    cursor.execute(_named_sql(whole_wave=True), [wave_id, WHITESPACE, now, now, wave_id])
