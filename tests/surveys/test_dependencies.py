"""The engine is below everything: no module of `surveys` imports an app above it.

Reports, outreach, exchange and the journey hear of the engine's changes through
`surveys.signals`, subscribed in their `AppConfig.ready()`; the back office adds the
actions of outreach and exchange to the engine's admin from its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "surveys"
ABOVE = {"reports", "outreach", "exchange", "journey", "backoffice"}
LOADERS = {"import_module", "__import__", "get_model", "get_app_config"}


def _upward(tree: ast.AST) -> list[tuple[int, str]]:
    """Lines importing (or loading by name) a module or model of an app above the engine."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in LOADERS and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
        found += [(getattr(node, "lineno", 0), name) for name in names if name.split(".")[0] in ABOVE]
    return found


def test_it_finds_an_upward_import_wherever_it_hides() -> None:
    source = (
        "import os\nfrom surveys.models import Wave\nfrom . import values\n"
        "def f():\n    from reports.tallies import tallies_add\n    import outreach.services\n"
        "    importlib.import_module('exchange.admin')\n    apps.get_model('reports', 'Tally')\n"
    )
    assert _upward(ast.parse(source)) == [
        (5, "reports.tallies"),
        (6, "outreach.services"),
        (7, "exchange.admin"),
        (8, "reports"),
    ]


def test_no_module_of_the_engine_imports_an_app_above_it() -> None:
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 30  # the walk found the engine
    upward = [
        f"{path.relative_to(ENGINE.parent)}:{line} {name}"
        for path in modules
        for line, name in _upward(ast.parse(path.read_text(), str(path)))
    ]
    assert upward == []


def test_outreach_and_exchange_leave_the_engines_admin_to_the_back_office() -> None:
    root = ENGINE.parent
    modules = sorted([*(root / "outreach").rglob("*.py"), *(root / "exchange").rglob("*.py")])
    assert len(modules) > 20
    touching = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            touching += [
                f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)} {name}"
                for name in names
                if name == "surveys.admin" or name.split(".")[0] == "backoffice"
            ]
    assert touching == []
