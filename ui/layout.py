"""Page plumbing: the error guard, the demo banner, Dutch number formatting."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

import optil_geo as og
from optil_geo.texts import format_number
from ui import data
from ui.data import Selection
from ui.exports import describe_filters
from ui.text import lang, t

log = logging.getLogger("optil_geo.app")


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Show any failure inside the block as a short Dutch message; log the details.

    Domain errors carry a message meant for the user; anything else is a bug,
    logged with its traceback and shown as a generic message, never as a trace.
    """
    try:
        yield
    except og.WorkspaceError as exc:
        log.warning("%s: %s", what, exc)
        show_workspace_error(exc)
    except og.OptilGeoError as exc:
        log.warning("%s: %s", what, exc)
        # The message may quote user text (a file name, a cell value): never Markdown.
        st.error(md(exc))
    except Exception:
        log.exception("unexpected failure in %s", what)
        st.error(t("error_generic"))


def workspace_message(exc: og.WorkspaceError) -> str:
    """Word a workspace failure in the interface language (the details go to the log)."""
    code = exc.code if exc.code in _ERROR_CODES else "other"
    # On a shared instance the visitor cannot act on the server's paths: name none.
    settings = data.settings()
    where = t("ws_path_server") if settings.mode == "shared" else md(settings.workspace_path)
    return t(f"ws_err_{code}", path=where)


_ERROR_CODES = frozenset(
    {"locked", "damaged", "foreign", "newer", "cannot_open", "not_wal", "forbidden", "gone"}
)


def show_workspace_error(exc: og.WorkspaceError) -> None:
    """Show a workspace failure once per run, however many parts of the page meet it."""
    message = workspace_message(exc)
    shown = st.session_state.setdefault(data.SHOWN_ERRORS, set())
    if message in shown:
        return
    shown.add(message)
    st.error(message, icon=":material/database:")


def demo_banner(selection: Selection) -> None:
    """Say clearly that the demo data are fictional."""
    if selection.analysis.is_demo:
        st.info(t("demo_banner"), icon="ℹ️")


def number(value: float, decimals: int = 0) -> str:
    """Format a number in the interface language (``12.345,6`` / ``12,345.6``)."""
    return format_number(value, decimals, lang=lang())


def percent(part: float, whole: float, decimals: int = 0) -> str:
    """Format ``part / whole`` as a percentage in the interface language (``–`` when whole is 0)."""
    if not whole:
        return "–"
    return number(100.0 * part / whole, decimals) + "%"


_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$&:")


def md(text: object) -> str:
    """Escape user text for ``st.markdown`` (organisation names are untrusted).

    Streamlit does not render raw HTML in Markdown unless asked to; escaping the
    Markdown punctuation keeps a name from turning into a link, an image or a
    heading.
    """
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def html_text(text: object) -> str:
    """Escape user text for HTML (tooltips, popups, custom HTML)."""
    return html.escape(str(text), quote=True)


def compact_top() -> None:
    """Less empty space above the page title, so that a map fits on a laptop screen."""
    st.html(
        "<style>[data-testid='stMainBlockContainer'] { padding-top: 2.2rem !important; }"
        "[data-testid='stMainBlockContainer'] h1 { padding-top: 0; }</style>"
    )


def empty_selection(selection: Selection, reference: og.Reference) -> bool:
    """Say so in plain words when the selection holds no project; return whether it is empty.

    A page then shows this message instead of an empty map or figures of zero.
    """
    if not selection.projects.empty:
        return False
    st.info(
        t("empty_selection", filters=md(describe_filters(selection.filters, reference=reference))),
        icon=":material/filter_alt_off:",
    )
    return True
