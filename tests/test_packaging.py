"""The declared dependency bounds: the oldest versions CI tests are the ones pyproject allows."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

_LOWER_BOUND = re.compile(r"^([A-Za-z0-9_.-]+)>=([0-9][0-9A-Za-z.]*)(?:,.*)?$")


def _lower_bounds() -> dict[str, str]:
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    bounds: dict[str, str] = {}
    for requirement in requirements:
        match = _LOWER_BOUND.match(requirement)
        assert match, f"{requirement!r} has no '>=' lower bound to test"
        bounds[match.group(1)] = match.group(2)
    return bounds


def _pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in (REPO / ".ci" / "minimum-versions.txt").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"{line!r} in .ci/minimum-versions.txt is not 'name==version'"
        pins[name] = version
    return pins


def test_minimum_versions_are_the_lower_bounds() -> None:
    # CI installs .ci/minimum-versions.txt as constraints and runs the tests again: a
    # bound raised or added in pyproject.toml must be raised or added there too.
    assert _pinned() == _lower_bounds()


def test_lower_bounds_cover_what_the_code_needs() -> None:
    bounds = _lower_bounds()
    # The str dtype with NaN as missing value and copy-on-write: pandas 3.
    assert int(bounds["pandas"].split(".")[0]) >= 3
    # st_folium's click counter (last_object_clicked_count) came in 0.27.3.
    assert tuple(int(p) for p in bounds["streamlit-folium"].split(".")) >= (0, 27, 3)
