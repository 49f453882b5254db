"""The workspace in the interface: sign-in panel, dataset list, publishing, deleting, audit.

Who may do what is decided by :mod:`ui.access` and enforced again by the workspace
itself (:class:`optil_geo.Workspace` refuses a change by someone who is neither the
owner nor an editor); this module words it and draws it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo.store import NETWORK
from ui import access, data
from ui.layout import md, show_workspace_error
from ui.text import lang, t

log = logging.getLogger("optil_geo.app")

_NOTICE = "_ds_notice"
_CONFIRM = "_ds_confirm_delete"
_DONE = "_ds_done"


# --------------------------------------------------------------------------- messages


def notices() -> None:
    """Show what the page should know first: a workspace failure, an address that failed."""
    error = data.workspace_error()
    if error is not None:
        show_workspace_error(error)
    notice = st.session_state.get(_NOTICE)
    if notice and st.session_state.get("ds", data.DEMO_KEY) == data.DEMO_KEY:
        code, shown = notice
        st.warning(t(code, id=md(shown)), icon=":material/link_off:")
    else:
        st.session_state.pop(_NOTICE, None)


# --------------------------------------------------------------------------- address


def choose_dataset(options: dict[str, str]) -> str:
    """The dataset selector: its choice lives in ``?ds=<id>``; return the chosen key.

    The address holds the dataset's id (stable: ids are never reused), not its
    label. An address to a dataset this user may not see, or that was deleted, is
    answered with a notice (see :func:`notices`) and the demo data.
    """
    state = st.session_state
    if "_pending_ds" in state:  # a page asked for another dataset (after an import)
        state["ds"] = state.pop("_pending_ds")
    elif "ds" not in state:  # the first run of this browser session: the address chooses
        state["ds"] = _from_address(options)
    if state.get("ds") not in options:
        # Chosen earlier in this session, deleted or unpublished since by someone else.
        _explain(str(state.get("ds") or ""))
        state["ds"] = data.DEMO_KEY
    # One selector per language: a keyed selectbox keeps showing the label it was
    # first drawn with when only its format_func changes (the demo stayed
    # "Demodata (fictief)" after switching to English). Its choice is copied to "ds".
    picker = f"ds_{lang()}"
    state[picker] = state["ds"]
    st.selectbox(
        t("dataset"),
        list(options),
        format_func=options.__getitem__,
        key=picker,
        on_change=_picked,
        args=(picker,),
    )
    key = str(state["ds"])
    _write_address(key)
    return key


def _picked(picker: str) -> None:
    """Keep the dataset chosen in the selector of ``picker`` as the session's dataset."""
    st.session_state["ds"] = st.session_state[picker]


def _from_address(options: dict[str, str]) -> str:
    raw = str(st.query_params.get("ds") or "").strip()
    if not raw or raw == data.DEMO_KEY:
        return data.DEMO_KEY
    # "ws12" is how addresses named a dataset before ids were shown as plain numbers.
    key = raw.removeprefix("ws") if raw.removeprefix("ws").isdigit() else raw
    if data.is_stored_key(key) and key in options:
        return key
    # Older addresses held the label; a label that is (now) unique still finds it.
    by_label = [k for k, label in options.items() if label == raw and data.is_stored_key(k)]
    if len(by_label) == 1:
        return by_label[0]
    _explain(key)
    return data.DEMO_KEY


def _explain(key: str) -> None:
    """Remember why dataset ``key`` cannot be shown, for :func:`notices`."""
    if not key or key == data.DEMO_KEY:
        return
    if not data.is_stored_key(key):
        code = "ds_session_gone" if key in data.session_datasets() else "ds_missing"
        st.session_state[_NOTICE] = (code, key)
        return
    ident = data.who()
    try:
        access_ = data.workspace().dataset_access(int(key), viewer=ident.user, editor=ident.editor)
    except og.WorkspaceError as exc:
        data.note_workspace_error(exc)
        return
    code = f"ds_{access_}"
    if access_ == "forbidden" and not ident.can_store:
        code = "ds_forbidden_visitor"  # signing in or the passphrase may help
    st.session_state[_NOTICE] = (code, key)


