"""Column schema of partnership files: canonical names, Dutch headers and accepted aliases.

Canonical names are English (``project_id``, ``lead_municipality``, …). Every column
has one Dutch header (written in the template and named in messages) and a list of
aliases; headers are matched without case, accents, spaces or punctuation
(``"Gemeente aanvrager"`` = ``"gemeente_aanvrager"`` = ``"GEMEENTE-AANVRAGER"``).

The same word means different things in the two forms. On the ``projects`` sheet
of the two-table form, ``gemeente``, ``postcode`` and ``sector`` describe the lead
organisation (there is no partner on that sheet); in the flat form, where every row
is a partner, they describe the partner, and the lead's columns need their own
headers (``gemeente aanvrager``, ``postcode aanvrager``, ``sector aanvrager``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from optil_geo.vocabulary import normalise_term

TableKind = Literal["projects", "partners", "flat"]


Terms = Literal["sectors", "roles", "target_groups"]


@dataclass(frozen=True)
class Column:
    """One canonical column: its headers, the aliases it is recognised by, and its help.

    Aliases are kept per language (``nl``, ``en``, ``fr``) so that the column help can
    list those of the interface language; a word that is the same in Dutch and in
    English (``project``, ``partner``) is listed under both. ``help_key`` is the text
    catalogue's key of the column's explanation. ``example`` is language-free (a code,
    a number, a name), except in a column of terms (``terms``: sectors, roles or target
    groups), where it holds vocabulary codes separated by ``;`` that the help words in
    the interface language.
    """

    name: str
    header_nl: str
    header_en: str
    required: bool
    help_key: str
    example: str
    nl: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    fr: tuple[str, ...] = ()
    terms: Terms | None = None

    def accepted(self) -> tuple[str, ...]:
        """Return every accepted header: the canonical name, the two headers, the aliases."""
        texts = (self.name, self.header_nl, self.header_en, *self.en, *self.nl, *self.fr)
        return tuple(dict.fromkeys(texts))

    def recognised(self, lang: str) -> tuple[str, ...]:
        """Return the accepted headers in ``lang`` (``nl`` or ``en``), its own header first.

        English lists the canonical name too (``lead_municipality``): it is English.
        """
        if lang == "en":
            return tuple(dict.fromkeys((self.header_en, self.name, *self.en)))
        return tuple(dict.fromkeys((self.header_nl, *self.nl)))


def header_key(text: object) -> str:
    """Return the comparison key of a column header (no case, accents, spaces, punctuation)."""
    return normalise_term(text).replace(" ", "")


# No bare "id": on a partners sheet it is as likely the partner's own row id.
_PROJECT_ID_NL = (
    "project",
    "projectnr",
    "projectnummer",
    "projectcode",
    "dossier",
    "dossiernummer",
    "dossiernr",
    "code project",
)
_PROJECT_ID_EN = ("project id", "project", "dossier id")

_PROJECT_COMMON = (
    Column(
        "project_id",
        "projectnummer",
        "project id",
        True,
        "column_project_id",
        "2021-1-07",
        nl=_PROJECT_ID_NL,
        en=_PROJECT_ID_EN,
    ),
    Column(
        "title",
        "titel",
        "title",
        True,
        "column_title",
        "Verhalen van de Schelde",
        nl=("projecttitel", "projectnaam", "naam project"),
        en=("project title", "project name"),
        fr=("titre",),
    ),
    Column(
        "round",
        "ronde",
        "round",
        False,
        "column_round",
        "2021-1",
        nl=("subsidieronde", "oproep", "ronde subsidie"),
        en=("call", "round"),
    ),
    Column(
        "year",
        "jaar",
        "year",
        False,
        "column_year",
        "2021",
        nl=("startjaar", "subsidiejaar"),
        en=("year",),
        fr=("annee",),
    ),
    Column(
        "lead_organisation",
        "aanvrager",
        "lead organisation",
        True,
        "column_lead_organisation",
        "Cultuurcentrum De Werf",
        nl=(
            "indiener",
            "penvoerder",
            "organisatie aanvrager",
            "aanvragende organisatie",
            "naam aanvrager",
            "initiatiefnemer",
            "promotor",
        ),
        en=("lead organization", "lead", "applicant", "lead organisation name"),
    ),
)

_LEAD_LOCATION_TWO_TABLES = (
    Column(
        "lead_municipality",
        "gemeente",
        "lead municipality",
        True,
        "column_lead_municipality",
        "Aalst",
        nl=(
            "gemeente aanvrager",
            "plaats aanvrager",
            "woonplaats aanvrager",
            "aanvrager gemeente",
            "plaats",
            "stad",
        ),
        en=("lead place", "lead city", "municipality"),
        fr=("commune",),
    ),
    Column(
        "lead_postcode",
        "postcode",
        "lead postcode",
        False,
        "column_lead_postcode",
        "9300",
        nl=("postcode aanvrager", "aanvrager postcode", "postnummer"),
        en=("lead postal code", "postal code", "zip", "postcode"),
        fr=("code postal",),
    ),
    Column(
        "lead_sector",
        "sector",
        "lead sector",
        False,
        "column_lead_sector",
        "cultural_centre",
        nl=("sector aanvrager", "aanvrager sector", "type aanvrager"),
        en=("sector",),
        terms="sectors",
    ),
)

_LEAD_LOCATION_FLAT = (
    Column(
        "lead_municipality",
        "gemeente aanvrager",
        "lead municipality",
        True,
        "column_lead_municipality_flat",
        "Aalst",
        nl=("plaats aanvrager", "woonplaats aanvrager", "aanvrager gemeente"),
        en=("lead place", "lead city"),
    ),
    Column(
        "lead_postcode",
        "postcode aanvrager",
        "lead postcode",
        False,
        "column_lead_postcode_flat",
        "9300",
        nl=("aanvrager postcode",),
        en=("lead postal code",),
    ),
    Column(
        "lead_sector",
        "sector aanvrager",
        "lead sector",
        False,
        "column_lead_sector_flat",
        "cultural_centre",
        nl=("aanvrager sector", "type aanvrager"),
        terms="sectors",
    ),
)

_PROJECT_TAIL = (
    Column(
        "target_groups",
        "doelgroepen",
        "target groups",
        False,
        "column_target_groups",
        "seniors;newcomers",
        nl=("doelgroep", "publiek", "publieksgroepen"),
        en=("target group",),
        fr=("groupes cibles",),
        terms="target_groups",
    ),
    Column(
        "subsidy_eur",
        "subsidie (EUR)",
        "subsidy (EUR)",
        False,
        "column_subsidy_eur",
        "75000",
        nl=(
            "subsidie",
            "subsidie eur",
            "subsidie euro",
            "subsidiebedrag",
            "bedrag",
            "toegekend bedrag",
            "toegekende subsidie",
        ),
        en=("subsidy", "subsidy eur", "amount"),
        fr=("montant",),
    ),
)

_PARTNER_COLUMNS = (
    Column(
        "project_id",
        "projectnummer",
        "project id",
        True,
        "column_partner_project_id",
        "2021-1-07",
        nl=_PROJECT_ID_NL,
        en=_PROJECT_ID_EN,
    ),
    Column(
        "organisation",
        "organisatie",
        "organisation",
        True,
        "column_organisation",
        "Bibliotheek Denderleeuw",
        nl=(
            "partner",
            "partnerorganisatie",
            "naam partner",
            "partnernaam",
            "partner naam",
            "naam organisatie",
            "organisatienaam",
            "naam",
        ),
        en=("organization", "partner"),
        fr=("organisme",),
    ),
    Column(
        "municipality",
        "gemeente",
        "municipality",
        False,
        "column_municipality",
        "Denderleeuw",
        nl=(
            "plaats",
            "woonplaats",
            "stad",
            "gemeente partner",
            "locatie",
            "vestigingsplaats",
        ),
        en=("place", "city"),
        fr=("commune", "ville"),
    ),
    Column(
        "postcode",
        "postcode",
        "postcode",
        False,
        "column_postcode",
        "9470",
        nl=("postnummer", "postcode partner"),
        en=("postal code", "post code", "zip", "zipcode"),
        fr=("code postal",),
    ),
    Column(
        "country",
        "land",
        "country",
        False,
        "column_country",
        "NL",
        nl=("land partner",),
        fr=("pays",),
    ),
    Column(
        "sector",
        "sector",
        "sector",
        False,
        "column_sector",
        "library",
        nl=("sector partner", "type organisatie", "soort organisatie", "type partner"),
        fr=("secteur",),
        terms="sectors",
    ),
    Column(
        "role",
        "rol",
        "role",
        False,
        "column_role",
        "referrer",
        nl=("rol partner", "rol in project", "rol in het project", "functie"),
        fr=("rôle",),
        terms="roles",
    ),
)

PROJECT_COLUMNS: tuple[Column, ...] = (
    *_PROJECT_COMMON,
    *_LEAD_LOCATION_TWO_TABLES,
    *_PROJECT_TAIL,
)
"""Columns of the ``projects`` sheet (two-table form), in template order."""

PARTNER_COLUMNS: tuple[Column, ...] = _PARTNER_COLUMNS
"""Columns of the ``partners`` sheet (two-table form), in template order."""

FLAT_COLUMNS: tuple[Column, ...] = (
    *_PROJECT_COMMON,
    *_LEAD_LOCATION_FLAT,
    *_PROJECT_TAIL,
    *_PARTNER_COLUMNS[1:],
)
"""Columns of the flat form: the project columns (lead location under its own
headers) and the partner columns; ``project_id`` appears once."""

PROJECT_FIELDS: tuple[str, ...] = tuple(c.name for c in PROJECT_COLUMNS)
PARTNER_FIELDS: tuple[str, ...] = tuple(c.name for c in PARTNER_COLUMNS)
PARTNER_ONLY_FIELDS: tuple[str, ...] = PARTNER_FIELDS[1:]
"""Partner fields except ``project_id``: all empty on a flat row = a project-only row."""

SOURCE_FIELDS: tuple[str, ...] = ("source_file", "source_sheet", "source_row")

# A lead location needs a municipality or else a postcode.
LEAD_LOCATION_ALTERNATIVE = {"lead_municipality": "lead_postcode"}

PROJECT_SHEET_NAMES = frozenset({"projects", "projecten", "project"})
PARTNER_SHEET_NAMES = frozenset({"partners", "partner", "partnerorganisaties"})


def columns_of(kind: TableKind) -> tuple[Column, ...]:
    """Return the columns of a table kind."""
    return {"projects": PROJECT_COLUMNS, "partners": PARTNER_COLUMNS, "flat": FLAT_COLUMNS}[kind]


def alias_index(kind: TableKind) -> dict[str, str]:
    """Return header key → canonical name for a table kind (the first column claiming a key wins).

    ``tests/test_dataio.py`` checks that no key is claimed twice within one kind.
    """
    index: dict[str, str] = {}
    for column in columns_of(kind):
        for text in column.accepted():
            index.setdefault(header_key(text), column.name)
    return index


def column(kind: TableKind, name: str) -> Column:
    """Return the column ``name`` of a table kind."""
    for col in columns_of(kind):
        if col.name == name:
            return col
    raise KeyError(f"{name!r} is not a column of the {kind} table")
