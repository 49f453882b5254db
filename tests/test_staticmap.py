"""Static PNG/PDF maps: file format and size, what is drawn, user text, errors."""

from __future__ import annotations

import io
import re
import struct

import numpy as np
import pandas as pd
import pytest
from matplotlib import image as mpimg
from matplotlib.colors import to_rgb

from optil_geo._errors import SettingsError
from optil_geo.maps import _SEQUENTIAL, _ZERO_COLOUR, CLASS_COLOURS
from optil_geo.staticmap import (
    _HIGHLIGHT,
    _NO_DATA_FILL,
    _choropleth,
    render_static_map,
    underserved_map,
)

SMALL = {"width_px": 1200, "dpi": 100}  # the same layout at half the pixels: faster tests


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def pixels_near(data: bytes, colour: str, alpha: float = 1.0, over: str = "#ffffff") -> int:
    """Count pixels within 3/255 of ``colour`` drawn with ``alpha`` over ``over``."""
    img = mpimg.imread(io.BytesIO(data), format="png")[..., :3]
    want = alpha * np.array(to_rgb(colour)) + (1 - alpha) * np.array(to_rgb(over))
    return int((np.abs(img - want) <= 3 / 255).all(axis=-1).sum())


@pytest.fixture(scope="module")
def values(ref) -> pd.Series:  # type: ignore[no-untyped-def]
    """A value per municipality: 0 for the first 30, then 1, 2, … (all distinct)."""
    nis = ref.municipalities["nis"]
    return pd.Series(np.maximum(np.arange(len(nis)) - 29, 0), index=nis.to_numpy(), dtype=float)


def test_png_is_at_least_2000_px_wide_and_16_to_9(ref, values) -> None:  # type: ignore[no-untyped-def]
    data = render_static_map(ref, values, title="Projecten per gemeente")
    assert png_size(data) == (2400, 1350)
    assert mpimg.imread(io.BytesIO(data), format="png").shape[:2] == (1350, 2400)


def test_png_width_follows_width_px(ref) -> None:  # type: ignore[no-untyped-def]
    data = render_static_map(ref, None, title="Gemeenten", width_px=2000, dpi=160)
    assert png_size(data) == (2000, 1125)
    assert pixels_near(data, _NO_DATA_FILL) > 50_000


def test_pdf_has_one_page(ref, values) -> None:  # type: ignore[no-untyped-def]
    data = render_static_map(ref, values, title="Projecten", fmt="pdf")
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert b"/Title (Projecten)" in data


@pytest.mark.parametrize("scheme", ["quantiles", "natural_breaks", "equal_interval"])
def test_every_scheme_draws_zero_and_the_darkest_class(ref, values, scheme) -> None:  # type: ignore[no-untyped-def]
    data = render_static_map(ref, values, title=scheme, scheme=scheme, k=7, **SMALL)
    assert png_size(data) == (1200, 675)
    assert pixels_near(data, _ZERO_COLOUR) > 500
    assert pixels_near(data, _SEQUENTIAL[-1]) > 500


def test_choropleth_classes(ref) -> None:  # type: ignore[no-untyped-def]
    nis = ref.municipalities["nis"]
    vals = pd.Series({nis.iat[0]: 0.0, nis.iat[1]: 2.0, nis.iat[2]: 4.0, "99999": 9.0})
    fill, rows, note = _choropleth(ref, vals, "equal_interval", 2, 1)
    assert fill[:3] == [_ZERO_COLOUR, _SEQUENTIAL[0], _SEQUENTIAL[-1]]
    assert set(fill[3:]) == {_ZERO_COLOUR}  # missing → 0; a code off the map is ignored
    # Whole numbers: whole-number classes, as on the web map.
    assert rows == [
        (_ZERO_COLOUR, "0 (geen)"),
        (_SEQUENTIAL[0], "1–2"),
        (_SEQUENTIAL[-1], "3–4"),
    ]
    assert note == "Klassen: gelijke intervallen."
    fill, rows, note = _choropleth(ref, vals * 0.3, "equal_interval", 2, 1)
    assert [label for _, label in rows] == ["0 (geen)", "> 0,0 – 0,6", "> 0,6 – 1,2"]


def test_fewer_classes_than_asked_are_said(ref) -> None:  # type: ignore[no-untyped-def]
    nis = ref.municipalities["nis"]
    vals = pd.Series({nis.iat[1]: 2.0, nis.iat[2]: 4.0})
    _, rows, note = _choropleth(ref, vals, "quantiles", 5, 0, lang="en")
    assert [label for _, label in rows] == ["0 (none)", "1–2", "3–4"]
    assert "2 classes instead of 5" in note


def test_zero_only_values(ref) -> None:  # type: ignore[no-untyped-def]
    zeros = pd.Series(0.0, index=ref.municipalities["nis"].to_numpy())
    data = render_static_map(ref, zeros, title="Niets", value_label="Projecten", **SMALL)
    assert pixels_near(data, _ZERO_COLOUR) > 50_000
    assert all(pixels_near(data, c) == 0 for c in _SEQUENTIAL)


