"""Land in use as negative evidence, counted only as far as searched land shows it to hold.

Land cultivated, built on, grazed or travelled for years without an incident is
strong evidence that it holds few devices, but not proof: a farmer ploughs round
a mine he knows, a track bends past a shell. The engine reads land in use the
way it reads a clean search: as an **equivalent searched share** *s* — a cell
in use counts as a cell searched over a share *s* of its land and found clean,
so its probability of a device becomes p(1 − s) / (1 − p·s) and its expected
devices λ(1 − s).

The share is **measured**, never promised. On the searched land, each kind of
use (cultivated, built…) is judged by the devices the searches found in cells
in that use against those the map expected there (out-of-fold), relative to the
same ratio on searched land in no use at all (which takes out what the map gets
wrong everywhere). The ratio's upper bound at ``risk_bound_level`` — the larger
of the Poisson limit of the devices found and a bootstrap over whole spatial
blocks, since devices cluster — is what is kept: *s* = 1 − that bound, at least 0
and at most ``risk_land_use_max_share``. A kind with too little searched land in
use behind it, or whose land in use held devices as often as other land, gets
no share at all. Each cell's share is its kind's times its **exposure**: the
years in use over ``risk_land_use_full_years`` (at most 1), halved for a record
of low confidence.

For the held-out errors behind every bound (:mod:`.errors`) the shares are
cross-fitted: each fold's held-out cells take the shares measured on the other
folds, so that land in use that held devices raises the bounds as it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine

from landrelease import settings
from landrelease.domain.vocab import LAND_USE_KINDS
from landrelease.risk.errors import garwood_upper

BOOT = 200
"""Bootstrap resamples of the spatial blocks behind each kind's bound."""


@dataclass(frozen=True)
class KindShare:
    """What searched land says about one kind of use."""

    kind: str
    share: float
    """The equivalent searched share of land in this use for the full years (0: no effect)."""
    cells: float
    """Searched cells in this use, weighted by exposure (sampled cells counted by their weight)."""
    found: float
    """Devices found in them (weighted by exposure)."""
    expected: float
    """Devices the map expected searches to find there, rescaled to what it got right on
    searched land in no use (out-of-fold)."""
    ratio_upper: float
    """Upper bound of found ÷ expected at the bound level."""

    def words(self) -> str:
        if self.cells <= 0:
            return f"{self.kind}: no searched land in this use, not counted"
        return (
            f"{self.kind}: {self.cells:,.0f} searched cells in use held {self.found:,.1f} devices "
            f"where {self.expected:,.1f} were expected (at most {self.ratio_upper:.2g}× at "
            f"the bound level): counted as {100 * self.share:.0f} % searched"
        )