def _write_address(key: str) -> None:
    """Keep ``?ds=`` equal to the stored dataset shown (none for the demo or a session upload)."""
    want = key if data.is_stored_key(key) else None
    have = st.query_params.get("ds")
    if want is None and have is not None:
        del st.query_params["ds"]
    elif want is not None and have != want:
        st.query_params["ds"] = want


def dataset_caption(key: str) -> None:
    """Say under the selector whose dataset this is, and whether this user may change it."""
    ident = data.who()
    if key == data.DEMO_KEY or not ident.shared:
        return
    if not data.is_stored_key(key):
        st.caption(t("ws_caption_session"))
        return
    rows = data.visible_datasets()
    row = rows[rows["id"] == int(key)]
    if row.empty:
        return
    owner, published = str(row["owner"].iloc[0]), bool(row["published"].iloc[0])
    if ident.may_change(owner):
        st.caption(t("ws_caption_own_published" if published else "ws_caption_own_private"))
    else:
        st.caption(t("ws_caption_read_only", owner=md(owner_label(owner, ident))))


def owner_label(owner: str, ident: access.Identity) -> str:
    """How an owner is shown: you, the network, or their address."""
    if owner == NETWORK:
        return t("ws_owner_network")
    if ident.owns(owner):
        return t("ws_owner_you")
    return owner


# --------------------------------------------------------------------------- sign-in


def access_panel() -> None:
    """Sign-in and editor controls in the sidebar (shared mode only)."""
    ident = data.who()
    if not ident.shared:
        return
    with st.container(key="access_panel"):
        if ident.signed_in:
            st.caption(t("ws_signed_in_as", name=md(ident.name)))
            if st.button(t("ws_sign_out"), key="sign_out", icon=":material/logout:"):
                access.lock_editor()
                st.logout()
        elif access.sign_in_available() and st.button(
            t("ws_sign_in"), key="sign_in", icon=":material/login:"
        ):
            st.login()
        elif access.sign_in_configured() and not access.sign_in_available():
            _warn_authlib_missing()
            st.caption(t("ws_sign_in_unavailable"))
        if ident.editor:
            st.caption(t("ws_is_editor"))
            if access.editor_unlocked() and st.button(t("ws_editor_stop"), key="editor_off"):
                access.lock_editor()
                st.rerun()
        elif access.passphrase_configured():
            _passphrase_form()
        if not ident.can_store:
            st.caption(t("ws_visitor_hint"))


@functools.cache
def _warn_authlib_missing() -> None:
    """Tell the administrator once per process (not at every rerun) what sign-in lacks."""
    log.warning("[auth] is set, but sign-in needs Authlib: pip install 'streamlit[auth]'")


def _passphrase_form() -> None:
    with st.expander(t("ws_editor_title")):
        # In a form: nothing is sent while typing; the field is emptied on submit and
        # has no key in the address bar (it is never bound to the URL).
        with st.form("editor_form", clear_on_submit=True, border=False):
            passphrase = st.text_input(t("ws_passphrase"), type="password", key="_passphrase")
            submitted = st.form_submit_button(t("ws_unlock"))
        if submitted:
            if access.unlock_editor(passphrase):
                st.rerun()
            st.error(t("ws_passphrase_wrong"))


# --------------------------------------------------------------------------- saving


def storage_hint() -> None:
    """Say where an import will be kept, next to the import button."""
    ident = data.who()
    if not ident.shared:
        return
    if not ident.can_store:
        st.info(t("ws_store_session"), icon=":material/lock_clock:")
    elif ident.signed_in:
        st.caption(t("ws_store_own"))
    else:
        st.caption(t("ws_store_network"))


