"""Tests of the sector, role and target-group vocabulary."""

from __future__ import annotations

import pandas as pd
import pytest

from optil_geo._errors import InputError
from optil_geo.vocabulary import (
    UNKNOWN,
    _parse_vocabulary,
    load_vocabulary,
    match_roles,
    match_sectors,
    normalise_term,
    parse_target_groups,
    role_label,
    sector_group_label,
    sector_label,
    split_target_groups,
    target_group_label,
)


def test_groups_in_order_with_labels() -> None:
    vocab = load_vocabulary()
    assert list(vocab.groups) == [
        "culture",
        "welfare_care",
        "education",
        "local_government",
        "other",
        "unknown",
    ]
    assert vocab.groups["unknown"].label("nl") == "Onbekend"
    assert vocab.groups["welfare_care"].label("en") == "Welfare and care"


def test_every_sector_has_a_known_group_and_labels() -> None:
    vocab = load_vocabulary()
    for sector in vocab.sectors.values():
        assert sector.group in vocab.groups
        assert sector.group != UNKNOWN
        assert sector.label_nl and sector.label_en


def test_local_cultural_actors_are_the_four_of_the_nine_out_of_ten_figure() -> None:
    vocab = load_vocabulary()
    local = {code for code, s in vocab.sectors.items() if s.local_cultural_actor}
    assert local == {"library", "cultural_centre", "community_centre", "culture_service"}


@pytest.mark.parametrize(
    ("text", "code", "group"),
    [
        # the sectors the reflection names, within and outside culture
        ("IGS cultuur", "igs_culture", "culture"),
        ("erfgoed", "heritage", "culture"),
        ("jeugdwerk", "youth_work", "culture"),
        ("sociaal-cultureel werk", "sociocultural", "culture"),
        ("kunstenaar", "artist", "culture"),
        ("amateurkunsten", "amateur_arts", "culture"),
        ("circus", "circus", "culture"),
        ("koepel", "umbrella", "culture"),
        ("jeugdwelzijn", "youth_welfare", "welfare_care"),
        ("psychiatrie", "mental_health", "welfare_care"),
        ("gevangenis", "prison", "welfare_care"),
        ("woonzorgcentrum", "residential_care", "welfare_care"),
        ("OCMW", "social_welfare_centre", "welfare_care"),
        ("lager onderwijs", "primary_education", "education"),
        ("secundair onderwijs", "secondary_education", "education"),
        ("hoger onderwijs", "higher_education", "education"),
        ("DKO", "dko", "education"),
        ("gemeentebestuur", "municipal_government", "local_government"),
        ("provincie", "province", "local_government"),
        ("intercommunale", "intermunicipal", "local_government"),
        ("toerisme", "tourism", "other"),
        ("economie", "economy", "other"),
        ("mobiliteit", "mobility", "other"),
        ("ruimtelijke ordening", "spatial_planning", "other"),
        ("onroerend erfgoed", "immovable_heritage", "other"),
        ("sport", "sport", "other"),
        ("natuur", "nature", "other"),
        ("transitiebeweging", "transition", "other"),
    ],
)
def test_sectors_of_the_reflection(text: str, code: str, group: str) -> None:
    out = match_sectors(pd.Series([text]))
    assert out.loc[0, "sector"] == code
    assert out.loc[0, "sector_group"] == group
    assert bool(out.loc[0, "sector_known"]) is True


