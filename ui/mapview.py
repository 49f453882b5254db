"""Helpers of the map pages that need no rendering: clicks on the map, partners without a line."""

from __future__ import annotations

from optil_geo import maps


def clicked_municipality(result: object, seen: object) -> tuple[tuple[int, str] | None, str | None]:
    """Return the click to remember and the municipality newly clicked (or None).

    ``st_folium`` returns the last click on every rerun; a click is new when its
    count (``last_object_clicked_count``, raised by every click, also a second one
    on the same municipality) differs from the one ``seen`` before. A freshly
    mounted map has no click yet: then nothing is remembered, so its first click
    always counts.
    """
    if not isinstance(result, dict):
        return None, None
    count = result.get("last_object_clicked_count")
    drawing = result.get("last_active_drawing")
    props = drawing.get("properties") if isinstance(drawing, dict) else None
    nis = props.get("nis") if isinstance(props, dict) else None
    if not count or not nis:
        return None, None
    key = (int(count), str(nis))
    if isinstance(seen, tuple | list) and tuple(seen) == key:
        return key, None
    return key, str(nis)


# The partners without a line (Wallonia, abroad, unknown), without building the flows.
outside_summary = maps.outside_summary
