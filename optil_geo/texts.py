"""The text catalogue: every word the app, the command line and the exports show.

The analysis code returns codes and numbers; this module turns them into Dutch
(the default) or English. The texts live in TOML files in ``data/texts/``, one
file per part of the interface; together they form one catalogue in which every
key is unique (loading fails on a key defined twice). Each key holds an ``nl``
and an ``en`` text with ``str.format`` fields; a key ending in ``:1`` is the
singular form, taken when the count ``n`` is 1 ("1 rij", not "1 rijen").

Numbers are formatted by the language of the interface, never by the locale of
the machine or the browser: Dutch ``1.234,5``, English ``1,234.5`` (Babel's
CLDR data for ``nl_BE`` and ``en_GB``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib.resources import files

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

from optil_geo._errors import InputError, SettingsError

__all__ = [
    "LANGUAGES",
    "catalogue",
    "check_language",
    "error_message",
    "format_km",
    "format_number",
    "format_percent",
    "number_symbols",
    "text",
    "text_with",
]

LANGUAGES: Mapping[str, str] = {"nl": "Nederlands", "en": "English"}
"""The interface languages, Dutch first, with their names in their own language."""

_LOCALES = {"nl": "nl_BE", "en": "en_GB"}
_MISSING = "–"


@cache
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """Return every text of the catalogue, keyed by text key, then language.

    Raises
    ------
    SettingsError
        When two files define the same key, or a text lacks its Dutch version.
    """
    merged: dict[str, dict[str, str]] = {}
    owner: dict[str, str] = {}
    folder = files("optil_geo") / "data" / "texts"
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not item.name.endswith(".toml"):
            continue
        for key, entry in tomllib.loads(item.read_text(encoding="utf-8")).items():
            if key in merged:
                msg = f"text key {key!r} is defined in both {owner[key]} and {item.name}"
                raise SettingsError(msg)
            if "nl" not in entry:
                msg = f"text key {key!r} in {item.name} has no Dutch ('nl') text"
                raise SettingsError(msg)
            merged[key] = dict(entry)
            owner[key] = item.name
    return merged


def text(key: str, lang: str = "nl", /, **values: object) -> str:
    """Return the text for ``key`` in ``lang``, formatted with ``values``.

    Parameters
    ----------
    key
        A key of the catalogue. An unknown key is returned as it is, so a
        missing text shows up on screen instead of failing the page.
    lang
        ``nl`` or ``en``; anything else falls back to Dutch.
    **values
        Fields of the text. A count ``n`` of 1 selects the singular ``key:1``
        when the catalogue has it.
    """
    texts = catalogue()
    if str(values.get("n", "")) == "1" and f"{key}:1" in texts:
        key = f"{key}:1"
    entry = texts.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry["nl"]
    return template.format(**values) if values else template


def text_with(key: str, lang: str, params: Mapping[str, object]) -> str:
    """Return :func:`text` for ``key`` with ``params`` written for a reader of ``lang``.

    The parameters of a message are data (JSON-ready): a float is formatted in the
    language (``1.234,5`` / ``1,234.5``; no decimals when it is whole), a whole
    number is written as it is (a row number reads ``1594``, as the spreadsheet shows
    it), a list or tuple is joined with ``, ``, anything else is shown as text.
    """
    return text(key, lang, **{name: _param_text(v, lang) for name, v in params.items()})


def _param_text(value: object, lang: str) -> str:
    if isinstance(value, float):
        return format_number(value, 0 if value.is_integer() else 1, lang=lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def error_message(exc: BaseException, lang: str = "nl") -> str:
    """Return the message of an error in ``lang``.

    An :class:`~optil_geo.InputError` with a ``code`` (a refused file) is worded from
    the catalogue's ``refused_<code>`` (``refused_<code>_<variant>`` when its params
    name a ``variant``); any other error keeps its own message.
    """
    code = getattr(exc, "code", "") if isinstance(exc, InputError) else ""
    if not code:
        return str(exc)
    params = dict(getattr(exc, "params", {}))
    variant = params.pop("variant", "")
    key = f"refused_{code}" + (f"_{variant}" if variant else "")
    return text_with(key, lang, params)


def format_number(value: float | None, decimals: int = 0, *, lang: str = "nl") -> str:
    """Format a number for the interface language (``–`` for a missing value).

    Examples
    --------
    >>> format_number(12345.6, 1)
    '12.345,6'
    >>> format_number(12345.6, 1, lang="en")
    '12,345.6'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def format_percent(share: float | None, decimals: int = 0, *, lang: str = "nl") -> str:
    """Format a share (0.253) as a percentage (``25,3%`` / ``25.3%``)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return _MISSING
    return format_number(share * 100, decimals, lang=lang) + "%"


def format_km(km: float | None, decimals: int = 1, *, lang: str = "nl") -> str:
    """Format a distance in kilometres (``60,7 km`` / ``60.7 km``)."""
    if km is None or (isinstance(km, float) and math.isnan(km)):
        return _MISSING
    return format_number(km, decimals, lang=lang) + " km"


def number_symbols(lang: str = "nl") -> dict[str, str]:
    """Return the decimal mark and the thousands separator of ``lang`` (``,`` and ``.`` in Dutch).

    For formatters outside Python (the charts' d3-format locale), so that they
    separate numbers exactly as :func:`format_number` does.
    """
    locale = _locale(lang)
    return {"decimal": get_decimal_symbol(locale), "group": get_group_symbol(locale)}


def _locale(lang: str) -> str:
    return _LOCALES.get(lang, _LOCALES["nl"])


def check_language(lang: str) -> str:
    """Return ``lang`` when it is an interface language, or raise a helpful error."""
    if lang not in LANGUAGES:
        msg = f"`lang` was {lang!r} but must be one of {sorted(LANGUAGES)}"
        raise SettingsError(msg)
    return lang
