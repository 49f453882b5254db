"""Altair charts of the links (Vega-Lite is bundled with Streamlit, so they work offline).

Each builder takes the links table and returns a chart; the data preparation is a
separate function that returns a plain frame, so it can be tested without drawing.
Classes keep the colours of the map (:data:`optil_geo.maps.CLASS_COLOURS`).
"""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import pandas as pd

import optil_geo as og
from optil_geo import texts, vocabulary
from optil_geo.maps import CLASS_COLOURS

_LEAVING = ("urban", "supra_regional", "international")
"""Classes of links that leave the lead's home region."""


def _text(lang: str) -> dict[str, str]:
    """The chart words in ``lang`` (catalogue keys ``chart_<name>``)."""
    return {name: texts.text(f"chart_{name}", lang) for name in _CHART_WORDS}


_CHART_WORDS = ("round", "links", "share", "kind", "region", "leaving", "km", "count", "no_round")


def localised(chart: Any, lang: str) -> Any:
    """Return ``chart`` with numbers on its axes and tooltips in the interface language.

    Vega formats numbers with d3-format in English unless told otherwise; its locale
    gets the separators of the catalogue's own formatting, never the browser's.
    """
    symbols = texts.number_symbols(lang)
    locale = {
        "decimal": symbols["decimal"],
        "thousands": symbols["group"],
        "grouping": [3],
        "currency": ["€ ", ""],
    }
    return chart.configure(locale={"number": locale})


def class_scale(lang: str, classes: tuple[str, ...] = og.CLASSES) -> alt.Scale:
    """The colour scale of the classes: the map's colours, in the fixed class order.

    The domain's order is the legend's order, so every chart lists the classes as
    :data:`optil_geo.CLASSES` does (local, regional, urban, supra-regional,
    international, unknown); a chart may leave out classes it cannot have.
    """
    labels = og.class_labels(lang)
    ordered = [c for c in og.CLASSES if c in classes]
    return alt.Scale(domain=[labels[c] for c in ordered], range=[CLASS_COLOURS[c] for c in ordered])


def _with_labels(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    labels = og.class_labels(lang)
    order = {c: i for i, c in enumerate(og.CLASSES)}
    return frame.assign(
        soort=frame["class"].map(labels), volgorde=frame["class"].map(order).astype(int)
    )


def links_per_round_data(links: pd.DataFrame, *, lang: str = "nl") -> pd.DataFrame:
    """Count links per round and class: ``round``, ``class``, ``links``, ``soort``, ``volgorde``."""
    rounds = links["round"].astype(object).fillna("").astype(str)
    rounds = rounds.where(rounds != "", _text(lang)["no_round"])
    table = (
        pd.DataFrame({"round": rounds, "class": links["class"].astype(str)})
        .value_counts()
        .rename("links")
        .reset_index()
    )
    return _with_labels(table, lang).sort_values(["round", "volgorde"], ignore_index=True)


def links_per_round(links: pd.DataFrame, *, lang: str = "nl", normalize: bool = False) -> Any:
    """Stacked bars: links per class in each round (absolute or as shares)."""
    text = _text(lang)
    data = links_per_round_data(links, lang=lang)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("round:N", title=text["round"], axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "links:Q",
                title=text["share"] if normalize else text["links"],
                stack="normalize" if normalize else "zero",
                axis=alt.Axis(format="%" if normalize else "d"),
            ),
            color=alt.Color(
                "soort:N",
                title=text["kind"],
                scale=class_scale(lang),
                legend=alt.Legend(orient="bottom", columns=3),
            ),
            order=alt.Order("volgorde:Q"),
            tooltip=[
                alt.Tooltip("round:N", title=text["round"]),
                alt.Tooltip("soort:N", title=text["kind"]),
                alt.Tooltip("links:Q", title=text["links"]),
            ],
        )
        .properties(height=320)
    )
    return localised(chart, lang)


def classes_per_region_data(
    links: pd.DataFrame, reference: og.Reference, *, lang: str = "nl"
) -> pd.DataFrame:
    """Links per referentieregio of the lead and class, with the region's share leaving it.

    Links without a known location (``unknown``) and leads outside Flanders/Brussels
    are left out. Columns: ``region``, ``class``, ``links``, ``soort``, ``volgorde``,
    ``leaving`` (share of the region's links that leave the home region, 0-1).
    """
    m = reference.municipalities.set_index("nis")
    placed = links[(links["class"] != "unknown") & links["lead_nis"].isin(m.index)]
    region = m["refreg_name"].reindex(placed["lead_nis"]).to_numpy()
    table = (
        pd.DataFrame({"region": region, "class": placed["class"].astype(str).to_numpy()})
        .value_counts()
        .rename("links")
        .reset_index()
    )
    if table.empty:
        return _with_labels(table.assign(leaving=pd.Series(dtype=float)), lang)
    total = table.groupby("region")["links"].transform("sum")
    out_links = table["links"].where(table["class"].isin(_LEAVING), 0)
    table["leaving"] = (out_links.groupby(table["region"]).transform("sum") / total).round(3)
    return _with_labels(table, lang)


