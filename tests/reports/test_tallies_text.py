"""The characters the tallies' SQL trims are exactly those Python's `str.strip()` takes off."""

from __future__ import annotations

from reports.tallies import WHITESPACE


def test_it_trims_in_sql_what_python_strips() -> None:
    every_space = {c for c in map(chr, range(0x110000)) if c.isspace()}
    assert set(WHITESPACE) == every_space
    assert len(WHITESPACE) == len(every_space) == 29
    assert " \t\n\u00a0\u3000".strip(WHITESPACE) == ""
