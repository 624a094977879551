"""XLSForm field forms for ODK Collect and KoboCollect, generated from the data contract.

Each form collects the records of one layer (:data:`FORMS`): its questions are the
layer's fields (:mod:`landrelease.domain.layers`) with their types, required flags and
ranges; its choice lists are the vocabulary (:mod:`landrelease.domain.vocab`) with
readable labels, the stored value being the vocabulary's own; the geometry is a
``geopoint`` or ``geoshape`` question named ``geometry``; dates are date questions;
an area the contract keeps in m² is asked in hectares and turned into m² by a
``calculate``. Two hidden ``calculate`` questions, ``lr_form`` and
``lr_form_version``, travel with every submission, so that an export tells which form
and which version of it each record came from (:mod:`landrelease.io.submissions`).

:func:`xlsform` builds one form as plain rows (pure); :func:`write_forms` writes them as
``.xlsx`` files and converts each with pyxform, so a form that ODK or Kobo would refuse
is never written.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landrelease import __version__
from landrelease.domain import Field, FieldKind, Layer, layer_by_name, vocab
from landrelease.domain.vocab import choice_label
from landrelease.errors import UsageError

GEOMETRY_QUESTION = "geometry"
"""The name of every form's geopoint or geoshape question."""
FORM_QUESTION = "lr_form"
VERSION_QUESTION = "lr_form_version"
M2_PER_HA = 10_000


@dataclass(frozen=True)
class FormSpec:
    """One field form: which layer it fills and how."""

    form_id: str
    title: str
    layer: str
    id_prefix: str
    """Records submitted without an id get ``PREFIX-`` and the start of the submission's id."""
    geometry: str
    """``geopoint`` or ``geoshape``."""
    omit: tuple[str, ...] = ()
    """Fields of the layer the field does not fill (set at the centre)."""
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Fields whose choice list the form narrows to these values of the vocabulary."""
    help: str = ""

    @property
    def target(self) -> Layer:
        return layer_by_name(self.layer)

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.target.fields if f.name not in self.omit)


FORMS: tuple[FormSpec, ...] = (
    FormSpec(
        "hazard_report",
        "Hazard report (non-technical survey)",
        "hazards",
        "HZ",
        "geoshape",
        help="A suspected or confirmed hazardous area found by non-technical survey.",
    ),
    FormSpec(
        "survey_clearance",
        "Technical survey and clearance completion",
        "activities",
        "AC",
        "geoshape",
        omit=("status",),
        choices={"type": ("TS", "clearance")},
        help="The area a technical survey or a clearance task processed, and its outcome.",
    ),
    FormSpec(
        "finding",
        "Finding / EOD spot task",
        "findings",
        "FD",
        "geopoint",
        help="An item of explosive ordnance found, at its position.",
    ),
    FormSpec(
        "accident",
        "Accident with victims",
        "incidents",
        "IN",
        "geopoint",
        help="A mine or explosive ordnance accident, with each victim.",
    ),
    FormSpec(
        "risk_education",
        "Risk education session",
        "eore_sessions",
        "RE",
        "geopoint",
        help="An explosive ordnance risk education session and whom it reached.",
    ),
    FormSpec(
        "qa_visit",
        "Quality management visit",
        "qa_visits",
        "QA",
        "geopoint",
        help="A quality assurance or quality control visit, incl. post-clearance inspection.",
    ),
)

_BY_ID = {f.form_id: f for f in FORMS}


def form_by_id(form_id: str) -> FormSpec:
    try:
        return _BY_ID[form_id]
    except KeyError:
        raise UsageError(f"unknown form {form_id!r}; known: {', '.join(_BY_ID)}") from None


# --- readable labels (the vocabulary's words: landrelease.domain.vocab) ----------------


def question_label(f: Field) -> str:
    label = f.label or f.name.removesuffix("_m2").replace("_", " ").capitalize()
    unit = _shown_unit(f)
    return f"{label} ({unit})" if unit and unit not in ("people", "devices") else label


def _shown_unit(f: Field) -> str:
    return "ha" if f.unit == "m²" else f.unit


# --- the form as rows -------------------------------------------------------------

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "appearance",
)
CHOICE_COLUMNS = ("list_name", "name", "label")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "instance_name", "default_language")
TRANSLATED_COLUMNS = ("label", "hint", "constraint_message")
"""Columns that a form in several languages has once per language (``label::Khmer (km)``)."""
SOURCE_LANGUAGE = "en"
"""The language the forms' texts are written in (the data contract's)."""
LANGUAGE_NAMES = {
    "am": "Amharic",
    "ar": "Arabic",
    "az": "Azerbaijani",
    "bs": "Bosnian",
    "ckb": "Central Kurdish",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "hr": "Croatian",
    "hy": "Armenian",
    "ka": "Georgian",
    "km": "Khmer",
    "ku": "Kurdish",
    "lo": "Lao",
    "my": "Burmese",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ru": "Russian",
    "si": "Sinhala",
    "so": "Somali",
    "sq": "Albanian",
    "sr": "Serbian",
    "ta": "Tamil",
    "ti": "Tigrinya",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
}
"""Names of languages mine action programmes work in (ISO 639); another code is named by
itself. ODK and Kobo recommend ``Name (code)`` as the language of a column."""


def language_label(code: str) -> str:
    """The XLSForm name of a language: ``Khmer (km)``; a code not listed: the code alone."""
    name = LANGUAGE_NAMES.get(code.split("-")[0].lower())
    return f"{name} ({code})" if name else code


def form_languages(languages: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The languages a form has columns for: English first (its texts are English), then the
    programme's others in their order; only English: one plain column, as before."""
    others = [c for c in dict.fromkeys(languages) if c.split("-")[0].lower() != SOURCE_LANGUAGE]
    return (SOURCE_LANGUAGE, *others) if others else ()


