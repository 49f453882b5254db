"""Reading, mapping, checking and writing partnership tables: the import.

:func:`read_partnerships` accepts the two forms of PRODUCT.md:

- **two tables**: a workbook with the sheets ``projects`` and ``partners`` (also
  ``projecten``; any case), or a pair ``(projects CSV, partners CSV)``;
- **flat**: one sheet or one CSV with a row per partner and the project columns
  repeated. A flat row whose partner columns are all empty describes only its
  project.

Files are recognised by their content, not their name: XLSX/XLSM/ODS (zip) and XLS
(OLE2) are read with python-calamine after the archive and the declared sheet size
are checked, anything else as delimited text. Every cell is read as text. Headers
are matched with the aliases of :mod:`optil_geo._schema`, or with the user's own
mapping (``columns``; :func:`preview_columns` suggests one).

A file that cannot be read at all raises :class:`~optil_geo.InputError`. Everything
else ends up in the :class:`ValidationReport`: errors refuse the import, warnings do
not. Every input row survives, with a ``row_status`` and, for locations, a status.

Modules, in the order an import runs through them:

========================  ================================================================
``readers``               bytes within the size cap; a workbook or delimited text as sheets
                          (:func:`read_file`: read once for the preview and the import)
``workbooks``             zip and sheet-size checks before calamine; workbook cells as text
``delimited``             CSV: encoding, delimiter, pyarrow's reader (also for ragged rows),
                          stray quotes, NUL bytes
``sheets``                one table as read: header row, text columns, row numbers
``suggestions``           which column holds which field (names, prefixes, values)
``mapping``               headers to fields, two tables or flat; the mapping step's preview
``flat``                  a flat sheet split into projects and partner rows
``checks``                one function per rule family, each returning its problems
``organisations``         the one organisation key (case, accents, legal form ignored)
``cells``                 a cell listing several partners split into partner rows
``evidence``              a place from an address, an earlier import or the name
``locations``             gazetteer answers spread over the rows, with their messages
``importing``             :func:`read_partnerships`: the recipe of the steps above
``fixes``                 a location fix made by hand, checked, saved in the workspace
``problems``              :class:`Problem`, :class:`ValidationReport` (one table of
                          problems; a Problem is made when read), :class:`PartnershipData`
``report``                ``optil-geo validate`` and the text summary
``writers``               safe CSV/XLSX writers and the empty template
``_text``                 text-column helpers shared by the steps; type aliases
========================  ================================================================

Work that depends on a text only (a place, a sector, an organisation key, a
message) is done once per distinct text with :mod:`optil_geo._distinct`, the helper
the gazetteer, the vocabulary and the classification share.
"""

from optil_geo.partnerships.evidence import places_to_remember
from optil_geo.partnerships.fixes import save_location_fix
from optil_geo.partnerships.importing import partnerships_from_raw, read_partnerships, validate_file
from optil_geo.partnerships.mapping import ColumnPreview, preview_columns
from optil_geo.partnerships.organisations import organisation_keys
from optil_geo.partnerships.problems import (
    LOCATION_CLASSES,
    PROBLEM_CODES,
    PartnershipData,
    Problem,
    ValidationReport,
    problem_message,
    problem_title,
)
from optil_geo.partnerships.readers import TextTable, read_file, read_table
from optil_geo.partnerships.report import format_report, validate_command
from optil_geo.partnerships.sheets import MAX_ROWS, ReadFile
from optil_geo.partnerships.suggestions import (
    ColumnSuggestion,
    parse_columns_option,
)
from optil_geo.partnerships.workbooks import MAX_SHEET_CELLS
from optil_geo.partnerships.writers import (
    column_help,
    column_help_note,
    neutralise_formulas,
    to_safe_csv,
    to_safe_xlsx,
    write_template,
)

__all__ = [
    "LOCATION_CLASSES",
    "MAX_ROWS",
    "MAX_SHEET_CELLS",
    "PROBLEM_CODES",
    "ColumnPreview",
    "ColumnSuggestion",
    "PartnershipData",
    "Problem",
    "ReadFile",
    "TextTable",
    "ValidationReport",
    "column_help",
    "column_help_note",
    "format_report",
    "neutralise_formulas",
    "organisation_keys",
    "parse_columns_option",
    "partnerships_from_raw",
    "places_to_remember",
    "preview_columns",
    "problem_message",
    "problem_title",
    "read_file",
    "read_partnerships",
    "read_table",
    "save_location_fix",
    "to_safe_csv",
    "to_safe_xlsx",
    "validate_command",
    "validate_file",
    "write_template",
]
