"""Data: upload and validate, fix locations, manage datasets, download templates and data."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
from typing import Literal

import numpy as np
import pandas as pd
import streamlit as st

import optil_geo as og
from ui import data, exports
from ui import workspace as workspace_ui
from ui.layout import guard, md, number
from ui.text import lang, t

log = logging.getLogger("optil_geo.app")

_MAX_FIX_ROWS = 40
_PREVIEW = (
    "project_id",
    "organisation",
    "municipality",
    "postcode",
    "partner_name",
    "sector",
    "role",
)


@st.cache_data(max_entries=4, show_spinner=False)  # the caller shows one in the language
def _parse(
    content_hash: str,
    inputs_digest: str,
    columns_json: str,
    name: str,
    _read: og.ReadFile,
    _fixes: dict[tuple[str, str], str],
    _remembered: dict[str, str],
) -> og.PartnershipData:
    """Validate an upload, once per file content, column mapping and set of fixes.

    Keyed on the content's hash and the fixes' digest (the file and the fixes
    themselves are not hashed again): typing in the name box reruns the page but
    does not validate the file again. The file itself was read by :func:`_read`.
    """
    del content_hash, inputs_digest  # cache key only
    return og.read_partnerships(
        _read,
        source_name=name,
        columns=json.loads(columns_json) or None,
        fixes=_fixes,
        remembered=_remembered,
        reference=data.reference(),
        settings=data.settings(),
    )


# cache_resource, not cache_data: the sheets are shared read-only, not unpickled anew (up
# to the whole upload) on every run of the page.
@st.cache_resource(max_entries=4, show_spinner=False)
def _read(content_hash: str, name: str, _content: bytes) -> og.ReadFile:
    """Read an upload as sheets of text, once per content: the preview and the import share it."""
    del content_hash  # cache key only
    return og.read_file(_content, source_name=name, settings=data.settings())


@st.cache_data(max_entries=4, show_spinner=False)
def _preview(content_hash: str, name: str, _read: og.ReadFile) -> og.ColumnPreview:
    """Suggest the columns of an upload from its headers and first rows (once per content)."""
    del content_hash  # cache key only
    return og.preview_columns(
        _read, source_name=name, reference=data.reference(), settings=data.settings()
    )


_CHOSEN = "_columns_chosen"  # content hash -> the mapping the user applied to that file
_LOCATION_LABELS = {
    "resolved": "loc_resolved",
    "ambiguous": "st_ambiguous",
    "unresolved": "st_unresolved",
    "wallonia": "loc_wallonia",
    "abroad": "loc_abroad",
}


def _field_label(field: str) -> str:
    return t(f"field_{field}")


def _column_step(
    preview: og.ColumnPreview, current: dict[str, str], digest: str, *, needed: bool
) -> None:
    """The mapping step: a select box per field, pre-filled; a preview; remember on apply."""
    with st.expander(t("colmap_title"), expanded=needed):
        st.markdown(t("colmap_help") if needed else t("colmap_help_ok"))
        options = ["", *preview.headers]
        keys: dict[str, str] = {}
        with st.form(f"columns_{digest[:12]}"):
            grid = st.columns(2)
            for i, field in enumerate(preview.fields):
                header = current.get(field, "")
                suggestion = preview.suggestions.get(field)
                reason = (
                    t(f"colmap_reason_{suggestion.reason}")
                    if suggestion is not None and suggestion.header == header
                    else t("colmap_reason_chosen")
                    if header
                    else None
                )
                label = _field_label(field)
                if field in preview.required:
                    label += f" ({t('colmap_required')})"
                keys[field] = f"map_{digest[:12]}_{field}"
                grid[i % 2].selectbox(
                    label,
                    options,
                    index=options.index(header) if header in options else 0,
                    format_func=lambda h: h or t("colmap_none"),
                    key=keys[field],
                    help=reason,
                )
            submitted = st.form_submit_button(t("colmap_apply"), type="primary")
        missing = preview.missing(current)
        if missing:
            st.warning(t("colmap_missing", fields=", ".join(_field_label(f) for f in missing)))
        shown = {h: _field_label(f) for f, h in current.items() if h in preview.rows.columns}
        st.caption(t("colmap_preview"))
        st.dataframe(
            preview.rows[list(shown)].rename(columns=shown), hide_index=True, width="stretch"
        )
    if submitted:
        chosen = {f: str(st.session_state.get(k) or "") for f, k in keys.items()}
        chosen = {f: h for f, h in chosen.items() if h}
        fields_of: dict[str, list[str]] = {}
        for field, header in chosen.items():
            fields_of.setdefault(header, []).append(_field_label(field))
        twice = {h: fs for h, fs in fields_of.items() if len(fs) > 1}
        if twice:
            header, labels = next(iter(twice.items()))
            st.error(t("colmap_twice", header=md(header), fields=", ".join(labels)))
            return
        st.session_state.setdefault(_CHOSEN, {})[digest] = chosen
        try:
            # This user's (an editor's: the network's; a visitor's: this session's).
            workspace_ui.remember_mapping(preview.key, chosen)
        except og.WorkspaceError:
            log.exception("column mapping not remembered")
        st.rerun()


def _upload_cap_mb() -> float:
    """The effective upload cap: the app's setting, within Streamlit's own limit."""
    server_cap = st.get_option("server.maxUploadSize")
    return min(float(data.settings().max_upload_mb), float(server_cap or 200))


def _upload() -> None:
    st.subheader(t("upload_title"))
    st.markdown(t("upload_help"))
    done = st.session_state.pop("_imported", None)
    if done:
        st.success(t("imported", name=md(done)))
    cap = _upload_cap_mb()
    shown_cap = number(cap, 0 if cap == int(cap) else 2)
    # Streamlit's own line under the uploader names its hard limit (200 MB), not the
    # app's: hide it; the label says the real limit and the accepted types.
    st.html("<style>[data-testid='stFileUploaderDropzoneInstructions']{display:none}</style>")
    # A new key after an import empties the uploader (no second import of the same file).
    round_ = int(st.session_state.get("_upload_round", 0))
    file = st.file_uploader(
        t("upload", cap=shown_cap),
        type=["xlsx", "xlsm", "xls", "ods", "csv", "txt"],
        key=f"upload_{round_}",
        help=t("upload_cap", cap=shown_cap),
    )
    if file is None:
        return
    if file.size > cap * 1024 * 1024:
        st.error(
            t(
                "too_big",
                name=md(file.name),
                size=number(file.size / 1024 / 1024, 1),
                cap=shown_cap,
            )
        )
        return
    content = file.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    fixes = data.fixes()
    try:
        with st.spinner(t("spinner_upload")):
            read = _read(digest, file.name, content)
            preview = _preview(digest, file.name, read)
        chosen = st.session_state.get(_CHOSEN, {}).get(digest)
        remembered = workspace_ui.remembered_mapping(preview.key) if chosen is None else None
        columns = chosen if chosen is not None else remembered
        with st.spinner(t("spinner_upload")):
            imported = _parse(
                digest,
                data.inputs_digest(),
                json.dumps(columns or {}, sort_keys=True),
                file.name,
                read,
                fixes,
                data.remembered(),
            )
    except og.InputError as exc:
        st.error(md(og.error_message(exc, lang())))
        return
    needed = any(p.code == "missing_column" for p in imported.report.errors)
    if remembered is not None:
        st.info(t("colmap_remembered"))
    _column_step(preview, columns or preview.mapping(), digest, needed=needed)
    if needed:
        return  # the fields come first; the rest of the report follows once they are matched
    rows = imported.rows
    st.markdown(
        t("rows_read", projects=rows["projects"], partners=rows["partners"], name=md(file.name))
    )
    counts = imported.report.location_counts
    st.caption(
        f"{t('status_counts')}: "
        + " · ".join(f"{t(_LOCATION_LABELS[k])}: {number(v)}" for k, v in counts.items())
    )
    with st.expander(t("preview")):
        head = imported.partners.head(8)[[c for c in _PREVIEW if c in imported.partners]]
        st.table(
            head.rename(columns={c: _field_label(str(c)) for c in head if c != "partner_name"})
        )
    errors, warnings = imported.report.n_errors, imported.report.n_warnings
    if errors:
        st.error(t("has_errors", n=errors))
    else:
        st.success(t("no_errors", n=warnings))
    if errors or warnings:
        st.markdown(f"**{t('report')}**")
        st.dataframe(imported.report.to_frame(lang()), hide_index=True, width="stretch")
    if errors:
        return
    name = st.text_input(t("dataset_name"), value=file.name.rsplit(".", 1)[0], max_chars=120)
    workspace_ui.storage_hint()
    if st.button(t("do_import"), type="primary"):
        shown_name = name.strip() or file.name
        # In the workspace, or (a visitor of a shared instance) in this session only.
        st.session_state["_pending_ds"] = workspace_ui.save_import(
            shown_name,
            source_name=file.name,
            projects=imported.raw_projects,
            partners=imported.raw_partners,
        )
        digest_now = data.inputs_digest()
        try:
            # Organisations placed by their own place or a fix place them next time,
            # for this user; publishing the dataset shares them (and its mapping).
            workspace_ui.remember_import(
                st.session_state["_pending_ds"],
                imported.partners,
                name=shown_name,
                header_key=preview.key,
                columns=columns,
            )
        except og.OptilGeoError:
            log.exception("places of this import not remembered")
        data.forget_analyses()
        # Validated once: the analysis of the new dataset starts from this import.
        data.keep_import(st.session_state["_pending_ds"], digest_now, imported)
        st.session_state["_upload_round"] = round_ + 1
        st.session_state["_imported"] = shown_name
        st.rerun()


def _fix_locations(selection: data.Selection) -> None:
    st.subheader(t("fix_title"))
    st.markdown(t("fix_help"))
    workspace_ui.fix_hint()
    result = st.session_state.pop("_fix_result", None)
    if result:
        saved, failed = result
        if failed:
            st.error(t("fixes_failed", n=len(failed), places=md(", ".join(failed))))
        if saved or not failed:
            st.toast(t("fixes_saved", n=saved))
    ref = data.reference()
    projects = selection.analysis.data.projects
    partners = selection.analysis.data.partners
    open_status = ("ambiguous", "unresolved")
    leads = projects[projects["lead_location"].isin(open_status)]
    parts = partners[partners["partner_location"].isin(open_status)]
    todo = pd.concat(
        [
            pd.DataFrame(
                {
                    "place": leads["lead_municipality"],
                    "postcode": leads["lead_postcode"],
                    "status": leads["lead_status"],
                    "candidates": leads["lead_candidates"],
                }
            ),
            pd.DataFrame(
                {
                    "place": parts["municipality"],
                    "postcode": parts["postcode"],
                    "status": parts["partner_status"],
                    "candidates": parts["partner_candidates"],
                }
            ),
        ],
        ignore_index=True,
    ).fillna("")
    # A row with neither place nor postcode has nothing a fix could be keyed on: it
    # needs data entry in the file, not a choice here.
    blank = np.array(
        [
            og.fix_key(str(p), str(c)) == ("", "")
            for p, c in zip(todo["place"], todo["postcode"], strict=True)
        ],
        dtype=bool,
    )
    n_blank = int(blank.sum())
    todo = todo[~blank]
    if todo.empty and not n_blank:
        st.success(t("nothing_to_fix"))
    elif not todo.empty:
        _fix_form(todo, ref)
    if n_blank:
        st.info(t("no_place", n=number(n_blank)))
    # The network's fixes and this user's own (or this session's, for a visitor).
    workspace_ui.saved_fixes(ref)


def _option_label(nis: str, *, names: dict[str, str], starred: set[str]) -> str:
    if not nis:
        return "—"
    return f"{names[nis]} ({nis})" + (" ★" if nis in starred else "")


def _fix_form(todo: pd.DataFrame, ref: og.Reference) -> None:
    """One line per distinct (place, postcode): candidates first, then every municipality."""
    # Only municipalities of 2025 are offered (the reference's 304): a candidate code
    # of an older or a Walloon municipality is left out.
    names = dict(zip(ref.municipalities["nis"], ref.municipalities["name_nl"], strict=True))
    everything = sorted(names, key=lambda n: names[n])
    status_label = {"ambiguous": t("st_ambiguous"), "unresolved": t("st_unresolved")}
    table = (
        todo.groupby(["place", "postcode"], sort=True)
        .agg(
            rows=("status", "size"), status=("status", "first"), candidates=("candidates", "first")
        )
        .reset_index()
    )
    shown = table.head(_MAX_FIX_ROWS)
    with st.form("fix_form"):
        choices: list[tuple[str, str, str]] = []
        counts: list[int] = shown["rows"].astype(int).tolist()
        for row, count in zip(shown.itertuples(index=False), counts, strict=True):
            place, postcode = str(row.place), str(row.postcode)
            candidates = [n for n in str(row.candidates).split(";") if n in names]
            options = ["", *candidates, *[n for n in everything if n not in candidates]]
            left, right = st.columns([2, 3])
            where = f"**{md(place)}** {md(postcode)}" if place else f"**{md(postcode)}**"
            left.markdown(
                f"{where}  \n{status_label.get(str(row.status), str(row.status))} · "
                + t("fix_rows", n=number(count))
            )
            key = (
                "fix_"
                + hashlib.sha1(
                    f"{place}\x1f{postcode}".encode(), usedforsecurity=False
                ).hexdigest()[:10]
            )
            starred = set(candidates)
            right.selectbox(
                t("choice"),
                options,
                format_func=functools.partial(_option_label, names=names, starred=starred),
                key=key,
                label_visibility="collapsed",
            )
            choices.append((place, postcode, key))
        submitted = st.form_submit_button(t("save_fixes"), type="primary")
    if len(table) > _MAX_FIX_ROWS:
        st.caption(t("more_to_fix", n=len(table) - _MAX_FIX_ROWS))
    if submitted:
        saved, failed = 0, []
        for place, postcode, key in choices:
            nis = st.session_state.get(key) or ""
            if not nis:
                continue
            # Each fix on its own: one that fails must not keep the others from being saved.
            try:
                workspace_ui.save_fix(place, postcode or None, nis, ref)
            except og.OptilGeoError as exc:
                log.warning("location fix %r/%r -> %r not saved: %s", place, postcode, nis, exc)
                failed.append(place or postcode)
            else:
                saved += 1
        if saved:
            data.forget_analyses()
        # Shown after the rerun, which rebuilds the form without the fixed places.
        st.session_state["_fix_result"] = (saved, failed)
        st.rerun()


def _template_bytes(form: Literal["two_tables", "flat"], language: str) -> bytes:
    buffer = io.BytesIO()
    og.write_template(buffer, form=form, lang=language)
    return buffer.getvalue()


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _downloads(selection: data.Selection) -> None:
    """Download buttons; each file is made only when its button is clicked."""
    st.subheader(t("downloads"))
    c1, c2, c3 = st.columns(3)
    analysis, language = selection.analysis, lang()
    buttons = (
        (
            c1,
            "dl_template",
            lambda: _template_bytes("two_tables", language),
            t("file_template") + ".xlsx",
        ),
        (
            c1,
            "dl_template_flat",
            lambda: _template_bytes("flat", language),
            t("file_template_flat") + ".xlsx",
        ),
        (c2, "dl_demo", data.DEMO_XLSX.read_bytes, t("file_demo") + ".xlsx"),
        (
            c3,
            "dl_links_xlsx",
            lambda: og.table_bytes(
                exports.dataset_tables(analysis.links, analysis.data.projects, language),
                "xlsx",
            ),
            t("file_links") + ".xlsx",
        ),
        (
            c3,
            "dl_links_csv",
            lambda: og.table_bytes(
                {"links": exports.dataset_links(analysis.links, language)},
                "csv",
            ),
            t("file_links") + ".csv",
        ),
        (
            c3,
            "dl_links_codes",
            lambda: exports.dataset_codes_csv(analysis.links),
            t("file_links_codes") + ".csv",
        ),
    )
    for column, label, make, file_name in buttons:
        column.download_button(
            t(label),
            data=make,
            file_name=file_name,
            mime="text/csv" if file_name.endswith(".csv") else _XLSX,
            on_click="ignore",
            key=f"dl_{label}",
            icon=":material/download:",
        )
    with st.expander(t("columns_help")):
        explained = og.partnerships.column_help(lang=language)
        widths: tuple[Literal["small", "medium", "large"], ...] = (
            "small",
            "medium",
            "medium",
            "large",
            "medium",
            "large",
        )
        st.dataframe(
            explained,
            hide_index=True,
            width="stretch",
            column_config={
                name: st.column_config.TextColumn(width=width)
                for name, width in zip(explained.columns, widths, strict=True)
            },
        )
        st.caption(og.partnerships.column_help_note(language))


st.title(t("page_data"))
# Each part has its own guard: an upload must stay possible when the current
# dataset cannot be shown, and the other way round.
with guard("data/upload"):
    _upload()
st.divider()
selection = data.current_or_none()
if selection is not None:
    with guard("data/fix"):
        _fix_locations(selection)
    st.divider()
    with guard("data/downloads"):
        _downloads(selection)
    st.divider()
with guard("data/datasets"):
    workspace_ui.datasets_section()
with guard("data/audit"):
    workspace_ui.audit_section()
