"""Placeholder until the page is written."""

from __future__ import annotations

import streamlit as st

from ui import data
from ui.layout import demo_banner, guard
from ui.text import t

with guard("overzicht"):
    selection = data.current()
    st.title(t("page_overview"))
    demo_banner(selection)
    st.metric("Projecten", len(selection.projects))
