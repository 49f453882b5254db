"""optil-geo, the Streamlit app: navigation and the shared sidebar.

Run with ``python -m streamlit run app.py``. The pages live in ``views/``; they
read the shared selection from ``st.session_state["selection"]`` (set here on
every run) and call the ``optil_geo`` library.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from optil_geo._assets import install_static_assets
from ui import data, state, workspace
from ui.layout import document_language, guard, md
from ui.text import t

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(page_title="optil-geo", page_icon="🗺️", layout="wide")
data.settle_heap()


STATIC = Path(__file__).resolve().parent / "static"


@st.cache_resource(show_spinner=False)
def _static_assets() -> Path:
    # Leaflet served from ./static so that maps work with no internet.
    return install_static_assets(STATIC)


with guard("static assets"):
    # .streamlit/config.toml switches static serving on (Streamlit reads it next to
    # app.py too); a flag, an environment variable or a user config can switch it off
    # again, and then every map stays blank. Say so.
    if not st.get_option("server.enableStaticServing"):
        st.error(t("static_off"), icon=":material/map:")
    try:
        _static_assets()
    except OSError as exc:  # a read-only checkout: the maps may lack Leaflet
        st.error(t("static_copy_failed", folder=md(STATIC), error=md(exc)))

OVERVIEW = "views/overzicht.py"

PAGES = [
    st.Page(
        OVERVIEW,
        title=t("page_overview"),
        icon=":material/dashboard:",
        url_path="start",  # served at "/": a default page's own path is never public
        default=True,
    ),
    st.Page("views/kaart.py", title=t("page_map"), icon=":material/map:", url_path="kaart"),
    st.Page(
        "views/spreiding.py",
        title=t("page_spread"),
        icon=":material/scatter_plot:",
        url_path="spreiding",
    ),
    st.Page(
        "views/witte_vlekken.py",
        title=t("page_gaps"),
        icon=":material/crop_free:",
        url_path="witte-vlekken",
    ),
    st.Page(
        "views/sectoren.py", title=t("page_sectors"), icon=":material/groups:", url_path="sectoren"
    ),
    st.Page("views/data.py", title=t("page_data"), icon=":material/upload_file:", url_path="data"),
    st.Page(
        "views/presentatie.py",
        title=t("page_present"),
        icon=":material/slideshow:",
        url_path="presentatie",
    ),
    # The same page at its own address too, so /overzicht is not "Page not found".
    st.Page(
        OVERVIEW,
        title=t("page_overview"),
        icon=":material/dashboard:",
        url_path="overzicht",
        visibility="hidden",
    ),
]

page = st.navigation(PAGES)
document_language(known_paths=[p.url_path for p in PAGES])
# A selection of an earlier run must never stand in for this one: when the sidebar
# fails, the pages say so instead of silently showing old data.
st.session_state.pop("selection", None)
with guard("sidebar"):
    data.begin_run()
    st.session_state["selection"] = state.sidebar()
with guard("notices"):
    workspace.notices()
page.run()
