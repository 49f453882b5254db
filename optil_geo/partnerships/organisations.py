"""One key for organisation names: case, accents, punctuation and legal form ignored.

``Bib Gent vzw``, ``bib gent`` and ``Bib  Gent`` are one organisation. The import
compares partners with their lead by this key, and the overview counts distinct
organisations by it, so that the two never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo.partnerships._text import _arrow
from optil_geo.vocabulary import normalise_term

__all__ = ["organisation_key", "organisation_keys"]

_LEGAL_FORMS = frozenset({"vzw", "ivzw", "asbl", "aisbl", "bv", "bvba", "nv", "cv", "cvba", "vof"})


def organisation_key(name: object) -> str:
    """Return the comparison key of an organisation name.

    Lowercased, without accents and punctuation (:func:`~optil_geo.vocabulary.normalise_term`),
    without legal forms such as ``vzw``; ``""`` for a missing name.
    """
    words = [w for w in normalise_term(name).split(" ") if w and w not in _LEGAL_FORMS]
    return " ".join(words)


def organisation_keys(names: pd.Series) -> np.ndarray:
    """Return :func:`organisation_key` of every name (an object array), each distinct name once."""
    text = pd.Series(names.astype(object).fillna("").astype(str).to_numpy(), dtype=object)
    codes, keys = _organisation_key_codes([pa.array(text.to_numpy(), type=pa.large_string())])
    by_code = np.asarray(keys.to_pylist(), dtype=object)
    return by_code[codes] if len(by_code) else np.zeros(len(codes), dtype=object)


def _organisation_key_codes(parts: Sequence[Any]) -> tuple[np.ndarray, Any]:
    """Key the names of the pyarrow text arrays ``parts``, concatenated.

    Returns, per name, a code and the keys by code (a pyarrow array): two names have
    the same code exactly when their :func:`organisation_key` is the same. Each
    distinct name is keyed once, then the codes are spread over the rows.
    """
    chunks: list[Any] = []
    for part in parts:
        text = _arrow(part) if isinstance(part, pd.Series) else part
        text = text.cast(pa.large_string())
        chunks.extend(text.chunks if isinstance(text, pa.ChunkedArray) else [text])
    names = pa.chunked_array(chunks, type=pa.large_string()).combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(names, ""))
    keys = pa.array([organisation_key(t) for t in encoded.dictionary.to_pylist()], type=pa.string())
    keyed = pc.dictionary_encode(keys)
    key_of_name = keyed.indices.to_numpy(zero_copy_only=False)
    codes = np.asarray(key_of_name[encoded.indices.to_numpy(zero_copy_only=False)], dtype=np.intp)
    return codes, keyed.dictionary
