"""Suggest which column of a file holds which field, for files with their own headers.

Real files rarely use the template's names: ``partner_place``, ``Naam organisatie
partner``, ``Plaats``. A person reads them as fields at once; this module does the
same with three kinds of evidence, strongest first:

1. **alias**: the header is one of the accepted names of :mod:`optil_geo._schema`;
2. **name**: the header names a side (``lead_``, ``aanvrager``, ``partner_``,
   ``project``) and a concept (organisation, place, postal code, …), each word
   compared with rapidfuzz so that a typo still counts;
3. **values**: a column whose sample values are mostly municipality names is a
   place column; one of four-digit numbers a postal-code column.

Every field gets at most one header and every header at most one field; the
strongest evidence is placed first. The result is a suggestion: the user confirms it
(the app's mapping step, the command line's ``--columns``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo._schema import TableKind, header_key
from optil_geo.vocabulary import normalise_term

__all__ = [
    "ColumnSuggestion",
    "apply_columns_check",
    "fields_of",
    "header_set_key",
    "parse_columns_option",
    "suggest_columns",
]

Reason = Literal["alias", "name", "similar", "values"]
Side = Literal["lead", "partner", "project"]

_SIDE_WORDS: dict[str, Side] = {
    "lead": "lead",
    "aanvrager": "lead",
    "aanvragende": "lead",
    "penvoerder": "lead",
    "indiener": "lead",
    "promotor": "lead",
    "applicant": "lead",
    "hoofdaanvrager": "lead",
    "partner": "partner",
    "partners": "partner",
    "partnerorganisatie": "partner",
    "medewerkende": "partner",
    "project": "project",
    "projet": "project",
}
# Words for one concept, compared word by word (rapidfuzz ratio ≥ _WORD_MATCH).
_CONCEPT_WORDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "nummer", "nr", "code", "dossier", "dossiernummer", "referentie"),
    "title": ("titel", "title", "titre", "projecttitel"),
    "name": ("naam", "name", "nom"),
    "organisation": (
        "organisatie",
        "organisation",
        "organization",
        "instelling",
        "vereniging",
        "org",
        "organisme",
    ),
    "place": (
        "gemeente",
        "plaats",
        "place",
        "locatie",
        "location",
        "stad",
        "city",
        "town",
        "woonplaats",
        "municipality",
        "commune",
        "vestigingsplaats",
        "deelgemeente",
    ),
    "postcode": ("postcode", "zip", "zipcode", "postnummer", "postal"),
    "country": ("land", "country", "pays"),
    "sector": ("sector", "domein", "soort", "type"),
    "role": ("rol", "role", "functie"),
    "round": ("ronde", "round", "oproep", "call"),
    "year": ("jaar", "year", "annee"),
    "target": ("doelgroep", "doelgroepen", "target", "publiek"),
    "subsidy": ("subsidie", "subsidy", "bedrag", "amount", "budget"),
}
# (side, concept) -> field; side None = the header names no side.
_FIELD_OF: dict[tuple[Side | None, str | None], str] = {
    ("project", "id"): "project_id",
    ("project", "title"): "title",
    ("project", "name"): "title",
    (None, "title"): "title",
    ("project", "round"): "round",
    (None, "round"): "round",
    ("project", "year"): "year",
    (None, "year"): "year",
    (None, "target"): "target_groups",
    ("project", "target"): "target_groups",
    (None, "subsidy"): "subsidy_eur",
    ("project", "subsidy"): "subsidy_eur",
    ("lead", "organisation"): "lead_organisation",
    ("lead", "name"): "lead_organisation",
    ("lead", None): "lead_organisation",  # 'aanvrager' alone
    ("lead", "place"): "lead_municipality",
    ("lead", "postcode"): "lead_postcode",
    ("lead", "sector"): "lead_sector",
    ("partner", "organisation"): "organisation",
    ("partner", "name"): "organisation",
    ("partner", None): "organisation",  # 'partner' alone
    ("partner", "place"): "municipality",
    ("partner", "postcode"): "postcode",
    ("partner", "country"): "country",
    ("partner", "sector"): "sector",
    ("partner", "role"): "role",
    (None, "organisation"): "organisation",
    (None, "place"): "municipality",
    (None, "postcode"): "postcode",
    (None, "country"): "country",
    (None, "sector"): "sector",
    (None, "role"): "role",
}
# On the projects sheet of two tables every place or organisation is the lead's.
_PROJECTS_SHEET = {
    "organisation": "lead_organisation",
    "municipality": "lead_municipality",
    "postcode": "lead_postcode",
    "sector": "lead_sector",
}
_WORD_MATCH = 85
_SIMILAR_MATCH = 88
_PLACE_SHARE = 0.6
_POSTCODE = re.compile(r"\d{4}")
_SAMPLE = 40
_SCORES: dict[Reason, int] = {"alias": 100, "name": 90, "similar": 80, "values": 70}


@dataclass(frozen=True)
class ColumnSuggestion:
    """The suggested header of one field.

    Attributes
    ----------
    field
        Canonical field name (``organisation``, ``lead_municipality``, …).
    header
        The file's header as written.
    reason
        ``alias`` (an accepted name), ``name`` (side and concept read from the
        header), ``similar`` (close to an accepted name) or ``values`` (the cells
        look like places or postal codes).
    score
        100 for an alias, lower for weaker evidence (for ordering, not a probability).
    """

    field: str
    header: str
    reason: Reason
    score: int


def fields_of(kind: TableKind) -> tuple[str, ...]:
    """Return the canonical fields of a table kind, in template order."""
    return tuple(c.name for c in _schema.columns_of(kind))


def header_set_key(headers: Sequence[str]) -> str:
    """Return the key under which a mapping is remembered: the set of headers, normalised.

    Two files with the same headers (in any order, case or accents) share the key.
    """
    keys = sorted({header_key(h) for h in headers if header_key(h)})
    return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:24]


def suggest_columns(
    headers: Sequence[str],
    samples: Mapping[str, Sequence[str]],
    kind: TableKind,
    *,
    is_place: Callable[[Sequence[str]], float] | None = None,
) -> dict[str, ColumnSuggestion]:
    """Suggest a header for each field of ``kind`` that the file seems to hold.

    Parameters
    ----------
    headers
        The file's headers as written (empty ones are skipped).
    samples
        Header → some of its non-empty cell values (for the evidence of values).
    kind
        ``flat``, ``projects`` or ``partners``: which fields there are.
    is_place
        Returns the share of given texts that name a Belgian municipality; without
        it, values are not used to find place columns.

    Returns
    -------
    dict
        Field → :class:`ColumnSuggestion`, for the fields a header was found for.
    """
    fields = set(fields_of(kind))
    candidates: list[tuple[int, int, str, str, Reason]] = []  # (score, -position, …)
    for position, header in enumerate(headers):
        if not header_key(header):
            continue
        for field, reason in _name_evidence(header, kind, fields):
            candidates.append((_SCORES[reason], -position, field, header, reason))
    chosen = _assign(candidates)
    taken = {s.header for s in chosen.values()}
    for position, header in enumerate(headers):
        if header in taken or not header_key(header):
            continue
        values = [v for v in samples.get(header, ()) if v][:_SAMPLE]
        for field in _value_evidence(header, values, kind, fields, is_place):
            candidates.append((_SCORES["values"], -position, field, header, "values"))
    return _assign(candidates)


def _assign(candidates: list[tuple[int, int, str, str, Reason]]) -> dict[str, ColumnSuggestion]:
    """Give each field the best header, strongest evidence first, each header once."""
    chosen: dict[str, ColumnSuggestion] = {}
    used: set[str] = set()
    for score, _, field, header, reason in sorted(candidates, reverse=True):
        if field in chosen or header in used:
            continue
        chosen[field] = ColumnSuggestion(field, header, reason, score)
        used.add(header)
    return chosen


def _name_evidence(header: str, kind: TableKind, fields: set[str]) -> list[tuple[str, Reason]]:
    """Fields the header's words point at: an alias, side + concept, or a near alias."""
    found: list[tuple[str, Reason]] = []
    alias = _schema.alias_index(kind).get(header_key(header))
    if alias is not None:
        found.append((alias, "alias"))
    field = _side_and_concept(header, kind)
    if field is not None and field in fields:
        found.append((field, "name"))
    near = _near_alias(header, kind)
    if near is not None:
        found.append((near, "similar"))
    return found


