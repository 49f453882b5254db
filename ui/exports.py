"""Exports of what a page shows: the map (HTML, PNG, PDF) and the tables (XLSX, GeoJSON, GPKG).

Every exported map carries its title, legend, date, the filters used and the data
credit (the catalogue's ``credit``); demo data say they are fictional. The files are
made only when a button is clicked (Streamlit's deferred downloads), so an open
page costs nothing. The byte builders below are plain functions, tested without
Streamlit.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import folium
import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo import maps, vocabulary
from optil_geo.staticmap import render_static_map
from ui import data
from ui.text import lang, t

_LABELLERS: dict[str, Callable[[str, Any], str]] = {
    "f_groups": vocabulary.sector_group_label,
    "f_sectors": vocabulary.sector_label,
    "f_roles": vocabulary.role_label,
    "f_targets": vocabulary.target_group_label,
}


# ------------------------------------------------------------------ describing a selection


def _area_text(area: Sequence[str], reference: og.Reference) -> str:
    """Name a focus area: a referentieregio, a province, one municipality, or a count."""
    m = reference.municipalities
    chosen = set(area)
    if len(chosen) == 1:
        names = m.loc[m["nis"].isin(chosen), "name_nl"]
        if len(names):
            return f"{t('f_municipality')}: {names.iat[0]}"
    for code_col, name_col, label in (
        ("refreg_code", "refreg_name", "f_refreg"),
        ("province_code", "province_name", "f_province"),
    ):
        for (_code, name), members in m.groupby([code_col, name_col], sort=False)["nis"]:
            if set(members) == chosen:
                return f"{t(label)}: {name}"
    return f"{t('f_area')}: {t('f_area_n', n=len(chosen))}"


def describe_filters(filters: og.Filters, *, reference: og.Reference) -> str:
    """Describe the active filters in the interface language, e.g.

    ``"Rondes: 2021-1, 2021-2 · Sectorgroepen: Onderwijs"``; ``"Filters: geen (alle
    gegevens)"`` when nothing is filtered.
    """
    language = cast(Any, lang())
    class_labels = og.class_labels(lang())
    parts: list[str] = []
    if filters.rounds:
        parts.append(f"{t('f_rounds')}: {', '.join(sorted(filters.rounds))}")
    for key, codes in (
        ("f_groups", filters.sector_groups),
        ("f_sectors", filters.sectors),
        ("f_roles", filters.roles),
        ("f_targets", filters.target_groups),
    ):
        if codes:
            labels = [_LABELLERS[key](c, language) for c in codes]
            parts.append(f"{t(key)}: {', '.join(labels)}")
    if filters.classes:
        labels = [class_labels.get(c, c) for c in og.CLASSES if c in filters.classes]
        parts.append(f"{t('f_classes')}: {', '.join(labels)}")
    if filters.area:
        parts.append(_area_text(filters.area, reference))
    return " · ".join(parts) if parts else t("no_filters")


def describe_rules(rules: og.LinkRules) -> str:
    """Describe link rules that differ from the defaults ("" when all are default)."""
    default = og.LinkRules()
    parts = []
    if rules.scheme != default.scheme:
        parts.append(t("r_scheme", scheme=t(f"scheme_{rules.scheme}")))
    if rules.neighbours != default.neighbours and not rules.neighbours:
        parts.append(t("r_no_neighbours"))
    if rules.max_km:
        parts.append(t("r_km", km=maps.format_number(rules.max_km)))
    return f"{t('f_rules')}: {', '.join(parts)}" if parts else ""


def dataset_name(selection: data.Selection) -> str:
    """The dataset's name as shown to the user."""
    if selection.analysis.is_demo:
        return t("demo_line")
    return t("data_line", name=selection.analysis.data.source_name)


def context_lines(
    selection: data.Selection, *, reference: og.Reference, today: dt.date | None = None
) -> list[str]:
    """Return the lines an exported map carries: date, data, filters (and rules), credit."""
    day = today or dt.datetime.now().astimezone().date()
    lines = [t("date_line", date=f"{day:%d-%m-%Y}"), dataset_name(selection)]
    lines.append(t("selection_line", text=describe_filters(selection.filters, reference=reference)))
    rules = describe_rules(selection.rules)
    if rules:
        lines.append(rules)
    lines.append(t("credit"))
    return lines


# ------------------------------------------------------------------------------ the map


