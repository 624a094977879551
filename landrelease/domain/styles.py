"""How each layer is drawn, as QGIS styles kept inside a GeoPackage or a PostGIS database (the
``layer_styles`` table QGIS reads on opening a layer) and in the QGIS project of an export.

QGIS looks for a table ``layer_styles`` beside the layers it opens and applies the style
marked ``useAsDefault`` to the layer it names, so every layer opens drawn as the web map
draws it. :data:`LAYER_STYLES` says how each layer of the workspace is drawn — by which
field, with which categories (value, label in field words, colour) — and, for a layer whose
features are labelled, by which field; :func:`style_qml` writes the QML of one kind of
geometry (points, lines or areas), since QGIS draws each with a symbol of its kind.
:func:`landrelease.store.styles.add_layer_style` stores it in a file.

Category labels are the words of the forms and pages (:func:`landrelease.domain.vocab.choice_label`),
except where the web map's legend has its own (hazard status, survey decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import quoteattr

from landrelease.domain import vocab

Category = tuple[str, str, str]
"""Value, label and colour (``#rrggbb``) of one category."""
SymbolKind = Literal["marker", "line", "fill"]

DECISION_STYLE: tuple[Category, ...] = (
    ("cancel", "cancel (non-technical survey)", "#5e9ed6"),
    ("technical_survey", "technical survey", "#fdb863"),
    ("battle_area_clearance", "battle-area clearance", "#d95f02"),
    ("clearance", "full clearance", "#7b3294"),
)
"""Value, label and colour of each survey decision: the web map's legend."""

STATUS_STYLE: tuple[Category, ...] = (
    ("active", "active", "#d7301f"),
    ("worked_on", "being worked on", "#fc8d59"),
    ("closed", "closed", "#1a9850"),
)
"""Value, label and colour of each hazard status: the web map's legend."""

INFRASTRUCTURE_COLOURS: dict[str, str] = {
    "road": "#6f6354",
    "power_line": "#9e9e9e",
    "pipeline": "#8c6bb1",
    "water": "#5b9bd5",
    "school": "#c8c0b4",
    "hospital": "#c8c0b4",
    "cemetery": "#c8c0b4",
    "farmland": "#dfe8c8",
}
"""The base map's colours, by kind of infrastructure: the web map's base map
(``landrelease.web.map_view.BASE_STYLE``) takes them from here; buildings share one colour."""

LAND_USE_COLOURS: tuple[str, ...] = ("#8fa86a", "#8d8079", "#c2b77a", "#a07e62", "#c7a98c")
"""Land in use by kind (cultivated, built, grazed, road, track): muted olive, warm grey, straw,
brown and tan, so that the evidence reads beside the hazards' and the decisions' strong colours
without competing with them (the web map's layer and legend, and the QGIS style)."""

RELEASE_METHODS = ("cancelled", "reduced", "cleared")
"""How land was released (the land-release ledger's ``method``)."""
QA_PLAN_DECISIONS = ("accepted", "rejected", "incomplete")
"""What a post-clearance inspection decided (a sampling plan's ``decision``)."""
BOUNDARY_COLOUR = "#6a3d9a"
"""Administrative boundaries: thin dashed purple lines, as on the web map."""


def _words(values: Sequence[str], colours: Sequence[str]) -> tuple[Category, ...]:
    """Categories of vocabulary ``values`` labelled in field words, coloured in order."""
    if len(colours) < len(values):
        raise ValueError(f"{len(values)} values but only {len(colours)} colours")
    return tuple((v, vocab.choice_label(v), c) for v, c in zip(values, colours, strict=False))


@dataclass(frozen=True)
class LayerStyle:
    """How one layer is drawn."""

    description: str
    """What the style shows, as QGIS lists it."""
    field: str | None = None
    """The field drawn by (categorised); ``None``: one symbol for every feature."""
    categories: tuple[Category, ...] = ()
    colour: str = "#777777"
    """The colour of a layer drawn with one symbol, and of values outside the categories."""
    outline: str | None = None
    """The outline of markers and areas (``None``: the fill's colour)."""
    label: str | None = None
    """The field features are labelled with."""
    dashed: bool = False
    """Lines (and the outline of areas) drawn dashed."""
    hollow: bool = False
    """Areas drawn as outlines only."""
    name: str | None = None
    """The style's name as QGIS lists it (default: the layer's name in words)."""

    def style_name(self, layer: str) -> str:
        return self.name or layer.replace("_", " ")


LAYER_STYLES: dict[str, LayerStyle] = {
    "hazards": LayerStyle("hazards by status, coloured as on the web map", "status", STATUS_STYLE),
    "survey_parts": LayerStyle(
        "survey decisions, coloured as on the web map", "decision", DECISION_STYLE
    ),
    "confirmation_sites": LayerStyle(
        "confirmation sites of the cancelled land, labelled with their numbers",
        colour="#1a9850",
        outline="#000000",
        label="site_id",
    ),
    "activities": LayerStyle(
        "activities by type",
        "type",
        _words(vocab.ACTIVITY_TYPES, ("#5e9ed6", "#fdb863", "#7b3294", "#e7298a")),
    ),
    "land_release": LayerStyle(
        "land released, by how it was released",
        "method",
        _words(RELEASE_METHODS, ("#5e9ed6", "#fdb863", "#1a9850")),
    ),
    "findings": LayerStyle(
        "devices found, by type (anti-personnel mines in the web map's yellow)",
        "device",
        _words(vocab.DEVICES, ("#ffd700", "#ff7f00", "#a6761d", "#8da0cb", "#e7298a")),
        outline="#6b5a00",
    ),
    "incidents": LayerStyle(
        "incidents, drawn as on the web map", colour="#111111", outline="#ffffff"
    ),
    "settlements": LayerStyle(
        "settlements labelled with their names, as on the web map",
        colour="#2166ac",
        outline="#ffffff",
        label="name",
    ),
    "infrastructure": LayerStyle(
        "roads, rivers, power lines and buildings by kind, coloured as the web map's base map",
        "kind",
        _words(
            vocab.INFRASTRUCTURE_KINDS,
            [INFRASTRUCTURE_COLOURS[k] for k in vocab.INFRASTRUCTURE_KINDS],
        ),
    ),
    "military_positions": LayerStyle(
        "former military positions by kind",
        "kind",
        _words(
            vocab.POSITION_KINDS,
            ("#8c510a", "#b2182b", "#d6604d", "#4d4d4d", "#35978f", "#999999"),
        ),
    ),
    "front_lines": LayerStyle("lines of contact", colour="#b2182b"),
    "minefield_records": LayerStyle(
        "minefield records by the devices they list",
        "device",
        _words(vocab.MINEFIELD_DEVICES, ("#ffd700", "#ff7f00", "#e31a1c")),
        dashed=True,
    ),
    "testimony": LayerStyle(
        "testimony by what it says",
        "statement",
        _words(vocab.TESTIMONY_STATEMENTS, ("#e6550d", "#74c476", "#111111")),
    ),
    "land_use": LayerStyle(
        "land in use by how it is used",
        "kind",
        _words(vocab.LAND_USE_KINDS, LAND_USE_COLOURS),
        hollow=True,
    ),
    "eore_sessions": LayerStyle("risk education sessions", colour="#1b9e77", outline="#ffffff"),
    "qa_visits": LayerStyle(
        "quality management visits by result",
        "result",
        _words(vocab.QA_RESULTS, ("#1a9850", "#fee08b", "#fc8d59", "#d7301f")),
    ),
    "qa_sampling_plans": LayerStyle(
        "post-clearance inspection plans by decision",
        "decision",
        _words(QA_PLAN_DECISIONS, ("#1a9850", "#d7301f", "#bdbdbd")),
        hollow=True,
    ),
    "qa_samples": LayerStyle(
        "post-clearance inspection sample cells", colour="#756bb1", hollow=True
    ),
    "boundaries": LayerStyle(
        "administrative boundaries labelled with their names, as on the web map",
        colour=BOUNDARY_COLOUR,
        label="name",
        dashed=True,
        hollow=True,
    ),
}
"""How every layer of the workspace with a geometry is drawn (its table and its GIS views)."""


def symbol_kind(geometry_type: str) -> SymbolKind:
    """The QGIS symbol that draws a declared geometry type (``MULTIPOLYGON``, ``Point``…)."""
    g = geometry_type.upper().removeprefix("MULTI")
    if g == "POINT":
        return "marker"
    if g == "LINESTRING":
        return "line"
    if g == "POLYGON":
        return "fill"
    raise ValueError(f"no QGIS symbol for the geometry type {geometry_type!r}")


def _rgba(colour: str, alpha: int = 255) -> str:
    c = colour.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha}"


