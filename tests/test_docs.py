"""The reference docs are generated from the registries and must be current."""

from __future__ import annotations

from pathlib import Path

from landrelease import docs
from landrelease.domain import LAYERS
from landrelease.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_generated_pages_are_current() -> None:
    for name, make in docs.GENERATED.items():
        text = (DOCS / name).read_text(encoding="utf-8")
        assert f"{docs.BEGIN}\n{make()}{docs.END}" in text, (
            f"docs/{name} is stale: run python -m landrelease.docs docs"
        )


def test_every_setting_and_field_is_documented() -> None:
    settings_page = (DOCS / "settings.md").read_text()
    contract = (DOCS / "data-contract.md").read_text()
    for s in SETTINGS:
        assert f"`{s.name}`" in settings_page
    for layer in LAYERS:
        assert f"`{layer.filename}`" in contract
        for f in layer.fields:
            assert f"`{f.name}`" in contract


def test_readme_starts_with_what_the_system_does_and_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "land release" in first_screen.lower()
    assert "make demo" in first_screen and "make test" in first_screen