def classes_per_region(links: pd.DataFrame, reference: og.Reference, *, lang: str = "nl") -> Any:
    """Horizontal 100% bars per referentieregio, sorted by the share leaving the region."""
    text = _text(lang)
    data = classes_per_region_data(links, reference, lang=lang)
    order = (
        data.drop_duplicates("region").sort_values("leaving", ascending=False)["region"].tolist()
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(
                "region:N",
                title=None,
                sort=order,
                axis=alt.Axis(labelOverlap=False, labelLimit=220),
            ),
            x=alt.X("links:Q", stack="normalize", title=text["share"], axis=alt.Axis(format="%")),
            color=alt.Color(
                "soort:N",
                title=text["kind"],
                scale=class_scale(lang),
                legend=alt.Legend(orient="bottom", columns=2),
            ),
            order=alt.Order("volgorde:Q"),
            tooltip=[
                alt.Tooltip("region:N", title=text["region"]),
                alt.Tooltip("soort:N", title=text["kind"]),
                alt.Tooltip("links:Q", title=text["links"]),
                alt.Tooltip("leaving:Q", title=text["leaving"], format=".0%"),
            ],
        )
        .properties(height=max(200, 26 * len(order)))
    )
    return localised(chart, lang)


def distance_histogram_data(links: pd.DataFrame, *, lang: str = "nl") -> pd.DataFrame:
    """Links with a distance, outside the lead's municipality: ``distance_km``, ``class``, …."""
    placed = links[links["distance_km"].notna() & (links["class"] != "local")]
    frame = pd.DataFrame(
        {
            "distance_km": placed["distance_km"].astype(float).to_numpy(),
            "class": placed["class"].astype(str).to_numpy(),
        }
    )
    return _with_labels(frame, lang)


def distance_histogram(links: pd.DataFrame, *, lang: str = "nl") -> Any:
    """Histogram of the lead-partner distance in 10 km bins, stacked by class."""
    text = _text(lang)
    data = distance_histogram_data(links, lang=lang)
    present = set(data["class"])
    classes = tuple(c for c in og.CLASSES if c in present) or ("regional",)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("distance_km:Q", bin=alt.Bin(step=10), title=text["km"]),
            y=alt.Y("count():Q", title=text["count"]),
            color=alt.Color(
                "soort:N",
                title=text["kind"],
                scale=class_scale(lang, classes),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("volgorde:Q"),
            tooltip=[
                alt.Tooltip("soort:N", title=text["kind"]),
                alt.Tooltip("count():Q", title=text["count"]),
            ],
        )
        .properties(height=260)
    )
    return localised(chart, lang)


def heatmap(
    frame: pd.DataFrame,
    *,
    row: str,
    column: str,
    value: str,
    row_title: str,
    column_title: str,
    value_title: str,
    row_order: list[str] | None = None,
    column_order: list[str] | None = None,
    percent: bool = False,
    label_angle: int = 0,
    lang: str = "nl",
) -> Any:
    """A labelled heatmap of ``value`` by ``row`` and ``column`` (text light on dark cells)."""
    fmt = ".0%" if percent else "d"
    base = alt.Chart(frame).encode(
        y=alt.Y(
            f"{row}:N",
            title=row_title,
            sort=row_order,
            axis=alt.Axis(labelLimit=220, labelOverlap=False, labelFontSize=12),
        ),
        x=alt.X(
            f"{column}:N",
            title=column_title,
            sort=column_order,
            axis=alt.Axis(
                orient="top",
                labelAngle=label_angle,
                labelAlign="left" if label_angle else "center",
                labelLimit=180,
                labelOverlap=False,
                labelFontSize=12,
            ),
        ),
    )
    top = float(frame[value].max()) if len(frame) else 1.0
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            f"{value}:Q",
            title=value_title,
            scale=alt.Scale(scheme="yellowgreenblue", domainMin=0),
            legend=alt.Legend(format=fmt, gradientLength=110),
        ),
        tooltip=[
            alt.Tooltip(f"{row}:N", title=row_title),
            alt.Tooltip(f"{column}:N", title=column_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
        ],
    )
    labels = base.mark_text(fontSize=12).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(
            alt.datum[value] > 0.55 * top, alt.value("white"), alt.value("#1f1f1f")
        ),
    )
    return localised(alt.layer(cells, labels).properties(height=alt.Step(30)), lang)


# ------------------------------------------------------------------ sectors and target groups

