"""Static maps for slides and print: PNG (≥ 2000 px wide) and PDF, drawn with matplotlib.

The static map shows what the interactive map shows (:mod:`optil_geo.maps`) with
the same colours and class breaks: the choropleth of a per-municipality value,
optional flows from lead to partner municipality, referentieregio and province
outlines and the centrumsteden; plus what a printed map needs: a title, the date
and the filters used, legends, a scale bar and the data credit.

CRS: everything is drawn in EPSG:31370 (Belgian Lambert 72, metres), so shapes
are true and the scale bar is exact. Flow arcs are computed in EPSG:4326 by the
same function as the web map and projected.

No pyplot: every figure is a :class:`matplotlib.figure.Figure` with its own Agg
canvas, so rendering needs no display, keeps no global state (safe in Streamlit's
threads) and leaves nothing behind once the bytes are returned. User text is never
parsed as mathtext (a ``$`` stays a ``$``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend as MplLegend
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.path import Path as MplPath
from pyproj import Transformer

from optil_geo import _flowdata
from optil_geo._errors import SettingsError
from optil_geo._flowlayer import _arcs, _node_positions, _opacity, _width_steps
from optil_geo.classify import CLASSES
from optil_geo.maps import (
    _SEQUENTIAL,
    CLASS_COLOURS,
    CLASSIFIERS,
    _classify,
    format_number,
    has_map_data,
    region_name,
)
from optil_geo.reference import CRS_METRIC, CRS_WEB, Reference
from optil_geo.texts import text as _t
from optil_geo.wording import class_labels

__all__ = ["STATIC_FORMATS", "render_static_map", "underserved_map"]

STATIC_FORMATS = ("png", "pdf")
"""Output formats of :func:`render_static_map`."""

# Colours and line widths (points at the reference width of 12 inches).
_NO_DATA_FILL = "#f4f3ef"
_BORDER = "#8c8c8c"
_REFREG = "#1f1f1f"
_PROVINCE = "#9a9a9a"
_HIGHLIGHT = "#b2182b"
_TEXT = "#1f1f1f"
_MUTED = "#555555"
_REFERENCE_WIDTH_IN = 12.0  # fonts and lines are sized for this width and scaled
_ASPECT = 9 / 16
_BRUSSELS_NIS = "21004"

Format = Literal["png", "pdf"]


# --------------------------------------------------------------------------- geometry


def _polygon_path(geom: Any) -> MplPath:
    """Return one compound matplotlib path of a (multi)polygon, holes included."""
    parts: list[MplPath] = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            parts.append(MplPath(np.asarray(ring.coords)[:, :2], closed=True))
    return MplPath.make_compound_path(*parts)


def _line_path(geom: Any) -> MplPath:
    """Return one compound path of the boundary of a (multi)polygon (open lines)."""
    parts = [
        MplPath(np.asarray(line.coords)[:, :2])
        for line in shapely.get_parts(shapely.boundary(geom))
        if not line.is_empty
    ]
    return MplPath.make_compound_path(*parts)


@lru_cache(maxsize=4)
def _geometry(reference: Reference) -> dict[str, Any]:
    """Paths of the municipalities and outlines in EPSG:31370, cached per reference."""
    m = reference.municipalities
    if m.crs is not None and m.crs != CRS_METRIC:
        m = m.to_crs(CRS_METRIC)
    regions = reference.referentieregios.to_crs(CRS_METRIC).geometry.tolist()
    provinces = reference.provinces.to_crs(CRS_METRIC)
    brussels = provinces.loc[provinces["code"] == "04000", "geometry"].tolist()
    minx, miny, maxx, maxy = m.total_bounds
    return {
        "municipalities": [_polygon_path(g) for g in m.geometry],
        "refreg": [_line_path(g) for g in regions + brussels],
        "province": [_line_path(g) for g in provinces.geometry],
        "bounds": (float(minx), float(miny), float(maxx), float(maxy)),
    }


@lru_cache(maxsize=1)
def _to_metric() -> Transformer:
    return Transformer.from_crs(CRS_WEB, CRS_METRIC, always_xy=True)


# --------------------------------------------------------------------------- checks


def _check(
    *, scheme: str, k: int, fmt: str, width_px: int, dpi: int, top_n: int, values: Any
) -> None:
    if scheme not in CLASSIFIERS:
        raise SettingsError(f"`scheme` was {scheme!r} but must be one of {list(CLASSIFIERS)!r}")
    if fmt not in STATIC_FORMATS:
        raise SettingsError(f"`fmt` was {fmt!r} but must be one of {list(STATIC_FORMATS)!r}")
    if not 1 <= k <= len(_SEQUENTIAL):
        raise SettingsError(f"`k` was {k!r} but must be between 1 and {len(_SEQUENTIAL)}")
    if not 600 <= width_px <= 12_000:
        raise SettingsError(f"`width_px` was {width_px!r} but must be between 600 and 12000")
    if not 50 <= dpi <= 1200:
        raise SettingsError(f"`dpi` was {dpi!r} but must be between 50 and 1200")
    if top_n < 0:
        raise SettingsError(f"`top_n` was {top_n!r} but must be 0 or more")
    if values is not None and not isinstance(values, pd.Series):
        raise SettingsError(
            f"`values` was a {type(values).__name__} but must be a pandas Series indexed by NIS"
        )


# --------------------------------------------------------------------------- layers


def _choropleth(
    reference: Reference,
    values: pd.Series | None,
    scheme: str,
    k: int,
    decimals: int,
    *,
    neutral: bool = False,
    lang: str = "nl",
) -> tuple[list[str], list[tuple[str, str]], str]:
    """Fill colour per municipality, the legend rows (colour, label) of the classes drawn,
    and the legend's note (method, fewer classes than asked); the same classes as the
    web map (:func:`optil_geo.maps.choropleth_layer`)."""
    nis = reference.municipalities["nis"]
    if values is None:
        return [_NO_DATA_FILL] * len(nis), [], ""
    vals = pd.to_numeric(values, errors="coerce").reindex(nis).fillna(0.0).to_numpy(float)
    classes = _classify(
        vals, scheme=scheme, k=k, decimals=decimals, integer=None, neutral=neutral, lang=lang
    )
    rows = [(colour, label) for _, colour, label in classes.rows]
    return [str(c) for c in classes.fill], rows, classes.note


@dataclass
class _Drawn:
    classes: list[str]
    shown: int
    total: int
    roles: list[str]
    widths: list[tuple[int, float]]
    stays: pd.Series
    nodes: frozenset[str] = frozenset()


_DASHES = {"inside": (0, ()), "outgoing": (0, (5, 3)), "incoming": (0, (1, 3))}


def _flow_nodes(
    flows: pd.DataFrame, reference: Reference, level: str, focus: frozenset[str]
) -> tuple[pd.DataFrame, pd.Series]:
    """Aggregate ``flows`` (links, or a flow table) to the nodes of ``level``."""
    if "partner_region" in flows.columns:
        lead, partner = _flowdata.link_nodes(flows, reference, level=level, focus=focus)
        return _flowdata.aggregate_flows(flows, lead, partner), _flowdata.stays(lead, partner)
    # A flow table of municipality pairs (``lead_nis``, ``partner_nis``, ``links``).
    table = flows.rename(columns={"lead_nis": "lead_nis", "partner_nis": "partner_nis"})
    table = table.assign(partner_region="flanders")
    lead, partner = _flowdata.link_nodes(table, reference, level=level, focus=focus)
    return _flowdata.aggregate_flows(table, lead, partner, weight="links"), pd.Series(dtype=int)


def _draw_flows(
    ax: Any,
    reference: Reference,
    flows: pd.DataFrame,
    top_n: int,
    s: float,
    *,
    level: str = "municipalities",
    focus: frozenset[str] = frozenset(),
) -> _Drawn:
    """Draw the largest flows as arrows, faded by size and dashed by focus role."""
    table, stays = _flow_nodes(flows, reference, level, focus)
    if focus and len(table):
        members = pd.Series({c: c in focus for c in set(table["lead"]) | set(table["partner"])})
        table["role"] = _flowdata.focus_roles(table, focus, members).to_numpy()
        table = table[table["role"] != "other"].reset_index(drop=True)
        stays = stays[stays.index.isin(focus)]
    else:
        table["role"] = ""
    shown = table.head(top_n)
    if shown.empty:
        return _Drawn([], 0, len(table), [], [], stays)
    nodes = _node_positions(reference)
    start = np.array([nodes[c][::-1] for c in shown["lead"]], dtype=float)
    end = np.array([nodes[c][::-1] for c in shown["partner"]], dtype=float)
    curves = _arcs(start, end)
    x, y = _to_metric().transform(curves[..., 0], curves[..., 1])
    count = shown["links"].to_numpy(float)
    top = max(float(count.max()), 1.0)
    widths = _width_steps(top)
    width = (0.7 + 4.4 * np.sqrt(count / top)) * s
    alpha = _opacity(count, top)
    classes = shown["class"].astype(str).to_numpy()
    roles = shown["role"].astype(str).to_numpy()
    # Smallest first, so the big flows lie on top.
    for i in np.argsort(count, kind="stable"):
        colour = CLASS_COLOURS.get(classes[i], CLASS_COLOURS["unknown"])
        arrow = FancyArrowPatch(
            path=MplPath(np.column_stack([x[i], y[i]])),
            arrowstyle="-|>,head_length=0.55,head_width=0.3",
            mutation_scale=float(9 * s + 2.2 * width[i]),
            linewidth=float(width[i]),
            linestyle=_DASHES.get(roles[i], (0, ())),
            color=colour,
            alpha=float(alpha[i]),
            capstyle="round",
            joinstyle="round",
            zorder=6,
        )
        ax.add_patch(arrow)
    drawn = [c for c in CLASSES if c in set(classes)]
    drawn_roles = [r for r in ("inside", "outgoing", "incoming") if r in set(roles)]
    ends = frozenset(shown["lead"]) | frozenset(shown["partner"])
    return _Drawn(drawn, len(shown), len(table), drawn_roles, widths, stays, ends)


def _width_points(count: int, top: int, s: float) -> float:
    return float((0.7 + 4.4 * math.sqrt(count / max(top, 1))) * s)


def _draw_outside_labels(
    ax: Any, reference: Reference, codes: set[str], s: float, lang: str
) -> None:
    """Name the places outside Flanders (Walloon provinces, countries) that lines reach."""
    kinds = _flowdata.region_nodes(reference).set_index("code")["kind"]
    nodes = _node_positions(reference)
    halo = [patheffects.withStroke(linewidth=3.0 * s, foreground="white")]
    for code in sorted(codes):
        if kinds.get(code) not in ("wallonia", "abroad"):
            continue
        lat, lon = nodes[code]
        px, py = _to_metric().transform(lon, lat)
        text = ax.annotate(
            region_name(code, reference, lang),
            (px, py),
            xytext=(0, -4 * s),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=9.5 * s,
            fontstyle="italic",
            color=_MUTED,
            zorder=9,
            annotation_clip=True,
        )
        text.set_parse_math(False)
        text.set_path_effects(halo)


def _draw_local(ax: Any, reference: Reference, local_counts: pd.Series, s: float) -> bool:
    """Rings at the nodes (municipalities or regions) of the links that stay there."""
    nodes = _node_positions(reference)
    counts = pd.to_numeric(local_counts, errors="coerce").fillna(0)
    counts = counts[(counts > 0) & counts.index.astype(str).isin(list(nodes))]
    if counts.empty:
        return False
    top = max(float(counts.max()), 1.0)
    lat = np.array([nodes[str(c)][0] for c in counts.index])
    lon = np.array([nodes[str(c)][1] for c in counts.index])
    px, py = _to_metric().transform(lon, lat)
    radius_pt = (2.5 + 12.0 * np.sqrt(counts.to_numpy(float) / top)) * s
    ax.scatter(
        px,
        py,
        s=(2 * radius_pt) ** 2,
        facecolors=CLASS_COLOURS["local"] + "26",
        edgecolors=CLASS_COLOURS["local"],
        linewidths=1.6 * s,
        zorder=7,
    )
    return True


def _draw_labels(ax: Any, reference: Reference, s: float) -> None:
    """Label the centrumsteden and Brussels, with a white halo."""
    m = reference.municipalities
    rows = m[m["is_centrumstad"] | (m["nis"] == _BRUSSELS_NIS)]
    halo = [patheffects.withStroke(linewidth=3.2 * s, foreground="white")]
    for row in rows.itertuples():
        ax.plot(row.point_x, row.point_y, "o", ms=3.2 * s, color=_TEXT, zorder=8)
        text = ax.annotate(
            str(row.name_nl),
            (row.point_x, row.point_y),
            xytext=(0, 5 * s),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=10.5 * s,
            fontweight="bold",
            color=_TEXT,
            zorder=9,
            annotation_clip=True,
        )
        text.set_parse_math(False)
        text.set_path_effects(halo)


def _scale_bar(ax: Any, bounds: tuple[float, float, float, float], s: float) -> None:
    """A 0–25–50 km bar in the empty North Sea corner (top left)."""
    minx, _miny, _maxx, maxy = bounds
    x0 = minx + 2_000
    y0 = maxy - 6_000
    height = 1_100
    for i, colour in enumerate((_TEXT, "white")):
        ax.add_patch(
            Rectangle(
                (x0 + i * 25_000, y0),
                25_000,
                height,
                facecolor=colour,
                edgecolor=_TEXT,
                linewidth=0.8 * s,
                zorder=10,
            )
        )
    for km in (0, 25, 50):
        ax.text(
            x0 + km * 1_000,
            y0 + height + 700,
            f"{km} km" if km == 50 else str(km),
            ha="center",
            va="bottom",
            fontsize=9 * s,
            color=_TEXT,
            zorder=10,
            parse_math=False,
        )
    # A small north arrow right of the bar; EPSG:31370 north is (nearly) up.
    ax.annotate(
        "",
        xy=(x0 + 60_000, y0 + 4_200),
        xytext=(x0 + 60_000, y0 - 600),
        arrowprops={"arrowstyle": "-|>", "color": _TEXT, "lw": 1.4 * s, "mutation_scale": 14 * s},
        zorder=10,
    )
    ax.text(
        x0 + 60_000,
        y0 + 4_600,
        "N",
        ha="center",
        va="bottom",
        fontsize=10 * s,
        fontweight="bold",
        color=_TEXT,
        zorder=10,
        parse_math=False,
    )


# --------------------------------------------------------------------------- layout


@dataclass
class _LegendSpec:
    handles: list[Any]
    labels: list[str]
    title: str
    note: str = ""


def _no_math(legend: MplLegend) -> None:
    legend.get_title().set_parse_math(False)
    for text in legend.get_texts():
        text.set_parse_math(False)


def _legend(
    fig: Figure, handles: list[Any], labels: list[str], *, title: str, ncol: int, s: float
) -> MplLegend:
    legend = fig.legend(
        handles,
        labels,
        title=title,
        ncol=ncol,
        loc="lower left",
        frameon=False,
        fontsize=11 * s,
        title_fontproperties={"size": 12 * s, "weight": "bold"},
        alignment="left",
        handlelength=2.0,
        handleheight=1.1,
        columnspacing=1.4,
        borderaxespad=0,
        borderpad=0,
    )
    _no_math(legend)
    return legend


def _title(
    fig: Figure, renderer: Any, title: str, *, x: float, y: float, max_width_in: float, s: float
) -> Any:
    """Place the title; shrink it, then wrap it in two lines, until it fits the width."""
    text = fig.text(
        x, y, title, fontsize=24 * s, fontweight="bold", color=_TEXT, va="top", parse_math=False
    )
    words = title.split()
    candidates = [title]
    if len(words) > 1:
        # The most balanced two-line split.
        cut = min(
            range(1, len(words)),
            key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
        )
        candidates.append(" ".join(words[:cut]) + "\n" + " ".join(words[cut:]))
    # One line as large as possible, else two lines, else shrink further.
    for size, candidate in [(z, title) for z in (24, 22, 20, 18)] + [
        (z, candidates[-1]) for z in (22, 20, 18)
    ]:
        text.set_text(candidate)
        text.set_fontsize(size * s)
        if text.get_window_extent(renderer).width / fig.dpi <= max_width_in:
            return text
    smaller = 18.0
    while smaller > 8 and text.get_window_extent(renderer).width / fig.dpi > max_width_in:
        smaller -= 1
        text.set_fontsize(smaller * s)
    return text


def _wrap(lines: Sequence[str], width: int, max_lines: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(str(line), width) or [""])
    if len(out) > max_lines:
        out = [*out[: max_lines - 1], out[max_lines - 1].rstrip() + " …"]
    return out


def render_static_map(
    reference: Reference,
    values: pd.Series | None,
    *,
    title: str,
    subtitle_lines: Sequence[str] = (),
    value_label: str = "",
    scheme: str = "quantiles",
    k: int = 5,
    decimals: int = 0,
    flows: pd.DataFrame | None = None,
    top_n: int = 150,
    local_counts: pd.Series | None = None,
    highlight: Iterable[str] = (),
    highlight_label: str = "",
    date: dt.date | None = None,
    fmt: Format = "png",
    width_px: int = 2400,
    dpi: int = 200,
    lang: str = "nl",
    focus: str | Iterable[str] | None = None,
    level: str = "regions",
    neutral: bool | None = None,
) -> bytes:
    """Render a presentation-quality static map of Flanders and Brussels.

    A 16:9 landscape page: title, date and filters on top, the map (EPSG:31370)
    in the middle, legends and the data credit below. Fonts and lines scale with
    the physical width (``width_px / dpi`` inches), so a larger ``width_px`` at
    the same ``dpi`` gives the same picture at a higher resolution.

    Parameters
    ----------
    reference
        The reference geography.
    values
        One number per municipality, indexed by 5-digit NIS (missing or NaN → 0;
        codes outside Flanders/Brussels are ignored). ``None`` draws the
        municipalities without a choropleth.
    title
        The map title (plain text; ``$`` is not mathtext).
    subtitle_lines
        Lines under the title, typically the filters used; long lines wrap, at
        most four lines are shown.
    value_label
        What ``values`` are (the title of the choropleth legend).
    scheme
        Class breaks of the positive values: ``"quantiles"``, ``"natural_breaks"``
        (Fisher-Jenks) or ``"equal_interval"``; zero is a class of its own.
    k
        Number of classes of the positive values (1–7).
    decimals
        Decimals in the legend.
    flows
        Optional flows: the classified links themselves (then Walloon and foreign
        partners get lines to their province or country too), or a flow table
        as from :func:`optil_geo.maps.flow_table` (``lead_nis``, ``partner_nis``,
        ``class``, ``links``). Drawn as arcs bending to the right with an
        arrowhead at the partner, colour by class (a region line: its most common
        class), width by links (with a width legend), small flows lighter.
    top_n
        Draw only the ``top_n`` pairs with the most links (the legend says so);
        at region level at most 40.
    local_counts
        Optional number of local links per NIS, drawn as rings (at municipality
        level; at region level the rings are the links staying in a region).
    highlight
        NIS codes to mark with a hatched red outline (e.g. underserved ones).
    highlight_label
        The legend label of the highlighted municipalities (default: "Gemarkeerd").
    lang
        Language of every text the map adds (legends, date, notes).
    focus
        A focus area (see :func:`optil_geo.maps.focus_municipalities`): the map
        shows its extent with a margin, and only flows touching it, dashed by
        direction (inside solid, outgoing long dashes, incoming dots).
    level
        ``"regions"`` (default, the Flanders view of the web map) or
        ``"municipalities"``.
    neutral
        Draw the choropleth in light greys; default: when flows are drawn.
    date
        The date in the subtitle (``dd-mm-jjjj``); default today.
    fmt
        ``"png"`` or ``"pdf"`` (one page, vector).
    width_px
        Width of the PNG in pixels (the PDF page is ``width_px / dpi`` inches wide).
    dpi
        Resolution of the PNG.

    Returns
    -------
    bytes
        The PNG or PDF file.

    Raises
    ------
    SettingsError
        When ``scheme``, ``fmt``, ``k``, ``width_px``, ``dpi`` or ``top_n`` is
        outside what is allowed.
    """
    _check(scheme=scheme, k=k, fmt=fmt, width_px=width_px, dpi=dpi, top_n=top_n, values=values)
    if level not in ("regions", "municipalities"):
        raise SettingsError(f"`level` was {level!r} but must be 'regions' or 'municipalities'")
    focus_set = _flowdata.focus_municipalities(reference, focus)
    has_flows = flows is not None and not flows.empty
    fig = _figure(
        reference,
        values,
        title=title,
        subtitle_lines=list(subtitle_lines),
        value_label=value_label,
        scheme=scheme,
        k=k,
        decimals=decimals,
        flows=flows,
        top_n=top_n,
        local_counts=local_counts,
        highlight={str(n) for n in highlight},
        highlight_label=highlight_label or _t("mp_highlight", lang),
        date=date or dt.datetime.now().astimezone().date(),
        width_in=width_px / dpi,
        dpi=dpi,
        lang=lang,
        focus=focus_set,
        level=level,
        neutral=has_flows if neutral is None else neutral,
    )
    buffer = io.BytesIO()
    metadata = {"Title": title, "Creator": "optil-geo"} if fmt == "pdf" else {"Title": title}
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
    fig.clear()
    return buffer.getvalue()


def _figure(
    reference: Reference,
    values: pd.Series | None,
    *,
    title: str,
    subtitle_lines: list[str],
    value_label: str,
    scheme: str,
    k: int,
    decimals: int,
    flows: pd.DataFrame | None,
    top_n: int,
    local_counts: pd.Series | None,
    highlight: set[str],
    highlight_label: str,
    date: dt.date,
    width_in: float,
    dpi: int,
    lang: str = "nl",
    focus: frozenset[str] = frozenset(),
    level: str = "regions",
    neutral: bool = False,
) -> Figure:
    """Build the figure: texts and legends first, then the map in the space left."""
    s = width_in / _REFERENCE_WIDTH_IN
    height_in = width_in * _ASPECT
    # Measure text at the output resolution: hinting makes widths depend on the dpi.
    fig = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    geo = _geometry(reference)
    margin = 0.045  # of the width
    left, right = margin, 1 - margin

    def fy(inches: float) -> float:  # inches from the bottom → figure fraction
        return inches / height_in

    # Title and subtitle.
    top = 1 - fy(0.32 * s)
    t = _title(fig, renderer, title, x=left, y=top, max_width_in=(right - left) * width_in, s=s)
    cursor = t.get_window_extent(renderer).y0 / fig.dpi
    stand = _t("mp_date", lang, date=f"{date:%d-%m-%Y}")
    sub = [f"{stand} · {subtitle_lines[0]}", *subtitle_lines[1:]] if subtitle_lines else [stand]
    sub_text = "\n".join(_wrap(sub, width=120, max_lines=4))
    st = fig.text(
        left,
        fy(cursor - 0.1 * s),
        sub_text,
        fontsize=12 * s,
        color=_MUTED,
        va="top",
        linespacing=1.35,
        parse_math=False,
    )
    map_top = st.get_window_extent(renderer).y0 / fig.dpi - 0.15 * s

    # Credit in the bottom margin.
    credit = fig.text(
        left,
        fy(0.28 * s),
        reference.credit,
        fontsize=8.5 * s,
        color=_MUTED,
        va="bottom",
        parse_math=False,
    )
    fig.text(
        right,
        fy(0.28 * s),
        "optil-geo · EPSG:31370",
        fontsize=8.5 * s,
        color=_MUTED,
        ha="right",
        va="bottom",
        parse_math=False,
    )
    legend_bottom = credit.get_window_extent(renderer).y1 / fig.dpi + 0.22 * s

    ax = fig.add_axes((left, 0.0, right - left, 1.0))
    ax.set_axis_off()

    # Choropleth, borders, outlines.
    fill, choro_rows, choro_note = _choropleth(
        reference, values, scheme, k, decimals, neutral=neutral, lang=lang
    )
    paths = geo["municipalities"]
    ax.add_collection(
        PathCollection(paths, facecolors=fill, edgecolors=_BORDER, linewidths=0.25 * s, zorder=1)
    )
    nis = reference.municipalities["nis"].to_numpy()
    marked = [p for p, n in zip(paths, nis, strict=True) if n in highlight]
    if marked:
        ax.add_collection(
            PathCollection(
                marked,
                facecolors="none",
                edgecolors=_HIGHLIGHT,
                hatch="////",
                linewidths=1.4 * s,
                zorder=3,
            )
        )
    ax.add_collection(
        PathCollection(
            geo["province"],
            facecolors="none",
            edgecolors=_PROVINCE,
            linewidths=4.2 * s,
            alpha=0.6,
            zorder=4,
        )
    )
    ax.add_collection(
        PathCollection(
            geo["refreg"], facecolors="none", edgecolors=_REFREG, linewidths=1.0 * s, zorder=5
        )
    )

    # Flows and local rings.
    drawn = _Drawn([], 0, 0, [], [], pd.Series(dtype=int))
    if flows is not None and not flows.empty:
        cap = min(top_n, 40) if level == "regions" else top_n
        drawn = _draw_flows(ax, reference, flows, cap, s, level=level, focus=focus)
        _draw_outside_labels(ax, reference, set(drawn.nodes), s, lang)
    rings = drawn.stays if level == "regions" and len(drawn.stays) else local_counts
    has_local = rings is not None and _draw_local(ax, reference, rings, s)
    _draw_labels(ax, reference, s)
    empty = not has_map_data(values, flows) and not marked
    if empty:
        ax.text(
            0.5,
            0.5,
            "\n".join(textwrap.wrap(_t("mp_empty", lang), 48)),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=16 * s,
            color=_TEXT,
            zorder=20,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.8", "facecolor": "white", "edgecolor": "#b35900"},
        )

    # Legends, left to right along the bottom.
    specs = _legends(
        s=s,
        value_label=value_label,
        choro_rows=choro_rows,
        choro_note=choro_note,
        drawn=drawn,
        has_local=has_local,
        ring_level=level if level == "regions" and len(drawn.stays) else "municipalities",
        highlight_label=highlight_label if marked else "",
        lang=lang,
        level=level,
    )
    legend_top = _place_legends(
        fig, renderer, specs, left=left, right=right, bottom=fy(legend_bottom), s=s
    )

    # The map fills the space between the subtitle and the legends.
    bottom = legend_top + fy(0.2 * s)
    ax.set_position((left, bottom, right - left, fy(map_top) - bottom))
    _fit_limits(
        ax,
        _focus_bounds(reference, focus)
        if focus
        else _with_nodes(geo["bounds"], drawn.nodes, reference),
    )
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    _scale_bar(ax, (x0, y0, x1, y1), s)
    return fig


def _fit_limits(ax: Any, bounds: tuple[float, float, float, float]) -> None:
    """Set limits with equal scale on both axes, the map centred in the axes box."""
    minx, miny, maxx, maxy = bounds
    pad = 1_500.0
    dx, dy = maxx - minx + 2 * pad, maxy - miny + 2 * pad
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    box_ratio = (box.width * fig_w) / (box.height * fig_h)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if dx / dy > box_ratio:
        dy = dx / box_ratio
    else:
        dx = dy * box_ratio
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)


def _with_nodes(
    bounds: tuple[float, float, float, float], codes: frozenset[str], reference: Reference
) -> tuple[float, float, float, float]:
    """Widen ``bounds`` (EPSG:31370) to hold the nodes lines run to, with room for a label."""
    if not codes:
        return bounds
    nodes = _node_positions(reference)
    lat = np.array([nodes[c][0] for c in codes])
    lon = np.array([nodes[c][1] for c in codes])
    x, y = _to_metric().transform(lon, lat)
    minx, miny, maxx, maxy = bounds
    return (
        min(minx, float(x.min()) - 4_000),
        min(miny, float(y.min()) - 6_000),
        max(maxx, float(x.max()) + 4_000),
        max(maxy, float(y.max()) + 3_000),
    )


def _focus_bounds(reference: Reference, focus: frozenset[str]) -> tuple[float, float, float, float]:
    """The focus area's extent in EPSG:31370 with a 15 % margin (at least 3 km)."""
    m = reference.municipalities
    if m.crs is not None and m.crs != CRS_METRIC:
        m = m.to_crs(CRS_METRIC)
    minx, miny, maxx, maxy = m[m["nis"].isin(focus)].total_bounds
    dx = max((maxx - minx) * 0.15, 3_000.0)
    dy = max((maxy - miny) * 0.15, 3_000.0)
    return (float(minx - dx), float(miny - dy), float(maxx + dx), float(maxy + dy))


