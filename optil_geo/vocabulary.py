"""Sector, role and target-group vocabulary: free text in partnership files → stable codes.

The vocabulary lives in one data file, ``optil_geo/data/vocabulary.toml``: sector
groups (culture, welfare and care, education, local government, other sectors,
unknown), sectors with their group and the *local cultural actor* flag, partner
roles and target groups, each with Dutch and English labels and Dutch, English and
French synonyms.

Matching is forgiving about spelling but never invents a category: the text is
compared without case, accents, punctuation or repeated spaces with every code,
label and synonym, then once more without any spaces (``"cultuur-centrum"``);
failing that, the longest known phrase that occurs as whole
words inside the text wins (``"Bibliotheek Gent"`` → ``library``, ``"stad Gent -
dienst cultuur"`` → ``culture_service``). Text that matches nothing keeps its
verbatim value in the input column and gets the code ``unknown`` (label
"onbekend"), so it is grouped, counted and reported, never dropped.

All matching functions work on a :class:`pandas.Series` and look each distinct
value up once.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import pandas as pd

from optil_geo._distinct import Distinct, distinct
from optil_geo._errors import InputError

__all__ = [
    "UNKNOWN",
    "Sector",
    "SectorGroup",
    "Term",
    "Vocabulary",
    "load_vocabulary",
    "match_roles",
    "match_sectors",
    "normalise_term",
    "parse_target_groups",
    "role_label",
    "sector_group_label",
    "sector_label",
    "split_target_groups",
    "target_group_label",
]

UNKNOWN = "unknown"
"""Code of text that matches no entry (sector, sector group, role); label "onbekend"."""

Language = Literal["nl", "en"]
Kind = Literal["sectors", "roles", "target_groups"]

# Separators between target groups in one cell. `/` is not one of them: it occurs
# inside names such as "mensen met een beperking/psychische kwetsbaarheid".
_TARGET_SEPARATORS = re.compile(r"[;,|\n\r]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# A contained phrase longer than this many words is never a vocabulary term.
_MAX_PHRASE_WORDS = 8


@dataclass(frozen=True)
class Term:
    """A role or target group: a code, two labels and the synonyms it is known by."""

    code: str
    label_nl: str
    label_en: str
    synonyms: tuple[str, ...] = ()

    def label(self, lang: Language = "nl") -> str:
        """Return the Dutch (``nl``) or English (``en``) label."""
        return self.label_en if lang == "en" else self.label_nl


@dataclass(frozen=True)
class Sector(Term):
    """A sector: a :class:`Term` with its sector group and the local-cultural-actor flag."""

    group: str = UNKNOWN
    local_cultural_actor: bool = False


@dataclass(frozen=True)
class SectorGroup:
    """A sector group (``culture``, ``welfare_care``, …) with its labels and display order."""

    code: str
    label_nl: str
    label_en: str
    order: int

    def label(self, lang: Language = "nl") -> str:
        """Return the Dutch (``nl``) or English (``en``) label."""
        return self.label_en if lang == "en" else self.label_nl


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The loaded vocabulary: groups, sectors, roles and target groups in file order.

    Attributes
    ----------
    groups, sectors, roles, target_groups
        Code → entry, in the order of the data file (groups sorted by ``order``).
    version
        The ``version`` of the data file.
    """

    groups: Mapping[str, SectorGroup]
    sectors: Mapping[str, Sector]
    roles: Mapping[str, Term]
    target_groups: Mapping[str, Term]
    version: int = 1
    _index: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _compact: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _max_words: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for kind in ("sectors", "roles", "target_groups"):
            index, longest = _build_index(getattr(self, kind).values(), kind)
            self._index[kind] = index
            self._compact[kind] = _compact_index(index)
            self._max_words[kind] = longest

    def match(self, kind: Kind, text: str) -> str | None:
        """Return the code that ``text`` stands for, or ``None`` when nothing matches.

        Parameters
        ----------
        kind
            ``"sectors"``, ``"roles"`` or ``"target_groups"``.
        text
            Free text as written in the input.
        """
        index = self._index[kind]
        key = normalise_term(text)
        if not key:
            return None
        if key in index:
            return index[key]
        # "Cultuur-centrum", "cultuur centrum": Dutch compounds written apart.
        compact = self._compact[kind].get(key.replace(" ", ""))
        if compact is not None:
            return compact
        return _longest_contained(key.split(" "), index, self._max_words[kind])

    def keys(self, kind: Kind) -> dict[str, str]:
        """Return a copy of the normalised text → code index of ``kind`` (for tests and docs)."""
        return dict(self._index[kind])


