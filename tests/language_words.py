"""Word lists that tell the two interface languages apart, derived from the catalogue.

How the lists are made (and why they are honest):

* The interface's own words are every text of the catalogue (``optil_geo/data/texts``)
  and every label of the data vocabulary (sectors, sector groups, roles, target
  groups), per language.
* A word is a run of letters of at least four characters, lower-cased, with the
  catalogue's ``{fields}`` and Markdown code spans (setting names such as
  ``server.enableStaticServing``) left out. Shorter words are too often shared
  ("in", "de", "is") to tell the languages apart.
* **Dutch-only** words appear in some Dutch text and in no English text;
  **English-only** words the other way round.
* Names are not language: every word of the reference geography's names
  (municipalities in Dutch and French, regions, provinces, streken) and of the
  demo data's own texts (titles, organisations, places as written) is taken out of
  both lists. They show up in either language and must.
* **Raw codes** are the codes the library returns (classes, groups, reasons,
  location and match statuses, regions, validation codes); a code that is also a
  Dutch word of the catalogue (``exact``) is left out, since Dutch may use it.

A page, export or command output in English may contain no Dutch-only word; in
Dutch no English-only word and no raw code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, cast

import pandas as pd

import optil_geo as og
from optil_geo import dataio, gazetteer
from optil_geo.partnerships import PROBLEM_CODES
from optil_geo.texts import catalogue
from tests.conftest import REPO

_FIELD = re.compile(r"\{[^}]*\}")
_CODE_SPAN = re.compile(r"`[^`]*`")
_WORD = re.compile(r"[^\W\d_]+(?:[_'’-][^\W\d_]+)*", re.UNICODE)
MIN_LENGTH = 4


def words(text: str) -> set[str]:
    """The words of ``text`` (lower case, at least four letters; codes keep their '_')."""
    text = _CODE_SPAN.sub(" ", _FIELD.sub(" ", text))
    return {w.lower() for w in _WORD.findall(text) if len(w) >= MIN_LENGTH}


def _interface_texts(lang: str) -> list[str]:
    texts = [entry.get(lang, "") for entry in catalogue().values()]
    vocab = og.load_vocabulary()
    language = cast(Any, lang)
    for entries in (vocab.groups, vocab.sectors, vocab.roles, vocab.target_groups):
        texts += [entry.label(language) for entry in entries.values()]
    return texts


def _all_words(texts: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for text in texts:
        out |= words(str(text))
    return out


@cache
def names() -> frozenset[str]:
    """Words of place names and of the demo data's own texts: no language."""
    ref = og.load_reference()
    m = ref.municipalities
    columns = [c for c in ("name_nl", "name_fr", "refreg_name", "province_name") if c in m]
    columns += [c for c in ("streek_name",) if c in m]
    found = _all_words(pd.concat([m[c].astype(str) for c in columns]).unique())
    data = og.read_partnerships(REPO / "data" / "demo" / "optil-geo-demo.xlsx", reference=ref)
    for frame, cols in (
        (data.projects, ("project_id", "title", "lead_organisation", "lead_municipality")),
        (data.partners, ("organisation", "municipality", "country", "partner_name")),
    ):
        for col in cols:
            if col in frame:
                found |= _all_words(frame[col].astype(str).unique())
    return frozenset(found)


@cache
def dutch_only() -> frozenset[str]:
    """Words of the Dutch interface that the English interface never uses."""
    nl, en = _all_words(_interface_texts("nl")), _all_words(_interface_texts("en"))
    return frozenset(nl - en - names())


@cache
def english_only() -> frozenset[str]:
    """Words of the English interface that the Dutch interface never uses."""
    nl, en = _all_words(_interface_texts("nl")), _all_words(_interface_texts("en"))
    return frozenset(en - nl - names())


@cache
def raw_codes() -> frozenset[str]:
    """Codes of the library that must never reach a Dutch reader as they are."""
    codes = {
        *og.CLASSES,
        *og.CLASS_GROUPS.values(),
        *og.REASON_CODES,
        *dataio.LOCATION_CLASSES,
        *gazetteer.STATUSES,
        "flanders",
        "brussels",
        "wallonia",
        "abroad",
        *PROBLEM_CODES,  # the validation report's problem codes
    }
    dutch = _all_words(_interface_texts("nl"))
    return frozenset(c.lower() for c in codes if len(c) >= MIN_LENGTH) - dutch


def foreign_words(text: str, lang: str) -> set[str]:
    """Words of ``text`` that do not belong in the interface language ``lang``."""
    found = words(text)
    if lang == "en":
        return found & dutch_only()
    return found & (english_only() | raw_codes())