def _legends(
    *,
    s: float,
    value_label: str,
    choro_rows: list[tuple[str, str]],
    choro_note: str,
    drawn: _Drawn,
    has_local: bool,
    ring_level: str,
    highlight_label: str,
    lang: str,
    level: str = "municipalities",
) -> list[_LegendSpec]:
    """Return the legends in reading order: handles, labels, title and a note under it.

    Only what is drawn: the classes on the map, the focus roles, the widths.
    """
    out: list[_LegendSpec] = []
    if choro_rows:
        handles: list[Any] = [
            Patch(facecolor=c, edgecolor=_BORDER, linewidth=0.6 * s) for c, _ in choro_rows
        ]
        labels = [label for _, label in choro_rows]
        out.append(_LegendSpec(handles, labels, value_label or _t("mp_value", lang), choro_note))
    words = class_labels(lang)
    if drawn.classes or has_local:
        handles = [
            Line2D([], [], color=CLASS_COLOURS[c], linewidth=3.2 * s, solid_capstyle="round")
            for c in drawn.classes
        ]
        labels = [words[c] for c in drawn.classes]
        if has_local:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=11 * s,
                    markerfacecolor=CLASS_COLOURS["local"] + "26",
                    markeredgecolor=CLASS_COLOURS["local"],
                    markeredgewidth=1.6 * s,
                )
            )
            labels.append(_t("mp_ring_region" if ring_level == "regions" else "mp_ring", lang))
        if drawn.widths and drawn.classes:
            top = drawn.widths[0][0]
            for n, _ in drawn.widths:
                handles.append(Line2D([], [], color="#555555", linewidth=_width_points(n, top, s)))
                labels.append(_t("mp_links_n", lang, n=format_number(n, 0, lang=lang)))
        notes = []
        if drawn.classes:
            notes.append(_t("mp_width_title", lang))
        if drawn.total > drawn.shown:
            notes.append(_t("mp_largest", lang, shown=drawn.shown, total=drawn.total))
        if level == "regions" and drawn.classes:
            notes.append(_t("mp_dominant", lang).rstrip("."))
        out.append(_LegendSpec(handles, labels, _t("mp_flows_title", lang), "; ".join(notes)))
    if drawn.roles:
        handles = [
            Line2D([], [], color="#444444", linewidth=2.4 * s, linestyle=_DASHES[r])
            for r in drawn.roles
        ]
        labels = [_t(f"mp_role_{r}", lang) for r in drawn.roles]
        out.append(_LegendSpec(handles, labels, _t("mp_role_title", lang)))
    handles = [
        Line2D([], [], color=_REFREG, linewidth=1.2 * s),
        Line2D([], [], color=_PROVINCE, linewidth=4.2 * s, alpha=0.6),
    ]
    labels = [_t("mp_border_refreg", lang), _t("mp_border_province", lang)]
    if highlight_label:
        handles.append(Patch(facecolor="none", edgecolor=_HIGHLIGHT, hatch="////", linewidth=1.4))
        labels.append(highlight_label)
    out.append(_LegendSpec(handles, labels, _t("mp_borders", lang)))
    return out


