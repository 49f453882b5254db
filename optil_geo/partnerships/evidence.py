"""Place a partner whose place cell is empty from other evidence, and say so.

When a partner row has no municipality, postal code or country, three kinds of
evidence can still place it, tried in this order:

1. ``from_address``: a postal code in an address column (``Kerkstraat 1, 3920 Lommel``);
2. ``remembered``: the same organisation was placed in an earlier import (the
   workspace keeps organisation → municipality; passed in as a mapping);
3. ``from_name``: the organisation's name holds a municipality or sub-municipality
   name as a whole word (``Stad Brugge``, ``Bibliotheek Lommel``).

The evidence only chooses the text the gazetteer resolves; the row's status names
the evidence and a warning asks to confirm it. An ambiguous name (``CC Aalst``)
stays ambiguous; nothing is placed silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optil_geo._schema import header_key
from optil_geo.gazetteer import Gazetteer
from optil_geo.partnerships._text import _filled
from optil_geo.partnerships.organisations import organisation_keys
from optil_geo.vocabulary import normalise_term

__all__ = [
    "ADDRESS_HEADERS",
    "EVIDENCE_STATUSES",
    "PlaceEvidence",
    "find_place_evidence",
    "places_to_remember",
]

ADDRESS_HEADERS = frozenset(
    header_key(h)
    for h in ("adres", "address", "adres partner", "partner adres", "partner address", "straat")
)
"""Headers (compared as :func:`~optil_geo._schema.header_key`) of an address column."""
EVIDENCE_STATUSES = ("from_address", "remembered", "from_name")
_POSTCODE = re.compile(r"(?<!\d)([1-9]\d{3})(?!\d)")
_LONGEST_NAME = 3  # words: 'Sint-Pieters-Leeuw' is three


@dataclass(frozen=True)
class PlaceEvidence:
    """The partner rows placed by evidence: what to resolve, and why."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    place: list[str] = field(default_factory=list)  # text for the gazetteer
    postcode: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)  # one of EVIDENCE_STATUSES
    said: list[str] = field(default_factory=list)  # the evidence as written
    candidates: list[tuple[str, ...]] = field(default_factory=list)  # a name of several places


def find_place_evidence(
    partners: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    remembered: Mapping[str, str] | None = None,
) -> PlaceEvidence:
    """Find evidence for the partner rows without any place, postal code or country.

    Parameters
    ----------
    partners
        The raw partner table (text columns; an address column under any header of
        :data:`ADDRESS_HEADERS`).
    gazetteer
        Answers which words name a place.
    remembered
        Organisation key (:func:`~optil_geo.partnerships.organisations.organisation_key`)
        → NIS code, from earlier imports.

    Returns
    -------
    PlaceEvidence
    """
    empty = _filled(partners["organisation"])
    for name in ("municipality", "postcode", "country"):
        empty &= ~_filled(partners[name])
    rows = np.flatnonzero(empty)
    if not len(rows):
        return PlaceEvidence()
    names = partners["organisation"].iloc[rows].to_numpy(dtype=object, na_value="")
    address_column = next((c for c in partners.columns if header_key(c) in ADDRESS_HEADERS), None)
    addresses = (
        partners[address_column].iloc[rows].to_numpy(dtype=object, na_value="")
        if address_column is not None
        else np.full(len(rows), "", dtype=object)
    )
    # Decide per distinct (name, address), then spread over the rows.
    pairs = pd.MultiIndex.from_arrays([names, addresses])
    codes, uniques = pd.factorize(pairs)
    named: dict[str, frozenset[str]] = {}  # word runs looked up once per call
    unique_names = pd.Series([str(n) for n, _ in uniques], dtype=object)
    keys = organisation_keys(unique_names) if remembered else [""] * len(unique_names)
    answers = [
        _decide(str(n), str(a), gazetteer, (remembered or {}).get(key, ""), named)
        for (n, a), key in zip(uniques, keys, strict=True)
    ]
    found = np.asarray([a is not None for a in answers], dtype=bool)[codes]
    kept = [answers[c] for c in codes[found].tolist()]
    return PlaceEvidence(
        rows[found],
        [a[0] for a in kept if a],
        [a[1] for a in kept if a],
        [a[2] for a in kept if a],
        [a[3] for a in kept if a],
        [a[4] for a in kept if a],
    )


