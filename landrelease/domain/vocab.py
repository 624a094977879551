"""Controlled vocabularies (IMAS terms) used by the evidence package.

Each tuple lists the accepted values, in the order shown to users in errors
and forms. See ``docs/glossary.md`` for what each term means.
"""

HAZARD_CLASSIFICATIONS = ("SHA", "CHA")
"""Suspected (indirect evidence) or confirmed (direct evidence) hazardous area."""

HAZARD_STATUSES = ("active", "worked_on", "closed")

BLOCKAGES = ("road", "housing", "agriculture", "infrastructure", "water")
"""What a hazard area stops people from using."""

ACTIVITY_TYPES = ("NTS", "TS", "clearance", "EOD_spot")
"""Non-technical survey, technical survey, clearance, explosive ordnance disposal spot task."""

ACTIVITY_OUTCOMES = ("cancelled", "reduced", "cleared", "confirmed", "none")

ASSETS = ("manual", "dog", "rat", "machine")
"""Demining assets: manual teams, mine detection dogs, detection rats, machines."""

WORKFLOW_STATUSES = ("draft", "submitted", "approved", "rejected")

DEVICES = ("AP", "AT", "UXO", "AXO", "IED")
"""Explosive ordnance categories: anti-personnel mine, anti-tank mine, unexploded
ordnance, abandoned explosive ordnance, improvised explosive device."""

VICTIM_OPERATED_DEVICES = ("AP", "AT", "IED")
"""Mines and IEDs: laid to be set off by their victim; where they are found, mine clearance stays."""
ORDNANCE_DEVICES = ("UXO", "AXO")
"""Unexploded and abandoned ordnance (incl. cluster submunitions): what battle-area clearance searches for."""

MINEFIELD_DEVICES = ("AP", "AT", "mixed")

INCIDENT_ACTIVITIES = (
    "agriculture",
    "unauthorised_travel",
    "infrastructure_work",
    "official_duty",
    "demining",
    "other",
)
"""What the victims were doing at the time of a civilian or deminer incident."""

VICTIM_OUTCOMES = ("killed", "injured")
GENDERS = ("female", "male", "other", "unknown")

POSITION_KINDS = ("trench", "strongpoint", "firing_position", "checkpoint", "base", "other")
POSITION_SOURCES = ("imagery", "testimony", "record")

TESTIMONY_STATEMENTS = ("suspected", "not_suspected", "incident_witnessed")
CONFIDENCE_LEVELS = ("low", "medium", "high")

LAND_USE_KINDS = ("cultivated", "built", "grazed", "road", "track")
"""How land is used: ploughed or harvested fields and orchards; houses, yards and other built
land; pasture; a road or a track travelled by vehicles or people."""
LAND_USE_SOURCES = ("imagery", "field_visit", "testimony", "record")
"""How the programme knows the land is used."""

INFRASTRUCTURE_KINDS = (
    "road",
    "power_line",
    "pipeline",
    "water",
    "school",
    "hospital",
    "cemetery",
    "farmland",
)

BOUNDARY_LEVELS = ("region", "district", "community")
"""Administrative levels below the country, largest first."""

QA_VISIT_KINDS = ("accreditation", "site_visit", "post_clearance_inspection", "audit")
QA_RESULTS = ("conforming", "minor_nonconformity", "major_nonconformity", "critical_nonconformity")


CHOICE_LABELS: dict[str, str] = {
    "SHA": "SHA – suspected hazardous area",
    "CHA": "CHA – confirmed hazardous area",
    "NTS": "Non-technical survey",
    "TS": "Technical survey",
    "clearance": "Clearance",
    "EOD_spot": "EOD spot task",
    "AP": "Anti-personnel mine (AP)",
    "AT": "Anti-tank mine (AT)",
    "UXO": "Unexploded ordnance (UXO)",
    "AXO": "Abandoned explosive ordnance (AXO)",
    "IED": "Improvised explosive device (IED)",
    "mixed": "Mixed AP and AT",
    "manual": "Manual team",
    "dog": "Mine detection dog",
    "rat": "Detection rat",
    "machine": "Machine",
    "none": "None",
    "unauthorised_travel": "Travelling in a marked or closed area",
    "official_duty": "Official duty (police, army, officials)",
    "qc": "Quality control",
    "post_clearance_inspection": "Post-clearance inspection",
}
"""Labels for vocabulary values whose code does not read as words; others are humanised."""


def choice_label(value: str) -> str:
    """The label a field officer reads for a vocabulary value."""
    return CHOICE_LABELS.get(value) or value.replace("_", " ").capitalize()