Row = dict[str, str]


@dataclass(frozen=True)
class XLSForm:
    """One form's three sheets as rows (column → text), as the XLSForm standard lays them out."""

    spec: FormSpec
    survey: list[Row]
    choices: list[Row]
    settings: Row
    languages: tuple[str, ...] = ()
    """Language codes with columns of their own (English first), or none: plain columns."""

    @property
    def version(self) -> str:
        return self.settings["version"]

    @property
    def untranslated(self) -> tuple[str, ...]:
        """The languages whose columns hold the English text, to be translated."""
        return self.languages[1:]


def helper_questions(spec: FormSpec) -> tuple[str, ...]:
    """Questions of the form that are no field of the layer (read by the importer, not stored)."""
    names = [FORM_QUESTION, VERSION_QUESTION]
    if spec.geometry == "geoshape":
        names += ["area_ha", "area_note"]
    names += [_ha_name(f) for f in spec.fields if f.unit == "m²"]
    return tuple(names)


def _ha_name(f: Field) -> str:
    return f.name.removesuffix("_m2") + "_ha"


def xlsform(spec: FormSpec, languages: tuple[str, ...] = ()) -> XLSForm:
    """The XLSForm of ``spec``: questions from the layer's fields, choice lists from the
    vocabulary. With ``languages`` (the programme's, :func:`form_languages`) each text column
    is written once per language: the English text in the English column and, until someone
    translates them, in the others too; the form opens in English (``default_language``)."""
    languages = form_languages(languages)
    layer = spec.target
    survey: list[Row] = []
    choices: list[Row] = []
    lists: set[str] = set()

    def add_list(
        name: str, values: tuple[str, ...], labels: Mapping[str, str] | None = None
    ) -> str:
        if name not in lists:
            lists.add(name)
            for v in values:
                label = (labels or {}).get(v) or choice_label(v)
                choices.append({"list_name": name, "name": v, "label": label})
        return name

    for f in spec.fields:
        if f.name == layer.id_field:
            survey.append(
                _row(
                    "text",
                    f.name,
                    question_label(f),
                    hint="Leave blank for a new record: the submission's id is used.",
                )
            )
            survey.extend(_geometry_rows(spec))
            continue
        survey.extend(_field_rows(spec, f, add_list))
    survey.append(_row("calculate", FORM_QUESTION, "", calculation=f"'{spec.form_id}'"))
    settings = {
        "form_title": spec.title,
        "form_id": spec.form_id,
        "version": "",
        "instance_name": f"concat('{spec.id_prefix} ', ${{{_instance_name_field(spec)}}})",
    }
    if languages:
        settings["default_language"] = language_label(SOURCE_LANGUAGE)
    # the version is a digest of the form itself: it changes exactly when the form does
    digest = hashlib.sha256(
        json.dumps([survey, choices, settings, languages], sort_keys=True).encode()
    ).hexdigest()[:8]
    version = f"{__version__}-{digest}"
    settings["version"] = version
    survey.append(_row("calculate", VERSION_QUESTION, "", calculation=f"'{version}'"))
    return XLSForm(spec, survey, choices, settings, languages)