def _options(values: dict[str, str]) -> str:
    return "\n".join(
        f'      <Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>'
        for k, v in values.items()
    )


def _symbol(i: int, kind: SymbolKind, colour: str, style: LayerStyle) -> str:
    outline = style.outline or colour
    if kind == "marker":
        cls, alpha = "SimpleMarker", "1"
        opts = {
            "color": _rgba(colour),
            "name": "circle",
            "outline_color": _rgba(outline),
            "outline_style": "solid",
            "outline_width": "0.3",
            "outline_width_unit": "MM",
            "size": "2.6",
            "size_unit": "MM",
        }
    elif kind == "line":
        cls, alpha = "SimpleLine", "1"
        opts = {
            "line_color": _rgba(colour),
            "line_style": "dash" if style.dashed else "solid",
            "line_width": "0.4" if style.dashed else "0.6",
            "line_width_unit": "MM",
            "capstyle": "round",
            "joinstyle": "round",
        }
    else:
        cls, alpha = "SimpleFill", "1" if style.hollow else "0.7"
        opts = {
            "color": _rgba(colour, 0 if style.hollow else 255),
            "style": "no" if style.hollow else "solid",
            "outline_color": _rgba(outline),
            "outline_style": "dash" if style.dashed else "solid",
            "outline_width": "0.4",
            "outline_width_unit": "MM",
        }
    return f"""   <symbol type="{kind}" name="{i}" alpha="{alpha}" clip_to_extent="1" force_rhr="0">
    <layer class="{cls}" enabled="1" pass="0" locked="0">
     <Option type="Map">
{_options(opts)}
     </Option>
    </layer>
   </symbol>"""


