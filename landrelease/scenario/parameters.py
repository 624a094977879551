"""Every constant of the scenario generator, with its unit and where it comes from.

Sources are abbreviated: *seeds* are the news reports and the Crisis Group
analysis in ``shared/seeds`` (figures distilled in ``docs/DOMAIN.md``);
*DOMAIN* is the reference table of that page; *assumption* marks a choice made
for this synthetic world, explained in ``docs/scenario.md``. Places are
(longitude, latitude) in degrees WGS84; everything else is metric.

Nothing here is computed: the generator reads these values, ``scenario.json``
records them, and ``docs/scenario.md`` explains them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LonLat = tuple[float, float]

GENERATOR_VERSION = "1.0.0"
METRIC_CRS = "EPSG:32638"
"""UTM zone 38N: every distance and area is computed here (DOMAIN, glossary)."""

PROCESSES = ("belt", "position", "nuisance", "battle", "background")
"""Contamination rules, in the order they run; the ``process`` column of the truth."""

START_DATE = "2020-11-10"
"""The 2020 ceasefire: the programme's history starts here (seeds)."""
END_DATE = "2026-10-31"
"""The scenario's 'today': history is complete up to this date (assumption)."""


@dataclass(frozen=True)
class Town:
    """A real town or village of the region, placed at its true position."""

    name: str
    lon: float
    lat: float
    district: str
    population_before: int
    """People living there before 1993 (approximate census figures; assumption where unknown)."""
    population_planned: int | None = None
    """A published return target (seeds); ``None``: derived like any village."""
    pilot: bool = False
    """Part of the government's first return projects (seeds: Aghali, Shusha, Aghdam, Fuzuli…)."""
    battle_2020: bool = False
    """Fought over in the 2020 war: UXO and cluster submunitions around it."""


