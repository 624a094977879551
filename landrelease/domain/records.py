"""A batch of checked records on its way from a file to the workspace."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from landrelease.domain.layers import Layer


@dataclass
class RecordBatch:
    """Valid, normalised records of one layer."""

    layer: Layer
    file: str
    values: pd.DataFrame
    """One column per field of the layer plus ``extra`` (a dict of unknown properties)."""
    geometry: np.ndarray | None
    """Shapely geometries in EPSG:4326, or ``None`` for a table layer."""
    rows: np.ndarray
    """Each record's position in its source file, from 1."""

    def __len__(self) -> int:
        return len(self.values)