def _side_and_concept(header: str, kind: TableKind) -> str | None:
    words = normalise_term(header).split()
    sides = {_SIDE_WORDS[w] for w in words if w in _SIDE_WORDS}
    rest = [w for w in words if w not in _SIDE_WORDS]
    side: Side | None = sides.pop() if len(sides) == 1 else None
    if len(sides) > 0:
        return None  # two sides named: 'partner of lead' is no field
    concepts = {c for c in (_concept(w) for w in rest) if c is not None}
    if len(concepts) > 1 and "name" in concepts:
        concepts.discard("name")  # 'naam organisatie': the organisation
    if len(concepts) > 1:
        return None
    concept = concepts.pop() if concepts else None
    if concept is None and rest:
        return None  # words we do not know: no guess
    field = _FIELD_OF.get((side, concept))
    if kind == "projects" and field in _PROJECTS_SHEET:
        return _PROJECTS_SHEET[field]
    return field


def _concept(word: str) -> str | None:
    best: tuple[float, str] | None = None
    for concept, words in _CONCEPT_WORDS.items():
        match = process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=_WORD_MATCH)
        if match is not None and (best is None or match[1] > best[0]):
            best = (match[1], concept)
    return best[1] if best else None


def _near_alias(header: str, kind: TableKind) -> str | None:
    index = _schema.alias_index(kind)
    match = process.extractOne(
        header_key(header), list(index), scorer=fuzz.ratio, score_cutoff=_SIMILAR_MATCH
    )
    return index[match[0]] if match is not None else None


