"""The vocabulary of mine action (IMAS terms) and the layers a programme records. No I/O."""

from landrelease.domain import vocab
from landrelease.domain.layers import LAYERS, Field, FieldKind, Layer, layer_by_name

__all__ = ["LAYERS", "Field", "FieldKind", "Layer", "layer_by_name", "vocab"]
