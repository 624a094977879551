"""Reference pages generated from the registries, so the docs cannot drift from the code.

``python -m landrelease.docs`` rewrites the generated parts of
``docs/data-contract.md`` and ``docs/settings.md``; a test fails when they
are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from landrelease.domain import LAYERS, FieldKind
from landrelease.settings import SETTINGS
from landrelease.store import schema

BEGIN, END = "<!-- generated: begin -->", "<!-- generated: end -->"


def data_contract_markdown() -> str:
    lines = []
    for layer in LAYERS:
        where = "" if layer.contract else " *(extension: not in the interchange contract)*"
        geom = ", ".join(layer.geometry) if layer.geometry else "none (a table)"
        if layer.spatial:
            geom += f" ({_stored(layer.name)})"
        lines += [
            f"### `{layer.filename}` — {layer.title}{where}",
            "",
            layer.help,
            "",
            f"Geometry: {geom}. Key: `{layer.id_field}`",
        ]
        if layer.derived_id:
            lines[-1] += (
                " (optional: when absent, derived from the row's content, so re-importing the same file changes nothing)"
            )
        if layer.area:
            lines[-1] += ". The workspace adds `area_m2`, computed in its metric CRS"
        lines += [
            "",
            "| property | in words (as the forms name it) | required | type | accepted values |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in layer.fields:
            kind = f.kind.value + (" (personal data)" if f.personal else "")
            accepted = (
                f.accepted().replace("|", "\\|")
                if f.kind is not FieldKind.TEXT
                else (f.help or "text")
            )
            words = f.label + (f" ({f.unit})" if f.label and f.unit else "")
            if f.help and f.kind is not FieldKind.TEXT:
                words += (": " if words else "") + f.help
            words = words.replace("|", "\\|")
            lines.append(
                f"| `{f.name}` | {words} | {'yes' if f.required else ''} | {kind} | {accepted} |"
            )
        lines.append("")
    return "\n".join(lines)


def _stored(table: str) -> str:
    """How the workspace stores a layer's geometry: the type its column declares."""
    kinds = [schema.GEOMETRY_TYPES[k] for k in schema.stored_kinds(table) or ()]
    if schema.declared_geometry(table) != "GEOMETRY":
        return f"the workspace declares and stores {kinds[0]}"
    listed = ", ".join(kinds[:-1]) + f" or {kinds[-1]}"
    return f"the workspace stores {listed} in an untyped column"


def settings_markdown() -> str:
    lines = [
        "| setting | default | unit | environment variable | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `{s.default}` | {s.unit} | `{s.env}` | {s.help} |")
    return "\n".join(lines) + "\n"


GENERATED = {"data-contract.md": data_contract_markdown, "settings.md": settings_markdown}


def refresh(docs: Path) -> list[str]:
    """Rewrite the generated block of each page; return the pages that changed."""
    changed = []
    for name, make in GENERATED.items():
        page = docs / name
        text = page.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = f"{head}{BEGIN}\n{make()}{END}{tail}"
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(name)
    return changed


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    print("\n".join(refresh(root)) or "docs up to date")