@dataclass(frozen=True)
class Geography:
    """Where things are: borders, the line of contact, the 2020 fronts, towns, rivers."""

    border: tuple[LonLat, ...] = (
        (46.55, 38.88),
        (46.48, 39.02),
        (46.42, 39.22),
        (46.44, 39.42),
        (46.36, 39.56),
        (46.22, 39.68),
        (46.08, 39.80),
        (46.00, 39.95),
        (45.97, 40.10),
        (46.05, 40.24),
        (46.20, 40.30),
        (46.45, 40.33),
    )
    """State border with Armenia, south to north, then the Murovdag ridge (schematic)."""
    line_of_contact: tuple[LonLat, ...] = (
        (46.45, 40.33),
        (46.60, 40.30),
        (46.72, 40.25),
        (46.82, 40.22),
        (46.92, 40.15),
        (46.98, 40.08),
        (47.02, 40.02),
        (47.05, 39.95),
        (47.16, 39.80),
        (47.22, 39.68),
        (47.24, 39.57),
        (47.22, 39.45),
        (47.20, 39.37),
    )
    """1994–2020 line of contact: Murovdag ridge, east of Aghdam, east of Fuzuli, the Araz
    west of Horadiz (brief; schematic)."""
    araz: tuple[LonLat, ...] = (
        (46.40, 38.80),
        (46.55, 38.88),
        (46.68, 38.99),
        (46.80, 39.10),
        (46.95, 39.18),
        (47.07, 39.25),
        (47.20, 39.36),
        (47.33, 39.44),
        (47.50, 39.52),
    )
    """The Araz river, west to east: the southern border with Iran (schematic)."""
    excluded_zone: tuple[LonLat, ...] = (
        (46.18, 40.20),
        (46.35, 40.25),
        (46.50, 40.24),
        (46.56, 40.13),
        (46.75, 40.10),
        (46.84, 40.05),
        (46.84, 39.93),
        (46.93, 39.84),
        (46.97, 39.74),
        (46.95, 39.60),
        (46.85, 39.58),
        (46.80, 39.73),
        (46.78, 39.79),
        (46.70, 39.80),
        (46.58, 39.80),
        (46.42, 39.80),
        (46.30, 39.86),
        (46.18, 40.00),
    )
    """The interior of the former oblast not regained in 2020 (Khankendi, Askeran,
    Aghdara): left out of this world (assumption; schematic)."""
    front_strip_m: float = 3000.0
    """Land east of the line of contact kept in the world: the Azerbaijani-side belts (assumption)."""
    war_lines_2020: tuple[tuple[str, str, str, tuple[LonLat, ...]], ...] = (
        (
            "2020 front, Jabrayil axis",
            "2020-09-27",
            "2020-10-09",
            ((47.22, 39.68), (47.10, 39.55), (47.00, 39.40), (46.98, 39.24)),
        ),
        (
            "2020 front, Fuzuli",
            "2020-10-09",
            "2020-10-17",
            ((47.20, 39.72), (47.08, 39.62), (46.95, 39.50), (46.85, 39.35), (46.80, 39.12)),
        ),
        (
            "2020 front, Zangilan and Gubadly",
            "2020-10-17",
            "2020-10-25",
            ((47.15, 39.78), (47.00, 39.66), (46.85, 39.55), (46.65, 39.40), (46.52, 39.10)),
        ),
        (
            "2020 front, Shusha",
            "2020-10-25",
            "2020-11-10",
            ((47.10, 39.82), (46.97, 39.70), (46.80, 39.70), (46.65, 39.60), (46.45, 39.45)),
        ),
    )
    """(name, valid_from, valid_to, line): the advance of the 44-day war, south to north-west
    (assumption: schematic lines through the towns' dates of capture)."""
    loc_valid_from: str = "1994-05-12"
    """Bishkek ceasefire: the line of contact holds from here (public record)."""
    loc_valid_to: str = "2020-09-27"
    ceasefire_valid_to: str = "2023-09-20"
    """The 2020 ceasefire line around the excluded interior holds until September 2023."""
    towns: tuple[Town, ...] = (
        Town("Aghdam", 46.927, 39.991, "Aghdam", 28000, 66000, pilot=True),
        Town("Fuzuli", 47.145, 39.601, "Fuzuli", 17000, None, pilot=True, battle_2020=True),
        Town("Shusha", 46.750, 39.760, "Shusha", 17000, 2500, pilot=True, battle_2020=True),
        Town("Lachin", 46.550, 39.599, "Lachin", 7500, None, pilot=True),
        Town("Jabrayil", 47.028, 39.399, "Jabrayil", 6000, None, pilot=True, battle_2020=True),
        Town("Gubadly", 46.582, 39.344, "Gubadly", 5000, None, battle_2020=True),
        Town("Hadrut", 47.032, 39.520, "Khojavand", 3000, None, battle_2020=True),
        Town("Zangilan", 46.650, 39.090, "Zangilan", 6500, None, pilot=True, battle_2020=True),
        Town("Kalbajar", 46.040, 40.100, "Kalbajar", 7000, None, pilot=True),
        Town("Aghali", 46.700, 39.100, "Zangilan", 900, 1350, pilot=True),
        Town("Khojavand", 47.110, 39.790, "Khojavand", 5000, None, battle_2020=True),
        Town("Talish", 46.600, 40.160, "Tartar", 2500, None, pilot=True, battle_2020=True),
        Town("Sugovushan", 46.680, 40.140, "Tartar", 1500, None, battle_2020=True),
    )
    """Real places (positions from GeoNames/brief; Talish and Sugovushan approximate)."""
    districts: tuple[tuple[str, str, LonLat], ...] = (
        ("Aghdam", "AGD", (46.88, 39.98)),
        ("Fuzuli", "FUZ", (47.17, 39.60)),
        ("Jabrayil", "JAB", (47.00, 39.33)),
        ("Zangilan", "ZAN", (46.63, 39.05)),
        ("Gubadly", "GUB", (46.58, 39.33)),
        ("Lachin", "LAC", (46.45, 39.62)),
        ("Kalbajar", "KAL", (46.10, 40.05)),
        ("Khojavand", "KHO", (47.02, 39.58)),
        ("Shusha", "SHU", (46.73, 39.73)),
        ("Tartar", "TAR", (46.72, 40.20)),
    )
    """(name, code, seed point): a place belongs to the district of the nearest seed
    (assumption: Voronoi districts, not the legal boundaries)."""
    withdrawal_districts: tuple[str, ...] = ("Aghdam", "Kalbajar", "Lachin", "Khojavand", "Tartar")
    """Handed over or abandoned in November 2020: nuisance mining of roads and houses (brief)."""
    map_districts: tuple[tuple[str, str], ...] = (
        ("Aghdam", "2021-06-12"),
        ("Fuzuli", "2021-07-03"),
        ("Zangilan", "2021-07-03"),
        ("Tartar", "2021-07-03"),
    )
    """Districts whose mine maps were handed over, with the date; the others have none
    (seeds: 'several districts have none'; which ones: assumption after 2021 reports)."""
    main_roads: tuple[tuple[str, tuple[LonLat, ...]], ...] = (
        ("Victory road Fuzuli–Shusha", ((47.145, 39.601), (46.90, 39.55), (46.75, 39.76))),
        ("Aghdam–Khojavand–Fuzuli", ((46.927, 39.991), (47.11, 39.79), (47.145, 39.601))),
        ("Fuzuli–Hadrut", ((47.145, 39.601), (47.032, 39.520))),
        ("Fuzuli–Horadiz", ((47.145, 39.601), (47.33, 39.45))),
        ("Horadiz–Jabrayil–Zangilan", ((47.30, 39.44), (47.028, 39.399), (46.65, 39.09))),
        ("Zangilan–Aghali", ((46.65, 39.09), (46.70, 39.10))),
        ("Jabrayil–Gubadly", ((47.028, 39.399), (46.582, 39.344))),
        ("Hadrut–Jabrayil", ((47.032, 39.520), (47.028, 39.399))),
        ("Gubadly–Lachin", ((46.582, 39.344), (46.550, 39.599))),
        ("Zangilan–Gubadly", ((46.65, 39.09), (46.582, 39.344))),
        ("Lachin–Shusha", ((46.550, 39.599), (46.75, 39.76))),
        ("Lachin–Kalbajar", ((46.550, 39.599), (46.20, 39.80), (46.04, 40.10))),
        ("Kalbajar–Murovdag", ((46.04, 40.10), (46.30, 40.32))),
        ("Aghdam–Barda", ((46.927, 39.991), (47.10, 40.06))),
        ("Aghdam–Talish", ((46.927, 39.991), (46.95, 40.10), (46.68, 40.14), (46.60, 40.16))),
        ("Talish–Tartar", ((46.60, 40.16), (46.80, 40.30))),
    )
    """(name, waypoints) of the trunk roads (schematic, after the post-2020 road plan)."""
    rivers: tuple[tuple[str, tuple[LonLat, ...]], ...] = (
        (
            "Hakari",
            ((46.50, 39.75), (46.55, 39.55), (46.60, 39.30), (46.63, 39.10), (46.62, 38.95)),
        ),
        ("Gargar", ((46.80, 39.73), (46.90, 39.85), (47.05, 39.92), (47.10, 39.98))),
        ("Kondelenchay", ((46.99, 39.70), (47.10, 39.62), (47.22, 39.52))),
        ("Tartar", ((45.98, 40.22), (46.30, 40.24), (46.60, 40.24), (46.90, 40.32))),
    )


