"""The fictional demo dataset: determinism, committed output, shape and a clean import."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo.classify import classify_links
from optil_geo.dataio import PartnershipData, read_partnerships
from optil_geo.demo import DEFAULT_SEED, DEMO_FILES, ROUNDS, demo_summary, generate_demo, write_demo
from tests.conftest import xlsx_members

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "demo"

# Merged in 2025: a file of 2020-2022 never writes these new names as a place.
NEW_NAMES_2025 = (
    "Pajottegem",
    "Merelbeke-Melle",
    "Nazareth-De Pinte",
    "Beveren-Kruibeke-Zwijndrecht",
    "Tessenderlo-Ham",
    "Bilzen-Hoeselt",
    "Tongeren-Borgloon",
)
RARE_SECTORS = (
    "tourism",
    "economy",
    "business",
    "mobility",
    "spatial_planning",
    "sport",
    "nature",
    "transition",
)


@pytest.fixture(scope="module")
def demo(ref):  # type: ignore[no-untyped-def]
    return generate_demo(reference=ref)


@pytest.fixture(scope="module")
def written(ref, tmp_path_factory):  # type: ignore[no-untyped-def]
    return write_demo(tmp_path_factory.mktemp("demo"), reference=ref)


@pytest.fixture(scope="module")
def imported(ref) -> PartnershipData:  # type: ignore[no-untyped-def]
    return read_partnerships(COMMITTED / DEMO_FILES[0], reference=ref)


# ------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_frames(ref, demo) -> None:  # type: ignore[no-untyped-def]
    projects, partners = generate_demo(seed=DEFAULT_SEED, reference=ref)
    pd.testing.assert_frame_equal(projects, demo[0])
    pd.testing.assert_frame_equal(partners, demo[1])


def test_other_seed_gives_other_data(ref, demo) -> None:  # type: ignore[no-untyped-def]
    projects, _ = generate_demo(seed=DEFAULT_SEED + 1, reference=ref)
    assert not projects["title"].equals(demo[0]["title"])


def test_write_twice_gives_identical_bytes(ref, written, tmp_path) -> None:  # type: ignore[no-untyped-def]
    again = write_demo(tmp_path, reference=ref)
    assert [p.name for p in again] == list(DEMO_FILES)
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_committed_files_equal_the_generator(written) -> None:  # type: ignore[no-untyped-def]
    for fresh in written:
        committed = COMMITTED / fresh.name
        assert committed.exists(), f"{committed} missing: run write_demo(Path('data/demo'))"
        if fresh.suffix == ".xlsx":
            assert xlsx_members(committed) == xlsx_members(fresh), fresh.name
        else:
            assert committed.read_bytes() == fresh.read_bytes(), fresh.name


def test_xlsx_timestamps_are_pinned(written) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(written[0]) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == [
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00Z",
    ]


def test_invalid_seed_is_refused() -> None:
    with pytest.raises(InputError, match="`seed` was -1"):
        generate_demo(seed=-1)


# ------------------------------------------------------------------- labelling


def test_workbook_is_labelled_fictional_and_uses_dutch_headers(written) -> None:  # type: ignore[no-untyped-def]
    book = openpyxl.load_workbook(written[0], read_only=True)
    assert book.sheetnames == ["over", "projects", "partners"]
    about = [str(c) for row in book["over"].iter_rows(values_only=True) for c in row if c]
    assert about[0] == "FICTIEVE DEMODATA"
    assert str(DEFAULT_SEED) in about
    assert any("optil-geo demo -o" in text for text in about)
    for sheet, kind in (("projects", "projects"), ("partners", "partners")):
        header = next(book[sheet].iter_rows(max_row=1, values_only=True))
        assert list(header) == [c.header_nl for c in _schema.columns_of(kind)]  # type: ignore[arg-type]
    book.close()


def test_csv_files_are_excel_friendly(written) -> None:  # type: ignore[no-untyped-def]
    for path in written[1:]:
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        first = data[3:].split(b"\r\n", 1)[0].decode("utf-8")
        assert first.split(";")[0] == "projectnummer"
    flat_header = written[3].read_bytes()[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert flat_header.split(";") == [c.header_nl for c in _schema.FLAT_COLUMNS]


def test_readme_names_seed_and_counts(demo) -> None:  # type: ignore[no-untyped-def]
    text = (COMMITTED / "README.md").read_text(encoding="utf-8")
    assert "FICTIEF" in text
    assert f"**{DEFAULT_SEED}**" in text
    assert f"{len(demo[0])} projecten" in text
    assert f"{len(demo[1])} partnerrijen" in text


# ------------------------------------------------------------------- shape


def test_counts_within_ranges(demo) -> None:  # type: ignore[no-untyped-def]
    projects, partners = demo
    assert list(projects.columns) == list(_schema.PROJECT_FIELDS)
    assert list(partners.columns) == list(_schema.PARTNER_FIELDS)
    assert 180 <= len(projects) <= 260
    assert 1200 <= len(partners) <= 2500
    per_round = projects["round"].value_counts()
    assert sorted(per_round.index) == list(ROUNDS)
    assert per_round.between(28, 42).all()
    per_project = partners["project_id"].value_counts()
    assert per_project.between(4, 14).all()
    assert 7.0 <= per_project.mean() <= 9.0
    assert projects["project_id"].is_unique
    assert projects["project_id"].str.fullmatch(r"DEMO-20\d\d-[12]-\d\d").all()
    assert (projects["year"] == projects["round"].str[:4]).all()
    subsidy = projects["subsidy_eur"].astype(int)
    assert subsidy.between(50_000, 100_000).all()
    assert (subsidy % 2_500 == 0).all()
    assert set(partners["project_id"]) == set(projects["project_id"])


def test_every_cell_is_text(demo) -> None:  # type: ignore[no-untyped-def]
    for frame in demo:
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel())


def test_no_partner_is_its_lead_or_listed_twice(imported) -> None:  # type: ignore[no-untyped-def]
    assert not imported.partners["is_lead_itself"].any()
    assert not imported.partners.duplicated(["project_id", "organisation"]).any()


def test_sector_shares_follow_the_reflection(demo) -> None:  # type: ignore[no-untyped-def]
    summary = demo_summary(*demo)
    assert 0.85 <= summary["lca_share"] <= 0.95
    assert summary["lca_share_partners"] >= 0.75
    groups = summary["project_share_by_group"]
    assert groups["culture"] >= 0.95
    assert groups["welfare_care"] >= 0.5
    assert groups["education"] >= 0.4
    rows = summary["partner_share_by_group"]
    assert rows["culture"] > rows["welfare_care"] > rows["other"]
    assert rows["other"] <= 0.05
    for code in RARE_SECTORS:
        assert summary["project_share_by_sector"][code] <= 0.06, code


def test_place_texts_predate_the_2025_mergers(demo) -> None:  # type: ignore[no-untyped-def]
    projects, partners = demo
    places = set(partners["municipality"]) | set(projects["lead_municipality"])
    assert not places & set(NEW_NAMES_2025)
    assert {"Kortessem", "Melle", "Borsbeek", "Kruibeke", "Meulebeke"} & places


def test_messy_entries_are_there_once(demo) -> None:  # type: ignore[no-untyped-def]
    places = demo[1]["municipality"].value_counts()
    for text in ("2000 Antwerpen", "Gent (9000)", "B-3000 Leuven", "Gand", "Courtrai"):
        assert places.get(text) == 1, text
    for text in ("Wondelgem", "Kessel-Lo", "Oudenaarden", "Kortrjk", "Deurne", "te bepalen"):
        assert places.get(text) == 1, text


# ------------------------------------------------------------------- import


def test_committed_xlsx_imports_cleanly(imported, demo) -> None:  # type: ignore[no-untyped-def]
    report = imported.report
    assert report.ok, report.errors[:3]
    assert imported.rows == {"projects": len(demo[0]), "partners": len(demo[1])}
    assert report.counts_by_code() == {
        "ambiguous_location": 1,
        "unresolved_location": 1,
        "fuzzy_location": 2,
    }
    assert (imported.projects["lead_location"] == "resolved").all()
    assert not (imported.partners["sector_code"] == "unknown").any()
    assert not (imported.partners["role_code"] == "unknown").any()


def test_partner_locations_mix(imported) -> None:  # type: ignore[no-untyped-def]
    counts = imported.partners["partner_location"].value_counts()
    n = len(imported.partners)
    assert counts["ambiguous"] == 1
    assert counts["unresolved"] == 1
    assert set(counts.index) == {"resolved", "ambiguous", "unresolved", "wallonia", "abroad"}
    assert 0.02 <= counts["wallonia"] / n <= 0.05
    assert 0.01 <= counts["abroad"] / n <= 0.04
    abroad = imported.partners[imported.partners["partner_location"] == "abroad"]
    assert (abroad["country"] != "").all()


def test_link_mix_is_mostly_local_regional(ref, imported) -> None:  # type: ignore[no-untyped-def]
    leads = imported.projects[["project_id", "lead_nis", "lead_region"]]
    links = imported.partners.merge(leads, on="project_id", how="left")
    share = classify_links(links, reference=ref)["class"].value_counts(normalize=True)
    assert 0.55 <= share["local"] + share["regional"] <= 0.75
    assert 0.20 <= share["local"] <= 0.40
    assert 0.10 <= share["urban"] <= 0.25
    assert 0.10 <= share["supra_regional"] <= 0.25
    assert 0.01 <= share["international"] <= 0.04


@pytest.mark.parametrize("form", ["two_csv", "flat_csv"])
def test_csv_files_import_like_the_workbook(ref, imported, form) -> None:  # type: ignore[no-untyped-def]
    projects_csv, partners_csv, flat_csv = (COMMITTED / name for name in DEMO_FILES[1:])
    source = (projects_csv, partners_csv) if form == "two_csv" else flat_csv
    other = read_partnerships(source, reference=ref)
    assert other.report.counts_by_code() == imported.report.counts_by_code()
    project_columns = [*_schema.PROJECT_FIELDS, "lead_nis"]
    partner_columns = [*_schema.PARTNER_FIELDS, "partner_nis", "partner_location", "sector_code"]
    pd.testing.assert_frame_equal(
        other.projects[project_columns], imported.projects[project_columns]
    )
    pd.testing.assert_frame_equal(
        other.partners[partner_columns], imported.partners[partner_columns]
    )