def test_match_sectors_is_forgiving_and_aligned() -> None:
    values = pd.Series(
        [
            "BIBLIOTHEEK",
            "Bibliothèque",  # French
            "Cultuur-centrum",  # compound written apart
            "Bibliotheek Gent",  # contained phrase
            "Stad Gent - dienst cultuur",  # the longest contained phrase wins
            "Agentschap Onroerend Erfgoed",
            "gekke sector",
            "",
            None,
        ],
        index=[10, 11, 12, 13, 14, 15, 16, 17, 18],
    )
    out = match_sectors(values)
    assert list(out.index) == list(values.index)
    assert list(out["sector"]) == [
        "library",
        "library",
        "cultural_centre",
        "library",
        "culture_service",
        "immovable_heritage",
        UNKNOWN,
        "",
        "",
    ]
    assert list(out["sector_group"])[-3:] == [UNKNOWN, UNKNOWN, UNKNOWN]
    assert list(out["local_cultural_actor"]) == [True, True, True, True, True] + [False] * 4
    assert list(out["sector_known"]) == [True] * 6 + [False] * 3
    assert out["local_cultural_actor"].dtype == bool
    assert out["sector_known"].dtype == bool


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("initiatiefnemer", "initiator"),
        ("Dragende partner", "core_partner"),
        ("aanjager", "catalyst"),
        ("toeleider", "referrer"),
        ("Ondersteuner", "supporter"),
        ("kennispartner", "knowledge_partner"),
        ("uitvoerder", "implementer"),
        ("financier", "funder"),
        ("penvoerder", "initiator"),
        ("knowledge partner", "knowledge_partner"),
        ("partenaire", "partner"),
    ],
)
def test_roles(text: str, code: str) -> None:
    out = match_roles(pd.Series([text]))
    assert out.loc[0, "role"] == code
    assert bool(out.loc[0, "role_known"]) is True


def test_unknown_and_empty_roles() -> None:
    out = match_roles(pd.Series(["zomaar iets", "", None]))
    assert list(out["role"]) == [UNKNOWN, "", ""]
    assert list(out["role_known"]) == [False, False, False]


def test_target_groups_of_the_reflection() -> None:
    cells = pd.Series(
        [
            "senioren; jongeren",
            "mensen met een beperking, psychische kwetsbaarheid",
            "nieuwkomers | LGBTQ+ ; buurtbewoners",
            "gevangenen;(amateur)kunstenaars",
            "Senioren; ouderen; iets anders",
            "",
        ]
    )
    out = parse_target_groups(cells)
    assert out.tolist() == [
        ("seniors", "young_people"),
        ("people_with_disability", "psychological_vulnerability"),
        ("newcomers", "lgbtq", "residents"),
        ("prisoners", "artists"),
        ("seniors", "iets anders"),  # repeats dropped, unknown text kept verbatim
        (),
    ]


def test_split_target_groups_keeps_slashes() -> None:
    assert split_target_groups(" a ; b/c ,\nd ") == ["a", "b/c", "d"]
    assert split_target_groups(None) == []


def test_labels() -> None:
    assert sector_label("library") == "Bibliotheek"
    assert sector_label("library", "en") == "Library"
    assert sector_label(UNKNOWN) == "Onbekend"
    assert sector_label("") == ""
    assert sector_group_label("education", "en") == "Education"
    assert sector_group_label("nonsense") == "Onbekend"
    assert role_label("referrer") == "Toeleider"
    assert role_label(UNKNOWN, "en") == "Unknown"
    assert target_group_label("lgbtq") == "LGBTQ+"
    assert target_group_label("iets anders") == "iets anders"


def test_normalise_term() -> None:
    assert normalise_term("  Cultuur-Centrum  Zénith ") == "cultuur centrum zenith"
    assert normalise_term(None) == ""
    assert normalise_term(float("nan")) == ""


def test_a_synonym_claimed_twice_is_rejected() -> None:
    data = {
        "groups": [{"code": "unknown", "label_nl": "Onbekend", "label_en": "Unknown", "order": 1}],
        "sectors": [],
        "roles": [
            {"code": "a", "label_nl": "A", "label_en": "A", "synonyms": ["samen"]},
            {"code": "b", "label_nl": "B", "label_en": "B", "synonyms": ["Samen!"]},
        ],
    }
    with pytest.raises(InputError, match="belongs to both"):
        _parse_vocabulary(data)


def test_a_sector_with_an_unknown_group_is_rejected() -> None:
    data = {
        "groups": [{"code": "unknown", "label_nl": "Onbekend", "label_en": "Unknown", "order": 1}],
        "sectors": [{"code": "x", "label_nl": "X", "label_en": "X", "group": "nowhere"}],
    }
    with pytest.raises(InputError, match="nowhere"):
        _parse_vocabulary(data)


def test_vocabulary_is_loaded_once() -> None:
    assert load_vocabulary() is load_vocabulary()
