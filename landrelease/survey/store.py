"""Survey decisions in the workspace and in a GeoPackage for the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from landrelease.errors import DataError, UsageError
from landrelease.store import Workspace, WorkspaceView, migrations, runs, tables
from landrelease.store.schema import GEOMETRY_COLUMN
from landrelease.store.styles import add_default_style
from landrelease.survey.decisions import SurveyResult

PART_COLUMNS = (
    "part_id",
    "hazard_id",
    "decision",
    "area_m2",
    "expected_devices",
    "p_any_device",
    "devices_per_ha",
    "devices_bound",
    "evidence",
    "confidence",
)


def store_survey(
    source: Workspace | WorkspaceView,
    result: SurveyResult,
    *,
    risk_run_id: int | None,
    actor: str,
) -> int:
    """Keep a survey run and its parts (earlier runs stay; the latest is the current
    recommendation); its id."""
    ws = WorkspaceView.of(source).ws
    rule = "residual" if result.rule.max_residual > 0 else "recall"
    parts = result.parts
    if "devices_bound" not in parts.columns:  # decisions made without a bound on any part
        parts = parts.assign(devices_bound=float("nan"))
    with ws.begin() as conn:
        survey_id = runs.add_run(
            conn,
            "survey",
            {"actor": actor, "risk_run_id": risk_run_id, "rule": rule, "summary": result.summary},
        )
        tables.insert_frame(
            conn,
            "survey_parts",
            parts[[*PART_COLUMNS, parts.geometry.name]],
            survey_id=survey_id,
        )
        if result.sites is not None and len(result.sites):
            sites = result.sites.assign(  # EPSG:4326, as the parts
                searched=result.sites["searched"].astype(int),
                devices_found=result.sites["devices_found"].astype(int),
                **{c: None for c in STORED_SITE_COLUMNS if c not in result.sites.columns},
            )
            tables.insert_frame(
                conn,
                SITE_LAYER,
                sites[[*STORED_SITE_COLUMNS, sites.geometry.name]],
                survey_id=survey_id,
            )
    return survey_id


STORED_SITE_COLUMNS = ("sample_id", "site_id", "part_id", "hazard_id", "searched", "devices_found")


def read_stored_sites(
    source: Workspace | WorkspaceView, *, survey_id: int | None = None
) -> gpd.GeoDataFrame:
    """The confirmation sites of the latest survey run (or of ``survey_id``), EPSG:4326, with
    what the teams found once their results are confirmed; empty when it drew none."""
    frame = _run_rows(source, SITE_LAYER, STORED_SITE_COLUMNS, survey_id)
    return frame.sort_values("site_id", kind="stable").reset_index(drop=True)


def _run_rows(
    source: Workspace | WorkspaceView,
    table: str,
    columns: tuple[str, ...],
    survey_id: int | None,
) -> gpd.GeoDataFrame:
    """The rows of ``table`` kept with survey run ``survey_id`` (``None``: the latest), EPSG:4326;
    empty when no survey was run."""
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        sid = survey_id or runs.latest_run(conn, "survey")
        if sid is None:
            return gpd.GeoDataFrame({k: [] for k in columns}, geometry=[], crs="EPSG:4326")
        frame = tables.read_table(
            conn, table, where={"survey_id": int(sid)}, columns=[*columns, GEOMETRY_COLUMN]
        )
    assert isinstance(frame, gpd.GeoDataFrame)
    return frame[[*columns, frame.geometry.name]].reset_index(drop=True)


def read_parts(
    source: Workspace | WorkspaceView, *, survey_id: int | None = None
) -> gpd.GeoDataFrame:
    """The parts of the latest survey run (or of ``survey_id``), EPSG:4326; empty if none was run."""
    return _run_rows(source, "survey_parts", PART_COLUMNS, survey_id)


def store_backtest(
    source: Workspace | WorkspaceView,
    *,
    as_of: str,
    model: str,
    totals: dict[str, Any],
    actor: str,
) -> int:
    """Keep a backtest's totals (what the map fitted on ``as_of`` expected beside what teams
    found after it, and the verdict); the next survey reads the latest one. Its id."""
    ws = WorkspaceView.of(source).ws
    with ws.begin() as conn:
        migrations.add_missing_tables(conn)  # a workspace made before backtests were kept
        return runs.add_run(
            conn,
            "backtest",
            {"actor": actor, "as_of": as_of, "model": model, "summary": totals},
        )


def latest_backtest(source: Workspace | WorkspaceView) -> dict[str, Any] | None:
    """The latest backtest kept in the workspace (its row, the totals under ``summary``), or
    ``None`` when none was run."""
    ws = WorkspaceView.of(source).ws
    with ws.engine.connect() as conn:
        if not runs.has_runs(conn, "backtest"):
            return None
        return runs.read_run(conn, "backtest")


def write_decisions(result: SurveyResult, path: Path) -> Path:
    """The decisions as a GeoPackage layer ``survey_parts`` for QGIS and field tablets."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise UsageError(f"decisions are written as a GeoPackage: {path} must end in .gpkg")
    if not path.parent.exists():
        raise UsageError(f"folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.stem}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    parts = result.parts
    if "area_m2" in parts.columns and "area_ha" not in parts.columns:  # hectares, as reports say
        at = list(parts.columns).index("area_m2") + 1
        parts = parts.copy()
        parts.insert(at, "area_ha", (parts["area_m2"].astype(float) / 10_000).round(5))
    # one declared type, MultiPolygon: QGIS and ogr2ogr meet no multi-part in a Polygon layer
    pyogrio.write_dataframe(
        parts,
        tmp,
        layer="survey_parts",
        driver="GPKG",
        promote_to_multi=True,
        geometry_type="MultiPolygon",
        dataset_options={"VERSION": "1.3"},
    )
    add_default_style(tmp, "survey_parts", "MultiPolygon")
    if result.sites is not None and len(result.sites):
        write_sites(result.sites, tmp)
    tmp.replace(path)
    return path


SITE_LAYER = "confirmation_sites"


def write_sites(sites: gpd.GeoDataFrame, path: Path) -> None:
    """The confirmation sample's sites as the layer :data:`SITE_LAYER` of a GeoPackage, for
    the field teams: they set ``searched`` and ``devices_found`` on each site they search,
    and ``landrelease confirm`` reads it back."""
    pyogrio.write_dataframe(
        sites, path, layer=SITE_LAYER, driver="GPKG", geometry_type="Point", append=False
    )
    add_default_style(path, SITE_LAYER, "Point")


SITE_FIELDS = ("sample_id", "site_id", "searched", "devices_found")


def read_sites(path: Path) -> gpd.GeoDataFrame:
    """The confirmation sites as the field teams filled them in (layer :data:`SITE_LAYER` of a
    GeoPackage written with the decisions). Every problem found is named by file, site and
    field, all at once; nothing is read half."""
    path = Path(path)
    if not path.exists():
        raise UsageError(
            f"{path} does not exist: give the decisions GeoPackage the teams filled in"
        )
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as e:  # not a file GDAL opens
        raise UsageError(f"{path} does not open as a GeoPackage ({e})") from None
    if SITE_LAYER not in layers:
        raise UsageError(
            f"{path} has no layer {SITE_LAYER!r} (layers: {', '.join(layers) or 'none'}); "
            "it is written beside survey_parts by `landrelease survey` when land is cancelled"
        )
    sites = pyogrio.read_dataframe(path, layer=SITE_LAYER)
    missing = [f for f in SITE_FIELDS if f not in sites.columns]
    if missing:
        raise DataError(
            f"{path}, layer {SITE_LAYER}: field(s) {', '.join(missing)} missing; "
            f"expected {', '.join(SITE_FIELDS)}"
        )
    problems = []
    for row in sites.itertuples():
        where = f"{path}, layer {SITE_LAYER}, site {row.site_id}"
        if row.searched not in (0, 1, True, False):
            problems.append(f"{where}: searched is {row.searched!r}; accepted: 1 (searched) or 0")
        found = row.devices_found
        if found is None or (isinstance(found, float) and found != found):
            found = 0
        if not float(found).is_integer() or float(found) < 0:
            problems.append(
                f"{where}: devices_found is {row.devices_found!r}; accepted: a whole number ≥ 0"
            )
        elif found > 0 and not row.searched:
            problems.append(
                f"{where}: devices_found is {float(found):g} but searched is 0; set searched to 1 for a "
                "site the team searched"
            )
    ids = sites["sample_id"].dropna().unique()
    if len(ids) != 1:
        problems.append(
            f"{path}, layer {SITE_LAYER}: sites of {len(ids)} samples ({', '.join(map(str, ids))}); "
            "a file holds the sites of one decision"
        )
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise DataError("; ".join(problems[:10]) + more + "; nothing was recorded")
    sites["searched"] = sites["searched"].astype(bool)
    sites["devices_found"] = sites["devices_found"].fillna(0).astype(int)
    return sites


def survey_of_sample(
    source: Workspace | WorkspaceView, sample_id: str
) -> tuple[dict[str, Any] | None, bool]:
    """The survey run that drew the confirmation sample ``sample_id`` (its row; ``None`` if
    none did), and whether the latest decisions are still that run's, or its confirmations."""
    ws = WorkspaceView.of(source).ws
    current = True
    with ws.engine.connect() as conn:
        listed = runs.list_runs(conn, "survey")  # newest first, one query
    for run in listed:
        if isinstance(run.get("summary"), str):
            run["summary"] = json.loads(run["summary"])
        summary = run.get("summary") or {}
        same = (summary.get("confirmation") or {}).get("sample_id") == sample_id
        if same and not summary.get("confirmation_result"):
            return run, current
        current = current and same
    return None, False
