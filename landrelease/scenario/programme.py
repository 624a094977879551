"""The programme profile of the Karabakh-like demonstration: Azerbaijan's published figures.

Only the demo sets these on its workspace; a workspace made from any other package starts with
an empty profile, so no report or forecast of another programme states Azerbaijan's figures.
"""

from __future__ import annotations

from landrelease.domain.programme import Logo, OfficialEstimates, Programme, check_logo

_LOGO_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48" viewBox="0 0 160 48">
<rect width="48" height="48" rx="6" fill="#b45309"/>
<path d="M8 36 L20 14 L28 28 L33 20 L40 36 Z" fill="#fff7ed"/>
<rect x="56" y="10" width="96" height="8" fill="#7c2d12"/>
<rect x="56" y="24" width="72" height="6" fill="#b45309"/>
<rect x="56" y="35" width="84" height="4" fill="#9ca3af"/>
</svg>
"""
"""A plain emblem drawn for the demonstration (no real organisation's logo)."""

DEMO_LOGO: Logo = check_logo("demo-programme.svg", _LOGO_SVG)

KARABAKH_PROGRAMME = Programme(
    name="Karabakh demonstration programme (synthetic data)",
    country="Azerbaijan",
    currency="USD",
    languages=("az", "en", "ru"),
    estimates=OfficialEstimates(
        total=25e9,
        years=30.0,
        experts_saving=10e9,
        source="government estimate of October 2022",
    ),
    logo=DEMO_LOGO,
)
"""The profile the demo sets: the official estimate the government published (USD 25 bn over
30 years) and the experts' "save up to USD 10 bn" a forecast is compared with."""
