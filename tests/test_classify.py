"""Link classification: each rule with real municipalities, settings, and a slow oracle."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optil_geo._errors import InputError, SettingsError
from optil_geo.classify import REASON_CODES, classify_links
from optil_geo.settings import LinkRules
from optil_geo.wording import link_reasons


def worded(out: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Add the reason as the catalogue words it (the library itself returns only codes)."""
    return out.assign(reason=link_reasons(out, lang))


def one(ref, lead: str, partner: str, region: str = "", name: str = "", **rules):  # type: ignore[no-untyped-def]
    """Classify a single link given by NIS codes; return the result row as a dict."""
    frame = pd.DataFrame(
        {
            "lead_nis": [lead],
            "partner_nis": [partner],
            "partner_region": [region],
            "partner_name": [name],
        }
    )
    out = classify_links(frame, rules=LinkRules(**rules), reference=ref)
    return worded(out).iloc[0].to_dict()


def test_local(ref, nis_of) -> None:
    r = one(ref, nis_of("Gent"), nis_of("Gent"), "flanders")
    assert r["class"] == "local"
    assert r["group"] == "local_regional"
    assert (r["reason_code"], r["reason_place"]) == ("same_municipality", "Gent")
    assert r["reason"] == "Zelfde gemeente (Gent)"
    assert r["distance_km"] == 0.0
    assert r["crosses_province"] is False
    assert r["crosses_region"] is False


def test_same_referentieregio(ref, nis_of) -> None:
    r = one(ref, nis_of("Turnhout"), nis_of("Mol"), "flanders")
    assert r["class"] == "regional"
    assert r["reason"] == "Zelfde referentieregio (Kempen)"


def test_centrumstad_in_own_region_is_regional_not_urban(ref, nis_of) -> None:
    r = one(ref, nis_of("Geel"), nis_of("Turnhout"), "flanders")
    assert r["class"] == "regional"
    assert r["reason"] == "Zelfde referentieregio (Kempen)"


def test_neighbours_across_province_border(ref, nis_of) -> None:
    r = one(ref, nis_of("Tessenderlo-Ham"), nis_of("Scherpenheuvel-Zichem"), "flanders")
    assert r["class"] == "regional"
    assert r["reason"] == "Buurgemeente over de provinciegrens (Scherpenheuvel-Zichem)"
    assert r["crosses_province"] is True
    assert r["crosses_region"] is False


def test_brussels_lead_with_brussels_and_antwerp_partner(ref, nis_of) -> None:
    r = one(ref, nis_of("Elsene"), nis_of("Schaarbeek"), "brussels")
    assert r["class"] == "regional"
    assert r["reason"] == "Zelfde gewest (Brussels Hoofdstedelijk Gewest)"
    r = one(ref, nis_of("Elsene"), nis_of("Antwerpen"), "flanders")
    assert r["class"] == "urban"
    assert r["reason"] == "Centrumstad buiten de eigen regio (Antwerpen)"
    assert r["crosses_region"] is True


def test_vlaamse_rand_lead_with_brussels_partners(ref, nis_of) -> None:
    # Dilbeek borders Sint-Jans-Molenbeek: regional across the region border.
    r = one(ref, nis_of("Dilbeek"), nis_of("Sint-Jans-Molenbeek"), "brussels")
    assert r["class"] == "regional"
    assert r["reason"] == "Buurgemeente over de gewestgrens (Sint-Jans-Molenbeek)"
    assert r["crosses_region"] is True
    # Elsene is not adjacent to Dilbeek: a Brussels municipality, so urban.
    r = one(ref, nis_of("Dilbeek"), nis_of("Elsene"), "brussels")
    assert r["class"] == "urban"
    assert r["reason"] == "Brussel, buiten de eigen regio (Elsene)"


def test_urban_outside_own_region(ref, nis_of) -> None:
    r = one(ref, nis_of("Brugge"), nis_of("Genk"), "flanders")
    assert r["class"] == "urban"
    assert r["reason"] == "Centrumstad buiten de eigen regio (Genk)"
    assert r["distance_km"] > 150


def test_supra_regional_names_the_distance(
    ref,
    nis_of,
) -> None:
    r = one(ref, nis_of("Poperinge"), nis_of("Lommel"), "flanders")
    assert r["class"] == "supra_regional"
    assert r["reason"] == f"Andere referentieregio, {r['distance_km']:.0f} km"
    assert 150 < r["distance_km"] < 200


