"""One key for organisation names: case, accents, punctuation and legal form ignored.

``Bib Gent vzw``, ``bib gent`` and ``Bib  Gent`` are one organisation. The import
compares partners with their lead by this key, and the overview counts distinct
organisations by it, so that the two never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo.partnerships._text import _arrow

__all__ = ["organisation_key", "organisation_keys"]

_LEGAL_FORMS = frozenset({"vzw", "ivzw", "asbl", "aisbl", "bv", "bvba", "nv", "cv", "cvba", "vof"})


def organisation_key(name: object) -> str:
    """Return the comparison key of one organisation name (see :func:`organisation_keys`)."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
    (key,) = _keys_of(pa.array([text], type=pa.large_string())).to_pylist()
    return str(key)


def organisation_keys(names: pd.Series) -> np.ndarray:
    """Return the key of every name (an object array), each distinct name once.

    Lowercased, accents and other combining marks removed (Unicode NFKD, so that
    full-width letters and ligatures read as plain letters, ``ß`` as ``ss``), every
    run of characters other than ``a-z`` and ``0-9`` one space, legal forms such as
    ``vzw`` dropped; ``""`` for a missing name.
    """
    text = pd.Series(names.astype(object).fillna("").astype(str).to_numpy(), dtype=object)
    codes, keys = _organisation_key_codes([pa.array(text.to_numpy(), type=pa.large_string())])
    by_code = np.asarray(keys.to_pylist(), dtype=object)
    return by_code[codes] if len(by_code) else np.zeros(len(codes), dtype=object)


def _organisation_key_codes(parts: Sequence[Any]) -> tuple[np.ndarray, Any]:
    """Key the names of the pyarrow text arrays ``parts``, concatenated.

    Returns, per name, a code and the keys by code (a pyarrow array): two names have
    the same code exactly when their key is the same. Each distinct name is keyed
    once, then the codes are spread over the rows.
    """
    chunks: list[Any] = []
    for part in parts:
        text = _arrow(part) if isinstance(part, pd.Series) else part
        text = text.cast(pa.large_string())
        chunks.extend(text.chunks if isinstance(text, pa.ChunkedArray) else [text])
    names = pa.chunked_array(chunks, type=pa.large_string()).combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(names, ""))
    keyed = pc.dictionary_encode(_keys_of(encoded.dictionary))
    key_of_name = keyed.indices.to_numpy(zero_copy_only=False)
    codes = np.asarray(key_of_name[encoded.indices.to_numpy(zero_copy_only=False)], dtype=np.intp)
    return codes, keyed.dictionary


def _keys_of(texts: Any) -> Any:
    """The key of every name of a pyarrow text array, with pyarrow's kernels."""
    text = pc.fill_null(texts, "")
    if pc.all(pc.string_is_ascii(text)).as_py() is False:
        # Plain ASCII has nothing to decompose: these steps change only other text.
        text = pc.utf8_normalize(text, "NFKD")
        text = pc.replace_substring_regex(text, r"\p{M}+", "")
        text = pc.utf8_lower(pc.replace_substring(text, "ß", "ss"))
    else:
        text = pc.ascii_lower(text)
    words = pc.split_pattern_regex(text, "[^0-9a-z]+")
    flat = pc.list_flatten(words)
    owner = pc.list_parent_indices(words).to_numpy(zero_copy_only=False)
    keep = pc.and_(pc.not_equal(flat, ""), pc.invert(pc.is_in(flat, value_set=_LEGAL_FORM_TEXTS)))
    kept_owner = owner[keep.to_numpy(zero_copy_only=False)]
    offsets = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(np.bincount(kept_owner, minlength=len(texts)), out=offsets[1:])
    kept = pa.ListArray.from_arrays(pa.array(offsets), flat.filter(keep))
    return pc.binary_join(kept, pa.scalar(" ", type=flat.type))


_LEGAL_FORM_TEXTS = pa.array(sorted(_LEGAL_FORMS), type=pa.large_string())
