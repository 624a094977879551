"""landrelease: evidence-based land release and demining planning.

The package follows the data's journey: ``domain`` (IMAS vocabulary and the
layers of the evidence package), ``io`` (import, validation, export),
``store`` (the workspace: GeoPackage or PostGIS), ``scenario`` (a synthetic
region with ground truth), and the analysis steps built on them.
"""

__version__ = "0.1.0"