def remembered_mapping(header_key: str) -> dict[str, str] | None:
    """The column mapping that applies for this user to files with these headers, or None.

    This session's own (a visitor's), else the user's own stored one, else the
    network's or a published dataset's; never another user's private one.
    """
    held = data.session_mappings().get(header_key)
    if held is not None:
        return dict(held)
    try:
        return data.workspace().column_mapping(header_key, user=data.own_user())
    except og.WorkspaceError:
        log.exception("workspace unreadable; no remembered column mapping")
        return None


def remember_mapping(header_key: str, columns: dict[str, str], *, source_name: str = "") -> None:
    """Remember a confirmed column mapping for this user (for a visitor: this session)."""
    ident = data.who()
    if not ident.can_store:
        data.session_mappings()[header_key] = dict(columns)
        return
    data.workspace().save_column_mapping(
        header_key, columns, owner=ident.fix_owner, source_name=source_name
    )


def remember_import(
    key: str,
    partners: pd.DataFrame,
    *,
    name: str,
    header_key: str,
    columns: dict[str, str] | None,
) -> None:
    """Remember what an import taught: where its organisations are, and its column mapping.

    Stored for this user with the dataset ``key`` as their source, so publishing the
    dataset shares them (an editor's are the network's at once); for a visitor, the
    places are kept in this session only (the mapping already is, see
    :func:`remember_mapping`).
    """
    places = og.partnerships.places_to_remember(partners)
    ident = data.who()
    if not (ident.can_store and data.is_stored_key(key)):
        data.session_places().update(places)
        return
    store = data.workspace()
    store.remember_places(places, owner=ident.fix_owner, dataset_id=int(key), source_name=name)
    if columns:
        store.save_column_mapping(
            header_key, columns, owner=ident.fix_owner, dataset_id=int(key), source_name=name
        )


def fix_hint() -> None:
    """Say for whom a location fix will count, above the fix form."""
    ident = data.who()
    if not ident.shared or ident.editor:
        return
    st.caption(t("ws_fix_own" if ident.can_store else "ws_fix_session"))


def save_import(
    name: str, *, source_name: str, projects: pd.DataFrame, partners: pd.DataFrame
) -> str:
    """Keep an import (in the workspace, or in this browser session only); return its key."""
    ident = data.who()
    if ident.can_store:
        owner = ident.user
        new_id = data.workspace().save_dataset(
            name, source_name=source_name, projects=projects, partners=partners, owner=owner
        )
        return str(new_id)
    digest = hashlib.sha256()
    for frame in (projects, partners):
        digest.update(
            pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes()
        )
    digest.update(f"{name}\x1f{source_name}".encode())
    key = "s" + digest.hexdigest()[:16]
    data.session_datasets()[key] = data.SessionDataset(
        name=name,
        source_name=source_name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        projects=projects.copy(),
        partners=partners.copy(),
    )
    return key


def save_fix(place: str, postcode: str | None, nis: str, reference: og.Reference) -> None:
    """Save a location fix for this user (workspace), or for this browser session only."""
    ident = data.who()
    if ident.can_store:
        og.save_location_fix(
            data.workspace(), place, postcode, nis, reference=reference, owner=ident.fix_owner
        )
        return
    if not og.is_municipality(nis, reference):
        raise og.InputError(f"`nis` was {nis!r} but must be the NIS code of a municipality")
    key = og.fix_key(place, postcode)
    if key == ("", ""):
        raise og.InputError("`place` and `postcode` were both empty; a fix needs at least one")
    data.session_fixes()[key] = nis.strip()