def normalise_term(text: object) -> str:
    """Return ``text`` lowercased, without accents and punctuation, spaces collapsed.

    ``"Cultuur-centrum  Zénith"`` → ``"cultuur centrum zenith"``. ``None`` and NaN
    give ``""``. This is the comparison key for vocabulary terms and column headers.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_ALNUM.sub(" ", stripped).strip()


@cache
def load_vocabulary() -> Vocabulary:
    """Return the vocabulary of ``optil_geo/data/vocabulary.toml`` (read once per process).

    Returns
    -------
    Vocabulary

    Raises
    ------
    InputError
        If the data file is malformed (a missing field, an unknown group, a
        synonym claimed by two entries of one kind).
    """
    raw = resources.files("optil_geo").joinpath("data/vocabulary.toml").read_text("utf-8")
    return _parse_vocabulary(tomllib.loads(raw))


def match_sectors(values: pd.Series) -> pd.DataFrame:
    """Map free sector texts to sector codes, groups and the local-cultural-actor flag.

    Parameters
    ----------
    values
        Sector texts as written in the input (any dtype; missing values are empty).

    Returns
    -------
    pandas.DataFrame
        Aligned on ``values.index``. Columns ``sector`` (code; ``"unknown"`` for text
        that matches nothing, ``""`` for an empty cell), ``sector_group`` (group code;
        ``"unknown"`` for unknown or empty), ``local_cultural_actor`` (bool) and
        ``sector_known`` (bool).
    """
    vocab = load_vocabulary()
    texts = _distinct_texts(values)
    found: list[tuple[str, str, bool, bool]] = []
    for text in texts.values:
        code = vocab.match("sectors", text)
        if code is None:
            found.append(("" if not normalise_term(text) else UNKNOWN, UNKNOWN, False, False))
        else:
            sector = vocab.sectors[code]
            found.append((code, sector.group, sector.local_cultural_actor, True))
    sectors, groups, local, known = zip(*found, strict=True) if found else ([], [], [], [])
    return pd.DataFrame(
        {
            "sector": texts.spread_text(sectors),
            "sector_group": texts.spread_text(groups),
            "local_cultural_actor": texts.spread(local, dtype=bool),
            "sector_known": texts.spread(known, dtype=bool),
        },
        index=values.index if isinstance(values, pd.Series) else None,
    )


def match_roles(values: pd.Series) -> pd.DataFrame:
    """Map free role texts to role codes.

    Parameters
    ----------
    values
        Role texts as written in the input.

    Returns
    -------
    pandas.DataFrame
        Aligned on ``values.index``. Columns ``role`` (code; ``"unknown"`` for text
        that matches nothing, ``""`` for an empty cell) and ``role_known`` (bool).
    """
    vocab = load_vocabulary()
    texts = _distinct_texts(values)
    roles: list[str] = []
    for text in texts.values:
        code = vocab.match("roles", text)
        roles.append(code if code is not None else ("" if not normalise_term(text) else UNKNOWN))
    known = [r not in ("", UNKNOWN) for r in roles]
    return pd.DataFrame(
        {"role": texts.spread_text(roles), "role_known": texts.spread(known, dtype=bool)},
        index=values.index if isinstance(values, pd.Series) else None,
    )


def split_target_groups(text: object) -> list[str]:
    """Split one target-group cell on ``;`` (also ``,``, ``|`` and line breaks).

    Returns the non-empty parts, stripped, in order.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return [part.strip() for part in _TARGET_SEPARATORS.split(str(text)) if part.strip()]


def parse_target_groups(values: pd.Series) -> pd.Series:
    """Turn target-group cells into tuples of codes.

    Parameters
    ----------
    values
        Cells such as ``"senioren; nieuwkomers"``.

    Returns
    -------
    pandas.Series
        Aligned on ``values.index``; each value a tuple of codes in input order
        without repeats. A part that matches nothing is kept as its verbatim text
        (stripped), so nothing written is lost; tell them apart with
        ``code in load_vocabulary().target_groups``.
    """
    vocab = load_vocabulary()
    texts = _distinct_texts(values)
    parsed: list[tuple[str, ...]] = []
    matched: dict[str, str] = {}  # the same few parts recur in many cells
    for text in texts.values:
        codes: list[str] = []
        for part in split_target_groups(text):
            code = matched.get(part)
            if code is None:
                code = matched[part] = vocab.match("target_groups", part) or part
            if code not in codes:
                codes.append(code)
        parsed.append(tuple(codes))
    return pd.Series(
        texts.spread(parsed),
        index=values.index if isinstance(values, pd.Series) else None,
        dtype=object,
    )


def sector_label(code: str, lang: Language = "nl") -> str:
    """Return the label of a sector code; ``""`` for empty, "Onbekend"/"Unknown" otherwise."""
    vocab = load_vocabulary()
    if not code:
        return ""
    if code in vocab.sectors:
        return vocab.sectors[code].label(lang)
    return vocab.groups[UNKNOWN].label(lang)


def sector_group_label(code: str, lang: Language = "nl") -> str:
    """Return the label of a sector-group code ("Onbekend"/"Unknown" for anything else)."""
    groups = load_vocabulary().groups
    return groups.get(code, groups[UNKNOWN]).label(lang)


def role_label(code: str, lang: Language = "nl") -> str:
    """Return the label of a role code; ``""`` for empty, "Onbekend"/"Unknown" otherwise."""
    vocab = load_vocabulary()
    if not code:
        return ""
    if code in vocab.roles:
        return vocab.roles[code].label(lang)
    return vocab.groups[UNKNOWN].label(lang)


