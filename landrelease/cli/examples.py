"""Worked examples shown at the end of each command's ``--help``, one command line per line.

The examples run on the built-in scenario (``landrelease scenario --out scenario``) imported
into ``ws.gpkg``, or on the files a programme typically has. Each line is short enough for an
80-column terminal, so that no command line is broken in two, and the tests parse every one
with the real parser: an option renamed or removed breaks them.
"""

from __future__ import annotations

import typer
from rich.markup import escape

EXAMPLES: dict[str, tuple[str, ...]] = {
    "init": (
        "landrelease init ws.gpkg",
        "landrelease init ws.gpkg --crs EPSG:32638",
        "landrelease init --db postgresql://im@dbhost/mine_action",
    ),
    "import": (
        "landrelease import scenario/ -w ws.gpkg",
        "landrelease import evidence.zip -w ws.gpkg --issues-csv issues.csv",
        "landrelease import kobo-export.xlsx -w ws.gpkg --keep-valid",
        "landrelease import imsma/ -w ws.gpkg --profile imsma_core",
    ),
    "validate": (
        "landrelease validate evidence/",
        "landrelease validate evidence.xlsx -w ws.gpkg --issues-csv issues.csv",
    ),
    "export": (
        "landrelease export shared/ -w ws.gpkg --no-personal-data",
        "landrelease export ws-copy.gpkg -w ws.gpkg --format gpkg --qgis",
        "landrelease export imsma/ -w ws.gpkg --profile imsma_core",
    ),
    "status": (
        "landrelease status -w ws.gpkg",
        "landrelease status -w ws.gpkg --json",
    ),
    "backup": (
        "landrelease backup backups/2024-06-01.gpkg -w ws.gpkg",
        "landrelease backup backups/2024-06-01.tar --db postgresql://im@dbhost/ma",
    ),
    "restore": (
        "landrelease restore backups/2024-06-01.gpkg -w restored.gpkg",
        "landrelease restore backups/2024-06-01.tar --db postgresql://im@dbhost/ma2",
    ),
    "settings": ("landrelease settings",),
    "scenario": (
        "landrelease scenario --out scenario",
        "landrelease scenario karabakh --scale district --seed 7 --out district",
    ),
    "forms": (
        "landrelease forms forms/",
        "landrelease forms forms/ --languages km,en --overwrite",
        "landrelease forms forms/ -w ws.gpkg",
    ),
    "template": (
        "landrelease template blank/",
        "landrelease validate blank/evidence-package.xlsx",
        "landrelease import blank/evidence-package.xlsx -w programme.gpkg",
        "landrelease status -w programme.gpkg",
    ),
    "demo": (
        "landrelease demo",
        "landrelease demo --out demo-output --scale small --no-serve",
        "landrelease demo --seed 2020 --port 8080",
    ),
    "risk": (
        "landrelease risk -w ws.gpkg",
        "landrelease risk -w ws.gpkg --cell 10 --model boosted --out risk-10m.tif",
    ),
    "survey": (
        "landrelease survey -w ws.gpkg",
        "landrelease survey -w ws.gpkg --target-recall 0.995 --out decisions.gpkg",
        "landrelease survey -w ws.gpkg --max-residual 0.05 --new-map",
    ),
    "confirm": (
        "landrelease confirm decisions.gpkg -w ws.gpkg --user officer",
        "landrelease confirm field/decisions.gpkg -w ws.gpkg --out confirmed.gpkg",
    ),
    "evaluate": ("landrelease evaluate --truth scenario/truth -w ws.gpkg",),
    "backtest": (
        "landrelease backtest -w ws.gpkg",
        "landrelease backtest -w ws.gpkg --as-of 2024-06-30 --out backtest",
    ),
    "prioritise": (
        "landrelease prioritise -w ws.gpkg",
        "landrelease prioritise -w ws.gpkg --weights weights.toml --top 50",
    ),
    "plan": (
        "landrelease plan -w ws.gpkg",
        "landrelease plan -w ws.gpkg --horizon 2030-12 --budget 30e6",
        "landrelease plan -w ws.gpkg --budget 2027=30e6,2028=35e6 --no-bound",
    ),
    "forecast": (
        "landrelease forecast -w ws.gpkg",
        "landrelease forecast -w ws.gpkg --runs 5000 --seed 7 --out forecast",
    ),
    "serve": (
        "landrelease serve -w ws.gpkg",
        "landrelease serve --db postgresql://im@dbhost/ma --host 0.0.0.0 --workers 4",
    ),
    "activity": (
        "landrelease activity queue -w ws.gpkg",
        "landrelease activity approve ACT-0412 -w ws.gpkg",
    ),
    "activity submit": (
        "landrelease activity submit ACT-0412 -w ws.gpkg",
        "landrelease activity submit ACT-0412 --cancelled 12000 --cleared 3500",
    ),
    "activity approve": (
        "landrelease activity approve ACT-0412 -w ws.gpkg",
        "landrelease activity approve ACT-0412 -w ws.gpkg --accept-flags",
    ),
    "activity reject": ("landrelease activity reject ACT-0412 --reason 'no marking photos'",),
    "activity queue": ("landrelease activity queue -w ws.gpkg",),
    "activity history": ("landrelease activity history ACT-0412 -w ws.gpkg",),
    "activity book-imported": ("landrelease activity book-imported -w ws.gpkg",),
    "record": (
        "landrelease record retire incidents INC-00017 --reason duplicate",
        "landrelease record handover HZ-FZL-0031 --to 'Hadrut' --on 2024-06-30",
    ),
    "record retire": (
        "landrelease record retire incidents INC-00017 --reason duplicate -w ws.gpkg",
    ),
    "record handover": ("landrelease record handover HZ-FZL-0031 --to 'Hadrut' --on 2024-06-30",),
    "record spend": (
        "landrelease record spend EXP-0091 --date 2024-06-14 --source national \\",
        "    --amount-usd 12500 --purpose 'detector batteries' -w ws.gpkg",
    ),
    "record grant-personal-data": (
        "landrelease record grant-personal-data amina -w ws.gpkg",
        "landrelease record grant-personal-data amina --revoke -w ws.gpkg",
    ),
    "qa": (
        "landrelease qa plan --activity ACT-0412 -w ws.gpkg",
        "landrelease qa list -w ws.gpkg",
    ),
    "qa plan": (
        "landrelease qa plan --activity ACT-0412 -w ws.gpkg",
        "landrelease qa plan -a ACT-0412 --confidence 0.9 --geojson cells.geojson",
    ),
    "qa record": (
        "landrelease qa record PCI-ACT-0412-1 --date 2024-07-02 --found 0",
        "landrelease qa record PCI-ACT-0412-1 --date 2024-07-02 --sample 12=1",
    ),
    "qa list": ("landrelease qa list -w ws.gpkg",),
    "report": (
        "landrelease report monthly -w ws.gpkg --month 2024-06",
        "landrelease report casualties -w ws.gpkg --year 2024 -f csv",
    ),
    "report monthly": (
        "landrelease report monthly -w ws.gpkg",
        "landrelease report monthly -w ws.gpkg --month 2024-06 -f pdf -o reports",
    ),
    "report donor": (
        "landrelease report donor -w ws.gpkg --from 2024-01-01 --to 2024-12-31",
        "landrelease report donor -w ws.gpkg --from 2024-01-01 --to 2024-06-30 \\",
        "    --donor 'European Union' -f xlsx",
    ),
    "report settlement": ("landrelease report settlement Hadrut -w ws.gpkg -f html",),
    "report casualties": (
        "landrelease report casualties -w ws.gpkg --year 2024",
        "landrelease report casualties -w ws.gpkg --year 2024 --include-personal-data",
    ),
    "user": (
        "landrelease user add amina --role analyst -w ws.gpkg",
        "landrelease user list -w ws.gpkg",
    ),
    "user add": (
        "landrelease user add amina --role analyst -w ws.gpkg",
        "landrelease user add halo --role operator --organisation HALO -w ws.gpkg",
    ),
    "user set-password": (
        "landrelease user set-password amina -w ws.gpkg",
        "landrelease user set-password amina --password-stdin -w ws.gpkg < pw.txt",
    ),
    "user sign-out": ("landrelease user sign-out amina -w ws.gpkg",),
    "user list": ("landrelease user list -w ws.gpkg",),
    "db": (
        "landrelease db role create gis --role analyst --db postgresql://im@dbhost/ma",
        "landrelease db role list --db postgresql://im@dbhost/ma",
    ),
    "db role": (
        "landrelease db role create gis --role analyst --db postgresql://im@dbhost/ma",
        "landrelease db role list --db postgresql://im@dbhost/ma",
    ),
    "db role create": (
        "landrelease db role create gis --role analyst --db postgresql://im@dbhost/ma",
        "landrelease db role create halo_gis --role operator --organisation HALO \\",
        "    --db postgresql://im@dbhost/ma",
    ),
    "db role list": ("landrelease db role list --db postgresql://im@dbhost/ma",),
    "db role drop": ("landrelease db role drop gis --db postgresql://im@dbhost/ma",),
    "db role grant": ("landrelease db role grant --db postgresql://im@dbhost/ma",),
    "profile": (
        "landrelease profile show -w ws.gpkg",
        "landrelease profile set -w ws.gpkg --name 'CMAC national programme' \\",
        "    --country Cambodia --currency USD --languages km,en --logo cmac.png",
    ),
    "profile show": ("landrelease profile show -w ws.gpkg",),
    "profile set": (
        "landrelease profile set -w ws.gpkg --name 'CMAC national programme' \\",
        "    --country Cambodia --currency USD --languages km,en --logo cmac.png",
        "landrelease profile set -w ws.gpkg --official-estimate 25e9 \\",
        "    --official-estimate-years 10 --estimate-source 'ANAMA 2023'",
    ),
}
"""Each command's (``"record spend"``: a command of a group) example lines; a line ending in
``\\`` goes on in the next, indented one."""


def commands(examples: tuple[str, ...]) -> list[str]:
    """The command lines of ``examples``: a line ending in ``\\`` joined to the next."""
    joined, current = [], ""
    for line in examples:
        current += line.strip()
        if current.endswith("\\"):
            current = current[:-1].rstrip() + " "
        else:
            joined.append(current)
            current = ""
    return joined


def epilog(examples: tuple[str, ...]) -> str:
    """The ``Examples:`` section of a help: each line as written, no markup read in it (a
    line's last ``\\`` is kept single: it escapes nothing)."""
    return "Examples:\n" + "\n".join(
        escape(line.removesuffix("\\")) + "\\" * line.endswith("\\") for line in examples
    )


def add_examples(application: typer.Typer, path: str = "") -> None:
    """Give every command and group of ``application`` its examples as the help's epilog."""
    for info in application.registered_commands:
        name = f"{path} {info.name}".strip()
        info.epilog = epilog(EXAMPLES[name])
    for group in application.registered_groups:
        name = f"{path} {group.name}".strip()
        if group.typer_instance is not None:
            group.typer_instance.info.epilog = epilog(EXAMPLES[name])
            add_examples(group.typer_instance, name)
