"""Covariates: optional raster layers of the evidence package (elevation, land cover, population).

A programme often holds rasters that describe the land rather than the contamination: a
digital elevation model, a land-cover map, a population grid. Each is declared here once,
with its file name in a package, its unit and the values accepted; the importer
(:mod:`landrelease.io.covariates`) checks a file against this declaration and the workspace
keeps it (:mod:`landrelease.store.covariates`). No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Covariate:
    name: str
    kind: str
    """``continuous`` (a measured quantity), ``categorical`` (class codes) or ``count``."""
    unit: str
    minimum: float
    """The smallest value accepted (inclusive)."""
    maximum: float
    """The largest value accepted (inclusive)."""
    help: str

    @property
    def filename(self) -> str:
        return f"{self.name}.tif"


LANDCOVER_CLASSES: dict[int, str] = {
    10: "tree cover",
    20: "shrubland",
    30: "grassland",
    40: "cropland",
    50: "built-up",
    60: "bare or sparse vegetation",
    70: "snow and ice",
    80: "permanent water",
    90: "herbaceous wetland",
    95: "mangroves",
    100: "moss and lichen",
}
"""The land-cover classes accepted: the codes of ESA WorldCover (10 m, 2020–2021), which most
national land-cover maps can be reclassified to."""

COVARIATES: tuple[Covariate, ...] = (
    Covariate(
        "elevation",
        "continuous",
        "m",
        -500.0,
        9000.0,
        "Height above sea level of each cell (a digital elevation model), metres.",
    ),
    Covariate(
        "landcover",
        "categorical",
        "class code",
        10,
        100,
        "Land cover of each cell as an ESA WorldCover class code ("
        + ", ".join(f"{k} {v}" for k, v in LANDCOVER_CLASSES.items())
        + ").",
    ),
    Covariate(
        "population",
        "count",
        "people per cell",
        0.0,
        1_000_000.0,
        "People living in each cell (a population grid such as WorldPop or GHS-POP).",
    ),
)

COVARIATE_NAMES = tuple(c.name for c in COVARIATES)
RASTER_EXTENSIONS = (".tif", ".tiff")
MAX_COVARIATE_CELLS = 25_000_000
"""The largest covariate accepted (cells, e.g. 5,000 × 5,000): bounds the memory of an import
and of the workspace; a finer raster is resampled before it is put in a package."""


def covariate_named(name: str) -> Covariate | None:
    """The covariate whose file stem is ``name`` (any case), else ``None``."""
    low = name.lower()
    return next((c for c in COVARIATES if c.name == low), None)
