"""How the programme profile looks in a terminal."""

from __future__ import annotations

from rich.table import Table

from landrelease.cli.display.terminal import console, escape
from landrelease.domain.programme import WORKSPACE_CURRENCY, Programme, money


def show_programme(p: Programme) -> None:
    table = Table(title="Programme profile", title_justify="left", show_header=False)
    table.add_column("field")
    table.add_column("value")
    unset = "[dim]not set[/]"
    e = p.estimates
    rows = [
        ("name", escape(p.name) if p.name else f"{unset} (reports say 'landrelease')"),
        ("country", escape(p.country) or unset),
        (
            "currency",
            f"{p.currency} (of the official estimates; amounts in the workspace, reports and "
            f"plans are in {WORKSPACE_CURRENCY})",
        ),
        ("languages", ", ".join(p.languages) or unset),
        (
            "logo",
            f"{escape(p.logo.filename)} ({p.logo.media_type}, {len(p.logo.data):,} bytes)"
            if p.logo
            else unset,
        ),
        (
            "official estimate",
            money(e.total, p.currency)
            + (f" over {e.years:g} years" if e.years else "")
            + (f" ({escape(e.source)})" if e.source else "")
            if e
            else f"{unset} (a forecast states no national figure)",
        ),
        (
            "experts' saving",
            f"up to {money(e.experts_saving, p.currency)}" if e and e.experts_saving else unset,
        ),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    if p.is_empty:
        console.print("Set it with [bold]landrelease profile set --help[/].")
