"""Cached access to the reference geography, the workspace and the analysed datasets.

What is expensive is cached and keyed on what really changes: the reference
geography once per process (``st.cache_resource``); an analysed dataset per
(dataset, location fixes, classification rules); filtered measures per filter
selection. Cached objects are shared between sessions and treated as read-only.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import streamlit as st

import optil_geo as og
from ui.text import t

log = logging.getLogger("optil_geo.app")

REPO = Path(__file__).resolve().parent.parent
DEMO_XLSX = REPO / "data" / "demo" / "optil-geo-demo.xlsx"
DEMO_KEY = "demo"


@st.cache_resource(show_spinner=False)
def settings() -> og.Settings:
    """Return the settings from the environment (once per process)."""
    return og.Settings.from_env()


@st.cache_resource(show_spinner="Referentiegeografie laden…")
def reference() -> og.Reference:
    """Return the reference geography (once per process)."""
    return og.load_reference(settings())


@st.cache_resource(show_spinner=False)
def workspace() -> og.Workspace:
    """Return the workspace database (one object per process; it opens a connection per call)."""
    return og.Workspace.open(settings())


_RUN_FIXES = "_fixes_of_run"
_RUN_REMEMBERED = "_remembered_of_run"


def _read_fixes() -> dict[tuple[str, str], str]:
    try:
        return workspace().fix_lookup()
    except og.WorkspaceError:
        log.exception("workspace unreadable; continuing without location fixes")
        return {}


def begin_run() -> None:
    """Read the location fixes once for this script run (``app.py`` calls this first)."""
    st.session_state[_RUN_FIXES] = _read_fixes()
    st.session_state.pop(_RUN_REMEMBERED, None)


def fixes() -> dict[tuple[str, str], str]:
    """Return the manual location fixes of this run (empty when the workspace cannot be read).

    Read once per run (see :func:`begin_run`) instead of at every use; a page that
    saves or deletes a fix reruns the script, which reads them afresh.
    """
    lookup = st.session_state.get(_RUN_FIXES)
    return lookup if isinstance(lookup, dict) else _read_fixes()


def fixes_digest(lookup: dict[tuple[str, str], str]) -> str:
    """Return a short digest of the fixes (part of the analysis cache key)."""
    h = hashlib.sha1(usedforsecurity=False)
    for (place, postcode), nis in sorted(lookup.items()):
        h.update(f"{place}\x1f{postcode}\x1f{nis}\n".encode())
    return h.hexdigest()[:12]


def remembered() -> dict[str, str]:
    """Return the organisations placed in earlier imports (organisation key → NIS)."""
    lookup = st.session_state.get(_RUN_REMEMBERED)
    if isinstance(lookup, dict):
        return lookup
    try:
        lookup = workspace().remembered_places()
    except og.WorkspaceError:
        log.exception("workspace unreadable; no remembered places")
        lookup = {}
    st.session_state[_RUN_REMEMBERED] = lookup
    return lookup


def inputs_digest() -> str:
    """Digest of what an analysis depends on besides the data: fixes and remembered places."""
    h = hashlib.sha1(usedforsecurity=False)
    for key, nis in sorted(remembered().items()):
        h.update(f"{key}\x1f{nis}\n".encode())
    return f"{fixes_digest(fixes())}-{h.hexdigest()[:12]}"


def dataset_options() -> dict[str, str]:
    """Return the selectable datasets: key → label (the demo first, then imports, newest first)."""
    options = {DEMO_KEY: "demo"}
    try:
        listing = workspace().list_datasets()
    except og.WorkspaceError:
        log.exception("workspace unreadable; only the demo dataset is offered")
        return options
    for row in listing.itertuples(index=False):
        options[f"ws{row.id}"] = f"{row.name} ({str(row.created_at)[:10]})"
    return options


@dataclass(frozen=True)
class Analysis:
    """An imported dataset with its classified links (read-only, shared by sessions)."""

    key: str
    data: og.PartnershipData
    links: pd.DataFrame

    @property
    def is_demo(self) -> bool:
        """Whether this is the fictional demo dataset."""
        return self.key == DEMO_KEY

    @cached_property
    def filter_codes(self) -> dict[str, list[str]]:
        """The sector-group, sector, role and target-group codes present, for the filters.

        Computed once per analysis (it loops over every link), not on every rerun.
        """
        return {
            "group": present_codes(self.links["sector_group"]),
            "sector": present_codes(self.links["sector_code"]),
            "role": present_codes(self.links["role_code"]),
            "target": present_codes(self.data.projects["target_group_codes"]),
        }


def present_codes(values: pd.Series) -> list[str]:
    """Distinct non-empty codes of a column (tuples and lists flattened), sorted."""
    out: set[str] = set()
    for value in values:
        if isinstance(value, tuple | list):
            out.update(str(v) for v in value if v)
        elif isinstance(value, str) and value:
            out.add(value)
    return sorted(out)


@st.cache_resource(show_spinner=False)
def _just_imported() -> dict[tuple[str, str], og.PartnershipData]:
    """Imports validated at upload, by (dataset key, fixes digest), until first analysed."""
    return {}


def keep_import(key: str, digest: str, imported: og.PartnershipData) -> None:
    """Hand a just-validated import to its first analysis (instead of validating it again).

    ``digest`` is :func:`inputs_digest` when the import was validated; with other
    fixes or remembered places by then, the dataset is read from the workspace as usual.
    """
    _just_imported()[(key, digest)] = imported


@st.cache_resource(max_entries=8, show_spinner="Gegevens inlezen en indelen…")
def _analysis(key: str, digest: str, rules: og.LinkRules) -> Analysis:
    # ``digest`` is part of the cache key: new fixes give a new analysis.
    lookup = fixes()
    ref = reference()
    if key == DEMO_KEY:
        # The upload cap is for uploads; the demo file is the project's own.
        own = settings().replace(max_upload_mb=max(settings().max_upload_mb, 100.0))
        data = og.read_partnerships(
            DEMO_XLSX, fixes=lookup, remembered=remembered(), reference=ref, settings=own
        )
    elif (fresh := _just_imported().pop((key, digest), None)) is not None:
        data = fresh  # validated at upload: not read and checked a second time
    else:
        dataset_id = int(key.removeprefix("ws"))
        raw_projects, raw_partners = workspace().load_dataset(dataset_id)
        listing = workspace().list_datasets().set_index("id")
        source = str(listing.loc[dataset_id, "source_name"]) if dataset_id in listing.index else key
        data = og.partnerships_from_raw(
            raw_projects,
            raw_partners,
            source_name=source,
            fixes=lookup,
            remembered=remembered(),
            reference=ref,
            settings=settings(),
        )
    links = og.build_links(data.projects, data.partners, rules=rules, reference=ref)
    return Analysis(key=key, data=data, links=links)


def analysis(key: str, rules: og.LinkRules) -> Analysis:
    """Return the analysed dataset ``key`` under ``rules`` with the current fixes."""
    return _analysis(key, inputs_digest(), rules)


@dataclass(frozen=True)
class Selection:
    """The filtered view every page works on."""

    analysis: Analysis
    filters: og.Filters
    rules: og.LinkRules
    links: pd.DataFrame
    projects: pd.DataFrame
    municipalities: pd.DataFrame
    projects_table: pd.DataFrame


# cache_resource, not cache_data: the frames are shared read-only (like the analysis),
# so a rerun does not unpickle four frames.
@st.cache_resource(max_entries=32, show_spinner=False)
def _measures(
    key: str, digest: str, rules: og.LinkRules, filters: og.Filters
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    base = _analysis(key, digest, rules)
    links, projects = og.apply_filters(base.links, base.data.projects, filters)
    ref = reference()
    mun = og.municipality_measures(links, projects, reference=ref)
    prj = og.project_measures(links, projects, reference=ref)
    return links, projects, mun, prj


def select(key: str, rules: og.LinkRules, filters: og.Filters) -> Selection:
    """Return the filtered links, projects and measures of dataset ``key``."""
    digest = inputs_digest()
    base = _analysis(key, digest, rules)
    links, projects, mun, prj = _measures(key, digest, rules, filters)
    return Selection(
        analysis=base,
        filters=filters,
        rules=rules,
        links=links,
        projects=projects,
        municipalities=mun,
        projects_table=prj,
    )


def forget_analyses() -> None:
    """Drop cached analyses and this run's copy of the fixes (after an import or a fix)."""
    _analysis.clear()
    _measures.clear()
    st.session_state.pop(_RUN_FIXES, None)
    st.session_state.pop(_RUN_REMEMBERED, None)


def current_or_none() -> Selection | None:
    """Return the selection of this run, or None when the sidebar could not make one."""
    selection = st.session_state.get("selection")
    return selection if isinstance(selection, Selection) else None


def current() -> Selection:
    """Return the selection the sidebar made in this run."""
    selection = st.session_state.get("selection")
    if not isinstance(selection, Selection):
        raise og.InputError(t("no_selection"))
    return selection
