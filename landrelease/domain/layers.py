"""The layers of the evidence package, declared once.

Everything else derives from this registry: import validation, the workspace
schema (GeoPackage and PostGIS), export, the web forms and the data-contract
page in ``docs/``. To add a property, add a :class:`Field` here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from landrelease.domain import vocab


class FieldKind(StrEnum):
    """How a property's value is read, checked and stored."""

    TEXT = "text"
    INT = "integer"
    FLOAT = "number"
    BOOL = "boolean"
    DATE = "date"
    """A calendar date, ``YYYY-MM-DD``."""
    DATETIME = "datetime"
    """A date, or a date and time, ISO 8601 (``2024-05-01`` or ``2024-05-01T09:30:00Z``)."""
    ENUM = "enum"
    ENUM_LIST = "enum list"
    """A list of values from the choices (JSON array, or comma-separated text in tables)."""
    ENUM_OR_LIST = "enum or list"
    """One value from the choices, or a list of them (a mixed asset team)."""
    TEXT_LIST = "text list"
    VICTIMS = "victims"
    """A list of ``{age, gender, outcome}`` objects: personal data."""


@dataclass(frozen=True)
class Field:
    """One property of a layer."""

    name: str
    kind: FieldKind
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    personal: bool = False
    """Personal data of victims: only users entitled to it may see it."""
    help: str = ""
    label: str = ""
    """The field in words, as a form or a page names it (:attr:`title` falls back on the name)."""

    @property
    def title(self) -> str:
        """The field in words: its label, or its name as words (``population_planned`` →
        ``Population planned``)."""
        return self.label or self.name.replace("_", " ").capitalize()

    def accepted(self) -> str:
        """Describe, for an error message, what values this field accepts."""
        k = self.kind
        if k in (FieldKind.ENUM, FieldKind.ENUM_LIST, FieldKind.ENUM_OR_LIST):
            one = "one of " + ", ".join(self.choices)
            if k is FieldKind.ENUM:
                return one
            if k is FieldKind.ENUM_LIST:
                return f"a list of values, each {one}"
            return f"{one}, or a list of them"
        if k in (FieldKind.INT, FieldKind.FLOAT):
            what = "a whole number" if k is FieldKind.INT else "a number"
            if self.minimum is not None and self.maximum is not None:
                what += f" from {self.minimum:g} to {self.maximum:g}"
            elif self.minimum is not None:
                what += f" ≥ {self.minimum:g}"
            return what + (f" [{self.unit}]" if self.unit else "")
        return {
            FieldKind.TEXT: "non-empty text" if self.required else "text",
            FieldKind.BOOL: "true or false",
            FieldKind.DATE: "a date as YYYY-MM-DD",
            FieldKind.DATETIME: "an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)",
            FieldKind.TEXT_LIST: "a list of text values",
            FieldKind.VICTIMS: (
                "a list of objects {age: whole number 0–120, gender: "
                + "|".join(vocab.GENDERS)
                + ", outcome: "
                + "|".join(vocab.VICTIM_OUTCOMES)
                + "}, and no other keys (names and other personal details are not kept)"
            ),
        }.get(k, k.value)


@dataclass(frozen=True)
class Layer:
    """A layer of the evidence package and a table of the workspace."""

    name: str
    id_field: str
    title: str
    geometry: tuple[str, ...]
    """Accepted geometry types; empty for a table without geometry."""
    fields: tuple[Field, ...]
    area: bool = False
    """Whether the workspace computes ``area_m2`` in the metric CRS."""
    derived_id: bool = False
    """The id may be absent from the file; it is then derived from the row's content."""
    contract: bool = True
    """Part of the interchange contract (``DATA_CONTRACT.md``); other layers are extensions."""
    help: str = ""
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.name: f for f in self.fields})

    @property
    def spatial(self) -> bool:
        return bool(self.geometry)

    @property
    def filename(self) -> str:
        """The file name this layer has in an exported package."""
        return f"{self.name}.geojson" if self.spatial else f"{self.name}.csv"

    @property
    def id(self) -> Field:
        return self._index[self.id_field]

    def field(self, name: str) -> Field | None:
        return self._index.get(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    @property
    def personal_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.personal)


