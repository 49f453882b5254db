"""Placeholder until the page is written."""

from __future__ import annotations

import streamlit as st

from ui import data
from ui.layout import demo_banner, guard
from ui.text import t

with guard("witte_vlekken"):
    selection = data.current()
    st.title(t("page_gaps"))
    demo_banner(selection)
    st.metric("Projecten", len(selection.projects))
