"""journey/posting.py reads large section posts with its own limits through Django's public
API only: no private attribute of the request (or of its QueryDict) is read or set."""

from __future__ import annotations

import ast
from pathlib import Path

import journey.posting


def test_posting_uses_no_private_attribute() -> None:
    source = Path(journey.posting.__file__).read_text()
    private = sorted(
        {
            f"{ast.unparse(node.value)}.{node.attr}"
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
        }
    )
    assert private == []
