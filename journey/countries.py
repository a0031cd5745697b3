"""The countries a question offers, read from a typed name or code, and the page script's copy.

A page used to carry every country as HTML: 250 checkboxes on a "countries" question and a
select of 250 options in every row of a table with a country field (a section page weighed
63 KB). Now the page carries a text input (a country's name or code, several separated by
commas: what works without script), and static/js/countries.js, fetched once and cached by
the browser, turns it into the checkboxes or the select. Both post the same codes; the server
reads either.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from django_countries import countries

from surveys.countries import EU_COUNTRIES

SEPARATORS = re.compile(r"[,;\n]")


@lru_cache(maxsize=2)
def _offered(exclude_eu: bool) -> tuple[tuple[str, str], ...]:
    choices = tuple((str(code), str(name)) for code, name in countries)
    if exclude_eu:
        choices = tuple((code, name) for code, name in choices if code not in EU_COUNTRIES)
    return choices


def countries_offered(*, exclude_eu: bool) -> list[tuple[str, str]]:
    """(code, name) of the countries a question offers, in the order of their names."""
    return list(_offered(exclude_eu))


@lru_cache(maxsize=2)
def _lookup(exclude_eu: bool) -> dict[str, str]:
    """Code or name, case-folded -> code."""
    found: dict[str, str] = {}
    for code, name in _offered(exclude_eu):
        found[name.casefold()] = code
        found[code.casefold()] = code
    return found


@lru_cache(maxsize=2)
def country_names(exclude_eu: bool) -> dict[str, str]:
    return dict(_offered(exclude_eu))


def countries_read(values: list[str], *, exclude_eu: bool) -> tuple[list[str], list[str]]:
    """The codes meant by posted values (codes of ticked boxes, or typed names and codes),
    and the parts that name no country offered."""
    lookup = _lookup(exclude_eu)
    codes: list[str] = []
    unknown: list[str] = []
    for value in values:
        parts = [value] if value in lookup.values() else SEPARATORS.split(value)
        for part in parts:
            part = " ".join(part.split())
            if not part:
                continue
            code = lookup.get(part.casefold())
            if code is None:
                unknown.append(part)
            else:
                codes.append(code)
    return codes, unknown


def countries_text(values: list[str], *, exclude_eu: bool) -> str:
    """What the text input shows for these values: names of codes, anything else as typed."""
    names = country_names(exclude_eu)
    return ", ".join(names.get(v, v) for v in values)


def countries_script() -> str:
    """The text of static/js/countries.js: its data is the list above (a test keeps them equal)."""
    data = {"eu": sorted(EU_COUNTRIES), "countries": [list(pair) for pair in _offered(False)]}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        "// The countries of journey/countries.py, for the country questions of a section page\n"
        '// (generated: `.venv/bin/python manage.py shell -v0 -c "from journey.countries import\n'
        "// countries_script; print(countries_script(), end='')\" > static/js/countries.js`).\n"
        f"window.escpCountries = {body};\n"
    )
