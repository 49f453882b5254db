"""The public surface: exactly what ``optil_geo.__all__`` lists, nothing Streamlit."""

from __future__ import annotations

import subprocess
import sys
import types

import optil_geo


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name in dir(optil_geo)
        if not name.startswith("_") and not isinstance(getattr(optil_geo, name), types.ModuleType)
    }
    assert set(optil_geo.__all__) - {"__version__"} == public
    assert len(optil_geo.__all__) == len(set(optil_geo.__all__))
    for name in optil_geo.__all__:
        assert getattr(optil_geo, name) is not None


def test_importing_the_package_stays_light() -> None:
    code = (
        "import sys, optil_geo; "
        "print(sorted(m for m in ('matplotlib', 'folium', 'mapclassify', 'sklearn', 'streamlit') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert callable(optil_geo.render_static_map)  # loads on first use


def test_library_does_not_import_streamlit() -> None:
    code = (
        "import sys, optil_geo, optil_geo.maps, optil_geo.staticmap, optil_geo.cli; "
        "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
