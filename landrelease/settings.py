"""Every tunable number of landrelease, declared once with its unit and meaning.

``landrelease settings`` lists them; ``docs/settings.md`` documents them (a
test fails when one is missing there). A value can be overridden for one run
with the environment variable ``LANDRELEASE_<NAME>`` (upper case).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    unit: str
    help: str

    @property
    def env(self) -> str:
        return f"LANDRELEASE_{self.name.upper()}"

    def value(self) -> Any:
        raw = os.environ.get(self.env)
        if raw is None:
            return self.default
        try:
            return type(self.default)(raw)
        except ValueError:
            from landrelease.errors import UsageError

            raise UsageError(
                f"{self.env}={raw!r} is not a valid {type(self.default).__name__} (unit: {self.unit})"
            ) from None


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "workspace",
        "workspace.gpkg",
        "path or URL",
        "Workspace used when --workspace/--db is not given.",
    ),
    Setting(
        "import_batch_rows", 50_000, "records", "Records read and checked at a time; bounds memory."
    ),
    Setting(
        "issues_listed_per_file",
        20,
        "problems",
        "Problems printed per file; all are counted, and --issues-csv lists up to 1,000 per file.",
    ),
    Setting(
        "json_precheck_max_mb",
        64,
        "MB",
        "GeoJSON files up to this size are parsed once for exact syntax-error positions.",
    ),
    Setting(
        "demo_scale",
        "district",
        "scale",
        "Scenario scale `make demo` generates: small, district or region.",
    ),
    Setting("demo_seed", 2020, "seed", "Random seed of the demo scenario."),
    # --- risk map and survey engine (issue 4) ---
    Setting("risk_cell_m", 20.0, "m", "Cell size of the risk map."),
    Setting(
        "risk_near_m",
        500.0,
        "m",
        "Distances are exact on the fine grid up to this far from a feature; beyond it a coarse grid is used (±90 m).",
    ),
    Setting(
        "risk_tile_cells", 1024, "cells", "Tile side for computing evidence layers; bounds memory."
    ),
    Setting(
        "risk_max_cells",
        400_000_000,
        "cells",
        "Largest risk grid accepted; a smaller cell size is refused with the memory it would need.",
    ),
    Setting(
        "risk_block_m",
        2000.0,
        "m",
        "Side of the spatial blocks used for cross-validation (never random cell splits).",
    ),
    Setting("risk_folds", 5, "folds", "Spatial cross-validation folds."),
    Setting(
        "risk_max_training_cells",
        300_000,
        "cells",
        "Searched cells without a finding kept for training (all cells with a finding are kept; the rest are reweighted).",
    ),
    Setting(
        "risk_model",
        "evidence",
        "name",
        "Risk model: evidence (weights of evidence shrunk to expert weights; transfers best to unsearched land), boosted (LightGBM from the evidence model, monotone) or distance (baseline).",
    ),
    Setting("risk_seed", 0, "seed", "Random seed of sampling and model fitting."),
    Setting(
        "risk_evidence_margin_m",
        10_000.0,
        "m",
        "Evidence farther than this outside the hazards and searched land cannot change the map (the largest distance cap); it is named in a warning.",
    ),
    Setting(
        "risk_incident_half_life_years",
        10.0,
        "years",
        "An incident's weight halves every this many years before the latest data.",
    ),
    Setting(
        "risk_long_front_years",
        5.0,
        "years",
        "A front line held at least this long counts as the long-held line of contact.",
    ),
    Setting(
        "risk_record_reliability_prior",
        0.25,
        "share",
        "Prior reliability of a minefield-record source (seeds: about a quarter of handed-over maps are accurate).",
    ),
    Setting(
        "risk_record_prior_weight",
        4.0,
        "records",
        "How many tested records the prior is worth when a source's reliability is measured.",
    ),
    Setting(
        "risk_record_tolerance_m",
        50.0,
        "m",
        "A record is accurate when a device was found within this distance of it.",
    ),
    Setting(
        "risk_prior_contamination",
        0.03,
        "share",
        "Share of suspected cells thought to hold a device when there is no searched land to learn from (Bosnia ~2 %, Croatia ~10 %).",
    ),
    Setting(
        "survey_target_recall",
        0.99,
        "share",
        "Share of the expected devices that must lie in parts sent to technical survey or clearance.",
    ),
    Setting(
        "survey_max_residual",
        0.0,
        "probability",
        "If above 0: per hazard, cancel land only while the probability that any device remains in it stays below this (replaces the recall target).",
    ),
    Setting(
        "survey_clearance_devices_per_ha",
        2.0,
        "devices/ha",
        "Expected device density from which land goes straight to full clearance rather than technical survey.",
    ),
    Setting(
        "survey_min_part_m2",
        2500.0,
        "m²",
        "Parts smaller than this are merged into the stricter neighbouring decision.",
    ),
    # --- records, QA, reports (issue 7) ---
    Setting(
        "approval_tolerance_share",
        0.01,
        "share of the activity's area",
        "Digitising slack at approval: an activity may lie outside its hazard, or overlap land "
        "already released, by up to this share of its area (and 1 m²) before it is refused.",
    ),
    Setting(
        "closure_remaining_share",
        0.01,
        "share of the hazard's area",
        "A hazard closes (completion record) when no more than this share of its area remains "
        "unreleased in the land-release ledger.",
    ),
    Setting(
        "qa_limiting_density_per_ha",
        1.0,
        "devices/ha",
        "Limiting quality of post-clearance inspection: a lot with this density of residual "
        "devices must be rejected with the chosen confidence.",
    ),
    Setting(
        "qa_confidence",
        0.95,
        "probability",
        "Confidence that a lot at the limiting quality is rejected (1 − consumer's risk).",
    ),
    Setting(
        "qa_acceptance_number",
        0,
        "devices",
        "Devices an inspection may find with the lot still accepted (IMAS practice: 0).",
    ),
    Setting(
        "qa_cell_m2",
        100.0,
        "m²",
        "Sampling unit of post-clearance inspection (a 10 × 10 m cell); the lot is cut into cells.",
    ),
    Setting(
        "qa_usd_per_m2",
        0.83,
        "USD/m²",
        "Cost of inspecting (re-clearing) one m²; external QC re-clearance cost USD 5.9 M for "
        "7.1 km² (GICHD review, 2012).",
    ),
    Setting(
        "settlement_radius_m",
        1500.0,
        "m",
        "Open hazards within this distance of a settlement block its return.",
    ),
    Setting(
        "casualty_kde_bandwidth_m",
        2000.0,
        "m",
        "Bandwidth (standard deviation) of the Gaussian kernel of casualty hotspots.",
    ),
    Setting("casualty_kde_cell_m", 250.0, "m", "Cell size of the casualty density grid."),
    Setting(
        "report_trend_months", 12, "months", "Months shown in the trend charts of a monthly report."
    ),
    # --- end of records, QA, reports (issue 7) ---
    # --- web (issue 6) ---
    Setting(
        "web_session_hours",
        8.0,
        "hours",
        "How long a web login (session cookie or bearer token) stays valid.",
    ),
    Setting(
        "web_login_attempts",
        5,
        "failures",
        "Failed logins allowed per user and address within web_login_window_s; more are refused (HTTP 429).",
    ),
    Setting("web_login_window_s", 60.0, "s", "Window over which failed web logins are counted."),
    Setting(
        "web_page_limit",
        100,
        "features",
        "Features per page of an OGC API items response when no limit is given.",
    ),
    Setting(
        "web_max_limit", 10000, "features", "Largest page an OGC API items request may ask for."
    ),
    Setting(
        "web_secret_key",
        "",
        "text",
        "Key that signs session cookies and tokens; empty: one kept in the workspace (workspace_meta).",
    ),
    Setting(
        "web_basemap_url",
        "",
        "URL template",
        "Base-map tile URL ({z}/{x}/{y}) for the map page; empty: no base map (the programme's own layers only).",
    ),
    Setting(
        "web_secure_cookies",
        0,
        "0 or 1",
        "1: mark session cookies Secure (sent over HTTPS only); turn on behind TLS.",
    ),
    Setting(
        "web_settlement_radius_m",
        5000.0,
        "m",
        "Hazards within this distance of a settlement are listed on its page.",
    ),
    # --- end of web (issue 6) ---
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> Any:
    """The value of a setting (environment override, else default)."""
    return _BY_NAME[name].value()
