"""One language at a time: every page, export and command output speaks only the chosen one.

In English no Dutch-only word of the catalogue may show; in Dutch no English-only
word and no raw code (see :mod:`tests.language_words` for how the word lists are
made). Pages run in Streamlit's AppTest and are walked element by element
(:mod:`tests.app_texts`); the map frame, its tooltips and the exported HTML map
are read in a real browser by ``tests/e2e/test_languages.py``.

The pages are whatever ``views/*.py`` holds, so a page added later is walked too.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from babel import Locale
from openpyxl import load_workbook
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.testing.v1 import AppTest

import optil_geo as og
import ui.text
from optil_geo import cli
from optil_geo.cli import main
from tests.app_texts import page_texts
from tests.conftest import REPO
from tests.language_words import dutch_only, english_only, foreign_words, raw_codes, words

LANGS = ("nl", "en")
PAGES = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "views").glob("*.py"))
DEMO_XLSX = REPO / "data" / "demo" / "optil-geo-demo.xlsx"


def _speak(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a script run no session says the language: let the interface speak ``lang``."""
    import ui.data
    import ui.exports

    for module in (ui.text, ui.data, ui.exports):
        monkeypatch.setattr(module, "lang", lambda: lang)


def _problems(texts: list[str], lang: str) -> dict[str, list[str]]:
    """Foreign words found, with the text they were found in (shortened)."""
    found: dict[str, list[str]] = {}
    for text in texts:
        bad = foreign_words(str(text), lang)
        if bad:
            found[str(text)[:120]] = sorted(bad)
    return found


def test_the_word_lists_tell_the_languages_apart() -> None:
    # The lists are not empty, and hold what a reader would call Dutch and English.
    assert {"samenwerkingen", "aanvrager", "gemeenten", "bovenregionaal"} <= dutch_only()
    assert {"links", "lead", "municipalities", "supra-regional"} <= english_only()
    assert {"supra_regional", "missing_column", "unresolved", "ambiguous"} <= raw_codes()
    # Names are no language: a municipality or an organisation of the demo data.
    assert not {"antwerpen", "kortrijk", "roosdaal"} & (dutch_only() | english_only())
    assert foreign_words("Same reference region (Kempen)", "en") == set()
    assert foreign_words("Zelfde referentieregio (Kempen)", "en") == {"zelfde", "referentieregio"}
    assert foreign_words("3 supra_regional links", "nl") == {"supra_regional", "links"}


@pytest.fixture(scope="module", params=LANGS)
def app(request: pytest.FixtureRequest, ref) -> Iterator[tuple[AppTest, str]]:  # type: ignore[no-untyped-def]
    """The app in one language; AppTest formats widget values outside the script run,
    where no session says the language: there the test says it (inside, the app does)."""
    del ref
    lang = request.param
    own = ui.text.lang
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ui.text, "lang", lambda: own() if get_script_run_ctx() else lang)
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
        at.session_state["lang"] = lang
        at.session_state["kaart_text"] = True  # Kaart's text version: built only when open
        at.run()
        yield at, lang


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_one_language(app: tuple[AppTest, str], page: str) -> None:
    at, lang = app
    at.switch_page(page).run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert len(texts) > 10, texts  # the walk reads the page
    assert not _problems(texts, lang)


def test_kaart_names_the_countries_abroad_in_the_language(app: tuple[AppTest, str]) -> None:
    # The data names a partner's country in Dutch ("Rotterdam (Nederland)"); the box
    # of partners outside Flanders and Brussels names it in the interface language.
    at, lang = app
    at.switch_page("views/kaart.py").run()
    assert not at.exception, at.exception
    line = next(m.value for m in at.markdown if m.value.startswith(f"- {og.text('abroad', lang)}"))
    line = line.replace("\\", "")  # markdown escapes of the names
    shown = re.findall(r"\(([^()\d]+)\) \(\d+\)", line)
    assert shown, line  # the demo has partners abroad, in named countries
    names = Locale.parse({"nl": "nl_BE", "en": "en_GB"}[lang]).territories
    assert set(shown) <= set(names.values()), line
    if lang == "en":
        assert "Netherlands" in shown and "Nederland" not in line, line


