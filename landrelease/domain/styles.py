"""How each layer is drawn, as QGIS styles kept inside a GeoPackage (the ``layer_styles`` table
QGIS reads on opening a layer).

QGIS looks for a table ``layer_styles`` in a GeoPackage and applies the style marked
``useAsDefault`` to the layer it names, so a file opens drawn as the web map draws it.
:func:`categorized_fill_qml` writes the QML of a categorised fill renderer;
:func:`landrelease.store.styles.add_layer_style` stores it in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

DECISION_STYLE: tuple[tuple[str, str, str], ...] = (
    ("cancel", "cancel (non-technical survey)", "#5e9ed6"),
    ("technical_survey", "technical survey", "#fdb863"),
    ("battle_area_clearance", "battle-area clearance", "#d95f02"),
    ("clearance", "full clearance", "#7b3294"),
)
"""Value, label and colour of each survey decision: the web map's legend."""

STATUS_STYLE: tuple[tuple[str, str, str], ...] = (
    ("active", "active", "#d7301f"),
    ("worked_on", "being worked on", "#fc8d59"),
    ("closed", "closed", "#1a9850"),
)
"""Value, label and colour of each hazard status: the web map's legend."""

LAYER_STYLES: dict[str, tuple[str, tuple[tuple[str, str, str], ...], str]] = {
    "hazards": ("status", STATUS_STYLE, "hazards by status, coloured as on the web map"),
    "survey_parts": ("decision", DECISION_STYLE, "survey decisions, coloured as on the web map"),
}
"""The layers a workspace GeoPackage opens styled: field drawn by, categories, description."""


def _rgba(colour: str, alpha: int = 255) -> str:
    c = colour.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha}"


def categorized_fill_qml(field: str, categories: Sequence[tuple[str, str, str]]) -> str:
    """The QML of a layer drawn by ``field``: one semi-transparent fill per (value, label, colour)."""
    cats = "\n".join(
        f'   <category value={quoteattr(v)} symbol="{i}" label={quoteattr(label)} render="true"/>'
        for i, (v, label, _) in enumerate(categories)
    )
    symbols = "\n".join(
        f"""   <symbol type="fill" name="{i}" alpha="0.7" clip_to_extent="1" force_rhr="0">
    <layer class="SimpleFill" enabled="1" pass="0" locked="0">
     <Option type="Map">
      <Option name="color" type="QString" value="{_rgba(colour)}"/>
      <Option name="outline_color" type="QString" value="{_rgba(colour)}"/>
      <Option name="outline_width" type="QString" value="0.4"/>
      <Option name="outline_width_unit" type="QString" value="MM"/>
      <Option name="style" type="QString" value="solid"/>
     </Option>
    </layer>
   </symbol>"""
        for i, (_, _, colour) in enumerate(categories)
    )
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0" styleCategories="Symbology">
 <renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" enableorderby="0" forceraster="0">
  <categories>
{cats}
  </categories>
  <symbols>
{symbols}
  </symbols>
 </renderer-v2>
</qgis>
"""
