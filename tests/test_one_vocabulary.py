"""One language mechanism and one vocabulary: the catalogue, the glossary, the class order.

* No Python file keeps its own translations: a dict keyed by both ``"nl"`` and
  ``"en"`` (or a switch on ``lang == "en"``) outside the catalogue module is a second
  mechanism that drifts from the first.
* The glossary's words are used: Dutch texts never say *link* (in Dutch it is also
  "left"), English texts never call a link a *partnership* or a *collaboration*.
* Every legend and chart lists the classes in the one order of ``optil_geo.CLASSES``.
"""

from __future__ import annotations

import ast
import re

import altair as alt
import pandas as pd
import pytest

import optil_geo as og
from optil_geo import maps
from optil_geo.texts import catalogue
from tests.conftest import REPO

SOURCES = sorted(
    [
        REPO / "app.py",
        *(REPO / "optil_geo").rglob("*.py"),
        *(REPO / "ui").rglob("*.py"),
        *(REPO / "views").rglob("*.py"),
    ]
)

# Where a dict or switch keyed by language is not an interface translation, and why.
ALLOWED = {
    # The catalogue module itself: the language names and their Babel locales.
    "optil_geo/texts.py",
    # The data vocabulary (sectors, roles, target groups) keeps its own nl/en labels in
    # data/vocabulary.toml, read as data; label() picks one of the two.
    "optil_geo/vocabulary.py",
    # Place names by the language they are written in (exonyms), not interface text.
    "optil_geo/gazetteer.py",
    # Column headers the import accepts, by the language they are written in (data the
    # import matches; the column help lists those of the interface language).
    "optil_geo/_schema.py",
    # The demo generator's fictional organisation names abroad, in each country's
    # language (fr, nl, en, de): generated data, never shown as interface text.
    "optil_geo/demo.py",
}


def _language_keyed(tree: ast.AST) -> list[int]:
    """Lines of dicts keyed by both "nl" and "en", and of switches on lang == "nl"/"en"."""
    lines = []
    for node in ast.walk(tree):
        keys: set[str] = set()
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "dict":
            keys = {k.arg for k in node.keywords if k.arg}
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Name):
            named = node.left.id in {"lang", "language"}
            literal = [c.value for c in node.comparators if isinstance(c, ast.Constant)]
            if named and {"nl", "en"} & set(literal):
                lines.append(node.lineno)
        if {"nl", "en"} <= keys:
            lines.append(node.lineno)
    return lines


def test_the_detector_finds_what_it_looks_for() -> None:
    source = (
        'A = {"nl": "ja", "en": "yes"}\nB = dict(nl="ja", en="yes")\nC = x if lang == "en" else y\n'
    )
    assert _language_keyed(ast.parse(source)) == [1, 2, 3]
    assert _language_keyed(ast.parse('D = {"nl": 1}\nE = lang == "fr"\n')) == []


def test_no_translation_dictionaries_outside_the_catalogue() -> None:
    found = []
    for path in SOURCES:
        name = path.relative_to(REPO).as_posix()
        if name in ALLOWED:
            continue
        found += [f"{name}:{line}" for line in _language_keyed(ast.parse(path.read_text()))]
    assert not found, "translations outside optil_geo/data/texts/: " + ", ".join(found)


# ------------------------------------------------------------------ the glossary


def _texts(lang: str) -> dict[str, str]:
    return {key: entry.get(lang, "") for key, entry in catalogue().items()}


def test_dutch_texts_say_samenwerking_never_link() -> None:
    found = {k: v for k, v in _texts("nl").items() if re.search(r"\blinks?\b", v, re.I)}
    assert not found


def test_english_texts_call_a_link_a_link() -> None:
    wrong = re.compile(r"\b(collaborations?|cooperations?|partnership links?)\b", re.I)
    found = {k: v for k, v in _texts("en").items() if wrong.search(v)}
    assert not found
    # "partnership" is a project's partners together, never one lead → partner line.
    lines = re.compile(r"(local|urban|regional|show) partnerships|partnerships \(lead", re.I)
    assert not {k: v for k, v in _texts("en").items() if lines.search(v)}