@dataclass(frozen=True)
class Terrain:
    """A synthetic elevation surface: lowland in the east and along the Araz, mountains west."""

    lowland_m: float = 150.0
    """Elevation of the Kura–Araz lowland at the eastern edge (assumption; Aghdam ~350 m)."""
    rise_m: float = 1900.0
    """How much the land rises towards the west (Lachin, Kalbajar ~1,600–2,000 m)."""
    rise_scale_m: float = 35000.0
    """Distance from the lowland over which 63 % of the rise happens."""
    araz_scale_m: float = 12000.0
    """The Araz valley keeps the south low (Zangilan, Jabrayil ~500–700 m)."""
    murovdag_peak_m: float = 1500.0
    murovdag_lonlat: LonLat = (46.40, 40.27)
    murovdag_sigma_m: float = 15000.0
    ruggedness_m: float = 260.0
    """Amplitude of the hills and valleys superimposed on the trend (scaled by elevation)."""
    n_waves: int = 7
    wavelength_min_m: float = 6000.0
    wavelength_max_m: float = 30000.0
    river_depth_m: float = 180.0
    """Valleys cut along the rivers."""
    river_width_m: float = 2500.0
    machine_max_slope_deg: float = 15.0
    """Steeper ground is worked by hand and dogs, not machines (assumption)."""


@dataclass(frozen=True)
class SettlementParams:
    villages_per_km2: float = 0.075
    """About 600 villages in ~8,000 km²; the seven districts had some 700 (assumption)."""
    min_spacing_m: float = 1300.0
    town_clearance_m: float = 2500.0
    """No village closer than this to a real town."""
    elevation_scale_m: float = 700.0
    """Villages favour low ground: weight exp(−elevation / scale)."""
    slope_scale_deg: float = 10.0
    """... and gentle ground: weight exp(−slope / scale)."""
    candidate_cell_m: float = 500.0
    """Villages are drawn from the cells of a grid this fine."""
    village_population_median: float = 650.0
    village_population_sigma: float = 0.75
    """Lognormal spread of pre-war village populations (assumption)."""
    planned_total: int = 725000
    """Planned returnees at region scale: middle of 650,000–800,000 (seeds)."""
    planned_growth_sigma: float = 0.25
    """Spread of planned/pre-war ratios between settlements (descendants, new housing)."""
    builtup_base_m: float = 120.0
    builtup_per_sqrt_person_m: float = 4.0
    """Built-up radius = base + k·√population (a village of 700: ~225 m)."""
    names_prefix: tuple[str, ...] = (
        "Ashaghi",
        "Yukhari",
        "Boyuk",
        "Kichik",
        "Yeni",
        "Kohna",
        "Orta",
    )
    names_root: tuple[str, ...] = (
        "Gara",
        "Ag",
        "Gizil",
        "Dash",
        "Gush",
        "Sari",
        "Gov",
        "Alma",
        "Gaya",
        "Bagh",
        "Khan",
        "Mirza",
        "Sheikh",
        "Haji",
        "Gazi",
        "Chay",
        "Bulag",
        "Tala",
        "Gumush",
        "Damir",
        "Arpa",
        "Zeyva",
        "Soyug",
        "Ilan",
        "Mamar",
        "Khatin",
        "Ulu",
        "Gulu",
        "Dovlat",
        "Kurd",
        "Hasan",
        "Veli",
    )
    names_suffix: tuple[str, ...] = (
        "li",
        "lar",
        "kand",
        "bulag",
        "dara",
        "yurd",
        "oba",
        "beyli",
        "tala",
        "kahriz",
        "dag",
        "jali",
        "lu",
        "ahmadli",
        "gishlag",
    )


@dataclass(frozen=True)
class InfrastructureParams:
    road_wiggle_m: float = 350.0
    """Lateral jitter of road waypoints so roads are not ruler-straight."""
    road_slope_penalty: float = 0.04
    """Road cost per metre grows by this factor per degree of slope."""
    extra_road_share: float = 0.15
    """Local roads beyond the spanning tree, as a share of its edges (loops in the network)."""
    max_local_road_m: float = 15000.0
    local_planned_share: float = 0.4
    """Local roads with a planned reconstruction year."""
    power_offset_m: float = 220.0
    """Power lines follow trunk roads at this offset."""
    farmland_radius_per_sqrt_person_m: float = 38.0
    farmland_min_radius_m: float = 450.0
    farmland_lowland_factor: float = 1.6
    """Bigger fields below 600 m (Aghdam and Fuzuli plains)."""
    school_min_population: int = 800
    cemetery_probability: float = 0.7
    planned_year_range: tuple[int, int] = (2021, 2030)
    """Reconstruction year of a road or power line (assumption)."""


@dataclass(frozen=True)
class BeltParams:
    """Process 1: defensive minefield belts along the line of contact (both sides)."""

    lines_per_side: int = 2
    """Belt lines behind each side's forward edge."""
    line_offset_m: tuple[tuple[float, float], ...] = ((250.0, 600.0), (800.0, 1500.0))
    """Distance from the line of contact of belt line k (uniform range)."""
    offset_wave_m: float = 120.0
    """Amplitude of the slow meander of a belt line."""
    offset_wavelength_m: tuple[float, float] = (2500.0, 7000.0)
    minefield_length_m: tuple[float, float] = (200.0, 900.0)
    gap_mean_m: float = 160.0
    """Mean gap between minefields of a belt line (exponential)."""
    big_gap_probability: float = 0.12
    big_gap_m: tuple[float, float] = (600.0, 3000.0)
    """Stretches a side left unmined (terrain, other obstacles)."""
    mountain_thinning_m: float = 25000.0
    """The first km of the line on the Murovdag ridge carry one belt line only."""
    composition: tuple[tuple[str, float], ...] = (("mixed", 0.45), ("AP", 0.40), ("AT", 0.15))
    ap_rows: tuple[int, int] = (2, 5)
    at_rows: tuple[int, int] = (1, 3)
    row_spacing_m: tuple[float, float] = (5.0, 25.0)
    """Rows several metres apart: belt depth from ~10 m to ~200 m (brief)."""
    ap_spacing_m: tuple[float, float] = (1.0, 3.0)
    """AP mines 1–3 m apart within a row (brief)."""
    at_spacing_m: tuple[float, float] = (4.0, 8.0)
    along_jitter_m: float = 0.25
    """Along-row jitter as a share of the spacing."""
    across_jitter_m: float = 0.5
    row_end_jitter_m: float = 15.0
    missing_probability: float = 0.05
    """A mine planned but never laid, or lost."""
    unfinished_row_probability: float = 0.10
    """A row stopped early (work interrupted)."""
    laid_years: tuple[int, int] = (1994, 2019)
    ap_models: tuple[tuple[str, float], ...] = (
        ("PMN-2", 0.45),
        ("PMN", 0.2),
        ("POMZ-2M", 0.15),
        ("OZM-72", 0.1),
        ("PMN-4", 0.1),
    )
    at_models: tuple[tuple[str, float], ...] = (("TM-62M", 0.6), ("TM-57", 0.25), ("TM-62P", 0.15))
    ap_depth_cm: tuple[float, float] = (2.0, 12.0)
    at_depth_cm: tuple[float, float] = (5.0, 25.0)
    unfinished_row_length: tuple[float, float] = (0.3, 0.9)
    """Share of its planned length an unfinished row reached."""