@dataclass(frozen=True)
class Categories:
    """A categorical map instead of a choropleth (e.g. the underserved municipalities)."""

    values: pd.Series
    colours: dict[str, str]
    labels: dict[str, str]
    title: str
    default: str

    def layer(
        self,
        reference: og.Reference,
        *,
        lang: str,
        focus: Sequence[str] | None = None,
        legend: bool = False,
        extra: pd.DataFrame | None = None,
    ) -> tuple[folium.FeatureGroup, maps.Legend]:
        """The municipalities coloured by category, as a map layer, and its legend."""
        return maps.category_layer(
            reference,
            self.values,
            colours=self.colours,
            labels=self.labels,
            title=self.title,
            default=self.default,
            legend=legend,
            extra=extra,
            focus=focus or None,
            lang=lang,
        )


@dataclass(frozen=True)
class MapSpec:
    """What a page's map shows, to be exported as HTML, PNG and PDF."""

    values: pd.Series
    title: str
    value_label: str = ""
    scheme: str = "quantiles"
    k: int = 5
    decimals: int = 0
    flows: pd.DataFrame | None = None
    top_n: int = 150
    highlight: tuple[str, ...] = ()
    highlight_label: str = ""
    categories: Categories | None = None
    extra_lines: tuple[str, ...] = field(default_factory=tuple)
    lang: str = "nl"
    """The language of the flow legend (captured here: downloads run outside the script)."""
    focus: tuple[str, ...] = ()
    """The focus area (NIS codes): the HTML map opens on it; empty for all of Flanders."""


def map_layers(
    spec: MapSpec, reference: og.Reference, *, legend: bool
) -> list[folium.FeatureGroup]:
    """Return the folium layers of ``spec``: choropleth (or categories), then flows."""
    if spec.categories is not None:
        area, _ = spec.categories.layer(reference, lang=spec.lang, focus=spec.focus, legend=legend)
    else:
        area, _ = maps.choropleth_layer(
            reference,
            spec.values,
            title=spec.value_label or spec.title,
            scheme=spec.scheme,
            k=spec.k,
            decimals=spec.decimals,
            legend=legend,
            focus=spec.focus or None,
            lang=spec.lang,
        )
    layers = [area]
    if spec.flows is not None:
        flows, _ = maps.flow_layer(
            spec.flows,
            reference,
            top_n=spec.top_n,
            lang=spec.lang,
            legend=legend,
            focus=spec.focus or None,
        )
        layers.append(flows)
    return layers


def html_bytes(spec: MapSpec, reference: og.Reference, lines: Sequence[str]) -> bytes:
    """Return the map as one standalone HTML file (Leaflet inlined; opens offline).

    Always without background tiles, whatever the page shows: tiles come from the
    internet, and the file must work on a projector with no wifi.
    """
    m = maps.base_map(reference, tiles="none", lang=spec.lang)
    page = maps.map_html(
        m,
        layers=map_layers(spec, reference, legend=True),
        lang=spec.lang,
        title=spec.title,
        lines=[*lines[:-1], *spec.extra_lines, lines[-1]] if lines else list(spec.extra_lines),
    )
    return page.encode("utf-8")


def static_bytes(
    spec: MapSpec, reference: og.Reference, lines: Sequence[str], fmt: str, *, width_px: int = 2400
) -> bytes:
    """Return the map as PNG (``width_px`` wide) or PDF, with legends and credit."""
    # The static map writes its own date ("Stand: …") and credit; pass the rest.
    subtitle = lines[1:-1]  # the last line is the credit
    local = None
    if spec.flows is not None:
        local_links = spec.flows[spec.flows["class"] == "local"]
        local = local_links["lead_nis"].value_counts()
    return render_static_map(
        reference,
        spec.values,
        title=spec.title,
        subtitle_lines=[*subtitle, *spec.extra_lines],
        value_label=spec.value_label or spec.title,
        scheme=spec.scheme,
        k=spec.k,
        decimals=spec.decimals,
        flows=spec.flows,  # the links: Walloon and foreign partners get their lines too
        top_n=spec.top_n,
        local_counts=local,
        highlight=spec.highlight,
        highlight_label=spec.highlight_label or og.text("map_highlighted", spec.lang),
        fmt=cast(Any, fmt),
        width_px=width_px,
        dpi=200,
        lang=spec.lang,
        focus=spec.focus or None,
    )


# ------------------------------------------------------------------------------ tables


def geo_bytes(measures: pd.DataFrame, suffix: str, reference: og.Reference) -> bytes:
    """Return the municipal measures with geometry as ``.geojson`` or ``.gpkg`` bytes."""
    with tempfile.TemporaryDirectory(prefix="optil-geo-export-") as folder:
        path = Path(folder) / f"gemeenten{suffix}"
        og.write_municipal_layer(measures, path, reference=reference)
        return path.read_bytes()


