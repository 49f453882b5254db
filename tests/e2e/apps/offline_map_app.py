"""Throwaway Streamlit app for ``tests/e2e/test_offline_map.py``.

Draws three squares around Belgium (a GeoJson layer with tooltips), one
``folium.Polygon``, one ``CircleMarker`` with a popup, a ``DivIcon`` marker and a
default Leaflet marker through ``st_folium``, with Leaflet served from
``static/leaflet`` next to this file. The test copies this file to a temporary
folder and runs it there, so the static files never land in the repository.

``squares_map()`` is importable without running the app: Streamlit runs the
main script as ``__main__``.
"""

from __future__ import annotations

from pathlib import Path

import folium


def _square(west: float, south: float, size: float) -> list[list[float]]:
    east, north = west + size, south + size
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def squares_map() -> folium.Map:
    """Build the test map: no tiles, EPSG:4326 squares around Belgium."""
    m = folium.Map(location=[50.8, 4.4], zoom_start=7, tiles=None)
    squares = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [_square(west, 50.5, 0.4)]},
            }
            for name, west in [("west", 3.0), ("midden", 3.4), ("oost", 3.8)]
        ],
    }
    layer = folium.FeatureGroup(name="Vierkanten").add_to(m)
    folium.GeoJson(
        squares,
        name="squares",
        style_function=lambda _: {"color": "#1f4e79", "fillColor": "#9ecae1", "weight": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(layer)
    folium.Polygon([[51.0, 5.0], [51.3, 5.0], [51.3, 5.4], [51.0, 5.4]], color="#b30000").add_to(m)
    folium.CircleMarker(
        [50.3, 4.6], radius=12, fill=True, popup=folium.Popup("Hallo popup")
    ).add_to(m)
    folium.Marker([50.3, 5.2], icon=folium.DivIcon(html="<b class='optil-label'>L</b>")).add_to(m)
    folium.Marker([50.2, 3.4]).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def main() -> None:
    """Render the map with Leaflet from this app's own static folder."""
    import streamlit as st
    from streamlit_folium import st_folium

    from optil_geo._assets import install_static_assets, use_local_assets

    install_static_assets(Path(__file__).parent / "static")
    st.title("Offline map")
    st_folium(
        use_local_assets(squares_map()), key="map", height=420, width=700, returned_objects=[]
    )


if __name__ == "__main__":
    main()
