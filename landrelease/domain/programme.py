"""The programme a workspace belongs to: its name, country, logo, currency, languages and the
official estimates a forecast compares its own figures with. No I/O.

A workspace starts with an empty profile: reports and the web say "landrelease", and a
forecast states no official figure. ``landrelease profile set`` fills it in; the store keeps it
(:mod:`landrelease.store.programme`).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from typing import Any

from landrelease.errors import UsageError

LOGO_MAX_BYTES = 1_000_000
"""The largest logo kept in a workspace (bytes): a logo is drawn a few centimetres wide."""

LOGO_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}
"""The logo formats accepted, by name, with their media type."""

WORKSPACE_CURRENCY = "USD"
"""The currency of every amount the workspace records (fields ending in ``_usd``) and reports,
plans and forecasts state; the profile's ``currency`` is that of its official estimates."""

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Logo:
    """An image kept in the workspace, checked to be what its type says."""

    filename: str
    media_type: str
    data: bytes

    @property
    def data_uri(self) -> str:
        import base64

        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class OfficialEstimates:
    """The figures a government or its experts published, in the profile's currency; a forecast
    scales its own share of saving to ``total`` and sets it beside ``experts_saving``."""

    total: float
    """The official estimate of the cost of the whole programme."""
    years: float | None = None
    """The years the official estimate counts on."""
    experts_saving: float | None = None
    """What experts say evidence-based survey could save on it ("up to …")."""
    source: str = ""
    """Where the figures come from (publication, date)."""


@dataclass(frozen=True)
class Programme:
    """The programme profile; every field may be empty."""

    name: str = ""
    country: str = ""
    currency: str = "USD"
    """ISO 4217 code of the official estimates' currency. Amounts in the workspace stay in
    :data:`WORKSPACE_CURRENCY` (fields ending in ``_usd``)."""
    languages: tuple[str, ...] = ()
    """Languages the programme works in (ISO 639 codes, e.g. ``az``, ``en``), first the main one."""
    estimates: OfficialEstimates | None = None
    logo: Logo | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        """What a report or page header names: the programme, else the software."""
        return self.name or "landrelease"

    @property
    def is_empty(self) -> bool:
        return self == Programme()

    def to_json(self) -> dict[str, Any]:
        """The profile without its logo (kept apart), as JSON-ready values."""
        e = self.estimates
        return {
            "name": self.name,
            "country": self.country,
            "currency": self.currency,
            "languages": list(self.languages),
            "estimates": None
            if e is None
            else {
                "total": e.total,
                "years": e.years,
                "experts_saving": e.experts_saving,
                "source": e.source,
            },
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], logo: Logo | None = None) -> Programme:
        e = doc.get("estimates")
        return cls(
            name=str(doc.get("name") or ""),
            country=str(doc.get("country") or ""),
            currency=str(doc.get("currency") or "USD"),
            languages=tuple(str(x) for x in doc.get("languages") or ()),
            estimates=None
            if not e
            else OfficialEstimates(
                total=float(e["total"]),
                years=None if e.get("years") is None else float(e["years"]),
                experts_saving=None
                if e.get("experts_saving") is None
                else float(e["experts_saving"]),
                source=str(e.get("source") or ""),
            ),
            logo=logo,
        )


def _language_codes(text: str) -> tuple[tuple[str, ...], str | None]:
    """The codes of a comma list of languages, and what is wrong with it (``None``: nothing)."""
    codes = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in codes if not _LANGUAGE.match(c)]
    if bad:
        return codes, (
            f"languages {', '.join(bad)}: accepted ISO 639 codes, lower case, comma-separated "
            "(e.g. az,en,ru)"
        )
    return codes, None


def parse_languages(text: str) -> tuple[str, ...]:
    """A comma list of ISO 639 codes (``km,en``); :class:`UsageError` naming any other."""
    codes, problem = _language_codes(text)
    if problem:
        raise UsageError(problem)
    return codes