def _place_legends(
    fig: Figure,
    renderer: Any,
    specs: list[_LegendSpec],
    *,
    left: float,
    right: float,
    bottom: float,
    s: float,
) -> float:
    """Spread the legends (and their notes) over the width above ``bottom``; return their top.

    Each legend has at most three rows. The first starts at ``left``, the last ends
    at ``right``, the gaps are equal. When they do not fit side by side, the
    widest legend gets fewer columns (more rows) until they do.
    """
    cols = [max(1, math.ceil(len(spec.labels) / 3)) for spec in specs]
    legends = [
        _legend(fig, spec.handles, spec.labels, title=spec.title, ncol=c, s=s)
        for spec, c in zip(specs, cols, strict=True)
    ]
    # Notes wrap at about the width of a legend, so a long note never pushes
    # the legends into each other.
    notes = [
        fig.text(
            left,
            bottom,
            "\n".join(textwrap.wrap(spec.note, 46)),
            fontsize=9.5 * s,
            color=_MUTED,
            va="bottom",
            parse_math=False,
        )
        for spec in specs
    ]
    note_h = max((n.get_window_extent(renderer).height for n in notes if n.get_text()), default=0)
    lift = note_h / fig.bbox.height + 0.016 * s if note_h else 0.0

    def width(i: int) -> float:
        note = notes[i].get_window_extent(renderer).width if notes[i].get_text() else 0.0
        return max(legends[i].get_window_extent(renderer).width, note) / fig.bbox.width

    widths = [width(i) for i in range(len(specs))]
    min_gap = 0.025
    # At most four rows: a taller legend would squeeze the map itself.
    floor = [max(1, math.ceil(len(spec.labels) / 4)) for spec in specs]
    while sum(widths) + min_gap * (len(widths) - 1) > right - left:
        narrower = [j for j in np.argsort(widths)[::-1] if cols[j] > floor[j]]
        if not narrower:
            break
        i = int(narrower[0])
        cols[i] -= 1
        legends[i].remove()
        legends[i] = _legend(
            fig, specs[i].handles, specs[i].labels, title=specs[i].title, ncol=cols[i], s=s
        )
        widths[i] = width(i)
    # Still too wide: smaller type for every legend, rather than legends over each other.
    shrink = 1.0
    while sum(widths) + min_gap * (len(widths) - 1) > right - left and shrink > 0.6:
        shrink -= 0.08
        for j, spec in enumerate(specs):
            legends[j].remove()
            legends[j] = _legend(
                fig, spec.handles, spec.labels, title=spec.title, ncol=cols[j], s=s * shrink
            )
            widths[j] = width(j)
    gap = ((right - left) - sum(widths)) / (len(widths) - 1) if len(widths) > 1 else 0.0
    heights = [legend.get_window_extent(renderer).height / fig.bbox.height for legend in legends]
    top = bottom + max(
        h + (lift if n.get_text() else 0.0) for h, n in zip(heights, notes, strict=True)
    )
    x = left
    for legend, note, w, h in zip(legends, notes, widths, heights, strict=True):
        # All legends hang from the same top line; a note sits under its legend.
        legend.set_loc("upper left")
        legend.set_bbox_to_anchor((x, top), transform=fig.transFigure)
        note.set_position((x, top - h - lift + 0.004 * s))
        x += w + gap
    return top


