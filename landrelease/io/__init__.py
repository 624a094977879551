"""Import, validation and export of the evidence package (see docs/data-contract.md).

Besides whole packages, one layer can be written in the contract's layout
(:func:`layer_table`, :func:`write_geojson_layer`, :func:`write_gpkg_layer`,
:func:`write_csv_table`): the web's downloads use them so that a downloaded
file imports again. Every CSV and XLSX cell written goes through :func:`spreadsheet_safe`,
so no text becomes a live formula in a spreadsheet.
"""

from landrelease.errors import DataError, Issue, IssueLog, Severity, UsageError
from landrelease.io.cells import spreadsheet_safe, spreadsheet_safe_table
from landrelease.io.package import (
    EXPORT_FORMATS,
    ExportReport,
    ImportReport,
    export_package,
    import_package,
    layer_table,
    validate_package,
    write_csv_table,
    write_geojson_layer,
    write_gpkg_layer,
)

__all__ = [
    "EXPORT_FORMATS",
    "DataError",
    "ExportReport",
    "ImportReport",
    "Issue",
    "IssueLog",
    "Severity",
    "UsageError",
    "export_package",
    "import_package",
    "layer_table",
    "spreadsheet_safe",
    "spreadsheet_safe_table",
    "validate_package",
    "write_csv_table",
    "write_geojson_layer",
    "write_gpkg_layer",
]
