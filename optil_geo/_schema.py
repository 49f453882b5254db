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


@dataclass(frozen=True)
class Column:
    """One canonical column: its Dutch header, aliases and documentation."""

    name: str
    header_nl: str
    aliases: tuple[str, ...]
    required: bool
    description_nl: str
    example: str

    def accepted(self) -> tuple[str, ...]:
        """Return every accepted header: the canonical name, the Dutch header, the aliases."""
        seen: dict[str, None] = {}
        for text in (self.name, self.header_nl, *self.aliases):
            seen.setdefault(text, None)
        return tuple(seen)


def header_key(text: object) -> str:
    """Return the comparison key of a column header (no case, accents, spaces, punctuation)."""
    return normalise_term(text).replace(" ", "")


# No bare "id": on a partners sheet it is as likely the partner's own row id.
_PROJECT_ID_ALIASES = (
    "project id",
    "project",
    "projectnr",
    "projectnummer",
    "projectcode",
    "dossier",
    "dossiernummer",
    "dossiernr",
    "dossier id",
    "code project",
)

_PROJECT_COMMON = (
    Column(
        "project_id",
        "projectnummer",
        _PROJECT_ID_ALIASES,
        True,
        "Unieke code van het project (bv. het dossiernummer). Partners verwijzen ernaar.",
        "2021-1-07",
    ),
    Column(
        "title",
        "titel",
        ("projecttitel", "projectnaam", "naam project", "project title", "project name", "titre"),
        True,
        "Titel van het project.",
        "Verhalen van de Schelde",
    ),
    Column(
        "round",
        "ronde",
        ("subsidieronde", "oproep", "call", "round", "ronde subsidie"),
        False,
        "Subsidieronde, bv. 2021-1 (jaar en ronde).",
        "2021-1",
    ),
    Column(
        "year",
        "jaar",
        ("startjaar", "subsidiejaar", "year", "annee"),
        False,
        "Jaar van toekenning of start (vier cijfers).",
        "2021",
    ),
    Column(
        "lead_organisation",
        "aanvrager",
        (
            "lead organization",
            "lead",
            "indiener",
            "penvoerder",
            "organisatie aanvrager",
            "aanvragende organisatie",
            "naam aanvrager",
            "applicant",
            "lead organisation name",
            "initiatiefnemer",
            "promotor",
        ),
        True,
        "Organisatie die het project aanvroeg (de penvoerder).",
        "Cultuurcentrum De Werf",
    ),
)

_LEAD_LOCATION_TWO_TABLES = (
    Column(
        "lead_municipality",
        "gemeente",
        (
            "gemeente aanvrager",
            "plaats aanvrager",
            "woonplaats aanvrager",
            "lead municipality",
            "lead place",
            "lead city",
            "aanvrager gemeente",
            "plaats",
            "stad",
            "municipality",
            "commune",
        ),
        True,
        "Gemeente van de aanvrager: naam, NIS-code of postcode. Verplicht tenzij de postcode "
        "is ingevuld.",
        "Aalst",
    ),
    Column(
        "lead_postcode",
        "postcode",
        (
            "postcode aanvrager",
            "lead postcode",
            "lead postal code",
            "aanvrager postcode",
            "postnummer",
            "postal code",
            "code postal",
            "zip",
        ),
        False,
        "Postcode van de aanvrager (helpt bij dubbelzinnige namen).",
        "9300",
    ),
    Column(
        "lead_sector",
        "sector",
        ("sector aanvrager", "lead sector", "aanvrager sector", "type aanvrager"),
        False,
        "Sector van de aanvrager (kies uit de lijst of vrije tekst).",
        "Cultuurcentrum",
    ),
)

_LEAD_LOCATION_FLAT = (
    Column(
        "lead_municipality",
        "gemeente aanvrager",
        (
            "plaats aanvrager",
            "woonplaats aanvrager",
            "lead municipality",
            "lead place",
            "lead city",
            "aanvrager gemeente",
        ),
        True,
        "Gemeente van de aanvrager: naam, NIS-code of postcode. Verplicht tenzij de postcode "
        "van de aanvrager is ingevuld.",
        "Aalst",
    ),
    Column(
        "lead_postcode",
        "postcode aanvrager",
        ("lead postcode", "lead postal code", "aanvrager postcode"),
        False,
        "Postcode van de aanvrager.",
        "9300",
    ),
    Column(
        "lead_sector",
        "sector aanvrager",
        ("lead sector", "aanvrager sector", "type aanvrager"),
        False,
        "Sector van de aanvrager.",
        "Cultuurcentrum",
    ),
)

_PROJECT_TAIL = (
    Column(
        "target_groups",
        "doelgroepen",
        (
            "doelgroep",
            "target groups",
            "target group",
            "publiek",
            "publieksgroepen",
            "groupes cibles",
        ),
        False,
        "Doelgroepen, gescheiden door ';' (bv. senioren; nieuwkomers).",
        "senioren; nieuwkomers",
    ),
    Column(
        "subsidy_eur",
        "subsidie (EUR)",
        (
            "subsidie",
            "subsidie eur",
            "subsidie euro",
            "subsidiebedrag",
            "bedrag",
            "toegekend bedrag",
            "toegekende subsidie",
            "subsidy",
            "subsidy eur",
            "amount",
            "montant",
        ),
        False,
        "Toegekende subsidie in euro (getal; 75000 of 75.000,00).",
        "75000",
    ),
)

_PARTNER_COLUMNS = (
    Column(
        "project_id",
        "projectnummer",
        _PROJECT_ID_ALIASES,
        True,
        "Projectnummer zoals op het blad met projecten.",
        "2021-1-07",
    ),
    Column(
        "organisation",
        "organisatie",
        (
            "organization",
            "partner",
            "partnerorganisatie",
            "naam partner",
            "partnernaam",
            "partner naam",
            "naam organisatie",
            "organisatienaam",
            "naam",
            "organisme",
        ),
        True,
        "Naam van de partnerorganisatie (of de kunstenaar).",
        "Bibliotheek Denderleeuw",
    ),
    Column(
        "municipality",
        "gemeente",
        (
            "plaats",
            "woonplaats",
            "stad",
            "place",
            "city",
            "gemeente partner",
            "locatie",
            "vestigingsplaats",
            "commune",
            "ville",
        ),
        False,
        "Gemeente van de partner: naam, deelgemeente, NIS-code of postcode. Buitenlandse "
        "plaatsen mogen ook.",
        "Denderleeuw",
    ),
    Column(
        "postcode",
        "postcode",
        (
            "postal code",
            "post code",
            "zip",
            "zipcode",
            "postnummer",
            "postcode partner",
            "code postal",
        ),
        False,
        "Postcode van de partner (helpt bij dubbelzinnige namen).",
        "9470",
    ),
    Column(
        "country",
        "land",
        ("country", "pays", "land partner"),
        False,
        "Land van de partner; leeg = België.",
        "België",
    ),
    Column(
        "sector",
        "sector",
        ("sector partner", "type organisatie", "soort organisatie", "type partner", "secteur"),
        False,
        "Sector van de partner (kies uit de lijst of vrije tekst).",
        "Bibliotheek",
    ),
    Column(
        "role",
        "rol",
        ("rol partner", "rol in project", "rol in het project", "functie", "role", "rôle"),
        False,
        "Rol van de partner in het project (kies uit de lijst of vrije tekst).",
        "Toeleider",
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