SECTOR_GROUPS = tuple(og.load_vocabulary().groups)
"""Sector groups in display order (the vocabulary's order)."""


def region_names(
    nis: pd.Series, regions: pd.Series, reference: og.Reference, *, level: str, lang: str = "nl"
) -> pd.Series:
    """Name the province or referentieregio of each NIS code; Wallonia/abroad/unknown otherwise.

    ``regions`` is the matching ``*_region`` column (``flanders``, ``brussels``,
    ``wallonia``, ``abroad``, ``""``); ``level`` is ``"province"`` or ``"refreg"``.
    """
    column = {"province": "province_name", "refreg": "refreg_name"}[level]
    lookup = reference.municipalities.set_index("nis")[column]
    names = lookup.reindex(nis.astype(object)).to_numpy(dtype=object)
    # Outside Flanders and Brussels: the region's word (Wallonia, abroad, unknown).
    outside = {
        r: og.region_label(r if r in ("wallonia", "abroad") else "", lang)
        for r in ("wallonia", "abroad", "")
    }
    region = regions.astype(object).fillna("").to_numpy()
    out = [
        name if isinstance(name, str) else outside.get(str(r), outside[""])
        for name, r in zip(names, region, strict=True)
    ]
    return pd.Series(out, index=nis.index, dtype=object)


def with_shares(table: pd.DataFrame, *, by: str, value: str = "links") -> pd.DataFrame:
    """Add ``share``: ``value`` as a fraction of its ``by`` group's total."""
    total = table.groupby(by)[value].transform("sum")
    return table.assign(share=(table[value] / total.where(total > 0)).fillna(0.0).round(4))


def sector_class_data(links: pd.DataFrame, *, lang: str = "nl") -> pd.DataFrame:
    """Links per partner sector group and class: ``group``, ``class``, ``links``, ``share``."""
    labels = og.class_labels(lang)
    table = (
        pd.DataFrame(
            {
                "group": links["sector_group"].astype(object).fillna("unknown").astype(str),
                "class": links["class"].astype(str),
            }
        )
        .value_counts()
        .rename("links")
        .reset_index()
    )
    table = with_shares(table, by="group")
    return table.assign(
        sectorgroep=table["group"].map(lambda g: vocabulary.sector_group_label(g, cast(Any, lang))),
        soort=table["class"].map(labels),
    )


def sector_region_data(
    links: pd.DataFrame, reference: og.Reference, *, side: str, level: str, lang: str = "nl"
) -> pd.DataFrame:
    """Links per region (of the ``side``: ``lead`` or ``partner``) and partner sector group.

    Columns ``region``, ``group``, ``links``, ``share`` (of the region's links),
    ``sectorgroep`` (label).
    """
    region = region_names(
        links[f"{side}_nis"], links[f"{side}_region"], reference, level=level, lang=lang
    )
    table = (
        pd.DataFrame(
            {
                "region": region.to_numpy(),
                "group": links["sector_group"].astype(object).fillna("unknown").astype(str),
            }
        )
        .value_counts()
        .rename("links")
        .reset_index()
    )
    table = with_shares(table, by="region")
    return table.assign(
        sectorgroep=table["group"].map(lambda g: vocabulary.sector_group_label(g, cast(Any, lang)))
    )


def target_region_data(
    projects: pd.DataFrame, reference: og.Reference, *, lang: str = "nl"
) -> pd.DataFrame:
    """Projects per target group and referentieregio of the lead.

    A project with several target groups counts once for each. Columns ``region``,
    ``target``, ``projects``, ``share`` (of the region's projects that name the
    target group), ``doelgroep`` (label).
    """
    region = region_names(
        projects["lead_nis"], projects["lead_region"], reference, level="refreg", lang=lang
    )
    frame = pd.DataFrame(
        {
            "project_id": projects["project_id"].to_numpy(),
            "region": region.to_numpy(),
            "target": [
                tuple(v) if isinstance(v, tuple | list) and v else ("",)
                for v in projects["target_group_codes"]
            ],
        }
    ).explode("target")
    frame = frame[frame["target"] != ""]
    if frame.empty:  # no target groups at all: an empty table with the right columns
        return pd.DataFrame(
            {
                "region": pd.Series(dtype=object),
                "target": pd.Series(dtype=object),
                "projects": pd.Series(dtype="int64"),
                "share": pd.Series(dtype=float),
                "doelgroep": pd.Series(dtype=object),
            }
        )
    table = frame.groupby(["region", "target"]).size().rename("projects").reset_index()
    per_region = pd.Series(region.to_numpy()).value_counts()
    in_region = table["region"].map(per_region).astype(float)
    table["share"] = (table["projects"] / in_region).round(4)
    return table.assign(
        doelgroep=table["target"].map(lambda c: vocabulary.target_group_label(c, cast(Any, lang)))
    )
