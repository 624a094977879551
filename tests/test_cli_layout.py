"""The command line sits on top: it may import everything, nothing imports it, and the
terminal display stays inside it."""

from __future__ import annotations

import ast
from pathlib import Path

from typer.testing import CliRunner

from landrelease.cli import app

PACKAGE = Path(__file__).resolve().parents[1] / "landrelease"
DOMAIN_PACKAGES = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} - {"cli"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_nothing_below_the_command_line_imports_it() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(used)
        for path in PACKAGE.rglob("*.py")
        if "cli" not in path.relative_to(PACKAGE).parts and path.name != "__main__.py"
        if (used := {m for m in _imports(path) if m.startswith("landrelease.cli")})
    }
    assert offenders == {}


def test_the_pipeline_imports_neither_the_web_nor_the_command_line() -> None:
    imported = _imports(PACKAGE / "pipeline.py")
    assert not {m for m in imported if m.startswith(("landrelease.web", "landrelease.cli"))}


def test_the_display_imports_no_command_module() -> None:
    for path in (PACKAGE / "cli" / "display").glob("*.py"):
        own = {m for m in _imports(path) if m.startswith("landrelease.cli")}
        assert all(m.startswith("landrelease.cli.display") for m in own), path.name


def test_no_command_line_module_is_named_like_a_domain_package() -> None:
    names = {p.stem for p in (PACKAGE / "cli").rglob("*.py")}
    assert not names & DOMAIN_PACKAGES


def test_help_lists_every_command_in_order() -> None:
    out = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    order = ["init", "import", "validate", "export", "status", "settings", "scenario", "demo"]
    order += ["risk", "survey", "evaluate", "backtest", "prioritise", "plan", "forecast", "serve"]
    order += ["activity", "record", "qa", "report", "user"]
    positions = [out.find(f"│ {name} ") for name in order]
    assert -1 not in positions and positions == sorted(positions), out