@dataclass(frozen=True)
class PositionParams:
    """Military positions (the skeleton) and process 2: mines around strongpoints and trenches."""

    strongpoint_spacing_m: tuple[float, float] = (700.0, 2000.0)
    strongpoint_offset_m: tuple[float, float] = (300.0, 1500.0)
    strongpoint_radius_m: tuple[float, float] = (40.0, 120.0)
    trench_offset_m: tuple[float, float] = (150.0, 500.0)
    trench_length_m: tuple[float, float] = (300.0, 2000.0)
    trench_gap_m: tuple[float, float] = (100.0, 1500.0)
    firing_spacing_m: float = 3000.0
    firing_depth_m: tuple[float, float] = (3000.0, 12000.0)
    """Artillery positions behind the line (Armenian side, inside the regained land)."""
    war_position_spacing_m: float = 1500.0
    """Positions along the 2020 fronts (both sides; period 2020)."""
    base_distance_m: tuple[float, float] = (1000.0, 3000.0)
    base_size_m: tuple[float, float] = (200.0, 500.0)
    checkpoint_per_road_km: float = 0.02
    strongpoint_mined: tuple[float, float] = (0.8, 0.6)
    """Probability a 1994–2020 strongpoint is ringed with mines (Armenian, Azerbaijani side)."""
    war_position_mined: float = 0.3
    ring_extra_m: tuple[float, float] = (10.0, 40.0)
    """The protective ring lies this far outside the position's edge."""
    ring_ap_spacing_m: tuple[float, float] = (3.0, 8.0)
    ring_min_mines: int = 6
    ring_jitter_m: float = 3.0
    ring_at_count: tuple[int, int] = (0, 8)
    ring_at_extra_m: tuple[float, float] = (5.0, 20.0)
    """AT mines on the approaches, this far outside the AP ring."""
    trench_mined: float = 0.6
    trench_front_m: tuple[float, float] = (10.0, 30.0)
    trench_ap_spacing_m: tuple[float, float] = (3.0, 10.0)
    trench_coverage: float = 0.6
    trench_jitter_m: float = 0.7
    firing_mined: float = 0.5
    """Artillery positions ringed with AP mines like strongpoints (radius ~30 m)."""
    base_mined: float = 0.4
    base_ring_offset_m: float = 20.0
    base_ap_spacing_m: tuple[float, float] = (5.0, 15.0)
    base_jitter_m: float = 1.0
    checkpoint_devices: tuple[int, int] = (0, 6)
    laid_years: tuple[int, int] = (1994, 2019)
    """When the 1994–2020 positions were mined (2020 positions: 2020)."""
    checkpoint_radius_m: float = 30.0
    checkpoint_at_share: float = 0.5
    along_jitter: float = 0.3
    """Jitter of a mine along a ring or line, as a share of the spacing."""
    war_position_offset_m: tuple[float, float] = (200.0, 1000.0)
    war_position_mix: tuple[tuple[str, float], ...] = (
        ("firing_position", 0.4),
        ("trench", 0.3),
        ("strongpoint", 0.3),
    )
    war_trench_half_length_m: tuple[float, float] = (100.0, 300.0)
    war_strongpoint_radius_m: tuple[float, float] = (20.0, 60.0)
    trench_meander_m: float = 30.0
    trench_meander_wavelength_m: tuple[float, float] = (150.0, 400.0)
    trench_vertex_m: float = 50.0
    trench_radius_m: float = 15.0
    firing_radius_m: float = 30.0
    firing_jitter_m: float = 500.0
    checkpoint_size_m: float = 15.0


@dataclass(frozen=True)
class NuisanceParams:
    """Process 3: nuisance mining of roads and houses during the November 2020 withdrawal."""

    sites_per_road_km: float = 0.8
    sites_per_trunk_road_km: float = 2.0
    at_per_site: tuple[int, int] = (1, 4)
    ap_per_site: tuple[int, int] = (0, 2)
    ied_site_probability: float = 0.10
    site_radius_m: float = 7.5
    """Devices of a site lie within this distance of the point on the road."""
    depth_cm: tuple[tuple[str, tuple[float, float]], ...] = (
        ("AT", (5.0, 20.0)),
        ("AP", (2.0, 8.0)),
        ("IED", (0.0, 30.0)),
        ("UXO", (0.0, 10.0)),
    )
    settlement_probability: float = 0.5
    settlement_devices_per_sqrt_person: float = 0.6
    """Booby traps in a mined settlement: Poisson with mean k·√(pre-war population) —
    a village of 650 people ~15, Aghdam ~100 (assumption)."""
    settlement_mix: tuple[tuple[str, float], ...] = (("AP", 0.5), ("IED", 0.3), ("UXO", 0.2))
    """Booby traps in houses: AP mines, improvised devices, rigged shells (assumption)."""
    booby_trap_depth_cm: tuple[float, float] = (0.0, 10.0)
    laid_year: int = 2020