def test_wallonia_and_abroad(ref, nis_of) -> None:
    r = one(ref, nis_of("Gent"), "62063", "wallonia", "Luik")
    assert r["class"] == "supra_regional"
    assert r["reason"] == "Wallonië (Luik)"
    assert math.isnan(r["distance_km"])
    assert r["crosses_region"] is True
    r = one(ref, nis_of("Gent"), "", "abroad", "Lille, Frankrijk")
    assert r["class"] == "international"
    assert r["reason"] == "Buitenland (Lille, Frankrijk)"


def test_unresolved_partner_and_lead(ref, nis_of) -> None:
    r = one(ref, nis_of("Gent"), "", "")
    assert r["class"] == "unknown"
    assert r["reason"] == "Locatie partner niet gevonden"
    assert pd.isna(r["crosses_region"])
    r = one(ref, "", nis_of("Gent"), "flanders")
    assert r["class"] == "unknown"
    assert r["reason"] == "Locatie aanvrager niet gevonden"


@pytest.mark.parametrize(
    ("partner", "region"),
    [("11007", "flanders"), ("11007", ""), ("99999", ""), ("99999", "brussels"), ("x", "")],
)
def test_unknown_partner_codes_are_unknown_not_walloon(ref, nis_of, partner, region) -> None:  # type: ignore[no-untyped-def]
    # 11007 (Borsbeek) is a code of 2024; only a code marked wallonia is Walloon.
    r = one(ref, nis_of("Gent"), partner, region, "Ergens")
    assert (r["class"], r["reason"]) == ("unknown", "Locatie partner niet gevonden")
    assert pd.isna(r["crosses_region"]) and pd.isna(r["crosses_province"])


def test_unknown_lead_codes_are_unknown_not_walloon(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "lead_nis": ["99999", "11007", "62063", "62063"],
            "lead_region": ["", "flanders", "wallonia", ""],
            "partner_nis": [nis_of("Gent")] * 4,
            "partner_region": ["flanders"] * 4,
        }
    )
    out = worded(classify_links(frame, reference=ref))
    assert out["class"].tolist() == ["unknown", "unknown", "urban", "unknown"]
    assert out["reason"].tolist() == [
        "Locatie aanvrager niet gevonden",
        "Locatie aanvrager niet gevonden",
        "Centrumstad buiten de eigen regio (Gent)",
        "Locatie aanvrager niet gevonden",
    ]
    assert out["crosses_region"].tolist()[2] is True
    assert out["crosses_region"].isna().tolist() == [True, True, False, True]
    # Without a lead_region column a code outside the reference is unknown as well.
    r = one(ref, "62063", nis_of("Gent"), "flanders")
    assert (r["class"], r["reason"]) == ("unknown", "Locatie aanvrager niet gevonden")


def test_crossing_flags_are_na_when_the_lead_is_unknown(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "lead_nis": ["", "", nis_of("Gent")],
            "lead_region": ["", "abroad", "flanders"],
            "partner_nis": ["", "", ""],
            "partner_region": ["abroad"] * 3,
            "partner_name": ["Lille"] * 3,
        }
    )
    out = classify_links(frame, reference=ref)
    assert out["class"].tolist() == ["international"] * 3
    assert out["crosses_region"].isna().tolist() == [True, True, False]
    assert out["crosses_province"].isna().tolist() == [True, True, False]
    assert (out.loc[2, "crosses_region"], out.loc[2, "crosses_province"]) == (True, True)


def test_lead_abroad_has_its_own_reason(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "lead_nis": ["", "", ""],
            "lead_region": ["abroad"] * 3,
            "partner_nis": [nis_of("Gent"), "62063", ""],
            "partner_region": ["flanders", "wallonia", ""],
        }
    )
    out = worded(classify_links(frame, reference=ref))
    assert out["class"].tolist() == ["unknown"] * 3
    assert out["reason"].tolist() == ["Aanvrager buiten Vlaanderen en Brussel"] * 3
    assert out["crosses_region"].isna().all()