def _decide(
    name: str,
    address: str,
    gazetteer: Gazetteer,
    nis: str,
    named: dict[str, frozenset[str]],
) -> tuple[str, str, str, str, tuple[str, ...]] | None:
    """Return (place, postcode, status, evidence, candidates) for one organisation, or None.

    ``nis`` is where an earlier import placed the organisation (``""`` when none);
    ``candidates`` lists the municipalities of a name that means several places.
    """
    code = _POSTCODE.search(address)
    if code is not None:
        return "", code.group(1), "from_address", address, ()
    if nis:
        return nis, "", "remembered", name, ()
    place = place_in_name(name, gazetteer, named)
    if place is not None:
        owners = named[place]
        candidates = tuple(sorted(owners)) if len(owners) > 1 else ()
        return place, "", "from_name", name, candidates
    return None


def place_in_name(
    name: str, gazetteer: Gazetteer, named: dict[str, frozenset[str]] | None = None
) -> str | None:
    """Return the longest run of words in ``name`` that names a place, or None.

    Only whole words count (``Bibliotheek Lommel`` → ``lommel``; ``Lommelse`` is no
    place), names of three letters or more, known as written (no typo guessing); an
    ambiguous name (``aalst``) is returned too, and stays ambiguous. ``named`` keeps
    the answers for word runs already looked up (names share many words).
    """
    named = {} if named is None else named
    words = [w for w in normalise_term(name).split() if not any(ch.isdigit() for ch in w)]
    for size in range(min(_LONGEST_NAME, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            text = " ".join(words[start : start + size])
            if len(text) < 3:
                continue
            if text not in named:
                named[text] = gazetteer.municipalities_named(text)
            if named[text]:
                return text
    return None


def evidence_statuses(
    status: np.ndarray, location: np.ndarray, evidence: PlaceEvidence
) -> np.ndarray:
    """Return the statuses of the evidence rows, naming the evidence where it placed the row.

    ``status`` and ``location`` are those of the evidence rows, in order. A row the
    evidence could not place (ambiguous, unresolved) keeps the gazetteer's status:
    ``ambiguous`` stays ``ambiguous``.
    """
    placed = np.isin(location, ("resolved", "wallonia"))
    return np.where(placed, np.asarray(evidence.status, dtype=object), status)


def evidence_messages(
    evidence: PlaceEvidence, names: np.ndarray, location: np.ndarray
) -> list[tuple[str, Mapping[str, str]]]:
    """Per evidence row (``names`` and ``location`` of those rows): its problem code and params.

    The code names the evidence (``place_from_address`` …); the ``unplaced`` variant
    says that the evidence points to no single municipality.
    """
    out: list[tuple[str, Mapping[str, str]]] = []
    for k, status in enumerate(evidence.status):
        if location[k] in ("resolved", "wallonia"):
            params: Mapping[str, str] = {"municipality": str(names[k])}
        else:
            params = {"variant": "unplaced"}
        out.append((f"place_{status}", params))
    return out


_CONFIRMED = ("exact", "alias", "postcode", "manual")


def places_to_remember(partners: pd.DataFrame) -> dict[str, str]:
    """Return organisation key → NIS of the partners placed by their own place or a fix.

    What the workspace remembers after an import. Rows placed by evidence (their
    status names it), fuzzy matches and ambiguous places are left out: only what
    the file or the user said counts.
    """
    placed = partners["partner_status"].isin(_CONFIRMED) & (partners["partner_nis"] != "")
    chosen = partners.loc[placed, ["organisation", "partner_nis"]]
    keys = organisation_keys(chosen["organisation"])
    return {k: str(n) for k, n in zip(keys, chosen["partner_nis"], strict=True) if k}