def measures_xlsx(measures: pd.DataFrame, language: str = "nl") -> bytes:
    """Return the municipal measures as an Excel workbook: the table and its explanation."""
    table = og.people_table(measures, language)
    return og.table_bytes(
        {
            og.text("municipalities_sheet", language): table,
            og.text("explain_sheet", language): og.column_explanations(
                list(measures.columns), language
            ),
        },
        "xlsx",
    )


def projects_xlsx(selection: data.Selection, language: str = "nl") -> bytes:
    """Return the project table and its links as an Excel workbook, worded in ``language``.

    Sheets: the projects, the links (one row per partner row: class, reason,
    distance), and an explanation of every column.
    """
    projects = selection.projects_table
    links = og.link_table(selection.links, language)
    link_columns = [c for c in og.LINK_TABLE_COLUMNS if og.text(f"col_{c}", language) in links]
    explained = list(dict.fromkeys([*projects.columns, *link_columns]))
    return og.table_bytes(
        {
            og.text("projects_sheet", language): og.people_table(projects, language),
            og.text("links_sheet", language): links,
            og.text("explain_sheet", language): og.column_explanations(explained, language),
        },
        "xlsx",
    )


_AFTER_NAME = og.LINK_TABLE_COLUMNS.index("partner_name") + 1
DATASET_LINK_COLUMNS = (
    *og.LINK_TABLE_COLUMNS[:_AFTER_NAME],
    "partner_status",
    *og.LINK_TABLE_COLUMNS[_AFTER_NAME:],
)
"""The links of the Data page's dataset export: the links table plus the location match."""

DATASET_PROJECT_COLUMNS = (
    "project_id",
    "title",
    "round",
    "lead_organisation",
    "lead_nis",
    "lead_name",
    "lead_region",
    "lead_status",
    "source_row",
)
"""The projects of the Data page's dataset export, in order."""


def dataset_tables(
    links: pd.DataFrame, projects: pd.DataFrame, language: str = "nl"
) -> dict[str, pd.DataFrame]:
    """Return the whole dataset with its classification, worded in ``language``.

    Sheets: the links (class, reason, location match in words), the projects, and
    the explanation of every column. Codes stay out: :func:`dataset_codes_csv`
    offers them for scripts.
    """
    worded = dataset_links(links, language)
    project_columns = [c for c in DATASET_PROJECT_COLUMNS if c in projects.columns]
    link_columns = [c for c in DATASET_LINK_COLUMNS if og.text(f"col_{c}", language) in worded]
    explained = list(dict.fromkeys([*link_columns, *project_columns]))
    return {
        og.text("links_sheet", language): worded,
        og.text("projects_sheet", language): og.people_table(projects[project_columns], language),
        og.text("explain_sheet", language): og.column_explanations(explained, language),
    }


def dataset_links(links: pd.DataFrame, language: str = "nl") -> pd.DataFrame:
    """Return the links of the dataset export, worded in ``language`` (also its CSV)."""
    return og.link_table(links, language, columns=DATASET_LINK_COLUMNS)


def dataset_codes_csv(links: pd.DataFrame) -> bytes:
    """Return the links with the library's column names and codes, for scripts (CSV)."""
    return og.table_bytes(
        {"links": links.drop(columns=[c for c in ("target_group_codes",) if c in links])},
        "csv",
    )


# ------------------------------------------------------------------------------ the panel

MIME_TYPES = {
    ".html": "text/html",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".geojson": "application/geo+json",
    ".gpkg": "application/geopackage+sqlite3",
}
"""The media type of each file a page offers, by its suffix."""


@dataclass(frozen=True)
class Download:
    """One download button: made only when clicked (``data`` is called then)."""

    label: str
    data: Callable[[], bytes]
    file_name: str
    key: str
    icon: str
    help: str | None = None
    primary: bool = False

    @property
    def mime(self) -> str:
        """The media type, from the file name's suffix."""
        return MIME_TYPES[Path(self.file_name).suffix]


def download_columns(columns: Sequence[tuple[str, Sequence[Download]]]) -> None:
    """Render download buttons in columns side by side, each under a bold heading ("": none)."""
    for column, (heading, downloads) in zip(st.columns(len(columns)), columns, strict=True):
        if heading:
            column.markdown(f"**{heading}**")
        for d in downloads:
            column.download_button(
                d.label,
                data=d.data,
                file_name=d.file_name,
                mime=d.mime,
                on_click="ignore",
                key=d.key,
                icon=d.icon,
                help=d.help,
                type="primary" if d.primary else "secondary",
            )


def html_download(
    spec: MapSpec, reference: og.Reference, lines: Sequence[str], *, stem: str, key: str
) -> Download:
    """The standalone HTML map (opens offline)."""
    return Download(
        t("dl_html"),
        lambda: html_bytes(spec, reference, lines),
        f"{stem}.html",
        f"{key}_html",
        ":material/public:",
        help=t("dl_html_help"),
    )