def _value_evidence(
    header: str,
    values: Sequence[str],
    kind: TableKind,
    fields: set[str],
    is_place: Callable[[Sequence[str]], float] | None,
) -> list[str]:
    """Fields the cells point at: postal codes, or municipality names."""
    if not values:
        return []
    side = {_SIDE_WORDS[w] for w in normalise_term(header).split() if w in _SIDE_WORDS}
    lead_first = side == {"lead"} or kind == "projects"
    if sum(bool(_POSTCODE.fullmatch(v)) for v in values) >= 0.8 * len(values):
        order = ["lead_postcode", "postcode"] if lead_first else ["postcode", "lead_postcode"]
        return [f for f in order if f in fields]
    if is_place is not None and is_place(values) >= _PLACE_SHARE:
        order = (
            ["lead_municipality", "municipality"]
            if lead_first
            else ["municipality", "lead_municipality"]
        )
        return [f for f in order if f in fields]
    return []


def parse_columns_option(text: str) -> dict[str, str]:
    """Parse ``field=Header,field=Header`` (the command line's ``--columns``).

    Raises
    ------
    InputError
        When a part has no ``=`` or an empty side.
    """
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        field, sep, header = part.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise InputError(
                f"`--columns` part {part!r} must be field=Header, e.g. organisation=Partner"
            )
        mapping[field.strip()] = header.strip()
    return mapping


def apply_columns_check(columns: Mapping[str, str], headers: Sequence[str]) -> None:
    """Refuse a column mapping that names an unknown field or a header the file lacks.

    Raises
    ------
    InputError
        Naming the bad field or header and listing what is allowed.
    """
    known = {*fields_of("flat"), *fields_of("projects"), *fields_of("partners")}
    for field, header in columns.items():
        if field not in known:
            raise InputError(
                f"`columns` named the field {field!r}, which does not exist; "
                f"fields are {sorted(known)!r}"
            )
        if header not in headers:
            raise InputError(
                f"`columns` maps {field!r} to the header {header!r}, which is not in the "
                f"file; its headers are {list(headers)!r}"
            )
