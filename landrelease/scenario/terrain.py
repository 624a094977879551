"""A synthetic elevation surface: low in the east and along the Araz, rising to the west.

The trend follows the real region (Aghdam and Fuzuli on the plain, Shusha,
Lachin and Kalbajar in the mountains, the Murovdag ridge in the north);
seeded plane waves add hills and valleys and the rivers cut valleys. Slope
decides where machines can work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landrelease.scenario.geometry import F64, metric_coords, polyline_distance, rng_for
from landrelease.scenario.parameters import Geography, Terrain


@dataclass(frozen=True)
class Relief:
    """The elevation model of one seed: trend anchors and the drawn waves."""

    terrain: Terrain
    loc: F64
    araz: F64
    rivers: tuple[F64, ...]
    murovdag: tuple[float, float]
    wave_k: F64
    """(n, 2) wave vectors in rad/m."""
    wave_phase: F64
    wave_amp: F64

    def elevation_m(self, x_m: F64, y_m: F64) -> F64:
        """Elevation in metres above sea level at the points."""
        t = self.terrain
        x, y = np.asarray(x_m, float), np.asarray(y_m, float)
        d_east = polyline_distance(x, y, self.loc)
        d_araz = polyline_distance(x, y, self.araz)
        trend = t.lowland_m + t.rise_m * (1 - np.exp(-d_east / t.rise_scale_m)) * (
            1 - np.exp(-d_araz / t.araz_scale_m)
        )
        mx, my = self.murovdag
        trend += t.murovdag_peak_m * np.exp(
            -((x - mx) ** 2 + (y - my) ** 2) / (2 * t.murovdag_sigma_m**2)
        )
        phase = x[:, None] * self.wave_k[:, 0] + y[:, None] * self.wave_k[:, 1] + self.wave_phase
        hills = (np.cos(phase) * self.wave_amp).sum(axis=1)
        h = trend + hills * (0.3 + trend / 1000.0)
        for river in self.rivers:
            d = polyline_distance(x, y, river)
            h -= t.river_depth_m * np.exp(-((d / t.river_width_m) ** 2))
        return np.maximum(h, 0.0)

    def slope_deg(self, x_m: F64, y_m: F64, *, step_m: float = 50.0) -> F64:
        """Slope in degrees (central differences over ``step_m``)."""
        x, y = np.asarray(x_m, float), np.asarray(y_m, float)
        xs = np.concatenate([x + step_m, x - step_m, x, x])
        ys = np.concatenate([y, y, y + step_m, y - step_m])
        h = self.elevation_m(xs, ys).reshape(4, -1)
        gx = (h[0] - h[1]) / (2 * step_m)
        gy = (h[2] - h[3]) / (2 * step_m)
        return np.degrees(np.arctan(np.hypot(gx, gy)))


def relief(seed: int, geography: Geography, terrain: Terrain) -> Relief:
    """Draw the relief of one seed."""
    rng = rng_for(seed, "terrain")
    n = terrain.n_waves
    wavelength = rng.uniform(terrain.wavelength_min_m, terrain.wavelength_max_m, n)
    angle = rng.uniform(0, np.pi, n)
    k = np.column_stack([np.cos(angle), np.sin(angle)]) * (2 * np.pi / wavelength)[:, None]
    mx, my = metric_coords([terrain.murovdag_lonlat])[0]
    return Relief(
        terrain=terrain,
        loc=metric_coords(geography.line_of_contact),
        araz=metric_coords(geography.araz),
        rivers=tuple(metric_coords(c) for _, c in geography.rivers),
        murovdag=(float(mx), float(my)),
        wave_k=k,
        wave_phase=rng.uniform(0, 2 * np.pi, n),
        wave_amp=rng.uniform(0.5, 1.0, n) * terrain.ruggedness_m / np.sqrt(n),
    )