def geo_downloads(
    table: pd.DataFrame, reference: og.Reference, *, stem: str, key: str
) -> list[Download]:
    """The municipal measures with geometry: GeoJSON and GeoPackage."""

    def made(suffix: str) -> Callable[[], bytes]:
        return lambda: geo_bytes(table, suffix, reference)

    return [
        Download(
            t(f"dl_{kind}"),
            made(f".{kind}"),
            f"{stem}.{kind}",
            f"{key}_{kind}",
            ":material/layers:",
        )
        for kind in ("geojson", "gpkg")
    ]


def _stem(title: str) -> str:
    keep = "".join(ch.lower() if ch.isalnum() else "-" for ch in title)
    stem = "-".join(part for part in keep.split("-") if part)[:48] or t("export_map").lower()
    return f"optil-geo-{stem}-{dt.date.today():%Y%m%d}"


def export_panel(
    selection: data.Selection,
    *,
    values: pd.Series,
    title: str,
    key: str,
    value_label: str = "",
    scheme: str = "quantiles",
    k: int = 5,
    decimals: int = 0,
    flows: pd.DataFrame | None = None,
    top_n: int = 150,
    highlight: Sequence[str] = (),
    highlight_label: str = "",
    categories: Categories | None = None,
    measures: pd.DataFrame | None = None,
    extra_lines: Sequence[str] = (),
    expander: bool = True,
) -> None:
    """Render the download buttons for the current map and tables.

    Parameters
    ----------
    selection
        The current selection (filters, links, measures).
    values
        The choropleth values per NIS (also the static map's values).
    title
        The map title.
    key
        A prefix for the widget keys (unique per page).
    value_label, scheme, k, decimals
        The choropleth's legend title and class breaks.
    flows
        The links to draw as flows (already filtered by class), or ``None``.
    top_n
        At most this many flows.
    highlight, highlight_label
        NIS codes the static map outlines (hatched), and their legend label.
    categories
        Draw categories instead of the choropleth on the HTML map.
    measures
        The municipal measures to export (default: those of the selection).
    extra_lines
        More lines for the map's text box (e.g. the underserved definition).
    expander
        Wrap the panel in an expander titled "Exporteren".
    """
    reference = data.reference()
    spec = MapSpec(
        values=values,
        title=title,
        value_label=value_label,
        scheme=scheme,
        k=k,
        decimals=decimals,
        flows=flows,
        top_n=top_n,
        highlight=tuple(highlight),
        highlight_label=highlight_label,
        categories=categories,
        extra_lines=tuple(extra_lines),
        lang=lang(),
        focus=tuple(selection.filters.area or ()),
    )
    lines = context_lines(selection, reference=reference)
    table = selection.municipalities if measures is None else measures
    stem = _stem(title)
    container = st.expander(t("export"), icon=":material/download:") if expander else st.container()
    if selection.projects.empty:
        # Nothing to export but empty files: say so instead of offering them.
        container.info(t("export_empty"), icon=":material/filter_alt_off:")
        return
    municipalities = f"{stem}-{t('municipalities_sheet')}"
    with container:
        st.caption(t("export_intro") + " " + t("export_wait"))
        download_columns(
            [
                (
                    t("export_map"),
                    [
                        html_download(spec, reference, lines, stem=stem, key=key),
                        Download(
                            t("dl_png"),
                            lambda: static_bytes(spec, reference, lines, "png"),
                            f"{stem}.png",
                            f"{key}_png",
                            ":material/image:",
                        ),
                        Download(
                            t("dl_pdf"),
                            lambda: static_bytes(spec, reference, lines, "pdf"),
                            f"{stem}.pdf",
                            f"{key}_pdf",
                            ":material/picture_as_pdf:",
                        ),
                    ],
                ),
                (
                    t("export_municipalities", n=len(table)),
                    [
                        Download(
                            t("dl_xlsx"),
                            lambda: measures_xlsx(table, spec.lang),
                            f"{municipalities}.xlsx",
                            f"{key}_mxlsx",
                            ":material/table:",
                        ),
                        *geo_downloads(table, reference, stem=municipalities, key=key),
                    ],
                ),
                (
                    t("export_projects"),
                    [
                        Download(
                            t("dl_projects"),
                            lambda: projects_xlsx(selection, spec.lang),
                            f"{stem}-{t('projects_sheet')}.xlsx",
                            f"{key}_pxlsx",
                            ":material/table:",
                        )
                    ],
                ),
            ]
        )
