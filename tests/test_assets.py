"""Offline map assets: local Leaflet for st_folium, inlined Leaflet for HTML export."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import branca.colormap
import folium
import folium.plugins
import pytest

from optil_geo._assets import (
    DEFAULT_BASE_URL,
    external_urls,
    install_static_assets,
    leaflet_files,
    standalone_html,
    use_local_assets,
)

SQUARE = {
    "type": "Feature",
    "properties": {"name": "vierkant"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[4.0, 50.5], [4.4, 50.5], [4.4, 50.9], [4.0, 50.9], [4.0, 50.5]]],
    },
}
SRC_OR_HREF = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]*)\"")


def _map() -> folium.Map:
    m = folium.Map(location=[50.7, 4.2], zoom_start=8, tiles=None)
    squares = {"type": "FeatureCollection", "features": [SQUARE]}
    folium.GeoJson(squares, tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    folium.CircleMarker([50.6, 4.6], popup=folium.Popup("popup")).add_to(m)
    folium.Marker([50.7, 4.7], icon=folium.DivIcon(html="<b>L</b>")).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_leaflet_files_are_the_shipped_leaflet_1_9_3() -> None:
    files = leaflet_files()
    assert sorted(files) == ["images", "leaflet.css", "leaflet.js"]
    assert 't.version="1.9.3"' in files["leaflet.js"].read_text(encoding="utf-8")
    assert (files["images"] / "marker-icon.png").is_file()


def test_a_plain_folium_map_loads_from_cdns() -> None:
    # The reason this module exists; if folium stops doing this, revisit it.
    assert any(
        "cdn.jsdelivr.net/npm/leaflet@1.9.3" in url
        for url in external_urls(_map().get_root().render())
    )


def test_use_local_assets_links_only_local_leaflet() -> None:
    m = _map()
    m.get_root().render()  # an earlier render leaves CDN links in the header

    html = use_local_assets(m).get_root().render()

    assert external_urls(html) == []
    assert SRC_OR_HREF.findall(html) == [
        f"{DEFAULT_BASE_URL}/leaflet.js",
        f"{DEFAULT_BASE_URL}/folium-support.js",
        f"{DEFAULT_BASE_URL}/leaflet.css",
    ]


def test_use_local_assets_changes_one_map_only() -> None:
    m = use_local_assets(_map(), base_url="/static/leaflet/")

    assert m.default_js == [
        ("leaflet", "/static/leaflet/leaflet.js"),
        ("jquery", "/static/leaflet/folium-support.js"),
    ]
    assert m.default_css == [("leaflet_css", "/static/leaflet/leaflet.css")]
    assert ("jquery", "https://code.jquery.com/jquery-3.7.1.min.js") in folium.Map.default_js
    assert any(url.startswith("https://") for url in external_urls(_map().get_root().render()))


def test_use_local_assets_is_idempotent() -> None:
    m = use_local_assets(use_local_assets(_map()))
    assert len(SRC_OR_HREF.findall(m.get_root().render())) == 3


@pytest.mark.parametrize(
    ("add", "needle"),
    [
        (
            lambda m: branca.colormap.StepColormap(["red", "blue"], vmin=0, vmax=1).add_to(m),
            "StepColormap (branca colormaps load d3",
        ),
        (
            lambda m: folium.Marker([50.5, 4.5], icon=folium.Icon()).add_to(m),
            "Icon (needs Leaflet.awesome-markers",
        ),
        (lambda m: folium.plugins.MarkerCluster().add_to(m), "MarkerCluster (loads 'https://"),
    ],
    ids=["colormap", "awesome-icon", "plugin"],
)
def test_use_local_assets_refuses_elements_that_need_the_internet(
    add: Callable[[folium.Map], object], needle: str
) -> None:
    m = _map()
    add(m)
    with pytest.raises(ValueError, match=re.escape(needle)):
        use_local_assets(m)


def test_use_local_assets_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match=r"`m` was a 'Figure' but must be a folium.Map"):
        use_local_assets(folium.Figure())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`base_url` was ' '"):
        use_local_assets(_map(), base_url=" ")


def test_standalone_html_inlines_leaflet_and_loads_nothing() -> None:
    html = standalone_html(_map())

    assert external_urls(html) == []
    assert SRC_OR_HREF.findall(html) == []  # no <script src> / <link href> at all
    assert 't.version="1.9.3"' in html
    assert ".leaflet-container" in html  # the CSS
    assert "url(images/" not in html
    assert 'url("data:image/png;base64,' in html
    assert 'L.Icon.Default.imagePath = "";' in html
    assert "sourceMappingURL" not in html
    assert html.count("<script>") - html.count("</script>") == 0


def test_standalone_html_leaves_the_map_as_it_was() -> None:
    cdn_map, local_map = _map(), use_local_assets(_map())
    before = (local_map.default_js, local_map.default_css)

    standalone_html(cdn_map)
    standalone_html(local_map)

    assert "default_js" not in vars(cdn_map)
    assert "leaflet.js" in " ".join(external_urls(cdn_map.get_root().render()))
    assert (local_map.default_js, local_map.default_css) == before
    assert external_urls(local_map.get_root().render()) == []
    assert "optil-geo-inline" not in local_map.get_root().render()


def test_install_static_assets_copies_leaflet(tmp_path: Path) -> None:
    folder = install_static_assets(tmp_path / "static")

    assert folder == tmp_path / "static" / "leaflet"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "folium-support.js",
        "images/layers-2x.png",
        "images/layers.png",
        "images/marker-icon-2x.png",
        "images/marker-icon.png",
        "images/marker-shadow.png",
        "leaflet.css",
        "leaflet.js",
    ]
    assert (folder / "leaflet.js").read_bytes() == leaflet_files()["leaflet.js"].read_bytes()


def test_install_static_assets_rewrites_only_what_changed(tmp_path: Path) -> None:
    folder = install_static_assets(tmp_path)
    css, js = folder / "leaflet.css", folder / "leaflet.js"
    js_stat = js.stat()
    css.write_text("broken", encoding="utf-8")

    install_static_assets(tmp_path)

    assert css.read_bytes() == leaflet_files()["leaflet.css"].read_bytes()
    assert (js.stat().st_ino, js.stat().st_mtime_ns) == (js_stat.st_ino, js_stat.st_mtime_ns)


def test_install_static_assets_survives_a_race(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        folders = set(pool.map(lambda _: install_static_assets(tmp_path), range(16)))

    (folder,) = folders
    assert (folder / "leaflet.js").read_bytes() == leaflet_files()["leaflet.js"].read_bytes()
    assert [p.name for p in folder.rglob("*.tmp")] == []


def test_external_urls_finds_loads_not_links() -> None:
    html = """
        <script src="https://cdn.example/a.js"></script>
        <link rel="stylesheet" href="//cdn.example/b.css"/>
        <script>var p = $(`<div><img src=\\"http://img.example/c.png\\"></div>`)[0];</script>
        <style>.x { background: url('https://img.example/d.png') } @import "http://e.example/e.css";</style>
        <script src="https://cdn.example/a.js"></script>
        <a href="https://leafletjs.com">Leaflet</a>
        <script src="../../app/static/leaflet/leaflet.js"></script>
        <img src="data:image/png;base64,AAAA">
    """
    assert external_urls(html) == [
        "https://cdn.example/a.js",
        "//cdn.example/b.css",
        "http://img.example/c.png",
        "https://img.example/d.png",
        "http://e.example/e.css",
    ]