def test_flows_and_local_rings(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    flows = pd.DataFrame(
        {
            "lead_nis": [nis_of("Brugge"), nis_of("Hasselt")],
            "partner_nis": [nis_of("Genk"), nis_of("Antwerpen")],
            "class": ["urban", "supra_regional"],
            "links": [12, 3],
        }
    )
    plain = render_static_map(ref, None, title="Zonder", **SMALL)
    data = render_static_map(
        ref,
        None,
        title="Stromen",
        flows=flows,
        local_counts=pd.Series({nis_of("Gent"): 5}),
        level="municipalities",
        **SMALL,
    )
    # Small flows fade: the largest is drawn at 0.9, one of a quarter its size at
    # 0.2 + 0.7 * 0.25 ** 0.6 (about 0.5).
    for cls, alpha in (("urban", 0.9), ("supra_regional", 0.2 + 0.7 * 0.25**0.6)):
        assert pixels_near(plain, CLASS_COLOURS[cls], alpha, _NO_DATA_FILL) == 0
        assert pixels_near(data, CLASS_COLOURS[cls], alpha, _NO_DATA_FILL) > 100
    assert pixels_near(data, CLASS_COLOURS["local"]) > 20


def test_top_n_limits_the_flows(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    flows = pd.DataFrame(
        {
            "lead_nis": [nis_of("Brugge"), nis_of("Hasselt")],
            "partner_nis": [nis_of("Genk"), nis_of("Antwerpen")],
            "class": ["urban", "supra_regional"],
            "links": [12, 3],
        }
    )
    data = render_static_map(ref, None, title="Top 1", flows=flows, top_n=1, **SMALL)
    assert pixels_near(data, CLASS_COLOURS["urban"], 0.9, _NO_DATA_FILL) > 100
    for alpha in (0.9, 0.5, 0.2 + 0.7 * 0.25**0.6):
        assert pixels_near(data, CLASS_COLOURS["supra_regional"], alpha, _NO_DATA_FILL) == 0


def test_highlight_outlines_municipalities(ref, values, nis_of) -> None:  # type: ignore[no-untyped-def]
    plain = render_static_map(ref, values, title="Zonder", **SMALL)
    data = render_static_map(
        ref, values, title="Met", highlight=[nis_of("Gent"), nis_of("Bree")], **SMALL
    )
    assert pixels_near(plain, _HIGHLIGHT) == 0
    assert pixels_near(data, _HIGHLIGHT) > 100


def test_underserved_map(ref) -> None:  # type: ignore[no-untyped-def]
    nis = ref.municipalities["nis"].to_numpy()
    measures = pd.DataFrame(
        {
            "nis": nis,
            "projects_involved_per_10k": np.linspace(0, 5, len(nis)),
            "underserved": np.arange(len(nis)) < 40,
        }
    )
    data = underserved_map(ref, measures, **SMALL)
    assert pixels_near(data, _HIGHLIGHT) > 100
    with pytest.raises(SettingsError, match="underserved"):
        underserved_map(ref, measures.drop(columns="underserved"))


def test_user_text_is_not_mathtext(ref, values) -> None:  # type: ignore[no-untyped-def]
    # With mathtext on, `$\nocommand$` raises ValueError; here it is printed as it is.
    text = r"$\nocommand$ kost $5 & <b>$"
    for fmt in ("png", "pdf"):
        data = render_static_map(
            ref,
            values,
            title=text,
            subtitle_lines=[text, "€ 1.837.443 – 24 projecten"],
            value_label=text,
            highlight=["11002"],
            highlight_label=text,
            fmt=fmt,
            **SMALL,
        )
        assert len(data) > 10_000


def test_long_title_and_many_filter_lines_render(ref, values) -> None:  # type: ignore[no-untyped-def]
    data = render_static_map(
        ref,
        values,
        title="Een heel lange titel " * 8,
        subtitle_lines=[f"Filter {i}: " + "waarde, " * 30 for i in range(6)],
        **SMALL,
    )
    assert png_size(data) == (1200, 675)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("scheme", "kwantielen", "natural_breaks"),
        ("fmt", "svg", "'png', 'pdf'"),
        ("k", 0, "between 1 and 7"),
        ("width_px", 100, "between 600"),
        ("top_n", -1, "0 or more"),
    ],
)
def test_bad_options_name_the_argument(ref, values, option, value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=re.escape(message)) as info:
        render_static_map(ref, values, title="x", **{option: value})
    assert f"`{option}` was {value!r}" in str(info.value)


def test_values_must_be_a_series(ref) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match="pandas Series"):
        render_static_map(ref, {"11002": 1}, title="x")  # type: ignore[arg-type]


def test_no_figures_left_open(ref, values) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    render_static_map(ref, values, title="x", **SMALL)
    assert plt.get_fignums() == before
