"""Who is using the app, and what they may do: the mode, sign-in, the editor passphrase.

Two modes (``Settings.mode``):

personal
    One user on a laptop (the default). The user is the network and an editor:
    everything stored is theirs, as before owners existed.
shared
    One instance for many browsers. A user signed in with Streamlit's built-in
    OpenID Connect sign-in (``st.login``, an ``[auth]`` section in
    ``.streamlit/secrets.toml``) owns what they store. A visitor who is not signed in
    stores nothing: uploads and location fixes live in the browser session only.
    The editor passphrase (``[optil_geo] editor_passphrase`` in the secrets file)
    makes a session an editor: editors may publish, unpublish and delete any
    dataset, see the audit log, and save for the whole network.

This module reads secrets and session state only; it draws nothing (see
:mod:`ui.workspace`) and never imports :mod:`ui.data`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.auth_util import is_authlib_installed

import optil_geo as og
from optil_geo.store import NETWORK

log = logging.getLogger("optil_geo.app")

#: The viewer id of a visitor who is not signed in; it never owns anything stored.
VISITOR = "visitor"
_EDITOR_FLAG = "_editor_unlocked"
#: Seconds a wrong passphrase costs, to make guessing slow.
WRONG_PASSPHRASE_DELAY_S = 1.0


def secrets_section(name: str) -> Mapping[str, Any]:
    """Return a section of Streamlit's secrets, empty when there is no secrets file."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get(name)
    except Exception:  # an unreadable secrets file: Streamlit logs it at start
        return {}
    return section if isinstance(section, Mapping) else {}


def apply_secrets(settings: og.Settings) -> og.Settings:
    """Return ``settings`` with ``[optil_geo] mode`` from the secrets, unless OPTIL_GEO_MODE is set."""
    if os.environ.get("OPTIL_GEO_MODE"):
        return settings
    mode = secrets_section("optil_geo").get("mode")
    return settings.replace(mode=str(mode).strip().lower()) if mode else settings


def sign_in_configured() -> bool:
    """Whether Streamlit's OpenID Connect sign-in is configured (an ``[auth]`` section)."""
    return bool(secrets_section("auth"))


def sign_in_available() -> bool:
    """Whether sign-in can be offered: configured, and Authlib installed.

    Without Authlib (the ``streamlit[auth]`` extra) ``st.login`` raises; the sidebar
    then says so instead of offering a button that fails.
    """
    return sign_in_configured() and is_authlib_installed()


def passphrase_configured() -> bool:
    """Whether an editor passphrase is set in the secrets."""
    return bool(str(secrets_section("optil_geo").get("editor_passphrase") or ""))


def _editor_emails() -> set[str]:
    editors = secrets_section("optil_geo").get("editors") or []
    if isinstance(editors, str):
        editors = [editors]
    return {str(e).strip().lower() for e in editors if str(e).strip()}


@dataclass(frozen=True)
class Identity:
    """The user of this browser session.

    Attributes
    ----------
    mode
        ``"personal"`` or ``"shared"``.
    user
        The owner id of what this session stores and the viewer id for what it
        sees: :data:`~optil_geo.store.NETWORK` on a laptop and for a passphrase
        editor who is not signed in, the e-mail address (or subject) of a signed-in
        user, :data:`VISITOR` otherwise.
    name
        How to address the user.
    editor
        May publish, unpublish and delete any dataset and see the audit log.
    signed_in
        Signed in with OpenID Connect.
    """

    mode: str
    user: str
    name: str
    editor: bool
    signed_in: bool

    @property
    def shared(self) -> bool:
        """Whether the app runs in shared mode."""
        return self.mode == "shared"

    @property
    def can_store(self) -> bool:
        """Whether uploads and fixes of this session go into the workspace."""
        return not self.shared or self.signed_in or self.editor

    @property
    def fix_owner(self) -> str:
        """Owner of the location fixes, column mappings and organisation places this
        session saves (an editor's are the network's)."""
        return NETWORK if self.editor else self.user

    def owns(self, owner: str) -> bool:
        """Whether a stored thing of ``owner`` is this user's own."""
        return self.can_store and owner == self.user

    def may_change(self, owner: str) -> bool:
        """Whether this user may publish, unpublish or delete a dataset of ``owner``."""
        return self.editor or self.owns(owner)


def _signed_in_user() -> tuple[str, str] | None:
    """Return (user id, name) of the OpenID Connect user, or None."""
    try:
        info = st.user.to_dict()
    except Exception:  # no script context
        return None
    if not info.get("is_logged_in"):
        return None
    email = str(info.get("email") or "").strip().lower()
    subject = str(info.get("sub") or "").strip()
    user = email or (f"sub:{subject}" if subject else "")
    if not user:
        return None
    return user, str(info.get("name") or email or subject)


def identity(settings: og.Settings) -> Identity:
    """Return who uses this session, under ``settings.mode``."""
    if settings.mode != "shared":
        return Identity(mode="personal", user=NETWORK, name="", editor=True, signed_in=False)
    unlocked = editor_unlocked()
    signed = _signed_in_user() if sign_in_configured() else None
    if signed is not None:
        user, name = signed
        editor = unlocked or user in _editor_emails()
        return Identity(mode="shared", user=user, name=name, editor=editor, signed_in=True)
    if unlocked:
        return Identity(mode="shared", user=NETWORK, name="", editor=True, signed_in=False)
    return Identity(mode="shared", user=VISITOR, name="", editor=False, signed_in=False)


def unlock_editor(passphrase: str) -> bool:
    """Make this session an editor when ``passphrase`` is the configured one.

    Compared in constant time on SHA-256 digests (so neither the content nor the
    length leaks through timing); a wrong passphrase costs
    :data:`WRONG_PASSPHRASE_DELAY_S`. The passphrase is never logged or kept.
    """
    expected = str(secrets_section("optil_geo").get("editor_passphrase") or "")
    given = passphrase if isinstance(passphrase, str) else ""
    ok = bool(expected) and hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )
    if ok:
        st.session_state[_EDITOR_FLAG] = True
        log.info("a session became editor")
    else:
        log.info("an editor passphrase was refused")
        time.sleep(WRONG_PASSPHRASE_DELAY_S)
    return ok


def editor_unlocked() -> bool:
    """Whether this session became an editor with the passphrase."""
    return bool(st.session_state.get(_EDITOR_FLAG))


def lock_editor() -> None:
    """End this session's editor rights."""
    st.session_state.pop(_EDITOR_FLAG, None)