def updated(
    profile: Programme,
    *,
    name: str | None = None,
    country: str | None = None,
    currency: str | None = None,
    languages: str | None = None,
    estimate_total: float | None = None,
    estimate_years: float | None = None,
    experts_saving: float | None = None,
    estimate_source: str | None = None,
    clear_estimates: bool = False,
) -> Programme:
    """``profile`` with the fields given changed, every value checked; all problems in one error.

    ``languages`` is a comma list (empty: none). The official estimates need their total;
    ``clear_estimates`` removes them (a forecast then states no official figure)."""
    problems: list[str] = []
    changes: dict[str, Any] = {}
    for key, value in (("name", name), ("country", country)):
        if value is not None:
            value = value.strip()
            if len(value) > 120:
                problems.append(f"{key} {value[:20]!r}…: at most 120 characters")
            changes[key] = value
    if currency is not None:
        code = currency.strip().upper()
        if not _CURRENCY.match(code):
            problems.append(
                f"currency {currency!r}: accepted a three-letter ISO 4217 code (USD, EUR, AZN, KHR)"
            )
        changes["currency"] = code
    if languages is not None:
        codes, problem = _language_codes(languages)
        if problem:
            problems.append(problem)
        changes["languages"] = codes
    numbers = {
        "official estimate": estimate_total,
        "official estimate years": estimate_years,
        "experts' saving": experts_saving,
    }
    for label, v in numbers.items():
        if v is not None and not (v > 0 and v < float("inf")):
            problems.append(f"{label} {v!r}: accepted a number > 0")
    touches = any(v is not None for v in (*numbers.values(), estimate_source))
    if clear_estimates and touches:
        problems.append(
            "--clear-estimates and new official figures together: give one or the other"
        )
    elif clear_estimates:
        changes["estimates"] = None
    elif touches:
        old = profile.estimates
        total = estimate_total if estimate_total is not None else (old.total if old else None)
        if total is None:
            problems.append(
                "official figures without the estimate itself: give --official-estimate (the "
                "total cost the government published)"
            )
        else:
            changes["estimates"] = OfficialEstimates(
                total=total,
                years=estimate_years
                if estimate_years is not None
                else (old.years if old else None),
                experts_saving=experts_saving
                if experts_saving is not None
                else (old.experts_saving if old else None),
                source=(
                    estimate_source if estimate_source is not None else (old.source if old else "")
                ).strip(),
            )
    if problems:
        raise UsageError("programme profile: " + "; ".join(problems))
    return replace(profile, **changes)


def check_logo(filename: str, data: bytes) -> Logo:
    """The logo in ``data`` if it is a PNG, JPEG or SVG image (read, not guessed from the name)
    of at most :data:`LOGO_MAX_BYTES`; a clear error otherwise.

    An SVG may not hold scripts, event handlers, entities or references to other files or
    sites: a report may read nothing outside itself."""
    accepted = "accepted: a PNG, JPEG or SVG image"
    if not data:
        raise UsageError(f"logo {filename}: the file is empty ({accepted})")
    if len(data) > LOGO_MAX_BYTES:
        raise UsageError(
            f"logo {filename}: {len(data):,} bytes, more than the {LOGO_MAX_BYTES:,} accepted; "
            "make it smaller (a logo is drawn a few centimetres wide)"
        )
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        kind = "png" if data[:1] == b"\x89" else "jpeg"
        _check_raster(filename, data, kind, accepted)
        return Logo(filename, LOGO_TYPES[kind], data)
    head = data[:1000].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--")):
        _check_svg(filename, data, accepted)
        return Logo(filename, LOGO_TYPES["svg"], data)
    raise UsageError(f"logo {filename}: not an image this reads ({accepted})")


def _check_raster(filename: str, data: bytes, kind: str, accepted: str) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise UsageError(
            f"logo {filename}: starts like a {kind.upper()} but cannot be read ({exc}); {accepted}"
        ) from None


def _check_svg(filename: str, data: bytes, accepted: str) -> None:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UsageError(
            f"logo {filename}: an SVG with a DOCTYPE or entities is refused; {accepted}"
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UsageError(f"logo {filename}: not well-formed SVG ({exc}); {accepted}") from None
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        raise UsageError(f"logo {filename}: an XML file whose root is not <svg>; {accepted}")
    for target in re.findall(rb"url\(\s*['\"]?([^)'\"]*)", data):
        if not target.startswith((b"#", b"data:image/")):
            raise UsageError(
                f"logo {filename}: the SVG's style refers to {target[:60].decode(errors='replace')!r}; "
                f"only images inside the file are accepted; {accepted}"
            )
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("script", "foreignObject"):
            raise UsageError(f"logo {filename}: an SVG holding <{tag}> is refused; {accepted}")
        for key, value in el.attrib.items():
            attr = key.rsplit("}", 1)[-1]
            if attr.lower().startswith("on"):
                raise UsageError(
                    f"logo {filename}: an SVG with an event handler ({attr}) is refused; {accepted}"
                )
            if attr == "href" and not value.startswith(("#", "data:image/")):
                raise UsageError(
                    f"logo {filename}: the SVG refers to {value[:60]!r}; only images inside the "
                    f"file are accepted; {accepted}"
                )


def money(value: float, currency: str, *, digits: int = 1) -> str:
    """An amount as people say it: ``USD 25 bn``, ``USD 6.8 bn``, ``USD 240 million``."""
    for size, word in ((1e9, "bn"), (1e6, "million")):
        if abs(value) >= size:
            shown = f"{value / size:,.{digits}f}".removesuffix("." + "0" * digits)
            return f"{currency} {shown} {word}".replace("-", "\u2212")
    return f"{currency} {value:,.0f}".replace("-", "\u2212")
