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

QA_VISIT_KINDS = ("accreditation", "site_visit", "post_clearance_inspection", "audit")
QA_RESULTS = ("conforming", "minor_nonconformity", "major_nonconformity", "critical_nonconformity")
