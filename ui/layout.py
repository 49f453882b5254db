"""Page plumbing: the error guard, the demo banner, the class explanation, numbers in
the interface language (also inside tables)."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo.maps import CLASS_COLOURS
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


def class_explainer() -> None:
    """Say what each kind of link means, in one always-visible line (details on demand).

    The words come from the glossary part of the catalogue, in the fixed class order,
    each with the colour the maps and charts give it.
    """
    labels = og.class_labels(lang())
    line = " · ".join(
        f'<span style="color:{CLASS_COLOURS[c]}" aria-hidden="true">●</span> '
        f"**{labels[c]}**: {t(f'class_short_{c}')}"
        for c in og.CLASSES
        if c != "unknown"
    )
    # One row: the line, and the full rules behind a small button beside it, so the
    # explanation costs no extra height above the map.
    text_col, help_col = st.columns([6, 1], vertical_alignment="center")
    text_col.caption(line, unsafe_allow_html=True)
    with help_col.popover(t("explainer_button"), icon=":material/help:", help=t("explainer_title")):
        st.markdown(f"**{t('explainer_title')}**")
        st.markdown(t("explainer_intro"))
        st.markdown(
            "\n".join(
                f"- **{og.class_label(c, lang())}**: {t(f'class_help_{c}')}" for c in og.CLASSES
            )
        )
        st.caption(t("explainer_rules"))


def localised(frame: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> Any:
    """Return ``frame`` styled so that its numbers read in the interface language.

    ``st.dataframe`` formats numbers by the browser's locale (``"localized"``) or
    with a dot as decimal mark; a pandas Styler's display texts win over both, while
    the cells keep their numbers, so sorting a column still sorts by value. Integer
    columns get no decimals, other numbers one (or as ``decimals`` says per column).
    Do not also pass a ``column_config`` number ``format``: it would win again.
    """
    language = lang()
    chosen = dict(decimals or {})
    formats: dict[Any, Any] = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        places = chosen.get(column, 0 if pd.api.types.is_integer_dtype(dtype) else 1)
        formats[column] = lambda v, d=places: format_number(
            None if pd.isna(v) else float(v), d, lang=language
        )
    return frame.style.format(formats)


def document_language(known_paths: Sequence[str]) -> None:
    """Tell the browser the page's language, and lead an unknown address to Overzicht.

    ``<html lang>`` follows the interface language (screen readers, hyphenation,
    the browser's translate offer). Streamlit runs the default page for an address
    that names no page and shows its own English "Page not found" dialog; this says
    it in the interface language instead, closes that dialog, and leaves the
    address at the start page.
    """
    language = lang()
    path = _requested_path()
    unknown = path not in {*known_paths, ""}
    if unknown:
        st.info(t("page_unknown", path=md(path)), icon=":material/explore_off:")
    script = f"document.documentElement.lang = {json.dumps(language)};"
    if unknown:
        script += _CLOSE_NOT_FOUND
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True, width="content")


def _requested_path() -> str:
    """The page part of the address the browser asked for (``""`` for the start page)."""
    url = st.context.url or ""
    path = urlsplit(url).path.strip("/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base) :].strip("/")
    return path


# Streamlit's "Page not found" dialog is English and cannot be worded; the page says it
# itself (above), so the dialog is closed when it appears within a few seconds.
_CLOSE_NOT_FOUND = """
(() => {
  const close = () => {
    for (const dialog of document.querySelectorAll('[role="dialog"]')) {
      if (!dialog.textContent.includes("Page not found")) continue;
      const button = dialog.querySelector('button[aria-label="Close"]');
      if (button) { button.click(); return true; }
    }
    return false;
  };
  if (close()) return;
  const watch = new MutationObserver(() => { if (close()) watch.disconnect(); });
  watch.observe(document.body, { childList: true, subtree: true });
  setTimeout(() => watch.disconnect(), 8000);
})();
"""
