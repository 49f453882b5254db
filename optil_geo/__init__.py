"""optil-geo: the spatial spread of partnerships in Flemish supra-local cultural projects."""

from optil_geo._errors import (
    InputError,
    OptilGeoError,
    ReferenceDataError,
    SettingsError,
    WorkspaceError,
)
from optil_geo.classify import CLASS_GROUPS, CLASS_LABELS, CLASSES, classify_links
from optil_geo.gazetteer import PlaceMatch, normalize_place, resolve_place, resolve_places
from optil_geo.reference import CREDIT, Reference, fetch_reference, load_reference, reference_info
from optil_geo.settings import LinkRules, Settings

__version__ = "0.1.0"

__all__ = [
    "CLASSES",
    "CLASS_GROUPS",
    "CLASS_LABELS",
    "CREDIT",
    "InputError",
    "LinkRules",
    "OptilGeoError",
    "PlaceMatch",
    "Reference",
    "ReferenceDataError",
    "Settings",
    "SettingsError",
    "WorkspaceError",
    "__version__",
    "classify_links",
    "fetch_reference",
    "load_reference",
    "normalize_place",
    "reference_info",
    "resolve_place",
    "resolve_places",
]
