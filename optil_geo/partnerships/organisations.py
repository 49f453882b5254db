"""One key for organisation names: case, accents, punctuation and legal form ignored.

``Bib Gent vzw``, ``bib gent`` and ``Bib  Gent`` are one organisation. The import
compares partners with their lead by this key, and the overview counts distinct
organisations by it, so that the two never disagree.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from optil_geo._distinct import distinct

__all__ = ["organisation_key", "organisation_keys"]

_LEGAL_FORMS = frozenset({"vzw", "ivzw", "asbl", "aisbl", "bv", "bvba", "nv", "cv", "cvba", "vof"})
_NOT_A_WORD = re.compile(r"[^0-9a-z]+")


def organisation_key(name: object) -> str:
    """Return the comparison key of one organisation name.

    Lowercased, accents and other combining marks removed (Unicode NFKD, so that
    full-width letters and ligatures read as plain letters, ``ß`` as ``ss``), every
    run of characters other than ``a-z`` and ``0-9`` one space, legal forms such as
    ``vzw`` dropped; ``""`` for a missing name.
    """
    if not isinstance(name, str):
        name = "" if name is None or pd.isna(name) else str(name)  # type: ignore[call-overload]
    text = name
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
        text = text.replace("ß", "ss")
    words = _NOT_A_WORD.split(text.lower())
    return " ".join(w for w in words if w and w not in _LEGAL_FORMS)


def organisation_keys(names: pd.Series) -> np.ndarray:
    """Return the key of every name (an object array), each distinct name keyed once.

    See :func:`organisation_key`.
    """
    found = distinct(names)
    return found.spread(found.decide(organisation_key))
