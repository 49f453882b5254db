"""The link classes stay apart for people with a colour-vision deficiency, and from the fill.

Colours are compared in CAM02-UCS, a perceptually uniform space: a distance of 1
is about a just-noticeable difference. Each class colour is simulated as seen
with deuteranopia, protanopia and tritanopia (colorspacious, severity 100, the
full deficiency) and with normal vision. The threshold of 20 units is about the
distance between two neighbouring Okabe-Ito colours seen normally: it asks that
two classes look as different to a person with a deficiency as two distinct
palette colours look to everyone. The issue's failure, lokaal and bovenregionaal
seen as the same grey under deuteranopia, measured 14.8 with the old palette.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optil_geo import maps

colorspacious = pytest.importorskip("colorspacious")

THRESHOLD = 20.0
VISIONS = ("normal", "deuteranomaly", "protanomaly", "tritanomaly")
# What a line is drawn over when flows are shown: the light neutral classes of the
# choropleth, the zero class and the map background.
FILLS = {
    **{f"neutral {i + 1}": c for i, c in enumerate(maps.NEUTRAL_COLOURS)},
    "zero": maps._ZERO_COLOUR,
    "background": "#f7f6f2",
}


def seen(hex_colour: str, vision: str) -> np.ndarray:
    """The colour in CAM02-UCS as seen with ``vision``."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    if vision != "normal":
        space = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, space, "sRGB1"), 0, 1)
    return np.asarray(colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS"))


def distance(a: str, b: str, vision: str) -> float:
    return float(np.linalg.norm(seen(a, vision) - seen(b, vision)))


@pytest.mark.parametrize("vision", VISIONS)
def test_every_pair_of_classes_stays_apart(vision: str) -> None:
    too_close = [
        (a, b, round(distance(maps.CLASS_COLOURS[a], maps.CLASS_COLOURS[b], vision), 1))
        for a, b in itertools.combinations(maps.CLASS_COLOURS, 2)
        if distance(maps.CLASS_COLOURS[a], maps.CLASS_COLOURS[b], vision) < THRESHOLD
    ]
    assert too_close == [], f"{vision}: class pairs closer than {THRESHOLD}: {too_close}"


@pytest.mark.parametrize("vision", VISIONS)
def test_every_class_stands_out_from_the_fill(vision: str) -> None:
    too_close = [
        (cls, fill, round(distance(colour, fill_colour, vision), 1))
        for cls, colour in maps.CLASS_COLOURS.items()
        for fill, fill_colour in FILLS.items()
        if distance(colour, fill_colour, vision) < THRESHOLD
    ]
    assert too_close == [], f"{vision}: classes too close to the fill: {too_close}"


def test_the_check_catches_the_old_palette() -> None:
    # The Okabe-Ito assignment the map had before: lokaal (#009E73) and
    # bovenregionaal (#CC79A7) under deuteranopia, the pair the issue reports.
    assert distance("#009E73", "#CC79A7", "deuteranomaly") < THRESHOLD
    assert distance("#009E73", "#CC79A7", "normal") > THRESHOLD


def test_cvd_simulation_changes_colours() -> None:
    # Guard against a simulation that silently does nothing: red and green collapse.
    assert distance("#d62728", "#2ca02c", "normal") > 40
    assert distance("#d62728", "#2ca02c", "deuteranomaly") < distance(
        "#d62728", "#2ca02c", "normal"
    )
