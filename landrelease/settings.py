"""Every tunable number of landrelease, declared once with its unit and meaning.

``landrelease settings`` lists them; ``docs/settings.md`` documents them (a
test fails when one is missing there). A value can be overridden for one run
with the environment variable ``LANDRELEASE_<NAME>`` (upper case).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OTHER_VARIABLES: dict[str, str] = {
    "LANDRELEASE_USER": "who makes changes, for the audit trail",
    "LANDRELEASE_SERVE_TARGET": "the workspace a web server's processes open (set by serve)",
    "LANDRELEASE_TEST_PG": "the PostGIS database of the test suite",
    "LANDRELEASE_SCREENSHOTS": "where the browser tests write screenshots",
}
"""Environment variables of landrelease that are not settings (never warned about)."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    unit: str
    help: str
    minimum: float | None = None
    """The smallest value accepted (the value itself refused when ``above``); ``None``: any."""
    maximum: float | None = None
    """The largest value accepted (the value itself refused when ``below``); ``None``: any."""
    above: bool = False
    below: bool = False

    @property
    def env(self) -> str:
        return f"LANDRELEASE_{self.name.upper()}"

    @property
    def accepted(self) -> str:
        """The range accepted in words ("from 0 to 1", "above 0"); empty when any value is."""
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None and not (self.above or self.below):
            return f"from {lo:g} to {hi:g}"
        words = []
        if lo is not None:
            words.append(f"{'above' if self.above else 'at least'} {lo:g}")
        if hi is not None:
            words.append(f"{'below' if self.below else 'at most'} {hi:g}")
        return " and ".join(words)

    def in_range(self, value: float) -> bool:
        if self.minimum is not None and (
            value <= self.minimum if self.above else value < self.minimum
        ):
            return False
        return self.maximum is None or (
            value < self.maximum if self.below else value <= self.maximum
        )

    def value(self) -> Any:
        raw = os.environ.get(self.env)
        if raw is None:
            return self.default
        from landrelease.errors import UsageError

        try:
            value = type(self.default)(raw)
        except ValueError:
            kind = "a whole number" if isinstance(self.default, int) else "a number"
            raise UsageError(
                f"{self.env}={raw!r} is not {kind}; {self.name} is in {self.unit} "
                f"(default {self.default}): give {kind} such as {self.default}, or unset {self.env}"
            ) from None
        if isinstance(value, int | float) and not self.in_range(value):
            raise UsageError(
                f"{self.env}={raw!r} is out of range: {self.name} is in {self.unit} and must be "
                f"{self.accepted} (default {self.default}); unset {self.env} for the default"
            )
        return value


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each ``LANDRELEASE_*`` variable that names no setting (a mistyped one is
    otherwise ignored without a word), naming the setting closest to it."""
    known = {s.env for s in SETTINGS} | set(OTHER_VARIABLES)
    out = []
    for name in sorted(environ):
        if not name.startswith("LANDRELEASE_") or name in known:
            continue
        # compared without the prefix, which every name shares
        close = difflib.get_close_matches(
            name.removeprefix("LANDRELEASE_").lower(), list(_BY_NAME), n=1, cutoff=0.6
        )
        hint = f"; did you mean {_BY_NAME[close[0]].env}?" if close else ""
        out.append(
            f"{name} names no setting and is ignored{hint} (`landrelease settings` lists them)"
        )
    return out


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "workspace",
        "workspace.gpkg",
        "path or URL",
        "Workspace used when --workspace/--db is not given.",
    ),
    Setting(
        "postgres_bin_dir",
        "",
        "folder",
        "Where `landrelease backup` and `restore` find pg_dump and pg_restore for a PostGIS "
        "workspace; empty: the PATH, then the newest /usr/lib/postgresql/*/bin.",
    ),
    Setting(
        "import_batch_rows",
        50_000,
        "records",
        "Records read and checked at a time; bounds memory.",
        minimum=1,
    ),
    Setting(
        "issues_listed_per_file",
        20,
        "problems",
        "Problems printed per file; all are counted, and --issues-csv lists up to 1,000 per file.",
    ),
    Setting(
        "import_max_file_mb",
        2048,
        "MiB",
        "Largest file of a package an import reads (a zip's members by their declared size); "
        "a larger one is refused before it is read.",
    ),
    Setting(
        "import_max_field_kb",
        1024,
        "KiB",
        "Largest single value of a CSV table (one cell); a larger one is refused while the file "
        "is streamed, before it is loaded.",
    ),
    Setting(
        "import_max_record_kb",
        4096,
        "KiB",
        "Longest line of a CSV table (one record, unless a quoted value spans lines); a longer "
        "one is refused while the file is streamed.",
    ),
    Setting(
        "import_max_unzipped_mb",
        4096,
        "MiB",
        "Largest total a zipped package (or zipped Shapefile, or XLSX workbook) may expand to, "
        "by the sizes its zip declares; checked before anything is extracted.",
    ),
    Setting(
        "import_max_zip_ratio",
        200,
        "×",
        "Largest ratio of a zip member's size to its compressed size (a zip bomb expands "
        "thousands of times; text compresses up to some tens).",
    ),
    Setting(
        "import_date_order",
        "",
        "day-first, month-first or empty",
        "How a date like 11/06/2024 is read when both readings are real dates: day-first "
        "(11 June), month-first (6 November), or empty: refused with both readings named. "
        "A date only one way can read (13/06/2024) is read so whatever this says.",
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
    Setting("risk_cell_m", 20.0, "m", "Cell size of the risk map.", minimum=0, above=True),
    Setting(
        "risk_ts_searched_share",
        0.15,
        "share",
        "Share of a technical survey's area physically searched (lanes, sampling) when the activity does not record its own `searched_share`: land surveyed clean counts as this much of land cleared clean. Set it from the national standard; smaller is more cautious.",
        minimum=0,
        maximum=1,
        above=True,
    ),
    Setting(
        "risk_land_use_full_years",
        5.0,
        "years",
        "Years of use without an incident after which land in use (layer `land_use`) counts in full as negative evidence; land used fewer years counts in proportion. How much land in use of each kind counts is measured on searched land, never assumed.",
    ),
    Setting(
        "risk_land_use_max_share",
        0.5,
        "share",
        "The most that land in use may count as searched clean (its equivalent searched share), whatever searched land shows: searched land in use cannot show a dense minefield that people happen to use; 0 leaves land in use out of the risk map.",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "risk_national_depth_cm",
        20.0,
        "cm",
        "The national clearance depth: the depth a technical survey or clearance that does not record its `depth_cm` searched to, and the prior of the depth profile (devices spread evenly from the surface down to it) where findings record no depth. A clean search counts as negative evidence in proportion to the share of the devices found that lay at or above its depth.",
    ),
    Setting(
        "risk_depth_prior_finds",
        10.0,
        "findings",
        "Pseudo-findings of the prior (devices spread evenly down to `risk_national_depth_cm`) joined to each device kind's recorded depths: with few depths recorded, the profile stays near the prior.",
    ),
    Setting(
        "risk_near_m",
        500.0,
        "m",
        "Distances are exact on the fine grid up to this far from a feature; beyond it a coarse grid is used (±90 m).",
    ),
    Setting(
        "risk_tile_cells",
        1024,
        "cells",
        "Tile side for computing evidence layers; bounds memory.",
        minimum=1,
    ),
    Setting(
        "risk_max_cells",
        400_000_000,
        "cells",
        "Largest risk grid accepted; a smaller cell size is refused with the memory it would need.",
        minimum=1,
    ),
    Setting(
        "risk_block_m",
        2000.0,
        "m",
        "Side of the spatial blocks used for cross-validation (never random cell splits).",
        minimum=0,
        above=True,
    ),
    Setting("risk_folds", 5, "folds", "Spatial cross-validation folds.", minimum=2),
    Setting(
        "risk_rate_scales_m",
        "250 500 1000 1500 2500 4000 8000",
        "m",
        "Candidate σ of the local finding rate's kernel; the one that best ranks held-out blocks "
        "of the programme's searched land (risk_block_m, risk_folds) is used.",
    ),
    Setting(
        "risk_max_training_cells",
        300_000,
        "cells",
        "Searched cells without a finding kept for training (all cells with a finding are kept; the rest are reweighted).",
        minimum=1,
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
        minimum=0,
        maximum=1,
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
        minimum=0,
        maximum=1,
    ),
    Setting(
        "risk_bound_level",
        0.9,
        "probability",
        "Confidence of the upper bounds taken from errors on held-out spatial blocks: on the devices left in cancelled land (stated per part) and on their share of all devices (the recall rule).",
        minimum=0,
        maximum=1,
        above=True,
        below=True,
    ),
    Setting(
        "survey_target_recall",
        0.99,
        "share",
        "Share of the expected devices that must lie in parts sent to technical survey or clearance.",
        minimum=0.5,
        maximum=1,
        below=True,
    ),
    Setting(
        "survey_max_residual",
        0.0,
        "probability",
        "If above 0: per hazard, cancel land only while the probability that any device remains in it stays below this (replaces the recall target).",
        minimum=0,
        maximum=1,
        below=True,
    ),
    Setting(
        "survey_clearance_devices_per_ha",
        2.0,
        "devices/ha",
        "Expected device density from which land goes straight to full clearance rather than technical survey.",
    ),
    Setting(
        "survey_backtest_tolerance",
        0.2,
        "share",
        "A backtest whose teams found more devices than the map expected withholds cancellation only when they found more than this share above it (beyond chance too); the confirmation sample checks the cancelled land itself.",
        minimum=0,
        maximum=10,
    ),
    Setting(
        "survey_confirm_devices",
        8.0,
        "devices",
        "Size of the confirmation sample of cancelled land: the devices its sites would find if the cancelled land held as many as its bound (more: a sharper test, more sites to search).",
        minimum=0.5,
    ),
    Setting(
        "survey_confirm_alpha",
        0.1,
        "probability",
        "Chance that cancelled land holding exactly its bound fails the confirmation sample (sets how many devices the sample may find and pass).",
        minimum=0.001,
        maximum=0.5,
    ),
    Setting(
        "survey_confirm_detection",
        0.9,
        "probability",
        "Probability that technical survey of a confirmation site finds a device in it.",
        minimum=0.1,
        maximum=1,
    ),
    Setting(
        "survey_confirm_max_share",
        0.1,
        "share",
        "Largest share of the cancelled land the confirmation sample may cover.",
        minimum=0.001,
        maximum=1,
    ),
    Setting(
        "survey_confirm_site_m",
        20.0,
        "m",
        "Side of a square confirmation site searched by technical survey.",
        minimum=1,
        maximum=500,
    ),
    Setting(
        "survey_min_part_m2",
        2500.0,
        "m²",
        "Parts smaller than this are merged into the stricter neighbouring decision.",
    ),
    Setting(
        "survey_min_searched_cells",
        500,
        "cells",
        "Land is recommended for cancellation only when the risk map learned from at least this many searched cells (technical survey and clearance) and could measure its errors on land it did not learn from; otherwise survey is recommended instead.",
        minimum=0,
    ),
    Setting(
        "survey_min_found_cells",
        20,
        "cells",
        "…and when at least this many of those searched cells held a device (too few finds and the map's errors cannot be measured)…",
    ),
    Setting(
        "survey_min_activities",
        10,
        "activities",
        "…and when they come from at least this many approved technical surveys and clearances (one big clearance says little about land elsewhere).",
    ),
    Setting(
        "survey_bac_radius_m",
        1000.0,
        "m",
        "Battle-area clearance: the findings within this distance of a part are the evidence of what it holds.",
    ),
    Setting(
        "survey_bac_min_finds",
        10,
        "findings",
        "…a part sent to technical survey or clearance becomes battle-area clearance only with at least this many findings within the radius (fewer say too little about what is there)…",
    ),
    Setting(
        "survey_bac_uxo_share",
        1.0,
        "share",
        "…of which at least this share are unexploded or abandoned ordnance (UXO, AXO), not mines or IEDs (AP, AT, IED); 1 demands that none is a mine…",
        minimum=0,
        maximum=1,
        above=True,
    ),
    Setting(
        "survey_bac_defensive_m",
        300.0,
        "m",
        "…with no minefield record touching the part and no former defensive position (trench, strongpoint, firing position) this close: where mines were laid, full mine clearance stays.",
    ),
    Setting(
        "survey_bac_front_m",
        3000.0,
        "m",
        "…and no line of contact held for years this close (belt minefields lie along it).",
    ),
    # --- records, QA, reports (issue 7) ---
    Setting(
        "approval_tolerance_share",
        0.01,
        "share of the activity's area",
        "Digitising slack at approval: an activity may lie outside its hazard, or overlap land "
        "already released, by up to this share of its area (and 1 m²) before it is refused.",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "closure_remaining_share",
        0.01,
        "share of the hazard's area",
        "A hazard closes (completion record) when no more than this share of its area remains "
        "unreleased in the land-release ledger.",
        minimum=0,
        maximum=1,
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
        minimum=0,
        maximum=1,
        above=True,
        below=True,
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
        minimum=0,
        above=True,
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
    Setting(
        "casualty_kde_cell_m",
        250.0,
        "m",
        "Cell size of the casualty density grid.",
        minimum=0,
        above=True,
    ),
    Setting(
        "report_trend_months",
        12,
        "months",
        "Months shown in the trend charts of a monthly report.",
        minimum=1,
    ),
    # --- end of records, QA, reports (issue 7) ---
    # --- web (issue 6) ---
    Setting(
        "web_session_hours",
        8.0,
        "hours",
        "How long a web login (session cookie or bearer token) stays valid.",
        minimum=0,
        above=True,
    ),
    Setting(
        "web_login_attempts",
        5,
        "failures",
        "Failed logins allowed per user name, from any addresses, within web_login_window_s; "
        "then its logins are locked (HTTP 429) for web_login_lock_s, doubling with each further "
        "failure up to web_login_lock_max_s — except from an address the user logged in from "
        "within web_login_known_days.",
        minimum=1,
    ),
    Setting(
        "web_login_address_attempts",
        20,
        "failures",
        "Failed logins allowed per client address, for any user names, within "
        "web_login_window_s; then logins from it are locked like a user name's.",
        minimum=1,
    ),
    Setting(
        "web_login_window_s",
        3600.0,
        "s",
        "How long a failed web login is remembered (counted towards the limits).",
        minimum=0,
        above=True,
    ),
    Setting(
        "web_login_lock_s",
        60.0,
        "s",
        "The first lock after too many failed logins; each further failure doubles it.",
        minimum=0,
    ),
    Setting(
        "web_login_lock_max_s",
        900.0,
        "s",
        "The longest lock after failed logins, however many (a lock always ends).",
        minimum=0,
    ),
    Setting(
        "web_login_known_days",
        30.0,
        "days",
        "An address a user logged in from is theirs this long: from it, the user's name is not "
        "locked by failures from elsewhere (the address's own limit still holds).",
    ),
    Setting(
        "web_page_limit",
        100,
        "features",
        "Features per page of an OGC API items response when no limit is given.",
        minimum=1,
    ),
    Setting(
        "web_max_limit",
        10000,
        "features",
        "Largest page an OGC API items request may ask for.",
        minimum=1,
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
        "web_trusted_proxies",
        "",
        "IP addresses or networks, comma-separated",
        "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed "
        "(e.g. 127.0.0.1 for nginx on the same machine, 10.0.0.0/24); empty: none, the "
        "connecting address is the client's.",
    ),
    Setting(
        "web_basemap_mbtiles",
        "",
        "file path",
        "A local MBTiles file of raster tiles (PNG, JPEG or WebP) drawn under the map's layers, "
        "served by the site at /basemap/{z}/{x}/{y}; empty: none.",
    ),
    Setting(
        "web_basemap_pmtiles",
        "",
        "file path",
        "A local PMTiles (version 3) archive of raster tiles (PNG, JPEG or WebP) drawn under the "
        "map's layers, served by the site at /basemap/{z}/{x}/{y}; empty: none. Set this or "
        "web_basemap_mbtiles, not both.",
    ),
    Setting(
        "web_secure_cookies",
        0,
        "0 or 1",
        "1: mark session cookies Secure (sent over HTTPS only); turn on behind TLS.",
    ),
    Setting(
        "web_activities_per_page",
        50,
        "activities",
        "Activities the activities page lists per page (the rest on the next pages; search and "
        "filters narrow the list on the server).",
        minimum=1,
    ),
    Setting(
        "web_map_max_points",
        2000,
        "points",
        "Points of a layer (findings, incidents) the map draws one by one within its view; "
        "more are drawn as counts on a grid of cells.",
    ),
    Setting(
        "web_map_cluster_cells",
        40,
        "cells",
        "Cells across the map's view when a point layer is drawn as counts.",
    ),
    Setting(
        "web_tiles_detail_zoom",
        12,
        "zoom level",
        "From this zoom the map's tiles carry findings and incidents one by one; below it, "
        "counts per cell (16 cells across a tile).",
    ),
    Setting(
        "web_tiles_warm_zoom",
        10,
        "zoom level",
        "When the server starts, it cuts the map's first-view tiles (hazards, base map, "
        "settlements) over the hazards' extent from zoom 0 to this zoom, so that the first "
        "visitor does not wait for them; -1: none.",
    ),
    Setting(
        "web_upload_max_mb",
        200,
        "MiB",
        "Largest evidence package a web upload may send; a larger one is refused (HTTP 413) "
        "from its Content-Length, or as soon as it has sent more, never stored whole.",
    ),
    # --- end of web (issue 6) ---
    # --- planning (issue 5) ---
    # Priorities: multi-criteria weights (normalised to sum 1; see docs/planning.md).
    Setting(
        "priority_weight_people",
        0.40,
        "weight",
        "Priorities: people able to return (planned population whose homes, access roads or farmland the hazard blocks).",
    ),
    Setting(
        "priority_weight_infrastructure",
        0.15,
        "weight",
        "Priorities: infrastructure unblocked (roads and power lines by km, water, schools, hospitals).",
    ),
    Setting("priority_weight_farmland", 0.15, "weight", "Priorities: farmland returned (ha)."),
    Setting(
        "priority_weight_casualty_risk",
        0.20,
        "weight",
        "Priorities: casualties prevented (incident history and people living nearby).",
    ),
    Setting(
        "priority_weight_cost",
        0.10,
        "weight",
        "Priorities: expected effort and cost of the survey decisions (counts against a hazard).",
    ),
    Setting(
        "priority_sensitivity_change",
        0.25,
        "fraction",
        "Sensitivity of the priorities: how far each weight is moved up and down.",
    ),
    Setting(
        "priority_top_n",
        20,
        "hazards",
        "Sensitivity and listings look at this many top hazards.",
        minimum=1,
    ),
    Setting(
        "plan_farmland_radius_m",
        3000.0,
        "m",
        "A hazard blocking farmland or water this close to a settlement blocks its livelihood.",
    ),
    Setting(
        "plan_access_radius_m",
        5000.0,
        "m",
        "A hazard on a road blocks access to the settlements that road serves within this distance.",
    ),
    Setting(
        "plan_road_buffer_m", 50.0, "m", "A hazard this close to a road or power line blocks it."
    ),
    Setting(
        "plan_incident_radius_m",
        1000.0,
        "m",
        "Incidents this close to a hazard count in its casualty history.",
    ),
    Setting(
        "plan_exposure_per_person_year",
        0.0001,
        "casualties/person-year",
        "Casualty rate of people living next to contaminated land (casualty-risk criterion).",
    ),
    Setting(
        "plan_working_days_per_month",
        18.0,
        "days",
        "Days a team works in a month (after weekends, weather, leave, quality control).",
        minimum=0,
        maximum=31,
        above=True,
    ),
    Setting(
        "plan_setup_days",
        2.0,
        "team-days",
        "Mobilisation: days a team spends setting up on each task it joins.",
    ),
    Setting(
        "plan_travel_km_per_day",
        60.0,
        "km/day",
        "Mobilisation: distance a team moves in a day between tasks (paid as team-days).",
    ),
    Setting(
        "plan_m2_per_team",
        20000.0,
        "m²",
        "Area per team working on a task at once: a task takes at most area / this many teams.",
    ),
    Setting(
        "plan_machine_max_slope_deg",
        15.0,
        "degrees",
        "Machines do not work on steeper ground (a part's or hazard's slope_deg, where given).",
    ),
    Setting(
        "plan_builtup_radius_m",
        500.0,
        "m",
        "Machines do not work this close to a settlement (built-up ground).",
    ),
    Setting(
        "plan_nts_m2_per_team_day",
        250000.0,
        "m²/team-day",
        "Non-technical survey (desk study, testimony, site visit) covered by a manual team in a day.",
    ),
    Setting(
        "plan_ts_sampled_share",
        0.2,
        "fraction",
        "Share of a technical-survey area that teams physically process.",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "plan_bac_effort_share",
        0.35,
        "fraction",
        "Effort of battle-area clearance per m² as a share of full clearance: a detector sweep for unexploded ordnance to a shallow depth, without the drills of mine clearance (about a third by default; set the programme's own figure).",
        minimum=0,
        maximum=1,
        above=True,
    ),
    Setting(
        "plan_min_join_days",
        18.0,
        "team-days",
        "A team joins a task that other teams already work only if each would still have this much work there (fewer set-ups; a task nobody works on is always taken).",
    ),
    Setting(
        "plan_lookahead_tasks",
        4,
        "tasks",
        "A team free for work takes the nearest of the next this-many-plus-one tasks in the plan's order (less travel).",
    ),
    Setting(
        "plan_lp_max_cells",
        150000,
        "rows",
        "Size of the LP bound: beyond it, later months are merged into quarters or longer, whose "
        "shares are averaged month by month (the bound stays valid and within a few hundredths of a "
        "per cent of the monthly one).",
    ),
    Setting(
        "plan_search_seconds",
        10.0,
        "s",
        "Time the plan spends improving its priority order by local search (0: none).",
        minimum=0,
    ),
    Setting(
        "plan_dispatch_seconds",
        6.0,
        "s",
        "Time the plan spends choosing dispatch rules for each kind of team (task size, joining, look-ahead; 0: one rule for all kinds).",
        minimum=0,
    ),
    Setting(
        "plan_budget_usd_per_year",
        0.0,
        "USD/year",
        "Budget per year when --budget is not given; 0: the workspace's funding of the last 12 months.",
    ),
    Setting(
        "fallback_sha_ts_share",
        0.25,
        "fraction",
        "Without survey decisions: share of an open SHA sent to technical survey.",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "fallback_sha_clearance_share",
        0.05,
        "fraction",
        "Without survey decisions: share of an open SHA cleared (the rest is cancelled by NTS).",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "fallback_p_any_device_sha",
        0.3,
        "probability",
        "Without survey decisions: chance that an SHA part holds any device.",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "fallback_p_any_device_cha",
        0.9,
        "probability",
        "Without survey decisions: chance that a CHA holds any device.",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "fallback_devices_per_km2",
        150.0,
        "devices/km²",
        "Without survey decisions: devices per km² of land that holds any (DOMAIN: 86–214).",
    ),
    *(
        Setting(f"asset_{kind}_{what}", value, unit, f"Default {label} (no assets given): {text}.")
        for kind, label, teams, m2, usd in (
            ("manual", "manual teams (10 deminers × 30 m²)", 100, 300.0, 1500.0),
            ("dog", "mine detection dogs", 100, 1000.0, 350.0),
            ("rat", "detection rats with handlers", 20, 400.0, 120.0),
            ("machine", "demining machines", 25, 2500.0, 2200.0),
        )
        for what, value, unit, text in (
            ("teams", teams, "teams", "how many"),
            ("m2_per_day", m2, "m²/day", "productivity per team-day"),
            ("usd_per_day", usd, "USD/day", "cost per team-day"),
        )
    ),
    Setting("forecast_runs", 1000, "runs", "Monte Carlo runs of the forecast.", minimum=1),
    Setting("forecast_seed", 2026, "seed", "Random seed of the forecast."),
    Setting(
        "forecast_productivity_cv",
        0.25,
        "fraction",
        "Spread (log-normal sigma) of each asset kind's productivity, drawn per run.",
    ),
    Setting(
        "forecast_funding_cv",
        0.2,
        "fraction",
        "Spread (log-normal sigma) of each year's funding, drawn per run and year.",
    ),
    Setting(
        "forecast_contamination_cv",
        0.5,
        "fraction",
        "Spread (log-normal sigma) of the true contamination around the survey's expectation, per run.",
    ),
    Setting(
        "forecast_team_days_per_device",
        0.1,
        "team-days",
        "Extra time to uncover and destroy each device found.",
    ),
    Setting(
        "forecast_ts_confirmed_share",
        0.3,
        "fraction",
        "Share of a technical-survey area cleared when the survey finds devices (the plan counts it × the part's p_any_device).",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "forecast_cancelled_found_share",
        0.3,
        "fraction",
        "Chance that a device left in land the survey cancels comes to light during the programme (a find, an incident, a report), so that the part is surveyed technically after all (set the programme's own share of cancelled land reopened).",
        minimum=0,
        maximum=1,
    ),
    Setting(
        "forecast_max_years",
        60,
        "years",
        "The forecast stops here; later dates read 'after'.",
        minimum=1,
    ),
    # --- end of planning (issue 5) ---
)

_BY_NAME = {s.name: s for s in SETTINGS}


def check_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """Read every setting given in the environment — a value of the wrong kind or out of its
    range stops here (:class:`UsageError`), before any work — and return a warning for each
    ``LANDRELEASE_*`` variable that names no setting."""
    env = os.environ if environ is None else environ
    for s in SETTINGS:
        if s.env in env:
            s.value()
    return unknown_variables(env)


def get(name: str) -> Any:
    """The value of a setting (environment override, else default)."""
    return _BY_NAME[name].value()
