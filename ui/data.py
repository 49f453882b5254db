"""Cached access to the reference geography, the workspace and the analysed datasets.

What is expensive is cached and keyed on what really changes: the reference
geography once per process (``st.cache_resource``); an analysed dataset per
(dataset, location fixes, classification rules); filtered measures per filter
selection. Cached objects are shared between sessions and treated as read-only.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo.store import DATASET_COLUMNS, NETWORK
from ui import access
from ui.text import lang, t

log = logging.getLogger("optil_geo.app")

REPO = Path(__file__).resolve().parent.parent
DEMO_XLSX = REPO / "data" / "demo" / "optil-geo-demo.xlsx"
DEMO_KEY = "demo"


@st.cache_resource(show_spinner=False)
def settings() -> og.Settings:
    """Return the settings from the environment and the secrets (once per process)."""
    return access.apply_secrets(og.Settings.from_env())


# Modules loaded at the last gc.freeze(): one mark for the process, not per session.
_FROZEN_AT = {"modules": 0}


def settle_heap() -> None:
    """Keep the long-lived objects out of the garbage collector's passes (call at run start).

    Python collects garbage now and then (Streamlit's own pass after every script
    run, ``runner.postScriptGC``, is off in ``.streamlit/config.toml``), and a
    full pass walks every object the process holds: ~300,000 after the first
    page (pandas, geopandas, scipy, the reference): 0.25-0.5 s per rerun on this
    app, while no other session's script can run (the pass holds Python's global
    interpreter lock). :func:`gc.freeze` moves
    what is alive now into a generation the passes skip; a run's own garbage is
    still collected. It is done when modules were imported since the last time
    (a page's first visit): at the start of a run, after the previous run's
    collection, so almost only objects that live as long as the process are
    frozen. A frozen object that later becomes cyclic garbage is not reclaimed;
    that can happen only to what was alive at one of those few moments.
    """
    loaded = len(sys.modules)
    if loaded > _FROZEN_AT["modules"]:
        gc.freeze()
        _FROZEN_AT["modules"] = loaded


def who() -> access.Identity:
    """Return the user of this session (see :mod:`ui.access`)."""
    return access.identity(settings())


# Cached functions show no spinner of their own: the decorator's text is fixed at import,
# in one language. The callers show one in the interface language instead.
@st.cache_resource(show_spinner=False)
def _reference() -> og.Reference:
    return og.load_reference(settings())


_REFERENCE_LOADED = threading.Event()


def reference() -> og.Reference:
    """Return the reference geography (loaded once per process, the first time with a spinner).

    Called many times per run: only the first load shows the spinner, so later calls
    add no element to the page.
    """
    if _REFERENCE_LOADED.is_set():
        return _reference()
    with st.spinner(t("spinner_reference")):
        ref = _reference()
    _REFERENCE_LOADED.set()
    return ref


@st.cache_resource(show_spinner=False)
def workspace() -> og.Workspace:
    """Return the workspace database (one object per process; it opens a connection per call)."""
    return og.Workspace.open(settings())


_RUN_INPUTS = "_inputs_of_run"
_SESSION_FIXES = "_session_fixes"
_SESSION_PLACES = "_session_places"
_SESSION_MAPPINGS = "_session_mappings"
_SESSION_DATASETS = "_session_datasets"
_RUN_WORKSPACE_ERROR = "_workspace_error_of_run"
#: Workspace messages shown in this run (each is shown once).
SHOWN_ERRORS = "_workspace_errors_shown"


def note_workspace_error(exc: og.WorkspaceError) -> None:
    """Remember the first workspace failure of this run; the page shows it once."""
    log.warning("workspace: %s", exc)
    st.session_state.setdefault(_RUN_WORKSPACE_ERROR, exc)


def workspace_error() -> og.WorkspaceError | None:
    """The workspace failure of this run, if any."""
    error = st.session_state.get(_RUN_WORKSPACE_ERROR)
    return error if isinstance(error, og.WorkspaceError) else None


def session_fixes() -> dict[tuple[str, str], str]:
    """Location fixes kept in this browser session only (a visitor on a shared instance)."""
    fixes = st.session_state.setdefault(_SESSION_FIXES, {})
    return fixes if isinstance(fixes, dict) else {}


def session_places() -> dict[str, str]:
    """Organisation places learnt from this session's unstored imports (a visitor)."""
    places = st.session_state.setdefault(_SESSION_PLACES, {})
    return places if isinstance(places, dict) else {}


def session_mappings() -> dict[str, dict[str, str]]:
    """Column mappings confirmed in this session, by header set (a visitor's are not stored)."""
    mappings = st.session_state.setdefault(_SESSION_MAPPINGS, {})
    return mappings if isinstance(mappings, dict) else {}


def own_user() -> str | None:
    """The user whose own fixes, mappings and places apply besides the network's (or None).

    None for a visitor (nothing stored is theirs), on a laptop and for an editor (what
    they save is the network's).
    """
    ident = who()
    return ident.fix_owner if ident.can_store and ident.fix_owner != NETWORK else None


@dataclass(frozen=True)
class Inputs:
    """What an analysis depends on besides the data: location fixes and remembered places."""

    fixes: dict[tuple[str, str], str]
    """Manual location fixes, ``fix_key(place, postcode)`` → NIS code."""
    remembered: dict[str, str]
    """Organisations placed in earlier imports, organisation key → NIS code."""
    digest: str
    """A short digest of both (part of the analysis cache key)."""


def _digest(fixes: dict[tuple[str, str], str], remembered: dict[str, str]) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    for (place, postcode), nis in sorted(fixes.items()):
        h.update(f"{place}\x1f{postcode}\x1f{nis}\n".encode())
    h.update(b"\x1e")
    for key, nis in sorted(remembered.items()):
        h.update(f"{key}\x1f{nis}\n".encode())
    return h.hexdigest()[:16]


def _inputs(fixes: dict[tuple[str, str], str], remembered: dict[str, str]) -> Inputs:
    return Inputs(fixes, remembered, _digest(fixes, remembered))


# Read once per state of the workspace file, not on every run of every page: the token
# changes with every commit, by this process or another (Workspace.change_token).
@st.cache_resource(max_entries=32, show_spinner=False)
def _stored_inputs(token: tuple[int, ...], user: str | None) -> Inputs:
    del token  # cache key only
    ws = workspace()
    return _inputs(ws.fix_lookup(user=user), ws.remembered_places(user=user))


@st.cache_resource(max_entries=32, show_spinner=False)
def _stored_datasets(token: tuple[int, ...], viewer: str, editor: bool) -> pd.DataFrame:
    del token  # cache key only
    return workspace().list_datasets(viewer=viewer, editor=editor)


_NO_INPUTS = _inputs({}, {})


def _read_inputs() -> Inputs:
    try:
        stored = _stored_inputs(workspace().change_token(), own_user())
    except og.WorkspaceError as exc:
        note_workspace_error(exc)
        stored = _NO_INPUTS
    fixes, places = session_fixes(), session_places()
    if not fixes and not places:
        return stored
    return _inputs({**stored.fixes, **fixes}, {**stored.remembered, **places})


def begin_run() -> None:
    """Read the location fixes and remembered places once for this script run.

    ``app.py`` calls this first. A page that saves or deletes a fix calls
    :func:`forget_analyses`, and the next use reads them afresh.
    """
    st.session_state.pop(_RUN_WORKSPACE_ERROR, None)
    st.session_state[SHOWN_ERRORS] = set()
    st.session_state[_RUN_INPUTS] = _read_inputs()


def inputs() -> Inputs:
    """Return this run's location fixes and remembered places (empty when unreadable).

    The network's, those of published datasets and this user's own (or, for a
    visitor, this session's).
    """
    held = st.session_state.get(_RUN_INPUTS)
    if isinstance(held, Inputs):
        return held
    held = _read_inputs()
    st.session_state[_RUN_INPUTS] = held
    return held


def fixes() -> dict[tuple[str, str], str]:
    """Return the manual location fixes of this run (empty when the workspace cannot be read)."""
    return inputs().fixes


def remembered() -> dict[str, str]:
    """Return the organisations placed in earlier imports (organisation key → NIS)."""
    return inputs().remembered


def inputs_digest() -> str:
    """Digest of what an analysis depends on besides the data: fixes and remembered places."""
    return inputs().digest


@dataclass(frozen=True)
class SessionDataset:
    """An upload kept in this browser session only (never written to the workspace)."""

    name: str
    source_name: str
    created_at: str
    projects: pd.DataFrame = field(repr=False)
    partners: pd.DataFrame = field(repr=False)


def session_datasets() -> dict[str, SessionDataset]:
    """This session's own uploads that are not stored: key → dataset, newest last."""
    held = st.session_state.setdefault(_SESSION_DATASETS, {})
    return held if isinstance(held, dict) else {}


def is_stored_key(key: str) -> bool:
    """Whether ``key`` names a dataset of the workspace (its id, as text)."""
    return key.isdigit()


def visible_datasets() -> pd.DataFrame:
    """The workspace's datasets this user may see (empty when the workspace fails).

    Read once per state of the workspace file and shared: treat it as read-only.
    """
    ident = who()
    try:
        return _stored_datasets(workspace().change_token(), ident.user, ident.editor)
    except og.WorkspaceError as exc:
        note_workspace_error(exc)
        return pd.DataFrame(columns=list(DATASET_COLUMNS))


def dataset_options() -> dict[str, str]:
    """Return the selectable datasets: key → label.

    The demo first, then this session's unstored uploads, then the workspace's
    datasets this user may see (newest first). A stored dataset's key is its id.
    """
    options = {DEMO_KEY: t("demo_label")}
    for key, held in reversed(session_datasets().items()):
        options[key] = t("ws_session_label", name=held.name)
    listing = visible_datasets()
    for dataset_id, label in zip(listing["id"].tolist(), listing["label"].tolist(), strict=True):
        options[str(dataset_id)] = str(label)
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


_ANALYSES_KEPT = 8


@st.cache_resource(max_entries=_ANALYSES_KEPT, show_spinner=False)
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
        # Who may see the dataset was checked before (the sidebar offers only those):
        # this cache is shared by every session.
        if is_stored_key(key):
            dataset_id = int(key)
            raw_projects, raw_partners = workspace().load_dataset(dataset_id)
            listing = workspace().list_datasets().set_index("id")
            source = str(listing.loc[dataset_id, "source_name"])
        else:
            # A session's own upload; the key holds a hash of its content.
            held = session_datasets()[key]
            raw_projects, raw_partners, source = held.projects, held.partners, held.source_name
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


# The analyses the cache holds, in the same least-recently-used order and number: a
# spinner costs a timer thread and two messages (~12 % of a warm page run), so it is
# shown only when the analysis will be made. Should the two ever disagree, an analysis
# is made without its spinner; nothing else depends on this record.
_ANALYSED: OrderedDict[tuple[str, str, og.LinkRules], None] = OrderedDict()
_ANALYSED_LOCK = threading.Lock()


def analysis(key: str, rules: og.LinkRules) -> Analysis:
    """Return the analysed dataset ``key`` under ``rules`` with the current fixes."""
    args = (key, inputs_digest(), rules)
    with _ANALYSED_LOCK:
        made = args in _ANALYSED
    if made:
        result = _analysis(*args)
    else:
        with st.spinner(t("spinner_analysis")):
            result = _analysis(*args)
    with _ANALYSED_LOCK:
        _ANALYSED[args] = None
        _ANALYSED.move_to_end(args)
        while len(_ANALYSED) > _ANALYSES_KEPT:
            _ANALYSED.popitem(last=False)
    return result


@dataclass(frozen=True)
class Selection:
    """The filtered view every page works on."""

    analysis: Analysis
    filters: og.Filters
    rules: og.LinkRules
    links: pd.DataFrame
    projects: pd.DataFrame
    municipalities: pd.DataFrame
    project_table: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    """Makes :attr:`projects_table` when a page first asks for it."""

    @property
    def projects_table(self) -> pd.DataFrame:
        """One row per project with its measures (once per filter, shared by sessions).

        Worked out on first use: the map pages never need it, and a new filter on
        Kaart then costs ~30 ms less.
        """
        return self.project_table()


@st.cache_resource(max_entries=16, show_spinner=False)
def _reasons(key: str, digest: str, rules: og.LinkRules, language: str) -> pd.Series:
    """Every link's reason, worded (a reason does not depend on the filters)."""
    return og.link_reasons(_analysis(key, digest, rules).links, language)


# cache_resource, not cache_data: the frames are shared read-only (like the analysis),
# so a rerun does not unpickle the frames.
@st.cache_resource(max_entries=32, show_spinner=False)
def _measures(
    key: str, digest: str, rules: og.LinkRules, filters: og.Filters, language: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    base = _analysis(key, digest, rules)
    links, projects = og.apply_filters(base.links, base.data.projects, filters)
    # The library gives each reason as a code; the pages show it worded, in this language:
    # worded once per analysis, the filtered links take theirs by index.
    links = links.assign(reason=_reasons(key, digest, rules, language).reindex(links.index))
    mun = og.municipality_measures(links, projects, reference=reference())
    return links, projects, mun


@st.cache_resource(max_entries=32, show_spinner=False)
def _projects_table(
    key: str, digest: str, rules: og.LinkRules, filters: og.Filters, language: str
) -> pd.DataFrame:
    links, projects, _ = _measures(key, digest, rules, filters, language)
    return og.project_measures(links, projects, reference=reference())


def select(key: str, rules: og.LinkRules, filters: og.Filters) -> Selection:
    """Return the filtered links, projects and measures of dataset ``key``."""
    digest = inputs_digest()
    base = _analysis(key, digest, rules)
    language = lang()
    links, projects, mun = _measures(key, digest, rules, filters, language)
    return Selection(
        analysis=base,
        filters=filters,
        rules=rules,
        links=links,
        projects=projects,
        municipalities=mun,
        project_table=functools.partial(_projects_table, key, digest, rules, filters, language),
    )


def forget_analyses() -> None:
    """Drop cached analyses and this run's fixes and places (after an import or a fix)."""
    _analysis.clear()
    with _ANALYSED_LOCK:
        _ANALYSED.clear()
    _reasons.clear()
    _measures.clear()
    _projects_table.clear()
    st.session_state.pop(_RUN_INPUTS, None)


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