@dataclass(frozen=True)
class BattleParams:
    """Process 4: UXO, cluster submunitions and abandoned ordnance of the fighting."""

    uxo_total: int = 550000
    """UXO in the whole world (region scale): UXO outnumber mines in findings (seeds)."""
    raster_m: float = 250.0
    war_line_scale_m: float = 2500.0
    loc_scale_m: float = 2000.0
    town_sigma_m: float = 2200.0
    weight_war_lines: float = 1.0
    weight_loc: float = 0.7
    weight_towns: float = 10.0
    """Towns fought over in 2020."""
    weight_other_towns: float = 6.0
    """Other towns: garrisons, 1990s fighting, shelling across the line."""
    floor_weight: float = 0.02
    """A thin spread of strikes everywhere in the regained land."""
    cluster_share: float = 0.25
    """Share of strikes that are cluster munitions (the rest artillery, mortar, rockets)."""
    cluster_duds_mean: float = 25.0
    cluster_footprint_m: tuple[float, float] = (60.0, 150.0)
    """Half-length of the submunition footprint (ellipse)."""
    cluster_aspect: tuple[float, float] = (0.3, 0.7)
    shell_duds_extra_mean: float = 0.5
    """An artillery strike leaves 1 + Poisson(mean) duds."""
    shell_spread_m: float = 15.0
    shell_depth_mean_cm: float = 15.0
    """Duds penetrate: depth exponential with this mean, capped at ``max_depth_cm``."""
    max_depth_cm: float = 150.0
    submunition_depth_cm: tuple[float, float] = (0.0, 10.0)
    axo_position_probability: float = 0.25
    axo_items: tuple[int, int] = (3, 60)
    axo_spread_m: float = 8.0
    axo_depth_cm: tuple[float, float] = (0.0, 5.0)
    uxo_models_cluster: tuple[tuple[str, float], ...] = (
        ("9N235 submunition", 0.7),
        ("M095 DPICM submunition", 0.3),
    )
    uxo_models_shell: tuple[tuple[str, float], ...] = (
        ("122 mm HE projectile", 0.35),
        ("152 mm HE projectile", 0.2),
        ("82 mm mortar bomb", 0.2),
        ("120 mm mortar bomb", 0.1),
        ("RPG-7 grenade", 0.1),
        ("hand grenade", 0.05),
    )
    axo_models: tuple[tuple[str, float], ...] = (
        ("abandoned artillery shells", 0.4),
        ("small-arms ammunition", 0.3),
        ("abandoned mortar bombs", 0.3),
    )


@dataclass(frozen=True)
class BackgroundParams:
    """Process 5: isolated items anywhere in the regained land."""

    per_km2: float = 2.0
    mix: tuple[tuple[str, float], ...] = (("UXO", 0.7), ("AP", 0.15), ("AXO", 0.1), ("AT", 0.05))
    years: tuple[int, int] = (1992, 2020)
    depth_cm: tuple[float, float] = (0.0, 15.0)
    """Depth of the mines and abandoned items (UXO: as the battle's duds)."""


@dataclass(frozen=True)
class MapParams:
    """Handed-over minefield maps: coverage and reliability (seeds)."""

    coverage: float = 0.05
    """Maps cover about 5 % of the regained area (seeds)."""
    sheet_m: float = 2000.0
    """A map sheet covers a 2 × 2 km square (assumption)."""
    accuracy: tuple[tuple[str, float], ...] = (
        ("accurate", 0.25),
        ("shifted", 0.35),
        ("rotated", 0.20),
        ("wrong", 0.20),
    )
    """About 25 % of the maps are accurate (seeds); how the others are wrong: assumption."""
    accurate_error_m: float = 3.0
    """Position error of an accurate map (metres; the outline has ``outline_margin_m``)."""
    shift_m: tuple[float, float] = (150.0, 600.0)
    rotation_deg: tuple[float, float] = (15.0, 75.0)
    rotation_shift_m: float = 10.0
    """A rotated map is also off by this much (standard deviation)."""
    wrong_distance_m: tuple[float, float] = (800.0, 2500.0)
    omission_probability: float = 0.15
    """A minefield of a handed-over sheet missing from the map."""
    rows_probability: float = 0.4
    """The record also draws the mine rows (LineStrings)."""
    count_error_accurate: float = 0.03
    count_error_other: float = 0.3
    accurate_min_share: float = 0.8
    """A record is measured accurate when it holds this share of its minefield's devices."""
    outline_margin_m: float = 8.0


@dataclass(frozen=True)
class ImageryParams:
    """Former military positions seen on satellite imagery."""

    detection: tuple[tuple[str, float], ...] = (
        ("strongpoint", 0.85),
        ("trench", 0.70),
        ("firing_position", 0.50),
        ("checkpoint", 0.60),
        ("base", 0.95),
        ("other", 0.5),
    )
    """P(seen on imagery) by kind of position (assumption)."""
    false_positive_share: float = 0.08
    """Share of imagery detections that are not positions at all."""
    position_error_m: float = 12.0
    testimony_probability: float = 0.10
    """An undetected position told by witnesses instead."""
    testimony_error_m: float = 50.0
    false_positive_kinds: tuple[tuple[str, float], ...] = (
        ("firing_position", 0.4),
        ("strongpoint", 0.4),
        ("other", 0.2),
    )
    """What a misread feature on the imagery is taken for."""