def test_walloon_brabant_is_its_own_province(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    # Waals-Brabant (20002, codes 25…) is not Vlaams-Brabant (20001), nor Hainaut (50000).
    frame = pd.DataFrame(
        {
            "lead_nis": ["25005", "25005", "57081"],
            "lead_region": ["wallonia"] * 3,
            "partner_nis": ["25072", "57081", "25005"],
            "partner_region": ["wallonia"] * 3,
        }
    )
    out = classify_links(frame, reference=ref)
    assert out["crosses_province"].tolist() == [False, True, True]
    assert out["crosses_region"].tolist() == [False, False, False]


def test_province_of_nis() -> None:
    from optil_geo.reference import province_of_nis

    assert [province_of_nis(c) for c in ("25005", "24020", "23101", "21004", "57081")] == [
        "20002",
        "20001",
        "20001",
        "04000",
        "50000",
    ]
    assert [province_of_nis(c) for c in ("", "2500", "x2500", "05000")] == ["", "", "", ""]


def test_walloon_lead_never_crashes(ref, nis_of) -> None:
    frame = pd.DataFrame(
        {
            "lead_nis": ["62063", "62063", "62063"],
            "lead_region": ["wallonia"] * 3,
            "partner_nis": ["62063", nis_of("Gent"), nis_of("Lommel")],
            "partner_region": ["wallonia", "flanders", "flanders"],
        }
    )
    out = classify_links(frame, reference=ref)
    assert list(out["class"]) == ["local", "urban", "supra_regional"]


def test_settings_change_the_outcome(ref, nis_of) -> None:
    tessenderlo, scherpenheuvel = nis_of("Tessenderlo-Ham"), nis_of("Scherpenheuvel-Zichem")
    # Without the neighbour rule the cross-border neighbours are supra-regional.
    assert one(ref, tessenderlo, scherpenheuvel, neighbours=False)["class"] == "supra_regional"
    # Province scheme: Geel (Kempen) and Lier (Rivierenland) share the province of Antwerp.
    geel, lier = nis_of("Geel"), nis_of("Lier")
    assert one(ref, geel, lier)["class"] == "supra_regional"
    r = one(ref, geel, lier, scheme="province")
    assert (r["class"], r["reason"]) == ("regional", "Zelfde provincie (Antwerpen)")
    # Streek scheme.
    r = one(ref, nis_of("Eeklo"), nis_of("Maldegem"), scheme="streek")
    assert (r["class"], r["reason"]) == ("regional", "Zelfde streek (Meetjesland)")
    # No region scheme: same referentieregio but not adjacent is no longer regional.
    turnhout, mol = nis_of("Turnhout"), nis_of("Mol")
    assert one(ref, turnhout, mol)["class"] == "regional"
    r = one(ref, turnhout, mol, scheme="none")
    assert r["class"] == "supra_regional"
    assert r["reason"].startswith("Geen buurgemeente, ")
    # Distance threshold makes a nearby link regional.
    r = one(ref, geel, lier, max_km=40)
    assert r["class"] == "regional"
    assert r["reason"].startswith("Binnen 40 km (")
    # Urban set: a0 only excludes Brussels and most centrumsteden.
    assert one(ref, nis_of("Dilbeek"), nis_of("Elsene"))["class"] == "urban"
    assert one(ref, nis_of("Dilbeek"), nis_of("Elsene"), urban="a0")["class"] == "supra_regional"
    assert one(ref, nis_of("Brugge"), nis_of("Gent"), urban="a0")["class"] == "urban"
    # Custom urban set.
    custom = {"urban": "custom", "urban_custom": (nis_of("Lommel"),)}
    assert one(ref, nis_of("Poperinge"), nis_of("Lommel"), **custom)["class"] == "urban"
    assert one(ref, nis_of("Brugge"), nis_of("Genk"), **custom)["class"] == "supra_regional"


def test_rules_are_validated() -> None:
    with pytest.raises(SettingsError, match=r"`scheme` was 'provnce' but must be one of"):
        LinkRules(scheme="provnce")  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="max_km"):
        LinkRules(max_km=-3)
    with pytest.raises(SettingsError, match="urban_custom"):
        LinkRules(urban="custom")
    with pytest.raises(SettingsError, match="unknown rule"):
        LinkRules().replace(neighbors=False)


def test_missing_columns_and_empty_input(ref) -> None:
    with pytest.raises(InputError, match="partner_region"):
        classify_links(pd.DataFrame({"lead_nis": [], "partner_nis": []}), reference=ref)
    empty = classify_links(
        pd.DataFrame({"lead_nis": [], "partner_nis": [], "partner_region": []}), reference=ref
    )
    assert list(empty.columns) == [
        "class",
        "group",
        "reason_code",
        "reason_place",
        "reason_km",
        "reason_limit_km",
        "distance_km",
        "crosses_province",
        "crosses_region",
    ]
    assert len(empty) == 0


