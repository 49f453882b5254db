"""One key for organisation names: case, accents, punctuation and legal form ignored.

``Bib Gent vzw``, ``bib gent`` and ``Bib  Gent`` are one organisation. The import
compares partners with their lead by this key, and the overview counts distinct
organisations by it, so that the two never disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo._distinct import TEXT, Distinct

__all__ = ["organisation_key", "organisation_key_codes", "organisation_keys"]

_LEGAL_FORMS = ("vzw", "ivzw", "asbl", "aisbl", "bv", "bvba", "nv", "cv", "cvba", "vof")


def organisation_key(name: object) -> str:
    """Return the comparison key of one organisation name (see :func:`organisation_keys`)."""
    return str(organisation_keys(pd.Series([name], dtype=object))[0])


def organisation_keys(names: pd.Series) -> np.ndarray:
    """Return the key of every name (an object array), each distinct name keyed once.

    Lowercased, accents and other combining marks removed (Unicode NFKD, so that
    full-width letters and ligatures read as plain letters, ``ß`` as ``ss``), every
    run of characters other than ``a-z`` and ``0-9`` one space, legal forms such as
    ``vzw`` dropped; ``""`` for a missing name.
    """
    keys = organisation_key_codes(names)
    return keys.spread(keys.values)


def organisation_key_codes(names: pd.Series) -> Distinct:
    """Return the organisation keys of ``names`` as codes: equal keys, equal codes.

    Each distinct name is keyed once; names with the same key (``CC Gent vzw``,
    ``cc gent``) share a code, so that comparing organisations compares integers.
    """
    text = pd.Series(names, copy=False).astype(TEXT).fillna("")
    arrow = pa.array(text.array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    found = pc.dictionary_encode(arrow)  # each distinct name once
    keys = pc.dictionary_encode(_keys_of(found.dictionary))  # equal keys, one code
    key_of_name = keys.indices.to_numpy(zero_copy_only=False)
    codes = key_of_name[found.indices.to_numpy(zero_copy_only=False)]
    return Distinct(np.asarray(codes, dtype=np.intp), keys.dictionary.to_pylist())


def _keys_of(names: pa.Array) -> pa.Array:
    """The keys of a pyarrow text array, step by step with pyarrow's string kernels."""
    text = pc.utf8_normalize(names, "NFKD")
    text = pc.replace_substring_regex(text, r"\p{M}+", "")  # the accents NFKD split off
    text = pc.utf8_lower(pc.replace_substring(text, "ß", "ss"))
    text = pc.replace_substring_regex(text, "[^0-9a-z]+", " ")  # words of a-z and 0-9 only
    # A legal form goes with the space after it, so that one space stays between words.
    text = pc.replace_substring_regex(text, rf"\b({'|'.join(_LEGAL_FORMS)})\b ?", "")
    return pc.utf8_trim_whitespace(text)