@dataclass(frozen=True)
class StatementParams:
    per_km2: float = 0.35
    contaminated_share: float = 0.55
    """Share of statements made about places that truly hold devices."""
    false_negative: float = 0.25
    """'not suspected' said of a contaminated place."""
    false_positive: float = 0.30
    """'suspected' said of a clean place."""
    contaminated_radius_m: float = 30.0
    """A statement about a contaminated place points within this distance of a device."""
    clean_radius_m: float = 150.0
    """A clean place has no device within this distance."""
    polygon_share: float = 0.2
    polygon_radius_m: tuple[float, float] = (100.0, 300.0)
    witnessed_share: float = 0.5
    """Share of incidents also told as 'incident_witnessed'."""
    witness_error_m: float = 30.0
    witness_delay_days: int = 30
    witness_confidence: tuple[float, float, float] = (0.1, 0.3, 0.6)
    witness_informants: tuple[tuple[str, float], ...] = (
        ("returnee", 0.5),
        ("local_official", 0.3),
        ("construction_worker", 0.2),
    )
    first_statement: str = "2020-12-01"
    presence_scales_m: tuple[float, float, float] = (1500.0, 300.0, 200.0)
    presence_weights: tuple[float, float, float] = (0.5, 0.3, 0.2)
    """Where people are, for statements about clean places: decay from settlements, roads
    and fields, and the weight of each."""
    confidence_correct: tuple[float, float, float] = (0.2, 0.4, 0.4)
    confidence_wrong: tuple[float, float, float] = (0.5, 0.35, 0.15)
    """P(low, medium, high) for a right and a wrong statement."""
    informants: tuple[tuple[str, float], ...] = (
        ("returnee", 0.3),
        ("shepherd", 0.2),
        ("former_soldier", 0.2),
        ("local_official", 0.15),
        ("construction_worker", 0.15),
    )


@dataclass(frozen=True)
class IncidentParams:
    activity_mix: tuple[tuple[str, float], ...] = (
        ("unauthorised_travel", 0.38),
        ("agriculture", 0.22),
        ("infrastructure_work", 0.20),
        ("official_duty", 0.20),
    )
    """Activity at the time of civilian incidents (seeds)."""
    incidents_per_exposure: float = 0.0013
    """Expected civilian incidents per unit of exposure (sum over devices); chosen so the
    region has ~400 incidents, 2020-11 to 2026-10 (seeds: 388 victims by April 2025)."""
    susceptibility: tuple[tuple[str, tuple[float, float, float, float, float]], ...] = (
        ("unauthorised_travel", (1.0, 0.3, 0.4, 0.2, 0.8)),
        ("agriculture", (1.0, 0.5, 0.5, 0.2, 0.5)),
        ("infrastructure_work", (1.0, 0.8, 0.5, 0.2, 0.8)),
        ("official_duty", (1.0, 0.6, 0.3, 0.2, 0.8)),
    )
    """How likely a person doing this sets off a device of type AP, AT, UXO, AXO, IED."""
    victims_count: tuple[float, float, float] = (0.78, 0.16, 0.06)
    """P(1, 2, 3 victims)."""
    killed_probability: tuple[float, float, float, float, float] = (0.12, 0.45, 0.25, 0.2, 0.35)
    """Per victim, by device AP, AT, UXO, AXO, IED: overall ~18 % killed (seeds: 70 of 388)."""
    child_share: float = 0.10
    """Children among victims (seeds: 359 of ~3,400)."""
    child_age: tuple[int, int] = (6, 17)
    adult_age_mean: float = 38.0
    adult_age_sd: float = 13.0
    adult_age: tuple[int, int] = (18, 80)
    female_adult: float = 0.02
    """Women among adult victims (seeds: 38 of ~3,400)."""
    female_child: float = 0.15
    unknown_gender: float = 0.01
    first_year_share: float = 0.35
    """Share of incidents in the first year after the war (people going back)."""
    location_error_m: float = 15.0
    travel_settlement_m: float = 1500.0
    travel_road_m: float = 150.0
    farm_m: float = 100.0
    farm_settlement_m: float = 3000.0
    work_road_m: float = 80.0
    work_power_m: float = 80.0
    work_settlement_m: float = 800.0
    duty_road_m: float = 200.0
    duty_loc_m: float = 3000.0
    """Decay lengths of exposure: how far from settlements, roads, fields, power lines and
    the old front people doing each activity go (assumption)."""
    travel_mix: tuple[float, float] = (0.6, 0.4)
    """Unauthorised travel: weight of settlements and roads."""
    farm_far_share: float = 0.3
    """Agriculture far from a settlement, relative to next to it (herding, distant fields)."""
    work_mix: tuple[float, float, float] = (0.5, 0.3, 0.2)
    """Infrastructure work: weight of roads, power lines and settlements (rebuilding)."""
    duty_mix: tuple[float, float] = (0.5, 0.5)
    """Official duty: weight of roads and the old front."""
    deminer_accident_per_find: float = 0.0002
    """Accidents among deminers per device found in clearance (assumption)."""