@dataclass(frozen=True)
class LandUseEffect:
    """The equivalent searched share of each kind of use, measured on searched land."""

    kinds: tuple[KindShare, ...]
    level: float
    full_years: float

    def share_of(self, kind: str) -> float:
        for k in self.kinds:
            if k.kind == kind:
                return k.share
        return 0.0

    @property
    def counts(self) -> bool:
        """Whether any kind lowers the risk."""
        return any(k.share > 0 for k in self.kinds)

    def state(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "full_years": self.full_years,
            "kinds": [
                {
                    "kind": k.kind,
                    "share": k.share,
                    "cells": k.cells,
                    "found": k.found,
                    "expected": k.expected,
                    "ratio_upper": k.ratio_upper,
                }
                for k in self.kinds
            ],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LandUseEffect:
        return cls(
            tuple(
                KindShare(
                    str(k["kind"]),
                    float(k["share"]),
                    float(k["cells"]),
                    float(k["found"]),
                    float(k["expected"]),
                    float("inf") if k.get("ratio_upper") is None else float(k["ratio_upper"]),
                )
                for k in state["kinds"]
            ),
            float(state["level"]),
            float(state["full_years"]),
        )

    def statement(self) -> str:
        """What the run says about land in use, in one line."""
        return "land in use, measured on searched land: " + "; ".join(k.words() for k in self.kinds)


def full_years() -> float:
    return max(float(settings.get("risk_land_use_full_years")), 1e-9)


def exposure(land_use: gpd.GeoDataFrame) -> np.ndarray:
    """How much each record of land in use counts, in [0, 1]: its years in use over
    ``risk_land_use_full_years`` (at most 1), halved for low confidence."""
    if not len(land_use):
        return np.zeros(0)
    years = np.nan_to_num(
        np.asarray(land_use["years_in_use"], dtype=float), nan=0.0, posinf=0.0, neginf=0.0
    )
    e = np.clip(years / full_years(), 0.0, 1.0)
    if "confidence" in land_use.columns:
        e = np.where(land_use["confidence"].to_numpy() == "low", 0.5 * e, e)
    return np.asarray(e, dtype=float)


def kind_index(land_use: gpd.GeoDataFrame) -> np.ndarray:
    """Each record's kind as its index in :data:`LAND_USE_KINDS` (−1 for an unknown one)."""
    lookup = {k: i for i, k in enumerate(LAND_USE_KINDS)}
    return np.array([lookup.get(k, -1) for k in land_use["kind"].to_numpy()], dtype=np.int64)


def exposure_at(land_use: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exposure of each point to each kind of use: (n points, n kinds), the largest of the
    records of that kind holding the point."""
    out = np.zeros((len(x), len(LAND_USE_KINDS)))
    if not len(land_use) or not len(x):
        return out
    geoms = land_use.geometry.values.to_numpy()
    e, kind = exposure(land_use), kind_index(land_use)
    p_idx, g_idx = shapely.STRtree(geoms).query(shapely.points(x, y), predicate="intersects")
    ok = kind[g_idx] >= 0
    np.maximum.at(out, (p_idx[ok], kind[g_idx[ok]]), e[g_idx[ok]])
    return out


def measure(
    p: np.ndarray,
    found: np.ndarray,
    share: np.ndarray,
    weight: np.ndarray,
    exposed: np.ndarray,
    *,
    level: float,
    max_share: float,
    block: np.ndarray | None = None,
    boot: int = BOOT,
    seed: int = 0,
) -> LandUseEffect:
    """Each kind's equivalent searched share from searched cells: out-of-fold probability ``p``,
    devices ``found``, the ``share`` of the cell searched (lanes × depth), the cell's sampling
    ``weight`` and its ``exposed`` (n cells, n kinds) exposure to each kind.

    The upper bound of each kind's ratio is the larger of the Poisson limit of its devices found
    and, given the cells' spatial ``block``, the ``level`` quantile of a bootstrap over whole
    blocks (devices cluster: ten devices of one minefield say less than ten apart)."""
    lam = -np.log1p(-np.clip(p, 0.0, 1 - 1e-9)) * share * weight
    got = np.asarray(found, dtype=float) * weight
    n_kinds = len(LAND_USE_KINDS)
    e = exposed if exposed.size else np.zeros((len(p), n_kinds))
    none = e.max(axis=1) <= 0
    # per block: expected and found in no use (column 0) and in each kind (columns 1…)
    _, b = np.unique(block if block is not None else np.zeros(len(p)), return_inverse=True)
    nb = int(b.max()) + 1 if len(b) else 1
    weights = np.column_stack([none.astype(float), e])
    exp_b, got_b = np.zeros((nb, n_kinds + 1)), np.zeros((nb, n_kinds + 1))
    np.add.at(exp_b, b, weights * lam[:, None])
    np.add.at(got_b, b, weights * got[:, None])
    exp0, got0 = float(exp_b[:, 0].sum()), float(got_b[:, 0].sum())
    scale = got0 / exp0 if exp0 > 0 and got0 > 0 else 0.0
    draws = np.random.default_rng(seed).multinomial(nb, np.full(nb, 1 / nb), size=boot)
    e_star, g_star = draws @ exp_b, draws @ got_b
    with np.errstate(divide="ignore", invalid="ignore"):
        # the ratio in use over the ratio in no use, in each resample
        ratio_star = (g_star[:, 1:] / e_star[:, 1:]) / (g_star[:, :1] / e_star[:, :1])
    ratio_star = np.where(np.isfinite(ratio_star), ratio_star, np.inf)
    cells = (e * weight[:, None]).sum(axis=0)
    kinds = []
    for i, kind in enumerate(LAND_USE_KINDS):
        d = float(got_b[:, i + 1].sum())
        expected = float(exp_b[:, i + 1].sum()) * scale
        if expected <= 0:
            kinds.append(KindShare(kind, 0.0, float(cells[i]), d, expected, float("inf")))
            continue
        upper = max(
            float(garwood_upper(d, level)) / expected,
            float(np.quantile(ratio_star[:, i], level, method="higher"))
            if block is not None
            else 0.0,
        )
        s = float(np.clip(1.0 - upper, 0.0, max_share))
        kinds.append(KindShare(kind, s, float(cells[i]), d, expected, upper))
    return LandUseEffect(tuple(kinds), level, full_years())


def cell_share(effect: LandUseEffect | None, exposed: np.ndarray) -> np.ndarray:
    """Each cell's equivalent searched share: the largest over kinds of its exposure × the kind's
    measured share."""
    if effect is None or not exposed.size:
        return np.zeros(len(exposed))
    shares = np.array([effect.share_of(k) for k in LAND_USE_KINDS])
    return np.asarray((exposed * shares[None, :]).max(axis=1), dtype=float)


def crossfit_shares(
    p: np.ndarray,
    found: np.ndarray,
    share: np.ndarray,
    weight: np.ndarray,
    exposed: np.ndarray,
    fold: np.ndarray,
    *,
    level: float,
    max_share: float,
    block: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Each held-out cell's equivalent searched share as measured on the *other* folds only."""
    out = np.zeros(len(p))
    if not exposed.size or not (exposed > 0).any():
        return out
    for k in np.unique(fold):
        rest, mine = fold != k, fold == k
        eff = measure(
            p[rest],
            found[rest],
            share[rest],
            weight[rest],
            exposed[rest],
            level=level,
            max_share=max_share,
            block=block[rest] if block is not None else None,
            seed=seed,
        )
        out[mine] = cell_share(eff, exposed[mine])
    return out


def apply(p: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The probability of a device in a cell of probability ``p`` after a clean look over a share
    ``s`` of it: p(1 − s) / (1 − p·s) (Bayes; unchanged where s = 0)."""
    p = np.asarray(p, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    return np.asarray(p * (1.0 - s) / np.maximum(1.0 - p * s, 1e-12))


@dataclass
class LandUseShares:
    """Land in use as polygons carrying their equivalent searched share, for burning into tiles."""

    geoms: np.ndarray
    share: np.ndarray

    @classmethod
    def of(cls, land_use: gpd.GeoDataFrame, effect: LandUseEffect | None) -> LandUseShares | None:
        if effect is None or not effect.counts or not len(land_use):
            return None
        kind = kind_index(land_use)
        shares = np.array([effect.share_of(k) for k in LAND_USE_KINDS] + [0.0])
        s = exposure(land_use) * shares[kind]
        keep = s > 0
        if not keep.any():
            return None
        return cls(land_use.geometry.values.to_numpy()[keep], s[keep])

    def burn(
        self, shape: tuple[int, int], transform: Affine, bounds: shapely.Geometry
    ) -> np.ndarray:
        """Each cell's share (by its centre; the largest where records overlap)."""
        idx = np.flatnonzero(shapely.intersects(self.geoms, bounds))
        if not len(idx):
            return np.zeros(shape)
        idx = idx[np.argsort(self.share[idx], kind="stable")]  # the largest drawn last wins
        return rasterio.features.rasterize(
            ((self.geoms[i], float(self.share[i])) for i in idx),
            out_shape=shape,
            transform=transform,
            fill=0.0,
            dtype="float64",
        )
