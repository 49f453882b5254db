"""The one text catalogue and number formatting by interface language."""

from __future__ import annotations

import math
import tomllib
from importlib.resources import files

import numpy as np
import pytest

from optil_geo import maps, texts, underserved
from optil_geo._errors import InputError


def test_format_number_dutch() -> None:
    assert texts.format_number(12345.678, 1) == "12.345,7"
    assert texts.format_number(1234567) == "1.234.567"
    assert texts.format_number(0.5, 2) == "0,50"
    assert texts.format_number(-1234.5, 1) == "-1.234,5"
    assert texts.format_number(np.float64(2.25), 1) == "2,2"  # round half to even
    assert texts.format_number(None) == "–"
    assert texts.format_number(math.nan) == "–"


def test_format_number_english() -> None:
    assert texts.format_number(12345.678, 1, lang="en") == "12,345.7"
    assert texts.format_number(1234567, lang="en") == "1,234,567"
    assert texts.format_percent(0.253, 1, lang="en") == "25.3%"
    assert texts.format_percent(0.253, 1) == "25,3%"
    assert texts.format_km(60.66, lang="en") == "60.7 km"
    assert texts.format_km(60.66) == "60,7 km"


def test_one_definition() -> None:
    assert maps.format_number is texts.format_number
    assert underserved.format_number is texts.format_number  # the reasons of witte vlekken


def test_sizes_in_messages_use_it() -> None:
    # A refused file's sizes are numbers, formatted in the language of the message.
    big = InputError(code="too_big", params={"file": "f.csv", "size": 2048.5, "cap": 1.5})
    big.params["setting"] = 1.5
    assert "2.048,5 MB groot; de grens is 1,5 MB" in str(big)
    assert "2,048.5 MB; the limit is 1.5 MB" in texts.error_message(big, "en")


def test_every_text_has_both_languages_and_the_same_fields() -> None:
    import string

    fields = string.Formatter()
    for key, entry in texts.catalogue().items():
        assert set(entry) == {"nl", "en"}, key
        names = [{f for _, f, _, _ in fields.parse(entry[lang]) if f} for lang in ("nl", "en")]
        assert names[0] == names[1], key


def test_a_key_is_defined_once_across_the_files() -> None:
    seen: dict[str, str] = {}
    folder = files("optil_geo") / "data" / "texts"
    for item in folder.iterdir():
        if item.name.endswith(".toml"):
            for key in tomllib.loads(item.read_text(encoding="utf-8")):
                assert key not in seen, f"{key} in {item.name} and {seen[key]}"
                seen[key] = item.name
    assert set(seen) == set(texts.catalogue())


def test_text_language_singular_and_unknown_keys() -> None:
    assert texts.text("page_map", "en") == "Map"
    assert texts.text("page_map") == "Kaart"
    assert texts.text("page_map", "xx") == "Kaart"
    assert texts.text("no_such_key", "en") == "no_such_key"
    plural = next(k for k in texts.catalogue() if f"{k}:1" in texts.catalogue())
    one = texts.catalogue()[f"{plural}:1"]["nl"]
    assert texts.text(plural, "nl", n=1) == one.format(n=1)
    assert texts.text(plural, "nl", n=2) != texts.text(plural, "nl", n=1)


def test_check_language() -> None:
    assert texts.check_language("en") == "en"
    with pytest.raises(texts.SettingsError, match="must be one of"):
        texts.check_language("fr")
