"""The hook through which the risk map reads covariates (elevation, slope, land cover, population).

Off by default (setting ``risk_use_covariates``): in the scenario generator devices do not
depend on terrain, and a programme should turn covariates on only where the backtest shows they
help. When on, :func:`covariate_sampler` gives the run a
:class:`~landrelease.evidence.covariates.CovariateSampler` on the risk grid (``RiskRun.covariates``),
whose ``tile(grid, tile)`` returns the named feature arrays of any tile's cells. This module and
the two lines in :func:`landrelease.risk.pipeline.compute_risk` that call it are the whole wiring.
"""

from __future__ import annotations

from landrelease import settings
from landrelease.evidence.covariates import CovariateSampler
from landrelease.evidence.grid import Grid
from landrelease.store import WorkspaceView


def covariates_enabled() -> bool:
    return bool(int(settings.get("risk_use_covariates")))


def covariate_sampler(
    view: WorkspaceView, grid: Grid, warnings: list[str]
) -> CovariateSampler | None:
    """The workspace's covariates on ``grid``'s CRS, or ``None`` when the setting is off or the
    workspace keeps none (then a warning says so)."""
    if not covariates_enabled():
        return None
    rasters = view.covariates()
    if not rasters:
        warnings.append(
            "risk_use_covariates is on but the workspace keeps no covariate raster "
            "(import elevation.tif, landcover.tif or population.tif with a package)"
        )
        return None
    return CovariateSampler(rasters, crs=grid.crs)
