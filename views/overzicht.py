"""Overzicht: the key figures of the current selection and a compact map."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from optil_geo import maps
from optil_geo._assets import use_local_assets
from ui import data
from ui.exports import describe_filters, export_panel
from ui.figures import key_figures
from ui.layout import demo_banner, guard, md, number, percent
from ui.text import add, lang, t

add(
    {
        "k_projects": {"nl": "Projecten", "en": "Projects"},
        "k_partners": {"nl": "Partnerorganisaties", "en": "Partner organisations"},
        "k_partners_help": {
            "nl": "Verschillende organisatienamen bij de partners (hoofdletters en spaties genegeerd).",
            "en": "Distinct organisation names among the partners (case and spacing ignored).",
        },
        "k_links": {"nl": "Samenwerkingslinks", "en": "Partnership links"},
        "k_links_help": {
            "nl": "Eén link = één partner in één project, van de gemeente van de aanvrager naar die van de partner.",
            "en": "One link = one partner in one project, from the lead's municipality to the partner's.",
        },
        "k_reached": {"nl": "Gemeenten bereikt", "en": "Municipalities reached"},
        "k_reached_value": {"nl": "{n} van 304", "en": "{n} of 304"},
        "k_reached_split": {
            "nl": "{fl} van de 285 Vlaamse · {bxl} van de 19 Brusselse",
            "en": "{fl} of the 285 Flemish · {bxl} of the 19 in Brussels",
        },
        "k_reached_help": {
            "nl": "Een gemeente is bereikt als er een aanvrager of een partner gevestigd is.",
            "en": "A municipality is reached when a lead or a partner is located there.",
        },
        "kinds_title": {"nl": "Waar liggen de partners?", "en": "Where are the partners?"},
        "g_local_regional": {"nl": "Lokaal-regionaal", "en": "Local-regional"},
        "g_supra_regional": {"nl": "Bovenregionaal", "en": "Supra-regional"},
        "g_urban": {"nl": "Stedelijk", "en": "Urban"},
        "g_international": {"nl": "Internationaal", "en": "International"},
        "g_help_local_regional": {
            "nl": "Partner in dezelfde gemeente, de eigen referentieregio of een buurgemeente.",
            "en": "Partner in the same municipality, the home reference region or a neighbour.",
        },
        "g_help_supra_regional": {
            "nl": "Partner elders in Vlaanderen, Brussel of Wallonië (geen centrumstad).",
            "en": "Partner elsewhere in Flanders, Brussels or Wallonia (not a centrumstad).",
        },
        "g_help_urban": {
            "nl": "Partner in een van de 13 centrumsteden of in Brussel, buiten de eigen regio.",
            "en": "Partner in one of the 13 centrumsteden or in Brussels, outside the home region.",
        },
        "g_help_international": {"nl": "Partner in het buitenland.", "en": "Partner abroad."},
        "of_links": {"nl": "{n} links", "en": "{n} links"},
        "of_links:1": {"nl": "1 link", "en": "1 link"},
        "unknown_links": {
            "nl": "{n} links zonder gekende locatie tellen mee in het totaal.",
            "en": "{n} links without a known location count in the total.",
        },
        "unknown_links:1": {
            "nl": "1 link zonder gekende locatie telt mee in het totaal.",
            "en": "1 link without a known location counts in the total.",
        },
        "who_title": {"nl": "Met wie werken de projecten?", "en": "Who do the projects work with?"},
        "k_local_actor": {"nl": "Met een lokale cultuuractor", "en": "With a local cultural actor"},
        "k_local_actor_delta": {"nl": "{x} op de 10 projecten", "en": "{x} in 10 projects"},
        "k_local_actor_help": {
            "nl": "Bibliotheek, cultuurcentrum, gemeentelijke cultuurdienst, … als aanvrager of partner.",
            "en": "Library, cultural centre, municipal culture service, … as lead or partner.",
        },
        "k_welfare": {"nl": "Met welzijn of zorg", "en": "With welfare or care"},
        "k_education": {"nl": "Met onderwijs", "en": "With education"},
        "of_projects": {"nl": "{n} projecten", "en": "{n} projects"},
        "of_projects:1": {"nl": "1 project", "en": "1 project"},
        "map_title": {
            "nl": "Betrokken projecten per gemeente",
            "en": "Projects involved per municipality",
        },
        "map_caption": {
            "nl": "Kleur: aantal projecten waarbij de gemeente betrokken is (aanvrager of partner). "
            "De samenwerkingen zelf staan op de pagina Kaart.",
            "en": "Colour: number of projects the municipality takes part in (lead or partner). "
            "The partnerships themselves are on the Map page.",
        },
        "top_title": {"nl": "Meest betrokken gemeenten", "en": "Most involved municipalities"},
        "col_municipality": {"nl": "Gemeente", "en": "Municipality"},
        "col_projects": {"nl": "Projecten", "en": "Projects"},
        "col_per_10k": {"nl": "per 10.000 inw.", "en": "per 10,000 inh."},
    }
)


def _figures_row(selection: data.Selection) -> None:
    f = key_figures(selection)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("k_projects"), number(f.projects), border=True)
    c2.metric(
        t("k_partners"), number(f.partner_organisations), help=t("k_partners_help"), border=True
    )
    c3.metric(t("k_links"), number(f.links), help=t("k_links_help"), border=True)
    c4.metric(
        t("k_reached"),
        t("k_reached_value", n=number(f.reached)),
        help=t("k_reached_help"),
        border=True,
    )
    c4.caption(t("k_reached_split", fl=number(f.reached_flanders), bxl=number(f.reached_brussels)))

    st.subheader(t("kinds_title"))
    cols = st.columns(4)
    for col, group in zip(
        cols, ("local_regional", "supra_regional", "urban", "international"), strict=True
    ):
        n = f.group_links[group]
        col.metric(
            t(f"g_{group}"),
            percent(n, f.links),
            delta=t("of_links", n=number(n)),
            delta_color="off",
            delta_arrow="off",
            help=t(f"g_help_{group}"),
            border=True,
        )
    if f.group_links["unknown"]:
        st.caption(t("unknown_links", n=number(f.group_links["unknown"])))

    st.subheader(t("who_title"))
    d1, d2, d3 = st.columns(3)
    d1.metric(
        t("k_local_actor"),
        percent(f.with_local_actor, f.projects),
        delta=t("k_local_actor_delta", x=number(round(10 * f.with_local_actor / f.projects)))
        if f.projects
        else None,
        delta_color="off",
        delta_arrow="off",
        help=t("k_local_actor_help"),
        border=True,
    )
    d2.metric(
        t("k_welfare"),
        percent(f.with_welfare_care, f.projects),
        delta=t("of_projects", n=number(f.with_welfare_care)),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    d3.metric(
        t("k_education"),
        percent(f.with_education, f.projects),
        delta=t("of_projects", n=number(f.with_education)),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )


def _top(selection: data.Selection, n: int = 10) -> pd.DataFrame:
    mm = selection.municipalities
    top = mm[mm["projects_involved"] > 0].nlargest(n, ["projects_involved", "population"])
    return pd.DataFrame(
        {
            t("col_municipality"): top["name_nl"],
            t("col_projects"): top["projects_involved"],
            t("col_per_10k"): top["projects_involved_per_10k"].map(lambda v: number(v, 1)),
        }
    )


with guard("overzicht"):
    selection = data.current()
    ref = data.reference()
    st.title(t("page_overview"))
    st.caption(t("tagline"))
    demo_banner(selection)
    st.caption(t("selection_line", text=md(describe_filters(selection.filters, reference=ref))))
    if selection.projects.empty:
        st.warning(t("no_data_selection"))
    _figures_row(selection)

    st.subheader(t("map_title"))
    values = selection.municipalities.set_index("nis")["projects_involved"]
    left, right = st.columns([2.6, 1], gap="medium")
    with left:
        choropleth, _legend = maps.choropleth_layer(
            ref, values, title=t("col_projects"), k=5, lang=lang()
        )
        st_folium(
            use_local_assets(maps.base_map(ref)),
            key="overzicht_kaart",
            height=470,
            use_container_width=True,
            feature_group_to_add=[choropleth],
            returned_objects=[],
        )
        st.caption(t("map_caption"))
    with right:
        st.markdown(f"**{t('top_title')}**")
        st.dataframe(_top(selection), hide_index=True, width="stretch")

    export_panel(
        selection,
        values=values,
        title=t("map_title"),
        value_label=t("col_projects"),
        key="overzicht_exp",
    )
