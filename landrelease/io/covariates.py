"""Covariate rasters of an evidence package: found, read, checked, written back out.

A package may hold ``elevation.tif``, ``landcover.tif`` and ``population.tif`` beside its
layers (:mod:`landrelease.domain.covariates` declares them). Each is a single-band GeoTIFF
with a known CRS, a north-up grid, at most
:data:`~landrelease.domain.covariates.MAX_COVARIATE_CELLS` cells, some cells with values, and
every value in the covariate's range; it must overlap the hazards. Every problem of a file is
reported, naming the file, what is wrong and what is accepted.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import rasterio
import rasterio.warp
from rasterio.crs import CRS
from rasterio.errors import RasterioError

from landrelease.domain.covariates import (
    LANDCOVER_CLASSES,
    MAX_COVARIATE_CELLS,
    Covariate,
    covariate_named,
)
from landrelease.errors import Issue, IssueLog
from landrelease.io.sources import is_covariate_file
from landrelease.store.covariates import CovariateRaster


@dataclass(frozen=True)
class CovariateFile:
    covariate: Covariate
    display: str
    """The file as the user reads it in the import's table (``elevation.tif``; in a zip
    ``package.zip/elevation.tif``)."""
    path: str
    """Where GDAL reads it (a path, or ``/vsizip/…`` inside a zip)."""


def find_covariates(package: Path) -> list[CovariateFile]:
    """The covariate rasters of a package folder or zip (other forms hold none)."""
    package = Path(package)
    found: list[CovariateFile] = []
    if package.is_dir():
        for p in sorted(package.iterdir()):
            cov = covariate_named(p.stem) if is_covariate_file(p.name) else None
            if cov is not None and p.is_file():
                found.append(CovariateFile(cov, p.name, str(p)))  # as the layers' files
    elif package.suffix.lower() == ".zip" and zipfile.is_zipfile(package):
        with zipfile.ZipFile(package) as z:
            members = [i.filename for i in z.infolist() if not i.is_dir()]
        for m in sorted(members):
            if "truth/" in m or m.count("/") > 1:
                continue
            base = m.rsplit("/", 1)[-1]
            cov = covariate_named(Path(base).stem) if is_covariate_file(base) else None
            if cov is not None:
                found.append(CovariateFile(cov, f"{package.name}/{m}", f"/vsizip/{package}/{m}"))
    seen: dict[str, CovariateFile] = {}
    for f in found:  # elevation.tif and elevation.tiff: the first, by name, is read
        seen.setdefault(f.covariate.name, f)
    return list(seen.values())


def read_covariate(
    src: CovariateFile,
    log: IssueLog,
    *,
    hazards_lonlat: tuple[float, float, float, float] | None,
) -> CovariateRaster | None:
    """Read and check one covariate; its problems go to ``log`` and then ``None`` is returned.

    ``hazards_lonlat`` is the extent (lon/lat) of the workspace's hazards after the import's
    layers: the raster must overlap it (no check when there is no hazard)."""
    cov = src.covariate
    before = log.errors

    def problem(text: str, accepted: str = "", value: str = "", field: str = "") -> None:
        log.add(Issue(src.display, "", field, value, text, accepted))

    try:
        ds = rasterio.open(src.path)
    except (RasterioError, OSError) as exc:
        problem(f"cannot be read as a raster: {str(exc).splitlines()[0]}", "a GeoTIFF")
        return None
    with ds:
        if ds.count != 1:
            problem(f"has {ds.count} bands", "a single-band GeoTIFF", str(ds.count), "bands")
        cells = ds.width * ds.height
        if cells > MAX_COVARIATE_CELLS:
            problem(
                f"too large: {ds.width} × {ds.height} = {cells:,} cells",
                f"at most {MAX_COVARIATE_CELLS:,} cells; resample it to a coarser cell first",
            )
        crs = _known_crs(ds.crs)
        if ds.crs is None:
            problem("has no coordinate reference system", "a GeoTIFF with its CRS (e.g. EPSG:4326)")
        elif crs is None:
            problem(
                "has a coordinate reference system that cannot be identified",
                "a CRS with an EPSG code or a complete WKT definition",
                str(ds.crs)[:60],
                "crs",
            )
        t = ds.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            problem(
                "is not a north-up grid (rotated, sheared or flipped)",
                "a north-up raster (warp it first, e.g. gdalwarp)",
                str(tuple(round(v, 6) for v in t[:6])),
                "transform",
            )
        if log.errors > before:
            return None
        values = ds.read(1)
        nodata = None if ds.nodata is None else float(ds.nodata)
        bounds = ds.bounds
    raster = CovariateRaster(
        name=cov.name,
        kind=cov.kind,
        unit=cov.unit,
        crs=crs.to_wkt() if crs is not None else "",
        transform=(t.a, t.b, t.c, t.d, t.e, t.f),
        values=values,
        nodata=nodata,
        source=Path(src.display).name,
    )
    ok = raster.valid()
    if not ok.any():
        problem(
            "holds no value: every cell is nodata",
            f"{cov.name} values in {_range(cov)}",
            str(nodata),
            "nodata",
        )
        return None
    _check_values(cov, values[ok], problem)
    if hazards_lonlat is not None and crs is not None:
        lon0, lat0, lon1, lat1 = rasterio.warp.transform_bounds(crs, "EPSG:4326", *bounds)
        h = hazards_lonlat
        if lon1 < h[0] or lon0 > h[2] or lat1 < h[1] or lat0 > h[3]:
            problem(
                "does not overlap the hazards "
                f"(raster lon {lon0:.4f}..{lon1:.4f}, lat {lat0:.4f}..{lat1:.4f}; "
                f"hazards lon {h[0]:.4f}..{h[2]:.4f}, lat {h[1]:.4f}..{h[3]:.4f})",
                "a raster over the programme's hazards, in the CRS it declares",
            )
    return raster if log.errors == before else None


def _known_crs(crs: CRS | None) -> CRS | None:
    if crs is None:
        return None
    try:
        pyproj.CRS.from_wkt(crs.to_wkt())
    except (pyproj.exceptions.CRSError, RasterioError):
        return None
    return crs


def _range(cov: Covariate) -> str:
    if cov.kind == "categorical":
        return "the land-cover codes " + ", ".join(str(k) for k in LANDCOVER_CLASSES)
    return f"{_number(cov.minimum)}..{_number(cov.maximum)} {cov.unit}"


def _number(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,g}"


def _check_values(
    cov: Covariate, values: np.ndarray, say: Callable[[str, str, str, str], None]
) -> None:
    """The values (nodata removed) against the covariate's range or class table."""
    if cov.kind == "categorical":
        codes = np.unique(values)
        unknown = [int(c) for c in codes if int(c) not in LANDCOVER_CLASSES or c != int(c)]
        if unknown:
            n = int(np.isin(values, unknown).sum())
            say(
                f"{n:,} cell(s) hold codes that are not land-cover classes",
                _range(cov),
                ", ".join(str(c) for c in unknown[:10]),
                "codes",
            )
        return
    lo, hi = float(values.min()), float(values.max())
    if lo < cov.minimum or hi > cov.maximum:
        bad = int(((values < cov.minimum) | (values > cov.maximum)).sum())
        say(
            f"{bad:,} cell(s) outside the accepted range (lowest {lo:g}, highest {hi:g} {cov.unit})",
            f"{_range(cov)}; mark missing cells as nodata",
            f"{lo:g}..{hi:g}",
            "values",
        )


def write_geotiff(raster: CovariateRaster, path: Path) -> Path:
    """A kept covariate as a compressed single-band GeoTIFF (what QGIS and GDAL read)."""
    from affine import Affine

    profile = {
        "driver": "GTiff",
        "width": raster.values.shape[1],
        "height": raster.values.shape[0],
        "count": 1,
        "dtype": str(raster.values.dtype),
        "crs": CRS.from_wkt(raster.crs),
        "transform": Affine(*raster.transform),
        "nodata": raster.nodata,
        "compress": "deflate",
        "tiled": raster.values.shape[0] >= 256 and raster.values.shape[1] >= 256,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(raster.values, 1)
        dst.update_tags(1, units=raster.unit, kind=raster.kind)
    return path