def test_index_and_order_preserved(ref, nis_of) -> None:
    frame = pd.DataFrame(
        {
            "lead_nis": [nis_of("Gent"), nis_of("Gent"), nis_of("Gent")],
            "partner_nis": [nis_of("Gent"), "", nis_of("Genk")],
            "partner_region": ["flanders", "", "flanders"],
        },
        index=[10, 5, 7],
    )
    out = classify_links(frame, reference=ref)
    assert list(out.index) == [10, 5, 7]
    assert list(out["class"]) == ["local", "unknown", "urban"]


# --------------------------------------------------------------------------- oracle


_BY_NIS: dict[int, pd.DataFrame] = {}


def slow_class(  # type: ignore[no-untyped-def]
    ref, lead: str, partner: str, region: str, rules: LinkRules, *, lead_region: str = ""
) -> str:
    """The rules of the product brief, one link at a time, written for clarity."""
    m = _BY_NIS.setdefault(id(ref), ref.municipalities.set_index("nis"))
    if region == "abroad":
        return "international"
    # A code outside the reference is Walloon only when its region says so.
    lead_ok = lead in m.index or (lead != "" and lead_region == "wallonia")
    partner_ok = partner in m.index or (partner != "" and region == "wallonia")
    if not (lead_ok and partner_ok):
        return "unknown"
    if lead == partner:
        return "local"
    if lead in m.index and partner in m.index:
        lead_row, partner_row = m.loc[lead], m.loc[partner]
        column = {
            "referentieregio": "refreg_code",
            "province": "province_code",
            "streek": "streek_code",
        }.get(rules.scheme)
        if column is not None and lead_row[column] == partner_row[column]:
            return "regional"
        if rules.neighbours and partner in lead_row["neighbours"]:
            return "regional"
        distance = (
            math.hypot(
                lead_row["point_x"] - partner_row["point_x"],
                lead_row["point_y"] - partner_row["point_y"],
            )
            / 1000
        )
        if rules.max_km is not None and round(distance, 1) < rules.max_km:
            return "regional"
    if partner in m.index:
        partner_row = m.loc[partner]
        urban = {
            "centrumsteden": bool(partner_row["is_centrumstad"])
            or partner_row["region"] == "brussels",
            "a0": partner_row["hierarchy_code"] == "a0",
            "custom": partner in rules.urban_custom,
        }[rules.urban]
        if urban:
            return "urban"
    return "supra_regional"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_property_agrees_with_slow_rules(ref, data) -> None:  # type: ignore[no-untyped-def]
    nis = list(ref.municipalities["nis"])
    rules = LinkRules(
        scheme=data.draw(st.sampled_from(["referentieregio", "province", "streek", "none"])),
        neighbours=data.draw(st.booleans()),
        max_km=data.draw(st.sampled_from([None, 10.0, 25.0])),
        urban=data.draw(st.sampled_from(["centrumsteden", "a0"])),
    )
    n = data.draw(st.integers(min_value=1, max_value=40))
    # Bias towards close pairs so that every rule is exercised.
    rows = []
    for _ in range(n):
        lead = data.draw(st.sampled_from(nis))
        kind = data.draw(
            st.sampled_from(
                ["any", "neighbour", "same", "wallonia", "abroad", "unknown", "bad_code"]
            )
        )
        nbs = ref.municipalities.set_index("nis").loc[lead, "neighbours"]
        if kind == "neighbour" and nbs:
            rows.append((lead, data.draw(st.sampled_from(list(nbs))), "flanders"))
        elif kind == "same":
            rows.append((lead, lead, "flanders"))
        elif kind == "wallonia":
            rows.append((lead, "62063", "wallonia"))
        elif kind == "abroad":
            rows.append((lead, "", "abroad"))
        elif kind == "unknown":
            rows.append((data.draw(st.sampled_from([lead, ""])), "", ""))
        elif kind == "bad_code":
            # A code of 2024 or a typo, on either side, whatever region is given.
            bad = data.draw(st.sampled_from(["11007", "99999"]))
            region = data.draw(st.sampled_from(["", "flanders", "wallonia"]))
            if data.draw(st.booleans()):
                rows.append((lead, bad, region))
            else:
                rows.append((bad, lead, "flanders"))
        else:
            rows.append((lead, data.draw(st.sampled_from(nis)), "flanders"))
    frame = pd.DataFrame(rows, columns=["lead_nis", "partner_nis", "partner_region"])
    fast = classify_links(frame, rules=rules, reference=ref)["class"].tolist()
    slow = [slow_class(ref, a, b, c, rules) for a, b, c in rows]
    assert fast == slow