def saved_fixes(reference: og.Reference) -> None:
    """The fixes that apply for this user, with a way to forget the user's own."""
    ident = data.who()
    own = ident.fix_owner if ident.can_store else None
    fixes = data.workspace().fixes(user=own if own and own != NETWORK else None)
    held = data.session_fixes()
    session = pd.DataFrame(
        [(p, c, n, "", "") for (p, c), n in held.items()],
        columns=["place", "postcode", "nis", "created_at", "owner"],
    )
    if fixes.empty and session.empty:
        return
    names = reference.municipalities.set_index("nis")["name_nl"]
    table = pd.concat(
        [fixes[["place", "postcode", "nis", "created_at", "owner"]].astype(object), session],
        ignore_index=True,
    )
    table["owner"] = [owner_label(o, ident) if o else t("ws_owner_session") for o in table["owner"]]
    table.insert(3, "gemeente", table["nis"].map(lambda n: names.get(n, n)))
    with st.expander(f"{t('saved_fixes')} ({len(table)})"):
        st.dataframe(table, hide_index=True, width="stretch")
        mine = [
            (str(p), "" if pd.isna(c) else str(c), o)
            for p, c, o in zip(fixes["place"], fixes["postcode"], fixes["owner"], strict=True)
            if ident.can_store and o == ident.fix_owner
        ] + [(p, c, "") for (p, c) in held]
        if not mine:
            return
        labels = {f"{p} | {c}": (p, c, o) for p, c, o in mine}
        which = st.selectbox(t("delete_fix"), ["", *labels], key="fix_delete")
        if which and st.button(t("delete_fix")):
            place, postcode, owner = labels[which]
            if owner:
                data.workspace().delete_fix(place, postcode or None, owner=owner)
            else:
                held.pop((place, postcode), None)
            data.forget_analyses()
            st.rerun()


# --------------------------------------------------------------------------- datasets


def datasets_section() -> None:
    """The datasets this user may see; publish, unpublish and delete what they may change."""
    st.subheader(t("datasets"))
    _personal_on_a_network()
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done)
    ident = data.who()
    listing = data.visible_datasets()
    held = data.session_datasets()
    if listing.empty and not held:
        st.caption(t("no_datasets"))
        return
    stored = pd.DataFrame(
        {
            "key": listing["id"].astype(str),
            "label": listing["label"].astype(str),
            "owner": listing["owner"].astype(str),
            "published": listing["published"].astype(bool),
            "projects": listing["projects"],
            "partners": listing["partners"],
            "created_at": listing["created_at"].astype(str),
            "source_name": listing["source_name"].astype(str),
        }
    )
    session = pd.DataFrame(
        [
            {
                "key": key,
                "label": t("ws_session_label", name=d.name),
                "owner": "",
                "published": False,
                "projects": len(d.projects),
                "partners": len(d.partners),
                "created_at": d.created_at,
                "source_name": d.source_name,
            }
            for key, d in held.items()
        ],
        columns=stored.columns,
    )
    rows = [frame for frame in (stored, session) if not frame.empty]
    table = pd.concat(rows, ignore_index=True)
    shown = pd.DataFrame(
        {
            t("ws_col_dataset"): table["label"],
            t("ws_col_owner"): [
                owner_label(o, ident) if o else t("ws_owner_session") for o in table["owner"]
            ],
            t("ws_col_status"): [
                _status(o, p, ident)
                for o, p in zip(table["owner"], table["published"], strict=True)
            ],
            t("ws_col_projects"): table["projects"],
            t("ws_col_partners"): table["partners"],
            t("ws_col_file"): table["source_name"],
            t("ws_col_created"): table["created_at"].str.replace("T", " ").str[:16],
        }
    )
    if not ident.shared:  # one user: owners and publishing mean nothing
        shown = shown.drop(columns=[t("ws_col_owner"), t("ws_col_status")])
    st.dataframe(shown, hide_index=True, width="stretch", key="ws_datasets_table")
    changeable = table[[(not o) or ident.may_change(o) for o in table["owner"]]]
    if changeable.empty:
        st.caption(t("ws_nothing_to_change"))
        return
    labels = dict(zip(changeable["key"], changeable["label"], strict=True))
    which = st.selectbox(
        t("ws_manage"),
        ["", *labels],
        format_func=lambda k: labels.get(k, "—"),
        key="ws_manage",
    )
    if not which:
        return
    row = changeable[changeable["key"] == which].iloc[0]
    _actions(which, row, ident)


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def server_address() -> str | None:
    """The address the server listens on (``server.address``), None when not set."""
    address = st.get_option("server.address")
    return str(address) if address else None