def test_brussels_partners_are_never_called_supra_regional() -> None:
    # The rules make a Brussels partner urban (or regional for a Brussels lead).
    for key in ("class_help_supra_regional", "class_short_supra_regional"):
        assert "Brussel" not in catalogue()[key]["nl"]
        assert "Brussels" not in catalogue()[key]["en"]
    for key, entry in catalogue().items():
        if "supra_regional" in key and "help" in key:
            assert "Brussel," not in entry["nl"], key


# ------------------------------------------------------------------ one class order


def _chart_class_order(chart: alt.TopLevelMixin, lang: str) -> list[str]:
    """The classes in the order of a chart's colour legend (its scale's domain)."""
    spec = chart.to_dict()
    layers = spec.get("layer", [spec])
    labels = {label: code for code, label in og.class_labels(lang).items()}
    for layer in layers:
        colour = layer.get("encoding", {}).get("color", {})
        domain = colour.get("scale", {}).get("domain")
        if domain:
            return [labels[d] for d in domain]
    return []


def _in_order(classes: list[str]) -> bool:
    """Whether ``classes`` follow the order of og.CLASSES (a chart may leave some out)."""
    positions = [og.CLASSES.index(c) for c in classes]
    return positions == sorted(positions) and len(set(classes)) == len(classes)


def test_the_class_order_is_the_fixed_one() -> None:
    assert og.CLASSES == (
        "local",
        "regional",
        "urban",
        "supra_regional",
        "international",
        "unknown",
    )
    assert list(og.class_labels("nl")) == list(og.CLASSES)
    from ui.figures import GROUPS

    assert GROUPS == ("local_regional", "urban", "supra_regional", "international", "unknown")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_chart_lists_the_classes_in_the_one_order(lang: str, ref) -> None:  # type: ignore[no-untyped-def]
    from ui import charts

    links = pd.DataFrame(
        {
            "round": ["2021-1"] * 6,
            "class": list(reversed(og.CLASSES)),  # the data's order must not matter
            "lead_nis": ["44021"] * 6,
            "distance_km": [0.0, 5.0, 40.0, 60.0, float("nan"), float("nan")],
        }
    )
    orders = {
        "per round": _chart_class_order(charts.links_per_round(links, lang=lang), lang),
        "per region": _chart_class_order(charts.classes_per_region(links, ref, lang=lang), lang),
        "distances": _chart_class_order(charts.distance_histogram(links, lang=lang), lang),
    }
    assert orders["per round"] == list(og.CLASSES)
    assert orders["per region"] == list(og.CLASSES)
    assert orders["distances"] and _in_order(orders["distances"]), orders


def _demo_links(ref) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    data = og.read_partnerships(REPO / "data" / "demo" / "optil-geo-demo.xlsx", reference=ref)
    return og.build_links(data.projects, data.partners, reference=ref)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_map_legend_lists_the_classes_in_the_one_order(lang: str, ref) -> None:  # type: ignore[no-untyped-def]
    # The flow legend of the interactive map and of the exported HTML map.
    links = _demo_links(ref).iloc[::-1]  # the data's order must not matter
    _, summary = maps.flow_layer(links, ref, lang=lang, legend=False)
    legend = maps.flow_legend(summary, lang=lang)
    codes = {label: code for code, label in og.class_labels(lang).items()}
    # Local partners are drawn as rings (their legend row names the ring), the rest as lines.
    shown = [
        "local" if kind == "ring" else codes[label]
        for kind, _, label in legend.rows
        if kind in {"line", "ring"}
    ]
    assert len(shown) >= 5 and _in_order(shown), shown


def test_the_static_map_legend_lists_the_classes_in_the_one_order(
    ref, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from optil_geo import staticmap

    seen: list[list[str]] = []
    legends = staticmap._legends

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        seen.append(list(kwargs["drawn"].classes))
        return legends(**kwargs)

    monkeypatch.setattr(staticmap, "_legends", spy)
    links = _demo_links(ref).iloc[::-1]
    values = pd.Series(1.0, index=ref.municipalities["nis"])
    flows = maps.flow_table(links, ref)
    staticmap.render_static_map(
        ref, values, title="t", flows=flows, top_n=5000, fmt="png", width_px=600,
        level="municipalities",
    )  # fmt: skip
    # Lines join two municipalities on the map: regional, urban and supra-regional.
    assert seen and len(seen[0]) == 3 and _in_order(seen[0]), seen