# --------------------------------------------------------------------------- underserved


def underserved_map(
    reference: Reference,
    measures: pd.DataFrame,
    *,
    rules: Any = None,
    lang: str = "nl",
    metric: str | None = None,
    value_label: str | None = None,
    title: str | None = None,
    subtitle_lines: Sequence[str] = (),
    scheme: str = "quantiles",
    decimals: int = 2,
    fmt: Format = "png",
    width_px: int = 2400,
    dpi: int = 200,
) -> bytes:
    """Render the underserved municipalities over the choropleth of their involvement.

    The text under the title says what the map shows: the filters passed in
    ``subtitle_lines``, then the definition in one line and the counts (in
    ``lang``); an empty selection says so instead of marking anything.

    Parameters
    ----------
    reference
        The reference geography.
    measures
        The table of :func:`optil_geo.municipality_measures` (or of
        :func:`optil_geo.flag_underserved`): ``nis``, ``metric`` and ``underserved``;
        ``underserved_area`` and ``projects_involved`` when present are counted.
    rules
        The :class:`optil_geo.UnderservedRules` that made the flags (defaults when
        omitted): they give the definition line and the default ``metric``.
    lang
        The language of the texts: ``nl`` or ``en``.
    metric
        The column shown as choropleth; default the rules' metric per 10,000.
    value_label, title
        The legend title and the map title; by default from the text catalogue.
    subtitle_lines, scheme, decimals, fmt, width_px, dpi
        As in :func:`render_static_map`.
    """
    from optil_geo.texts import check_language, text  # noqa: PLC0415
    from optil_geo.underserved import (  # noqa: PLC0415
        UnderservedRules,
        selection_is_empty,
    )

    check_language(lang)
    rules = rules or UnderservedRules()
    metric = metric or f"{rules.metric}_per_10k"
    missing = [c for c in ("nis", metric, "underserved") if c not in measures.columns]
    if missing:
        raise SettingsError(
            f"`measures` lacks the column(s) {missing!r}; pass the table of municipality_measures"
        )
    table = measures.set_index("nis")
    flagged = table.index[table["underserved"].astype(bool)]
    empty = "projects_involved" in table.columns and selection_is_empty(table)
    lines = [*subtitle_lines, *_underserved_lines(table, rules, lang, empty=empty)]
    label = text(f"gap_metric_{rules.metric}", lang) + " " + text("t_per_10k", lang)
    return render_static_map(
        reference,
        table[metric],
        title=title or text("uw_title", lang),
        subtitle_lines=lines,
        value_label=value_label or label,
        scheme=scheme,
        decimals=decimals,
        highlight=[str(n) for n in flagged],
        highlight_label=text("uw_map_highlight", lang, n=len(flagged)),
        fmt=fmt,
        width_px=width_px,
        dpi=dpi,
        lang=lang,
    )


def _underserved_lines(table: pd.DataFrame, rules: Any, lang: str, *, empty: bool) -> list[str]:
    """The definition in one line and the counts, or the empty-selection message."""
    from optil_geo.texts import format_number, text  # noqa: PLC0415
    from optil_geo.underserved import short_definition  # noqa: PLC0415

    if empty:
        return [text("uw_empty", lang)]
    flagged = table["underserved"].astype(bool)
    areas = (
        int(table.loc[flagged, "underserved_area"].nunique())
        if "underserved_area" in table.columns
        else 0
    )
    counts = text(
        "uw_map_counts",
        lang,
        n=format_number(int(flagged.sum()), lang=lang),
        total=format_number(len(table), lang=lang),
        areas=format_number(areas, lang=lang),
    )
    return [f"{short_definition(rules, lang=lang)} {counts}".strip()]