def _instance_name_field(spec: FormSpec) -> str:
    """The field that names a submission in the server's list: a date if the form has one."""
    names = [f.name for f in spec.fields]
    for candidate in ("date", "start", "reported"):
        if candidate in names:
            return candidate
    return spec.target.id_field


def _row(kind: str, name: str, label: str, **cols: str) -> Row:
    return {"type": kind, "name": name, "label": label, **cols}


def _geometry_rows(spec: FormSpec) -> list[Row]:
    if spec.geometry == "geopoint":
        return [
            _row(
                "geopoint",
                GEOMETRY_QUESTION,
                "Location",
                hint="Stand at the place and record the position (WGS84).",
                required="yes",
            )
        ]
    q = f"${{{GEOMETRY_QUESTION}}}"
    return [
        _row(
            "geoshape",
            GEOMETRY_QUESTION,
            "Outline of the area",
            hint="Walk or draw the boundary; the first and last points join.",
            required="yes",
        ),
        _row("calculate", "area_ha", "", calculation=f"round(area({q}) div {M2_PER_HA}, 2)"),
        _row("note", "area_note", "Area outlined: ${area_ha} ha"),
    ]


def _range(f: Field, value: str = ".") -> tuple[str, str]:
    parts, words = [], []
    if f.minimum is not None:
        parts.append(f"{value} >= {f.minimum:g}")
        words.append(f"at least {f.minimum:g}")
    if f.maximum is not None:
        parts.append(f"{value} <= {f.maximum:g}")
        words.append(f"at most {f.maximum:g}")
    return " and ".join(parts), (" and ".join(words)).capitalize()


def _field_rows(spec: FormSpec, f: Field, add_list: Any) -> list[Row]:
    required = {"required": "yes"} if f.required else {}
    label, hint = question_label(f), f.help.replace("`", "")
    k = f.kind
    if k in (FieldKind.ENUM, FieldKind.ENUM_LIST, FieldKind.ENUM_OR_LIST):
        values = spec.choices.get(f.name, f.choices)
        listed = add_list(f.name, values)
        kind = "select_one" if k is FieldKind.ENUM else "select_multiple"
        return [_row(f"{kind} {listed}", f.name, label, hint=hint, **required)]
    if k is FieldKind.BOOL:
        listed = add_list("yes_no", ("true", "false"), {"true": "Yes", "false": "No"})
        return [_row(f"select_one {listed}", f.name, label, hint=hint, **required)]
    if k in (FieldKind.INT, FieldKind.FLOAT):
        kind = "integer" if k is FieldKind.INT else "decimal"
        if f.unit == "m²":  # asked in hectares, stored in m²
            ha = _ha_name(f)
            constraint, message = _range(f)
            return [
                _row(
                    "decimal",
                    ha,
                    label,
                    hint=hint,
                    constraint=constraint,
                    constraint_message=message,
                    **required,
                ),
                _row("calculate", f.name, "", calculation=f"${{{ha}}} * {M2_PER_HA}"),
            ]
        constraint, message = _range(f)
        return [
            _row(
                kind,
                f.name,
                label,
                hint=hint,
                constraint=constraint,
                constraint_message=message,
                **required,
            )
        ]
    if k is FieldKind.DATE:
        return [
            _row(
                "date",
                f.name,
                label,
                hint=hint,
                constraint=". <= today()",
                **required,
                constraint_message="Not in the future",
            )
        ]
    if k is FieldKind.DATETIME:
        return [_row("date", f.name, label, hint=hint, default="today()", **required)]
    if k is FieldKind.TEXT_LIST:
        return [_row("text", f.name, label, hint=(hint + " Separate several with commas.").strip())]
    if k is FieldKind.VICTIMS:
        return _victim_rows(f, add_list)
    return [_row("text", f.name, label, hint=hint, **required)]