@dataclass(frozen=True)
class HazardParams:
    """How the programme drew its hazard register from the evidence (bluntly)."""

    raster_m: float = 100.0
    """Grain of the evidence zones the hazards are drawn from."""
    loc_corridor_m: float = 4500.0
    """Suspected on both sides of the old line of contact (both sides' belts and positions)."""
    war_line_corridor_m: float = 3000.0
    town_radius_m: float = 4000.0
    """Around towns (fought over or garrisoned). Zone sizes: assumptions, chosen so the
    register covers about half the land and holds most devices."""
    position_radius_m: tuple[tuple[str, float], ...] = (
        ("strongpoint", 400.0),
        ("trench", 250.0),
        ("firing_position", 300.0),
        ("checkpoint", 200.0),
        ("base", 500.0),
        ("other", 250.0),
    )
    """Around positions seen, by kind."""
    record_buffer_m: float = 150.0
    testimony_radius_m: tuple[float, float, float] = (300.0, 500.0, 750.0)
    """By confidence low, medium, high."""
    incident_radius_m: float = 400.0
    incident_cha_radius_m: float = 200.0
    """Within this distance of an incident the area is confirmed (CHA)."""
    withdrawal_settlement_radius_m: float = 600.0
    village_radius_m: float = 700.0
    """Every village of the formerly occupied land is suspected around its houses."""
    withdrawal_road_buffer_m: float = 60.0
    closing_cells: int = 2
    """Morphological closing of the zones (cells): blunt shapes."""
    min_area_m2: float = 40000.0
    """Specks smaller than this are dropped."""
    parcel_area_m2: float = 3.0e6
    """Hazards are cut into parcels of about this size (Voronoi cells)."""
    simplify_m: float = 60.0
    """Tolerance of the coverage simplification of the traced polygons."""
    truth_cell_m: float = 20.0
    """Grain of 'truly contaminated': a 20 m cell holding a device."""
    initial_survey: tuple[str, str] = ("2020-12-01", "2021-06-30")
    """The desk assessment that drew the first register."""
    record_delay_days: int = 60
    """A hazard resting on a map alone is recorded within this many days of the hand-over."""


@dataclass(frozen=True)
class HistoryParams:
    """Completed land release, late 2020 to the scenario's 'today'."""

    released_share: float = 0.20
    """About 20 % of the contaminated territory cleared since 2020 (seeds)."""
    capacity_steps: tuple[tuple[str, float], ...] = (
        ("2020-12-01", 1.0),
        ("2022-01-01", 2.0),
        ("2024-01-01", 2.3),
    )
    """Relative work capacity: the workforce doubled from 2020 to 2022 (seeds)."""
    weight_population: float = 1.0
    programme_weight: float = 3.0
    """Planned returnees of settlements in the return programme count this many times more."""
    weight_road: float = 0.5
    weight_trunk_road: float = 1.5
    """Trunk roads (the post-war road plan) are cleared first, across the old front too."""
    weight_infrastructure: float = 0.3
    weight_agriculture: float = 0.2
    weight_front: float = 0.6
    """Penalty for hazards on the line of contact or with mine maps: the government favours
    areas far from past fighting and lightly mined (seeds)."""
    priority_noise_sigma: float = 1.0
    population_scale_m: float = 2500.0
    nts_cancel_clean: float = 0.55
    """Chance non-technical survey cancels a hazard holding no device."""
    nts_tolerance_per_km2: float = 10.0
    """A hazard holding d devices per km² is cancelled with chance
    ``nts_cancel_clean``·exp(−d/this): sparse, isolated items escape a site visit (residual
    risk for quality control); minefields and battle areas do not."""
    lane_period_m: float = 50.0
    lane_width_m: float = 7.5
    """TS samples lanes: 15 % of the area."""
    ts_detection: tuple[float, float, float, float, float] = (0.85, 0.95, 0.9, 0.95, 0.8)
    """In a lane, P(detect) for AP, AT, UXO, AXO, IED (assumption: realistic misses)."""
    clearance_detection: tuple[float, float, float, float, float] = (
        0.998,
        0.999,
        0.995,
        0.999,
        0.99,
    )
    depth_cm: float = 20.0
    """Clearance depth: the national parameter (DOMAIN: often 13–20 cm for AP mines)."""
    fadeout_m: float = 75.0
    """Confirmed area around a device found by TS."""
    delay_after_report_days: int = 21
    nts_days: tuple[int, int] = (2, 20)
    ts_m2_per_day: float = 20000.0
    clearance_m2_per_day: float = 6000.0
    """Area a task force surveys or clears per day (several teams, dogs and machines
    together; assumption)."""
    bac_m2_per_day: float = 15000.0
    """Battle area clearance of hazards suspected of UXO only (no mine evidence)."""
    max_task_days: int = 240
    status_mix: tuple[tuple[str, float], ...] = (
        ("approved", 0.94),
        ("submitted", 0.05),
        ("draft", 0.01),
    )
    spot_probability: float = 0.01
    """Chance a UXO or AXO near people (outside worked hazards) is reported and removed
    by an EOD spot task."""
    spot_distance_m: float = 1000.0
    """Spot tasks come from reports by people: items this close to a settlement, or
    ``spot_road_m`` to a road."""
    spot_road_m: float = 100.0
    spot_task_cell_m: float = 50.0
    """Reported items within one such cell make one spot task."""
    spot_radius_m: float = 10.0
    ts_gap_days: tuple[int, int] = (7, 60)
    clearance_gap_days: tuple[int, int] = (7, 45)
    """Days between non-technical and technical survey, and before clearance."""
    confirm_closing_m: float = 40.0
    """Gaps narrower than twice this are closed in the confirmed area."""
    confirm_simplify_m: float = 5.0
    confirm_cell_m: float = 25.0
    """Devices found within one such cell count once when drawing the confirmed area."""
    min_reduced_m2: float = 100.0
    machine_min_area_m2: float = 50000.0
    ts_assets: tuple[tuple[str, float], ...] = (("dog", 0.6), ("manual", 0.3), ("rat", 0.1))
    """Who surveys small or steep hazards (larger flat ones: machines and dogs)."""
    machine_share: float = 0.7
    """Clearance on flat ground uses machines with manual teams this often (otherwise
    manual teams with dogs); on steep ground manual teams alone this often."""
    spot_report_days: tuple[int, int] = (1, 10)
    """A reported item is removed this many days after the report."""
    destroyed_probability: float = 0.97
    conditions: tuple[tuple[str, float], ...] = (
        ("good", 0.35),
        ("corroded", 0.4),
        ("damaged", 0.15),
        ("unstable", 0.1),
    )