def test_vectorised_on_many_rows(ref) -> None:
    rng = np.random.default_rng(1)
    nis = ref.municipalities["nis"].to_numpy()
    frame = pd.DataFrame(
        {
            "lead_nis": rng.choice(nis, 20_000),
            "partner_nis": rng.choice(nis, 20_000),
            "partner_region": "flanders",
        }
    )
    out = classify_links(frame, reference=ref)
    assert len(out) == 20_000
    assert set(out["class"]) <= {"local", "regional", "urban", "supra_regional"}
    sample = frame.sample(200, random_state=2)
    rules = LinkRules()
    expected = [
        slow_class(ref, a, b, "flanders", rules)
        for a, b in zip(sample["lead_nis"], sample["partner_nis"], strict=True)
    ]
    assert out.loc[sample.index, "class"].tolist() == expected


def test_urban_municipalities_follow_the_rules(ref, nis_of) -> None:
    from optil_geo.classify import urban_municipalities

    default = urban_municipalities(reference=ref)
    # 13 centrumsteden and the 19 Brussels municipalities.
    assert len(default) == 13 + 19
    assert {nis_of("Gent"), nis_of("Elsene"), nis_of("Turnhout")} <= default
    assert nis_of("Mol") not in default
    a0 = urban_municipalities(LinkRules(urban="a0"), ref)
    assert nis_of("Antwerpen") in a0 and nis_of("Mol") not in a0
    assert nis_of("Elsene") not in a0  # Brussels is urban by default, not as a0
    custom = urban_municipalities(LinkRules(urban="custom", urban_custom=(nis_of("Mol"),)), ref)
    assert custom == {nis_of("Mol")}


def test_build_links_takes_project_columns_that_are_not_text(ref, nis_of) -> None:
    from optil_geo.classify import build_links

    projects = pd.DataFrame(
        {
            "project_id": ["P1"],
            "round": [2021],
            "title": [1.5],
            "lead_organisation": ["CC"],
            "lead_nis": [nis_of("Turnhout")],
            "lead_region": ["flanders"],
        }
    )
    partners = pd.DataFrame(
        {"project_id": ["P1"], "partner_nis": [nis_of("Mol")], "partner_region": ["flanders"]}
    )
    links = build_links(projects, partners, reference=ref)
    assert links.loc[0, "round"] == "2021" and links.loc[0, "title"] == "1.5"
    assert links.loc[0, "class"] == "regional"


def test_build_links_codes_leads_as_the_text_it_shows(ref, nis_of) -> None:
    from optil_geo.classify import build_links

    # 11002 and 11002.0 are equal numbers but different texts: the links show
    # '11002.0', which is no NIS code, and classify it as classify_links does.
    code = int(nis_of("Antwerpen"))
    projects = pd.DataFrame(
        {"project_id": ["P1", "P2"], "lead_nis": pd.Series([code, float(code)], dtype=object)}
    )
    partners = pd.DataFrame(
        {"project_id": ["P2"], "partner_nis": [nis_of("Mortsel")], "partner_region": ["flanders"]}
    )
    links = build_links(projects, partners, reference=ref)
    assert links.loc[0, "lead_nis"] == f"{code}.0"
    alone = classify_links(links[["lead_nis", "partner_nis", "partner_region"]], reference=ref)
    assert links.loc[0, "class"] == alone.loc[0, "class"] == "unknown"


