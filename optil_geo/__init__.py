"""optil-geo: the spatial spread of partnerships in Flemish supra-local cultural projects.

The public API is exactly what ``__all__`` lists; everything else is private.
"""

import importlib as _importlib
from typing import Any as _Any

from optil_geo._errors import (
    InputError,
    OptilGeoError,
    ReferenceDataError,
    SettingsError,
    WorkspaceError,
)
from optil_geo.classify import (
    CLASS_GROUPS,
    CLASSES,
    REASON_CODES,
    build_links,
    classify_links,
    urban_municipalities,
)
from optil_geo.demo import DEFAULT_SEED as DEMO_SEED
from optil_geo.demo import demo_summary, generate_demo, write_demo
from optil_geo.export import (
    GEO_FORMATS,
    explanation_sheet,
    municipal_layer,
    table_bytes,
    tables_with_explanation,
    write_municipal_layer,
    write_table,
)
from optil_geo.gazetteer import (
    PlaceMatch,
    fix_key,
    is_municipality,
    normalize_place,
    resolve_place,
    resolve_places,
)
from optil_geo.measures import (
    Filters,
    apply_filters,
    municipality_measures,
    project_measures,
)
from optil_geo.partnerships import (
    ColumnPreview,
    ColumnSuggestion,
    PartnershipData,
    ReadFile,
    ValidationReport,
    format_report,
    neutralise_formulas,
    parse_columns_option,
    partnerships_from_raw,
    preview_columns,
    problem_message,
    read_file,
    read_partnerships,
    read_table,
    save_location_fix,
    to_safe_csv,
    to_safe_xlsx,
    validate_command,
    validate_file,
    write_template,
)
from optil_geo.reference import CREDIT, Reference, fetch_reference, load_reference, reference_info
from optil_geo.settings import LinkRules, Settings
from optil_geo.store import Workspace
from optil_geo.texts import (
    LANGUAGES,
    error_message,
    format_km,
    format_number,
    format_percent,
    text,
)
from optil_geo.underserved import (
    PEER_GROUPS,
    UnderservedRules,
    add_comparison_averages,
    explanation_rows,
    flag_underserved,
    municipality_comparison,
    reason_texts,
    rule_sentences,
    selection_is_empty,
    short_definition,
    underserved_areas,
)
from optil_geo.vocabulary import load_vocabulary
from optil_geo.wording import (
    LINK_TABLE_COLUMNS,
    abroad_place_label,
    class_label,
    class_labels,
    column_explanations,
    group_label,
    link_reasons,
    link_table,
    location_status_label,
    people_table,
    region_label,
)

__version__ = "0.1.0"

# The static maps need matplotlib and folium; importing them costs more than a second,
# which the command line and the reference loading should not pay. They load on first use.
_LAZY = {
    "render_static_map": "optil_geo.staticmap",
    "underserved_map": "optil_geo.staticmap",
}


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'optil_geo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CLASSES",
    "CLASS_GROUPS",
    "CREDIT",
    "DEMO_SEED",
    "GEO_FORMATS",
    "LANGUAGES",
    "LINK_TABLE_COLUMNS",
    "PEER_GROUPS",
    "REASON_CODES",
    "ColumnPreview",
    "ColumnSuggestion",
    "Filters",
    "InputError",
    "LinkRules",
    "OptilGeoError",
    "PartnershipData",
    "PlaceMatch",
    "ReadFile",
    "Reference",
    "ReferenceDataError",
    "Settings",
    "SettingsError",
    "UnderservedRules",
    "ValidationReport",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "abroad_place_label",
    "add_comparison_averages",
    "apply_filters",
    "build_links",
    "class_label",
    "class_labels",
    "classify_links",
    "column_explanations",
    "demo_summary",
    "error_message",
    "explanation_rows",
    "explanation_sheet",
    "fetch_reference",
    "fix_key",
    "flag_underserved",
    "format_km",
    "format_number",
    "format_percent",
    "format_report",
    "generate_demo",
    "group_label",
    "is_municipality",
    "link_reasons",
    "link_table",
    "load_reference",
    "load_vocabulary",
    "location_status_label",
    "municipal_layer",
    "municipality_comparison",
    "municipality_measures",
    "neutralise_formulas",
    "normalize_place",
    "parse_columns_option",
    "partnerships_from_raw",
    "people_table",
    "preview_columns",
    "problem_message",
    "project_measures",
    "read_file",
    "read_partnerships",
    "read_table",
    "reason_texts",
    "reference_info",
    "region_label",
    "render_static_map",
    "resolve_place",
    "resolve_places",
    "rule_sentences",
    "save_location_fix",
    "selection_is_empty",
    "short_definition",
    "table_bytes",
    "tables_with_explanation",
    "text",
    "to_safe_csv",
    "to_safe_xlsx",
    "underserved_areas",
    "underserved_map",
    "urban_municipalities",
    "validate_command",
    "validate_file",
    "write_demo",
    "write_municipal_layer",
    "write_table",
    "write_template",
]