def _personal_on_a_network() -> None:
    """Warn when a personal instance listens on a network address: all data is open."""
    address = server_address()
    if data.who().shared or not address or str(address) in _LOOPBACK:
        return
    st.warning(t("ws_personal_on_network", address=md(address)), icon=":material/lan:")


def _status(owner: str, published: bool, ident: access.Identity) -> str:
    if not owner:
        return t("ws_status_session")
    if published:
        return t("ws_status_published") if ident.may_change(owner) else t("ws_status_read_only")
    return t("ws_status_private")


def _actions(key: str, row: pd.Series, ident: access.Identity) -> None:
    label = str(row["label"])
    left, right = st.columns(2)
    if ident.shared and data.is_stored_key(key):
        published = bool(row["published"])
        if left.button(
            t("ws_unpublish" if published else "ws_publish"),
            key="ws_publish_button",
            icon=":material/public_off:" if published else ":material/public:",
        ):
            data.workspace().publish_dataset(
                int(key), published=not published, actor=ident.user, editor=ident.editor
            )
            done = "ws_unpublished" if published else "ws_published"
            st.session_state[_DONE] = t(done, label=md(label))
            st.rerun()
    if right.button(t("ws_delete"), key="ws_delete_button", icon=":material/delete:"):
        st.session_state[_CONFIRM] = key
    if st.session_state.get(_CONFIRM) != key:
        return
    with st.container(border=True, key="ws_confirm"):
        st.warning(t("ws_confirm_delete", label=md(label)), icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button(t("ws_confirm_yes", label=md(label)), type="primary", key="ws_delete_yes"):
            st.session_state.pop(_CONFIRM, None)
            _delete(key, ident)
            st.session_state[_DONE] = t("ws_deleted", label=md(label))
            st.rerun()
        if no.button(t("ws_cancel"), key="ws_delete_no"):
            st.session_state.pop(_CONFIRM, None)
            st.rerun()


def _delete(key: str, ident: access.Identity) -> None:
    if data.is_stored_key(key):
        data.workspace().delete_dataset(int(key), actor=ident.user, editor=ident.editor)
    else:
        data.session_datasets().pop(key, None)
    if st.session_state.get("ds") == key:
        st.session_state["_pending_ds"] = data.DEMO_KEY
    data.forget_analyses()


def audit_section() -> None:
    """The audit log, for editors."""
    ident = data.who()
    if not ident.editor:
        return
    entries = data.workspace().audit_log(limit=500)
    if entries.empty:
        return
    with st.expander(t("ws_audit_title", n=len(entries))):
        shown = pd.DataFrame(
            {
                t("ws_col_when"): entries["at"].str.replace("T", " ").str[:19],
                t("ws_col_who"): [owner_label(a, ident) for a in entries["actor"]],
                t("ws_col_action"): [t(f"ws_action_{a}") for a in entries["action"]],
                t("ws_col_subject"): entries["subject"],
                t("ws_col_detail"): [
                    _audit_detail(a, d)
                    for a, d in zip(entries["action"], entries["detail"], strict=True)
                ],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch", key="ws_audit_table")


def _audit_detail(action: str, detail: str | None) -> str:
    """The detail of an audit entry as shown: a count of places or a mapping worded."""
    if not isinstance(detail, str):  # none recorded (NaN)
        return ""
    if action == "remember" and detail.isdigit():
        return t("ws_places_remembered", n=int(detail))
    if action == "map" and detail.startswith("{"):
        # Field -> header as stored; the fields worded as on the mapping step.
        columns = json.loads(detail)
        return "; ".join(f"{t(f'field_{f}')} ← {h}" for f, h in columns.items())
    return detail