def test_build_links_text_project_columns_missing_and_unknown(ref, nis_of) -> None:
    import pyarrow as pa

    from optil_geo.classify import build_links

    def text(*chunks: list[str | None]) -> pd.Series:
        arrow = pa.chunked_array([pa.array(c, pa.large_string()) for c in chunks])
        return pd.Series(pd.array(arrow, dtype="str"))

    projects = pd.DataFrame(
        {
            "project_id": text(["P1", "P2"], ["P1"]),  # P1 twice: its first row counts
            "round": text(["2021", None], ["2099"]),
            "title": text([None, "T2"], ["other"]),
            "lead_organisation": text(["CC", "Bib"], ["x"]),
            "lead_nis": text([nis_of("Turnhout"), None], [nis_of("Gent")]),
            "lead_region": text(["flanders", None], ["flanders"]),
        }
    )
    partners = pd.DataFrame(
        {
            "project_id": ["P2", "P9", "P1"],
            "partner_nis": [nis_of("Mol")] * 3,
            "partner_region": ["flanders"] * 3,
        }
    )
    links = build_links(projects, partners, reference=ref)
    assert links["round"].tolist() == ["", "", "2021"]
    assert links["title"].tolist() == ["T2", "", ""]
    assert links["lead_nis"].tolist() == ["", "", nis_of("Turnhout")]
    assert str(links["lead_nis"].dtype) == "str"
    assert links["class"].tolist() == ["unknown", "unknown", "regional"]


def test_a_changed_copy_of_the_reference_gets_its_own_lookups(ref, nis_of) -> None:
    import dataclasses

    frame = pd.DataFrame(
        {
            "lead_nis": [nis_of("Mol")],
            "partner_nis": [nis_of("Gent")],
            "partner_region": ["flanders"],
        }
    )
    assert classify_links(frame, reference=ref).loc[0, "class"] == "urban"
    towns = ref.municipalities.copy()
    towns["is_centrumstad"] = False
    changed = dataclasses.replace(ref, municipalities=towns)
    assert classify_links(frame, reference=changed).loc[0, "class"] == "supra_regional"
    assert classify_links(frame, reference=ref).loc[0, "class"] == "urban"


# ------------------------------------------------------------------ reasons as codes


def test_reasons_are_codes_with_parameters_not_sentences(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "lead_nis": [nis_of("Turnhout"), nis_of("Gent"), nis_of("Geel"), nis_of("Gent")],
            "partner_nis": [nis_of("Mol"), nis_of("Genk"), nis_of("Lier"), ""],
            "partner_region": ["flanders", "flanders", "flanders", "abroad"],
            "partner_name": ["", "", "", "Lille"],
        }
    )
    out = classify_links(frame, rules=LinkRules(max_km=40), reference=ref)
    assert "reason" not in out.columns
    assert out["reason_code"].tolist() == [
        "same_referentieregio",
        "urban_centrumstad",
        "within_km",
        "abroad",
    ]
    assert out["reason_place"].tolist() == ["Kempen", "Genk", "", "Lille"]
    # The kilometres the reason names are the distance, rounded to whole km.
    assert out.loc[2, "reason_km"] == round(out.loc[2, "distance_km"])
    assert out.loc[2, "reason_limit_km"] == 40
    assert out["reason_km"].isna().tolist() == [True, True, False, True]
    assert out["reason_limit_km"].isna().tolist() == [True, True, False, True]
    assert set(out["reason_code"]) <= set(REASON_CODES)


def test_reasons_are_worded_in_either_language(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "lead_nis": [nis_of("Turnhout"), nis_of("Geel"), nis_of("Gent"), nis_of("Gent")],
            "partner_nis": [nis_of("Mol"), nis_of("Lier"), "", "62063"],
            "partner_region": ["flanders", "flanders", "abroad", "wallonia"],
            "partner_name": ["", "", "", "Luik"],
        }
    )
    out = classify_links(frame, rules=LinkRules(max_km=12.5), reference=ref)
    km = f"{out.loc[1, 'reason_km']:.0f}"
    assert link_reasons(out, "nl").tolist() == [
        "Zelfde referentieregio (Kempen)",
        f"Andere referentieregio, {km} km",
        "Buitenland",
        "Wallonië (Luik)",
    ]
    assert link_reasons(out, "en").tolist() == [
        "Same reference region (Kempen)",
        f"Other reference region, {km} km",
        "Abroad",
        "Wallonia (Luik)",
    ]
    near = classify_links(frame.iloc[:2], rules=LinkRules(max_km=40), reference=ref)
    assert link_reasons(near, "nl").tolist()[1] == f"Binnen 40 km ({km} km)"
    assert link_reasons(near, "en").tolist()[1] == f"Within 40 km ({km} km)"


def test_every_reason_code_has_words_in_both_languages() -> None:
    from optil_geo.texts import catalogue

    for code in REASON_CODES:
        entry = catalogue()[f"reason_{code}"]
        assert entry["nl"] and entry["en"] and entry["nl"] != entry["en"], code