@dataclass(frozen=True)
class ReturnParams:
    ready_radius_m: float = 1500.0
    """The hazard area around a settlement that must be released before people return."""
    build_years: float = 1.5
    """Reconstruction after the land is released, before families move in."""
    first_return: str = "2022-07-01"
    """Aghali: ten families in July 2022 (seeds)."""
    rate_per_year: float = 0.04
    """Share of the planned returnees of a ready settlement moving in per year since the
    first return (chosen so the region has ~23,000 returns by 2025: seeds)."""
    programme_share: float = 0.25
    """Villages (beyond the pilot towns) in the return programme so far, by priority."""
    front_distance_scale_m: float = 20000.0
    """Villages rank by log(planned returnees) + distance from the old front / this: the
    government favours places far from past fighting (seeds)."""


@dataclass(frozen=True)
class ResourceParams:
    """Money, organisations and assets (seeds, DOMAIN)."""

    national_usd: float = 464.0e6
    """National spending since 2020, to December 2025 (seeds)."""
    foreign_usd: float = 23.9e6
    donors: tuple[str, ...] = (
        "United States",
        "United Arab Emirates",
        "Saudi Arabia",
        "Italy",
        "United Kingdom",
        "France",
        "European Union",
        "Japan",
        "Switzerland",
        "Germany",
        "Republic of Korea",
        "Norway",
        "Canada",
    )
    """13 donors (seeds name the first six; the EU pledge is in the seeds; the rest: assumption)."""
    eu_share: float = 0.2
    """Roughly one fifth of the foreign money was the EU's 18-month support (seeds)."""
    funding_until: str = "2025-12-31"
    purposes: tuple[str, ...] = (
        "clearance",
        "survey",
        "risk education",
        "victim assistance",
        "equipment",
        "capacity building",
    )
    people_region: int = 1600
    """People in demining in 2022 (seeds)."""
    # asset: (units at region scale, m2/day, USD/day, people per unit)
    assets: tuple[tuple[str, int, float, float, float], ...] = (
        ("manual", 120, 300.0, 1500.0, 9.0),
        ("dog", 150, 1000.0, 350.0, 1.2),
        ("rat", 20, 400.0, 120.0, 0.5),
        ("machine", 60, 2500.0, 2200.0, 3.0),
    )
    """Manual team (9 people, 10–50 m²/deminer-day: DOMAIN), dog ~1,000 m²/day (seeds),
    rat (APOPO, DOMAIN), machine ~2,500 m²/day (DOMAIN); costs: assumption."""
    support_share: float = 0.10
    """Supervisors, medics and drivers on top of the asset crews."""
    organisations: tuple[tuple[str, str, str, float], ...] = (
        ("ORG-ANAMA", "ANAMA", "national agency", 0.55),
        ("ORG-MOD", "Ministry of Defence engineering units", "military", 0.15),
        ("ORG-SBS", "State Border Service", "military", 0.05),
        ("ORG-MES", "Ministry of Emergency Situations", "national agency", 0.10),
        ("ORG-GDS", "Garabagh Demining Service", "NGO", 0.07),
        ("ORG-SGT", "Safe Ground Humanitarian Trust", "NGO", 0.04),
        ("ORG-ARZ", "Araz Survey and Clearance", "commercial", 0.04),
    )
    """(id, name, kind, share of the work); the NGO and company names are invented."""
    eore_sessions_per_1000_planned: float = 3.0
    eore_group: tuple[int, int] = (8, 60)
    eore_mix: tuple[float, float, float, float] = (0.3, 0.25, 0.23, 0.22)
    """Women, men, girls and boys in a session (assumption)."""
    eore_from: str = "2021-03-01"
    eore_spread_m: float = 80.0
    monthly_variation: float = 0.15
    """National spending varies ± this share month to month around the capacity curve."""


@dataclass(frozen=True)
class LandUseParams:
    """Land people use again (cultivated, built, grazed, travelled): strong, imperfect evidence."""

    cell_m: float = 150.0
    """Land in use is drawn as squares of this side over the hazard register's land."""
    use_share: float = 0.5
    """Chance that clean land right beside a settlement is in use; it falls off with distance."""
    reach_m: float = 2500.0
    """Distance from the nearest settlement over which the chance of use falls by a factor e."""
    contaminated_ratio: float = 0.1
    """How often land holding devices is used, against clean land at the same distance: the
    evidence's error rate (0: people never use land with a device; 1: use tells nothing)."""
    built_m: float = 600.0
    """Within this distance of a settlement half of the land in use is built on."""
    road_m: float = 40.0
    """Land in use this close to a road is the road or a track beside it."""
    max_years: int = 6
    """Years in use are drawn from 1 to this (the 2020 war to the scenario's end)."""


@dataclass(frozen=True)
class Parameters:
    """All the generator's parameters; ``scenario.json`` records them."""

    geography: Geography = field(default_factory=Geography)
    terrain: Terrain = field(default_factory=Terrain)
    settlements: SettlementParams = field(default_factory=SettlementParams)
    infrastructure: InfrastructureParams = field(default_factory=InfrastructureParams)
    belts: BeltParams = field(default_factory=BeltParams)
    positions: PositionParams = field(default_factory=PositionParams)
    nuisance: NuisanceParams = field(default_factory=NuisanceParams)
    battle: BattleParams = field(default_factory=BattleParams)
    background: BackgroundParams = field(default_factory=BackgroundParams)
    maps: MapParams = field(default_factory=MapParams)
    imagery: ImageryParams = field(default_factory=ImageryParams)
    testimony: StatementParams = field(default_factory=StatementParams)
    incidents: IncidentParams = field(default_factory=IncidentParams)
    hazards: HazardParams = field(default_factory=HazardParams)
    history: HistoryParams = field(default_factory=HistoryParams)
    returns: ReturnParams = field(default_factory=ReturnParams)
    resources: ResourceParams = field(default_factory=ResourceParams)
    land_use: LandUseParams = field(default_factory=LandUseParams)


DEFAULT = Parameters()