def renderer_xml(style: LayerStyle, kind: SymbolKind) -> str:
    """The ``renderer-v2`` element of ``style`` for one kind of symbol."""
    if style.field is None:
        return f"""<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">
  <symbols>
{_symbol(0, kind, style.colour, style)}
  </symbols>
 </renderer-v2>"""
    cats = "\n".join(
        f'   <category value={quoteattr(v)} symbol="{i}" label={quoteattr(label)} render="true"/>'
        for i, (v, label, _) in enumerate(style.categories)
    )
    symbols = "\n".join(
        _symbol(i, kind, colour, style) for i, (_, _, colour) in enumerate(style.categories)
    )
    return f"""<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.field)} symbollevels="0" enableorderby="0" forceraster="0">
  <categories>
{cats}
  </categories>
  <symbols>
{symbols}
  </symbols>
 </renderer-v2>"""


def labeling_xml(field: str, kind: SymbolKind) -> str:
    """The ``labeling`` element: ``field`` in dark text with a white halo (the web map's labels);
    around points, along lines, inside areas."""
    placement = {"marker": "6", "line": "2", "fill": "1"}[kind]  # around point, curved, horizontal
    return f"""<labeling type="simple">
  <settings calloutType="simple">
   <text-style fieldName={quoteattr(field)} isExpression="0" fontFamily="DejaVu Sans" fontSize="9" fontSizeUnit="Point" textColor="27,42,56,255" textOpacity="1" namedStyle="Regular">
    <text-buffer bufferDraw="1" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1"/>
   </text-style>
   <placement placement="{placement}" dist="1" distUnits="MM" priority="5"/>
   <rendering obstacle="1" scaleVisibility="0" drawLabels="1" upsidedownLabels="0"/>
  </settings>
 </labeling>"""


def style_qml(style: LayerStyle, kind: SymbolKind) -> str:
    """The QML document of ``style`` drawing one kind of geometry (and its labels, if any)."""
    labels = style.label is not None
    labeling = f"\n {labeling_xml(style.label, kind)}" if style.label is not None else ""
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0" styleCategories="Symbology|Labeling" labelsEnabled="{int(labels)}">
 {renderer_xml(style, kind)}{labeling}
</qgis>
"""


def categorized_fill_qml(field: str, categories: Sequence[Category]) -> str:
    """The QML of a layer of areas drawn by ``field``: one semi-transparent fill per category."""
    return style_qml(LayerStyle("", field, tuple(categories)), "fill")
