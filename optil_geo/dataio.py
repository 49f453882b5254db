"""The import's public names, kept here for code written before :mod:`optil_geo.partnerships`.

Everything lives in :mod:`optil_geo.partnerships`; this module only re-exports it.
"""

from optil_geo.partnerships import (
    LOCATION_CLASSES,
    MAX_ROWS,
    MAX_SHEET_CELLS,
    ColumnPreview,
    PartnershipData,
    Problem,
    TextTable,
    ValidationReport,
    column_help,
    format_report,
    neutralise_formulas,
    partnerships_from_raw,
    preview_columns,
    read_partnerships,
    read_table,
    to_safe_csv,
    to_safe_xlsx,
    validate_command,
    validate_file,
    write_template,
)

__all__ = [
    "LOCATION_CLASSES",
    "MAX_ROWS",
    "MAX_SHEET_CELLS",
    "ColumnPreview",
    "PartnershipData",
    "Problem",
    "TextTable",
    "ValidationReport",
    "column_help",
    "format_report",
    "neutralise_formulas",
    "partnerships_from_raw",
    "preview_columns",
    "read_partnerships",
    "read_table",
    "to_safe_csv",
    "to_safe_xlsx",
    "validate_command",
    "validate_file",
    "write_template",
]
