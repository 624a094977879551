"""Import, validation and export of the evidence package (see docs/data-contract.md)."""

from landrelease.errors import DataError, Issue, IssueLog, Severity, UsageError
from landrelease.io.package import (
    EXPORT_FORMATS,
    ExportReport,
    ImportReport,
    export_package,
    import_package,
    validate_package,
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
    "validate_package",
]