K = FieldKind
POLY = ("Polygon", "MultiPolygon")
DOI = Field(
    "date_of_information",
    K.DATETIME,
    label="Date the information was true",
    help="When the information was true; a later one updates a stored record, an earlier or equal one does not.",
)


def _f(name: str, kind: FieldKind, **kw: object) -> Field:
    return Field(name, kind, **kw)  # type: ignore[arg-type]


LAYERS: tuple[Layer, ...] = (
    Layer(
        "hazards",
        "hazard_id",
        "Hazard areas",
        POLY,
        (
            _f("hazard_id", K.TEXT, required=True, label="Hazard code"),
            _f(
                "classification",
                K.ENUM,
                required=True,
                choices=vocab.HAZARD_CLASSIFICATIONS,
                label="Classification",
                help="SHA: suspected hazardous area; CHA: confirmed hazardous area.",
            ),
            _f("status", K.ENUM, required=True, choices=vocab.HAZARD_STATUSES, label="Status"),
            _f("district", K.TEXT, label="District"),
            _f("reported", K.DATE, label="Date reported"),
            _f("blockages", K.ENUM_LIST, choices=vocab.BLOCKAGES, label="What the hazard blocks"),
            _f("device_types", K.TEXT_LIST, label="Device types seen"),
            DOI,
        ),
        area=True,
        help="Suspected (SHA) and confirmed (CHA) hazardous areas: the hazard register.",
    ),
    Layer(
        "activities",
        "activity_id",
        "Activities",
        POLY,
        (
            _f(
                "activity_id",
                K.TEXT,
                required=True,
                label="Activity code",
                help="The task's code, unique in the register (CL-0042).",
            ),
            _f(
                "type",
                K.ENUM,
                required=True,
                choices=vocab.ACTIVITY_TYPES,
                label="Type of activity",
                help="NTS: non-technical survey; TS: technical survey; clearance; EOD_spot: an explosive ordnance disposal spot task.",
            ),
            _f(
                "hazard_id",
                K.TEXT,
                required=True,
                label="Hazard",
                help="The hazard the activity worked in.",
            ),
            _f("start", K.DATE, required=True, label="Start date"),
            _f("end", K.DATE, required=True, label="End date", help="On or after the start date."),
            _f(
                "outcome",
                K.ENUM,
                required=True,
                choices=vocab.ACTIVITY_OUTCOMES,
                label="Outcome",
                help="What the activity did with the land: cancelled (NTS), reduced or cleared (TS, clearance), confirmed a hazard, or none.",
            ),
            _f("organisation", K.TEXT, label="Organisation"),
            _f(
                "asset",
                K.ENUM_OR_LIST,
                choices=vocab.ASSETS,
                label="Assets used",
                help="Manual teams, mine detection dogs, rats, machines; several for a mixed team.",
            ),
            _f(
                "depth_cm",
                K.FLOAT,
                minimum=0,
                unit="cm",
                label="Search depth",
                help="The depth to which the land was searched. A search found clean counts as negative evidence in proportion to the share of the devices found that lay at or above this depth; without it, the national clearance depth (setting `risk_national_depth_cm`).",
            ),
            _f(
                "searched_share",
                K.FLOAT,
                minimum=0,
                maximum=1,
                unit="share",
                label="Share of the area searched",
                help="Share of the area physically searched: a technical survey's lanes or sample (0.15 for 7.5 m lanes every 50 m), 1 for a full clearance. Without it the engine assumes the national standard (setting `risk_ts_searched_share`).",
            ),
            _f("status", K.ENUM, choices=vocab.WORKFLOW_STATUSES, label="Workflow status"),
            DOI,
        ),
        area=True,
        help="Survey, clearance and EOD tasks with the area they processed.",
    ),
    Layer(
        "findings",
        "finding_id",
        "Findings",
        ("Point",),
        (
            _f(
                "finding_id",
                K.TEXT,
                required=True,
                label="Finding code",
                help="Unique in the register (FD-0042).",
            ),
            _f(
                "device",
                K.ENUM,
                required=True,
                choices=vocab.DEVICES,
                label="Device type",
                help="AP: anti-personnel mine; AT: anti-tank mine; UXO: unexploded ordnance; AXO: abandoned explosive ordnance; IED: improvised explosive device.",
            ),
            _f("date", K.DATE, required=True, label="Date found"),
            _f(
                "activity_id",
                K.TEXT,
                label="Found by activity",
                help="The code of the activity that found it, if any.",
            ),
            _f("model", K.TEXT, label="Model", help="The device's model, if known (PMN-2)."),
            _f(
                "depth_cm",
                K.FLOAT,
                minimum=0,
                unit="cm",
                label="Depth",
                help="How deep it lay. The depths of the devices found by technical survey and clearance tell the engine how much of the devices a search to a given depth reaches; without them it assumes devices spread evenly down to the national clearance depth.",
            ),
            _f("condition", K.TEXT, label="Condition"),
            _f("destroyed", K.BOOL, label="Destroyed", help="Whether it was destroyed."),
            DOI,
        ),
        help="Explosive ordnance found, with its position.",
    ),
    Layer(
        "incidents",
        "incident_id",
        "Incidents",
        ("Point",),
        (
            _f(
                "incident_id",
                K.TEXT,
                required=True,
                label="Incident code",
                help="Unique in the register (INC-0042).",
            ),
            _f("date", K.DATE, required=True, label="Date of the incident"),
            _f("killed", K.INT, required=True, minimum=0, unit="people", label="People killed"),
            _f("injured", K.INT, required=True, minimum=0, unit="people", label="People injured"),
            _f(
                "device",
                K.ENUM,
                choices=vocab.DEVICES,
                label="Device type",
                help="AP: anti-personnel mine; AT: anti-tank mine; UXO: unexploded ordnance; AXO: abandoned explosive ordnance; IED: improvised explosive device.",
            ),
            _f(
                "activity",
                K.ENUM,
                choices=vocab.INCIDENT_ACTIVITIES,
                label="What the victims were doing",
            ),
            _f("civilian", K.BOOL, label="Were the victims civilians?"),
            _f("victims", K.VICTIMS, personal=True),
            DOI,
        ),
        help="Mine and explosive ordnance accidents; victims' details are personal data.",
    ),
    Layer(
        "minefield_records",
        "record_id",
        "Minefield records",
        ("Polygon", "MultiPolygon", "LineString", "MultiLineString"),
        (
            _f("record_id", K.TEXT, required=True),
            _f("source", K.TEXT, required=True),
            _f("device", K.ENUM, choices=vocab.MINEFIELD_DEVICES),
            _f("reported_count", K.INT, minimum=0, unit="devices"),
            _f("laid", K.DATE),
            DOI,
        ),
        help="Minefield maps handed over (polygons) or mine rows (lines), of variable reliability.",
    ),
    Layer(
        "military_positions",
        "position_id",
        "Military positions",
        ("Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"),
        (
            _f("position_id", K.TEXT, required=True),
            _f("kind", K.ENUM, required=True, choices=vocab.POSITION_KINDS),
            _f("source", K.ENUM, required=True, choices=vocab.POSITION_SOURCES),
            _f("period", K.TEXT),
            DOI,
        ),
        help="Former positions seen on imagery, told by witnesses or recorded.",
    ),
    Layer(
        "front_lines",
        "line_id",
        "Front lines",
        ("LineString", "MultiLineString"),
        (
            _f("line_id", K.TEXT, required=True),
            _f("valid_from", K.DATE, required=True),
            _f("valid_to", K.DATE, required=True),
            _f("name", K.TEXT),
            DOI,
        ),
        help="Lines of contact with the period they held.",
    ),
    Layer(
        "testimony",
        "testimony_id",
        "Testimony",
        ("Point", "Polygon", "MultiPolygon"),
        (
            _f("testimony_id", K.TEXT, required=True),
            _f("date", K.DATE, required=True),
            _f("statement", K.ENUM, required=True, choices=vocab.TESTIMONY_STATEMENTS),
            _f("confidence", K.ENUM, choices=vocab.CONFIDENCE_LEVELS),
            _f("informant_type", K.TEXT),
            DOI,
        ),
        help="What local people, former soldiers and officials say about a place.",
    ),
    Layer(
        "settlements",
        "settlement_id",
        "Settlements",
        ("Point",),
        (
            _f("settlement_id", K.TEXT, required=True, label="Settlement id"),
            _f("name", K.TEXT, required=True),
            _f("population_planned", K.INT, minimum=0, unit="people"),
            _f("population_before", K.INT, minimum=0, unit="people"),
            _f("district", K.TEXT),
            _f("priority", K.TEXT),
            DOI,
        ),
        help="Towns and villages, with the people expected to return.",
    ),
    Layer(
        "infrastructure",
        "asset_id",
        "Infrastructure",
        ("LineString", "MultiLineString", "Polygon", "MultiPolygon"),
        (
            _f("asset_id", K.TEXT, required=True),
            _f("kind", K.ENUM, required=True, choices=vocab.INFRASTRUCTURE_KINDS),
            _f("name", K.TEXT),
            _f("planned_year", K.INT, minimum=1900, maximum=2200, unit="year"),
            DOI,
        ),
        help="Roads, power lines, pipelines, water, public buildings and farmland.",
    ),
    Layer(
        "boundaries",
        "boundary_id",
        "Administrative boundaries",
        POLY,
        (
            _f(
                "boundary_id",
                K.TEXT,
                required=True,
                label="Boundary code",
                help="Unique in the layer (the national code of the area, if it has one).",
            ),
            _f("name", K.TEXT, required=True, label="Name", help="As maps and reports name it."),
            _f(
                "level",
                K.ENUM,
                required=True,
                choices=vocab.BOUNDARY_LEVELS,
                label="Administrative level",
                help="region: first level below the country; district: second; community: third.",
            ),
            DOI,
        ),
        help="Administrative areas (regions, districts, communities) drawn on the maps; optional.",
    ),
    Layer(
        "land_use",
        "land_use_id",
        "Land in use",
        POLY,
        (
            _f(
                "land_use_id",
                K.TEXT,
                required=True,
                label="Land-use code",
                help="Unique in the layer (LU-0042).",
            ),
            _f(
                "kind",
                K.ENUM,
                required=True,
                choices=vocab.LAND_USE_KINDS,
                label="How the land is used",
                help="cultivated: fields and orchards worked; built: houses, yards and other built land; grazed: pasture; road, track: travelled by vehicles or people.",
            ),
            _f(
                "years_in_use",
                K.FLOAT,
                required=True,
                minimum=0,
                maximum=100,
                unit="years",
                label="Years in use",
                help="Years the land has been used without an incident since the conflict (or since it was last suspected). Land in use counts as negative evidence in proportion to these years, up to `risk_land_use_full_years`, and only as far as the programme's searched land shows it to hold.",
            ),
            _f(
                "observed",
                K.DATE,
                required=True,
                label="Date observed",
                help="When the use was seen or reported.",
            ),
            _f("in_use_since", K.DATE, label="In use since", help="When the use began, if known."),
            _f(
                "source",
                K.ENUM,
                choices=vocab.LAND_USE_SOURCES,
                label="How it is known",
                help="imagery, a field visit, testimony of local people or an official record.",
            ),
            _f(
                "confidence",
                K.ENUM,
                choices=vocab.CONFIDENCE_LEVELS,
                label="Confidence",
                help="low counts half as much as medium or high.",
            ),
            DOI,
        ),
        area=True,
        help="Land cultivated, built on, grazed or travelled since the conflict: negative evidence, strong but imperfect.",
    ),
    Layer(
        "funding",
        "funding_id",
        "Funding",
        (),
        (
            _f("funding_id", K.TEXT, required=True),
            _f("date", K.DATE, required=True),
            _f("source", K.TEXT, required=True, help="`national` or the donor's name"),
            _f("amount_usd", K.FLOAT, required=True, minimum=0, unit="USD"),
            _f("purpose", K.TEXT),
            DOI,
        ),
        derived_id=True,
        help="Money received, by source (national budget or donor).",
    ),
    Layer(
        "assets",
        "asset_id",
        "Demining assets",
        (),
        (
            _f("asset_id", K.TEXT, required=True),
            _f("organisation", K.TEXT, required=True),
            _f("asset", K.ENUM, required=True, choices=vocab.ASSETS),
            _f("count", K.INT, required=True, minimum=0, unit="teams or units"),
            _f("m2_per_day", K.FLOAT, required=True, minimum=0, unit="m²/day"),
            _f("usd_per_day", K.FLOAT, required=True, minimum=0, unit="USD/day"),
            _f("available_from", K.DATE),
            _f("available_to", K.DATE),
            DOI,
        ),
        derived_id=True,
        help="Teams, dogs, rats and machines with productivity and cost per asset-day.",
    ),
    Layer(
        "organisations",
        "organisation_id",
        "Organisations",
        (),
        (
            _f("organisation_id", K.TEXT, required=True),
            _f("name", K.TEXT, required=True),
            _f("kind", K.TEXT, help="national agency, NGO, commercial, military"),
            _f("accredited_methods", K.ENUM_LIST, choices=vocab.ACTIVITY_TYPES),
            _f("accredited_assets", K.ENUM_LIST, choices=vocab.ASSETS),
            _f("accreditation_expires", K.DATE),
            DOI,
        ),
        contract=False,
        help="Operators and their accreditation.",
    ),
    Layer(
        "eore_sessions",
        "session_id",
        "Risk education sessions",
        ("Point",),
        (
            _f("session_id", K.TEXT, required=True),
            _f("date", K.DATE, required=True),
            _f("settlement_id", K.TEXT, label="Settlement id"),
            _f("organisation", K.TEXT),
            _f("women", K.INT, minimum=0, unit="people"),
            _f("men", K.INT, minimum=0, unit="people"),
            _f("girls", K.INT, minimum=0, unit="people"),
            _f("boys", K.INT, minimum=0, unit="people"),
            DOI,
        ),
        contract=False,
        help="Explosive ordnance risk education (EORE) sessions and who they reached.",
    ),
    Layer(
        "qa_visits",
        "visit_id",
        "Quality management visits",
        ("Point", "Polygon", "MultiPolygon"),
        (
            _f("visit_id", K.TEXT, required=True, label="Visit code"),
            _f("date", K.DATE, required=True, label="Date of the visit"),
            _f("kind", K.ENUM, required=True, choices=vocab.QA_VISIT_KINDS, label="Kind of visit"),
            _f("activity_id", K.TEXT, label="Activity inspected"),
            _f("organisation", K.TEXT, label="Organisation"),
            _f("result", K.ENUM, choices=vocab.QA_RESULTS, label="Result"),
            _f("devices_found", K.INT, minimum=0, unit="devices", label="Devices found"),
            _f(
                "area_inspected_m2",
                K.FLOAT,
                minimum=0,
                unit="m²",
                label="Area inspected",
                help="The area the inspection searched.",
            ),
            _f("notes", K.TEXT, label="Notes"),
            DOI,
        ),
        contract=False,
        help="Quality assurance and quality control visits, incl. post-clearance inspection.",
    ),
)

_BY_NAME = {layer.name: layer for layer in LAYERS}


def layer_by_name(name: str) -> Layer:
    """Return the layer called ``name``; raise ``KeyError`` listing the known layers."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown layer {name!r}; known: {', '.join(_BY_NAME)}") from None