def test_abroad_place_label_words_the_country_and_keeps_the_place() -> None:
    en = Locale.parse("en_GB").territories
    assert og.abroad_place_label("Rotterdam (Nederland)", "en") == f"Rotterdam ({en['NL']})"
    assert og.abroad_place_label("Londen (Verenigd Koninkrijk)", "en") == f"Londen ({en['GB']})"
    assert og.abroad_place_label("Frankrijk", "en") == en["FR"]
    assert og.abroad_place_label("Rotterdam (Nederland)", "nl") == "Rotterdam (Nederland)"
    assert og.abroad_place_label("Parijs", "en") == "Parijs"  # no country: as written
    links = pd.DataFrame(
        {
            "partner_name": ["Rotterdam (Nederland)", "Gent"],
            "partner_region": ["abroad", "flanders"],
        }
    )
    worded = og.link_table(links, "en", columns=("partner_name",))
    assert worded.iloc[:, 0].tolist() == [f"Rotterdam ({en['NL']})", "Gent"]


# ------------------------------------------------------------------ spinners


def _cache_decorators() -> Iterator[tuple[str, ast.Call]]:
    for path in [REPO / "app.py", *(REPO / "ui").glob("*.py"), *(REPO / "views").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    if (
                        isinstance(deco, ast.Call)
                        and isinstance(deco.func, ast.Attribute)
                        and deco.func.attr in ("cache_data", "cache_resource")
                    ):
                        yield f"{path.name}:{node.name}", deco


def test_cached_functions_show_no_spinner_of_their_own() -> None:
    # A decorator's spinner text is fixed at import, in one language, and Streamlit's
    # default one ("Running `name(...)`") is English with a code: every cached
    # function says show_spinner=False and its caller shows st.spinner(t(...)).
    found = dict(_cache_decorators())
    assert len(found) >= 8, sorted(found)
    for name, deco in found.items():
        spinner = [k.value for k in deco.keywords if k.arg == "show_spinner"]
        assert spinner, f"{name}: no show_spinner=False"
        assert isinstance(spinner[0], ast.Constant) and spinner[0].value is False, name


def _spinners_shown(lang: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Speak ``lang``; return the list the texts of the spinners ``ui.data`` shows go to."""
    from contextlib import contextmanager

    import ui.data

    _speak(lang, monkeypatch)
    shown: list[str] = []

    @contextmanager
    def spinner(text: str) -> Iterator[None]:
        shown.append(text)
        yield

    monkeypatch.setattr(ui.data.st, "spinner", spinner)
    return shown


@pytest.mark.parametrize("lang", LANGS)
def test_first_reference_load_shows_a_spinner_in_the_language(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import ui.data

    shown = _spinners_shown(lang, monkeypatch)
    monkeypatch.setattr(ui.data, "_REFERENCE_LOADED", threading.Event())
    loaded = object()
    monkeypatch.setattr(ui.data, "_reference", lambda: loaded)
    assert ui.data.reference() is loaded
    assert ui.data.reference() is loaded  # loaded: no second spinner
    assert shown == [og.text("spinner_reference", lang)]
    assert not _problems(shown, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_an_analysis_shows_a_spinner_only_while_it_is_made(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections import OrderedDict

    import ui.data

    shown = _spinners_shown(lang, monkeypatch)
    made: list[tuple[object, ...]] = []

    def analyse(*args: object) -> tuple[object, ...]:
        made.append(args)
        return args

    monkeypatch.setattr(ui.data, "_ANALYSED", OrderedDict())
    monkeypatch.setattr(ui.data, "_analysis", analyse)
    monkeypatch.setattr(ui.data, "inputs_digest", lambda: "d")
    rules = og.LinkRules()
    ui.data.analysis("a", rules)
    ui.data.analysis("a", rules)  # made: no second spinner
    assert shown == [og.text("spinner_analysis", lang)]
    for i in range(ui.data._ANALYSES_KEPT):  # "a" drops out, as from the cache
        ui.data.analysis(f"other {i}", rules)
    ui.data.analysis("a", rules)
    assert len(shown) == ui.data._ANALYSES_KEPT + 2
    assert len(made) == len(shown) + 1
    assert not _problems(shown, lang)


# ------------------------------------------------------------------ exports


def _workbook_texts(blob: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(blob), read_only=True)
    texts = list(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            texts += [v for v in row if isinstance(v, str)]
    return texts


@pytest.mark.parametrize("lang", LANGS)
def test_table_exports_speak_one_language(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import data, exports

    _speak(lang, monkeypatch)
    selection = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters())
    for name, blob in (
        ("projects and links", exports.projects_xlsx(selection, lang)),
        ("municipalities", exports.measures_xlsx(selection.municipalities, lang)),
    ):
        texts = _workbook_texts(blob)
        assert len(texts) > 100, name
        assert not _problems(texts, lang), name


@pytest.mark.parametrize("lang", LANGS)
def test_data_page_dataset_export_speaks_one_language(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Data page's "current dataset with classification": headers, classes and
    # the location match in words (the library's codes only in the codes file).
    from ui import data, exports

    _speak(lang, monkeypatch)
    analysis = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters()).analysis
    blob = og.table_bytes(
        exports.dataset_tables(analysis.links, analysis.data.projects, lang), "xlsx"
    )
    texts = _workbook_texts(blob)
    assert len(texts) > 100
    assert not _problems(texts, lang)
    assert "partner_status" not in texts
    assert og.text("col_partner_status", lang) in texts
    assert og.location_status_label("alias", lang) in texts
    csv = pd.read_csv(
        io.BytesIO(og.table_bytes({"links": exports.dataset_links(analysis.links, lang)}, "csv")),
        dtype=str,
        sep=";",
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    assert og.text("col_class", lang) in csv.columns
    assert not _problems([*csv.columns, *csv.stack().tolist()], lang)
    codes = pd.read_csv(
        io.BytesIO(exports.dataset_codes_csv(analysis.links)),
        dtype=str,
        sep=";",
        encoding="utf-8-sig",
    )
    assert {"class", "partner_status"} <= set(codes.columns)
    assert "alias" in set(codes["partner_status"])


@pytest.mark.parametrize("lang", LANGS)
def test_map_export_lines_speak_one_language(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import data, exports

    _speak(lang, monkeypatch)
    selection = data.select(
        data.DEMO_KEY, og.LinkRules(max_km=10), og.Filters(rounds=("2021-1",), classes=("urban",))
    )
    lines = exports.context_lines(selection, reference=data.reference())
    assert len(lines) >= 4
    assert not _problems(lines, lang)


# ------------------------------------------------------------------ command line


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _table_texts(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        return _workbook_texts(path.read_bytes())
    frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    cells = frame.to_numpy().ravel().tolist()
    return [*frame.columns, *(c for c in cells if c)]


@pytest.mark.parametrize("lang", LANGS)
def test_command_line_speaks_one_language(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(tmp_path / "ws.sqlite"))
    texts: list[str] = []
    for argv, output in (
        # File names without words, so that a path in a message is no foreign word.
        (("classify", DEMO_XLSX, "-o", tmp_path / "c.csv"), tmp_path / "c.csv"),
        (("classify", DEMO_XLSX, "-o", tmp_path / "c.xlsx"), tmp_path / "c.xlsx"),
        (("measures", DEMO_XLSX, "-o", tmp_path / "m.csv"), tmp_path / "m.csv"),
        (("measures", DEMO_XLSX, "-o", tmp_path / "m.xlsx"), tmp_path / "m.xlsx"),
        (("measures", DEMO_XLSX, "-o", tmp_path / "m.txt"), None),  # an error message
        (("reference", "info"), None),
        (("template", "-o", tmp_path / "t.xlsx"), None),
        (("classify", DEMO_XLSX, "-o", tmp_path / "c.txt"), None),  # an error message
    ):
        _, out, err = _run(capsys, "--lang", lang, *argv)
        texts += [out, err]
        if output is not None:
            texts += _table_texts(output)
    assert len(texts) > 1000
    assert not _problems(texts, lang)


_COMMANDS = (
    (),
    ("resolve",),
    ("validate",),
    ("classify",),
    ("measures",),
    ("template",),
    ("demo",),
    ("reference",),
    ("reference", "info"),
    ("reference", "fetch"),
    ("workspace",),
    ("workspace", "info"),
    ("workspace", "backup"),
    ("workspace", "restore"),
)


def _syntax(parser: argparse.ArgumentParser) -> set[str]:
    """The words of the command line's syntax: command and option names, metavars, choices.

    They are the same in both languages (``--columns``, ``classify``); the help around
    them is what must speak one language.
    """
    found: set[str] = set()
    for action in parser._actions:
        found |= words(" ".join(action.option_strings).replace("-", " "))
        found |= words(str(action.metavar or action.dest).replace("_", " "))
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= words(name) | _syntax(sub)
        elif action.choices:
            found |= set().union(*(words(str(c).replace("_", " ")) for c in action.choices))
    return found


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("lang", LANGS)
def test_command_line_help_speaks_one_language(
    lang: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPTIL_GEO_LANG", raising=False)
    texts = [_help(capsys, "--lang", lang, *command, "--help") for command in _COMMANDS]
    assert all(t.startswith(og.text("cli_help_usage", lang) + ": ") for t in texts)
    assert sum(len(t) for t in texts) > 4000
    syntax = _syntax(cli._parser(lang))
    assert {"classify", "columns", "json", "output"} <= syntax
    found = {where: set(bad) - syntax for where, bad in _problems(texts, lang).items()}
    assert not {where: bad for where, bad in found.items() if bad}
    # The same help without --lang: OPTIL_GEO_LANG says the language, else Dutch.
    monkeypatch.setenv("OPTIL_GEO_LANG", lang)
    assert _help(capsys, "measures", "-h") == texts[_COMMANDS.index(("measures",))]
    monkeypatch.delenv("OPTIL_GEO_LANG")
    dutch = _help(capsys, "--lang=nl", "measures", "-h")
    assert _help(capsys, "measures", "-h") == dutch


@pytest.mark.parametrize("lang", LANGS)
def test_validate_speaks_one_language(
    lang: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(tmp_path / "ws.sqlite"))
    _, out, err = _run(capsys, "--lang", lang, "validate", DEMO_XLSX)
    assert "Ambiguous location" in out if lang == "en" else "Dubbelzinnige locatie" in out
    _, as_json, _ = _run(capsys, "--lang", lang, "validate", DEMO_XLSX, "--json")
    messages = [p["message"] for p in json.loads(as_json)["warnings"]]
    assert messages
    assert not _problems([out, err, *messages], lang)


@pytest.mark.parametrize("lang", LANGS)
def test_a_file_with_every_kind_of_problem_is_reported_in_one_language(
    lang: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Errors and warnings of many kinds (an empty lead place, bad year and amount,
    # unknown terms and column, doubtful places, conflicting values, a partner twice),
    # in the text report and in the JSON messages.
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(tmp_path / "ws.sqlite"))
    rows = [
        "projectnummer;titel;jaar;aanvrager;gemeente aanvrager;subsidie;sector aanvrager;"
        "organisatie;gemeente;postcode;sector;rol;doelgroepen;extra",
        "P1;Een;twintig;CC A;Gent;n.t.b.;xyz;Org 1;Deurne;;qqq;zzz;marsmannetjes;x",
        "P1;Een;2021;CC A;Gent;1000;;CC A;Gent;;;;;",
        "P2;Twee;2022;CC B;Namen;1000;;Org 2;Xyzzy;;;;;",
        "P2;Twee;2022;CC B;Namen;1000;;Org 2;Xyzzy;;;;;",
        "P3;Drie;2022;CC C;Kortrjk;1000;;Org 3;;9999;;;;",
        "P4;Vier;2022;CC D;;;;Org 4;Gent;;;;;",
    ]
    path = tmp_path / "p.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = _run(capsys, "--lang", lang, "validate", path)
    _, as_json, _ = _run(capsys, "--lang", lang, "validate", path, "--json")
    payload = json.loads(as_json)
    found = {p["code"] for p in payload["errors"] + payload["warnings"]}
    assert code == 1
    assert len(found) >= 12, found
    messages = [p["message"] for p in payload["errors"] + payload["warnings"]]
    # What the file says (its headers and cells) is no language: leave it out.
    cells = sorted({c for row in rows for c in row.split(";") if c}, key=len, reverse=True)

    def without_cells(text: str) -> str:
        for cell in cells:
            text = text.replace(f"'{cell}'", " ").replace(f" {cell} ", " ")
        return text

    assert not _problems([without_cells(t) for t in (out, err, *messages)], lang)


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_file_says_so_in_one_language(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"")
    code, out, err = _run(capsys, "--lang", lang, "validate", path)
    assert code == 2 and not out
    assert err.startswith("InputError: File 't.csv'" if lang == "en" else "InputError: Bestand")
    assert not _problems([err], lang)