def _victim_rows(f: Field, add_list: Any) -> list[Row]:
    genders = add_list("gender", vocab.GENDERS)
    outcomes = add_list("outcome", vocab.VICTIM_OUTCOMES)
    return [
        _row("begin_repeat", f.name, "Victim", hint="One entry per person killed or injured."),
        _row(
            "integer",
            "age",
            "Age (years)",
            constraint=". >= 0 and . <= 120",
            constraint_message="From 0 to 120",
        ),
        _row(f"select_one {genders}", "gender", "Gender"),
        _row(f"select_one {outcomes}", "outcome", "Outcome", required="yes"),
        _row("end_repeat", "", ""),
    ]


# --- writing -------------------------------------------------------------------


def workbook_bytes(form: XLSForm) -> bytes:
    """The form as an ``.xlsx`` workbook with its survey, choices and settings sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = (
        ("survey", SURVEY_COLUMNS, form.survey),
        ("choices", CHOICE_COLUMNS, form.choices),
        ("settings", SETTINGS_COLUMNS, [form.settings]),
    )
    for i, (name, columns, rows) in enumerate(sheets):
        ws = book.active if i == 0 else book.create_sheet()
        assert ws is not None
        ws.title = name
        sources = _columns(columns, form.languages)
        ws.append([header for header, _ in sources])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(c, "") or None for _, c in sources])
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _columns(columns: tuple[str, ...], languages: tuple[str, ...]) -> list[tuple[str, str]]:
    """(header, row key) of each column: a text column once per language (every language's
    column holds the English text until translated); ``default_language`` only with languages."""
    out: list[tuple[str, str]] = []
    for c in columns:
        if c == "default_language" and not languages:
            continue
        if c in TRANSLATED_COLUMNS and languages:
            out += [(f"{c}::{language_label(code)}", c) for code in languages]
        else:
            out.append((c, c))
    return out


def to_xform(data: bytes) -> str:
    """The XForm (XML) pyxform makes of an XLSForm workbook; :class:`UsageError` if it refuses it."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        result = convert(xlsform=io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as exc:
        raise UsageError(f"the form does not convert to an XForm: {exc}") from None
    return str(result.xform)


@dataclass(frozen=True)
class WrittenForm:
    form_id: str
    title: str
    path: Path
    version: str
    questions: int
    languages: tuple[str, ...] = ()
    """The languages the form has columns for (``Khmer (km)``), English first; none: English."""
    untranslated: tuple[str, ...] = ()
    """Of those, the ones whose columns hold the English text until someone translates them."""


def write_forms(
    out: Path | str, *, overwrite: bool = False, languages: tuple[str, ...] = ()
) -> list[WrittenForm]:
    """Write every form of :data:`FORMS` to ``out/FORM_ID.xlsx``, each checked by pyxform
    first; with ``languages`` (the programme profile's) a column per language
    (:func:`xlsform`)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder to write the forms in")
    built = [xlsform(spec, languages) for spec in FORMS]
    targets = [out / f"{form.spec.form_id}.xlsx" for form in built]
    existing = [t.name for t in targets if t.exists()]
    if existing and not overwrite:
        raise UsageError(
            f"{out} holds {', '.join(existing)} already; choose another folder or pass --overwrite"
        )
    data = [workbook_bytes(form) for form in built]
    for d in data:
        to_xform(d)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for form, target, d in zip(built, targets, data, strict=True):
        target.write_bytes(d)
        questions = sum(
            1
            for r in form.survey
            if r["type"] not in ("calculate", "note", "begin_repeat", "end_repeat")
        )
        written.append(
            WrittenForm(
                form.spec.form_id,
                form.spec.title,
                target,
                form.version,
                questions,
                tuple(language_label(c) for c in form.languages),
                tuple(language_label(c) for c in form.untranslated),
            )
        )
    return written
