"""The interface language of this browser session, and its texts.

The texts themselves live in the library's one catalogue (:mod:`optil_geo.texts`,
files in ``optil_geo/data/texts/``); this module only knows which language the
session speaks.
"""

from __future__ import annotations

import streamlit as st

from optil_geo import texts

LANGS = texts.LANGUAGES
# The bound language widget writes its label into the URL (?lang=English).
_CODE_OF_LABEL = {label: code for code, label in LANGS.items()}


def lang() -> str:
    """Return the current interface language (``nl`` or ``en``)."""
    # Before the sidebar's widget exists in this run, the URL holds the choice.
    value = st.session_state.get("lang") or st.query_params.get("lang", "nl")
    value = _CODE_OF_LABEL.get(value, value)
    return value if value in LANGS else "nl"


def t(key: str, **values: object) -> str:
    """Return the text for ``key`` in the current language, formatted with ``values``.

    A count ``n`` of 1 takes the singular ``key:1`` when the catalogue has one
    ("1 link", not "1 links").
    """
    return texts.text(key, lang(), **values)


def number(value: float | None, decimals: int = 0) -> str:
    """Format a number in the current language (``1.234,5`` / ``1,234.5``)."""
    return texts.format_number(value, decimals, lang=lang())