def target_group_label(code: str, lang: Language = "nl") -> str:
    """Return the label of a target-group code; unknown texts are returned as they are."""
    terms = load_vocabulary().target_groups
    return terms[code].label(lang) if code in terms else code


# --------------------------------------------------------------------------- private


def _as_text(values: pd.Series) -> pd.Series:
    """Return ``values`` as Python strings, missing values as ``""``."""
    if not isinstance(values, pd.Series):
        values = pd.Series(list(values), dtype=object)
    return values.astype(object).where(values.notna(), "").map(str)


def _distinct_texts(values: pd.Series) -> Distinct:
    """Return the distinct texts of a column (missing values are ``""``), each matched once."""
    if not (isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype)):
        values = _as_text(values)
    found = distinct(values)
    return Distinct(found.codes, [str(v) for v in found.values])


def _typed(frame: pd.DataFrame, bools: dict[str, type]) -> pd.DataFrame:
    for column, kind in bools.items():
        frame[column] = frame[column].fillna(False).astype(kind)
    return frame


def _build_index(entries: Iterable[Term], kind: str) -> tuple[dict[str, str], int]:
    """Index every code, label and synonym by its normalised text; reject clashes."""
    index: dict[str, str] = {}
    longest = 1
    for entry in entries:
        for text in (entry.code, entry.label_nl, entry.label_en, *entry.synonyms):
            key = normalise_term(text.replace("_", " "))
            if not key:
                continue
            owner = index.setdefault(key, entry.code)
            if owner != entry.code:
                raise InputError(
                    f"vocabulary: {kind} text {text!r} belongs to both {owner!r} and "
                    f"{entry.code!r}; a text may name one entry only"
                )
            longest = max(longest, key.count(" ") + 1)
    return index, min(longest, _MAX_PHRASE_WORDS)


def _compact_index(index: dict[str, str]) -> dict[str, str]:
    """Index the keys without spaces; a compact key shared by two codes is left out."""
    owners: dict[str, set[str]] = {}
    for key, code in index.items():
        owners.setdefault(key.replace(" ", ""), set()).add(code)
    return {key: codes.pop() for key, codes in owners.items() if len(codes) == 1}


def _longest_contained(words: list[str], index: dict[str, str], max_words: int) -> str | None:
    """Return the code of the longest indexed phrase inside ``words`` (earliest on ties)."""
    best: tuple[int, int, str] | None = None
    for size in range(min(max_words, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            key = " ".join(words[start : start + size])
            code = index.get(key)
            if code is not None and (best is None or (len(key), -start) > best[:2]):
                best = (len(key), -start, code)
    return None if best is None else best[2]


def _require(entry: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in entry:
        raise InputError(f"vocabulary: {where} lacks the field {name!r}")
    return entry[name]


def _parse_vocabulary(data: Mapping[str, Any]) -> Vocabulary:
    groups = sorted(
        (
            SectorGroup(
                code=str(_require(g, "code", "a group")),
                label_nl=str(_require(g, "label_nl", f"group {g.get('code')!r}")),
                label_en=str(_require(g, "label_en", f"group {g.get('code')!r}")),
                order=int(_require(g, "order", f"group {g.get('code')!r}")),
            )
            for g in data.get("groups", [])
        ),
        key=lambda g: g.order,
    )
    group_codes = {g.code for g in groups}
    if UNKNOWN not in group_codes:
        raise InputError(f"vocabulary: the group {UNKNOWN!r} is missing")
    sectors: dict[str, Sector] = {}
    for s in data.get("sectors", []):
        code = str(_require(s, "code", "a sector"))
        group = str(_require(s, "group", f"sector {code!r}"))
        if group not in group_codes:
            raise InputError(
                f"vocabulary: sector {code!r} has group {group!r} but must be one of "
                f"{sorted(group_codes)!r}"
            )
        sectors[code] = Sector(
            code=code,
            label_nl=str(_require(s, "label_nl", f"sector {code!r}")),
            label_en=str(_require(s, "label_en", f"sector {code!r}")),
            synonyms=tuple(str(x) for x in s.get("synonyms", [])),
            group=group,
            local_cultural_actor=bool(s.get("local_cultural_actor", False)),
        )
    terms: dict[str, dict[str, Term]] = {}
    for kind in ("roles", "target_groups"):
        terms[kind] = {}
        for t in data.get(kind, []):
            code = str(_require(t, "code", f"an entry of {kind}"))
            terms[kind][code] = Term(
                code=code,
                label_nl=str(_require(t, "label_nl", f"{kind} {code!r}")),
                label_en=str(_require(t, "label_en", f"{kind} {code!r}")),
                synonyms=tuple(str(x) for x in t.get("synonyms", [])),
            )
    return Vocabulary(
        groups={g.code: g for g in groups},
        sectors=sectors,
        roles=terms["roles"],
        target_groups=terms["target_groups"],
        version=int(data.get("version", 1)),
    )
