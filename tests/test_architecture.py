"""The architecture stays as docs/architecture.md describes it: layers, SQL in the store, no cycles.

``make test`` also runs import-linter's contracts (``.importlinter``); these tests keep the
page and the contracts equal and check what import-linter does not see.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _layers_in_contract() -> list[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / ".importlinter")
    text = cfg["importlinter:contract:layers"]["layers"]
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def _layers_on_page() -> list[str]:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers:.*?-->\s*```\n(.*?)```", page, re.S)
    assert block, "docs/architecture.md lost its layers block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_architecture_page_lists_the_layers_the_contracts_check() -> None:
    assert _layers_on_page() == _layers_in_contract()


def test_every_top_level_module_is_in_a_layer() -> None:
    named = {name.strip() for line in _layers_in_contract() for name in re.split(r"[|:]", line)}
    package = ROOT / "landrelease"
    present = {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in package.iterdir() if (p / "__init__.py").exists()
    }
    assert present == named


@pytest.fixture(scope="module")
def measure() -> ModuleType:
    spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts/architecture.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["architecture"] = module
    spec.loader.exec_module(module)
    return module


def test_no_sql_and_no_backend_switch_outside_the_store(measure: ModuleType) -> None:
    found = measure.find_sql(measure.package_sources())
    assert [f"{s.path}:{s.line}" for s in found.sites] == []
    assert [f"{s.path}:{s.line}" for s in found.dialect] == []


def test_no_import_cycle(measure: ModuleType) -> None:
    assert measure.find_cycles().modules == []


def test_the_measure_finds_sql_where_there_is_some(measure: ModuleType) -> None:
    """The checks above could not fail if the measure saw nothing: it sees a planted query."""
    source = 'def f(conn):\n    return conn.exec_driver_sql("SELECT count(*) FROM hazards")\n'
    found = measure.find_sql([("landrelease/x.py", source, ast.parse(source))])
    assert len(found.sites) == 1
