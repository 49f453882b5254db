"""Personal and shared mode in the app, with Streamlit's AppTest (no browser).

Sign-in is tested with AppTest's fake identity (``AppTest.user`` is what the app
reads as ``st.user``) and an ``[auth]`` section in ``AppTest.secrets``; the editor
passphrase with ``[optil_geo] editor_passphrase`` there. No secret file is written.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import optil_geo as og
from ui import access

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ANN, BOB = "ann@example.org", "bob@example.org"
PASSPHRASE = "sesam open u"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "only-for-tests",
    "client_id": "optil-geo-tests",
    "client_secret": "only-for-tests",
    "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
}

_PROJECTS = pd.DataFrame(
    {
        "project_id": ["P1"],
        "title": ["Een"],
        "round": ["2024-1"],
        "lead_organisation": ["Bib Gent"],
        "lead_municipality": ["Gent"],
    }
)
_PARTNERS = pd.DataFrame(
    {
        "project_id": ["P1", "P1"],
        "organisation": ["Vooruit", "CC"],
        "municipality": ["Gent", "Aalst"],
    }
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own workspace; Streamlit's caches live per process, so clear them."""
    path = tmp_path / "workspace.sqlite"
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(path))
    monkeypatch.delenv("OPTIL_GEO_MODE", raising=False)
    monkeypatch.setattr(access, "WRONG_PASSPHRASE_DELAY_S", 0.0)
    st.cache_resource.clear()
    st.cache_data.clear()
    return path


@pytest.fixture
def ws(_isolated: Path) -> og.Workspace:
    return og.Workspace(_isolated)


def _save(ws: og.Workspace, name: str, owner: str, *, published: bool = False) -> int:
    new_id = ws.save_dataset(
        name, source_name=f"{name}.csv", projects=_PROJECTS, partners=_PARTNERS, owner=owner
    )
    if published:
        ws.publish_dataset(new_id, actor=owner, editor=False)
    return new_id


def _app(
    *,
    user: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
    ds: str | None = None,
    page: str | None = None,
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.user = user
    if secrets is not None:
        at.secrets = secrets
    if ds is not None:
        at.query_params["ds"] = ds
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def _signed_in(email: str, name: str) -> dict[str, Any]:
    return {"is_logged_in": True, "email": email, "name": name, "sub": f"id-{name}"}


SHARED_SIGN_IN = {"auth": AUTH, "optil_geo": {"mode": "shared"}}
SHARED_PASSPHRASE = {"optil_geo": {"mode": "shared", "editor_passphrase": PASSPHRASE}}


def _options(at: AppTest) -> list[str]:
    return list(at.sidebar.selectbox(key="ds_nl").options)


def _button(at: AppTest, label_part: str) -> Any:
    return next(b for b in at.button if label_part in str(b.label))


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page with this column."""
    (table,) = [d.value for d in at.dataframe if column in d.value.columns]
    return table


def _warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


# --------------------------------------------------------------------------- sign-in


def test_a_signed_in_user_sees_own_and_published_datasets_only(ws: og.Workspace) -> None:
    own = _save(ws, "van ann", ANN)
    bobs = _save(ws, "van bob", BOB)
    shared = _save(ws, "gedeeld door bob", BOB, published=True)

    at = _app(user=_signed_in(ANN, "Ann"), secrets=SHARED_SIGN_IN)

    assert any("Aangemeld als Ann" in c.value for c in at.sidebar.caption)
    options = _options(at)
    assert [o for o in options if "van ann" in o] and [o for o in options if "gedeeld" in o]
    assert not [o for o in options if "van bob" in o]
    # Bob's unpublished dataset by its address: refused, with a reason, on the demo.
    at = _app(user=_signed_in(ANN, "Ann"), secrets=SHARED_SIGN_IN, ds=str(bobs))
    assert at.session_state["selection"].analysis.is_demo
    assert any(f"(nr. {bobs}) is niet met jou gedeeld" in w for w in _warnings(at))
    # Her own and the published one open by their addresses.
    for dataset_id in (own, shared):
        at = _app(user=_signed_in(ANN, "Ann"), secrets=SHARED_SIGN_IN, ds=str(dataset_id))
        assert at.session_state["selection"].analysis.key == str(dataset_id)
        assert at.query_params["ds"] == str(dataset_id)
    assert any("Gepubliceerd door bob@example" in c.value for c in at.sidebar.caption)


def test_a_signed_in_user_publishes_own_dataset_and_cannot_touch_others(
    ws: og.Workspace,
) -> None:
    own = _save(ws, "van ann", ANN)
    _save(ws, "gedeeld door bob", BOB, published=True)

    at = _app(user=_signed_in(ANN, "Ann"), secrets=SHARED_SIGN_IN, page="views/data.py")
    manage = at.selectbox(key="ws_manage")
    # Only her own dataset can be managed; Bob's published one is read-only for her.
    assert manage.options[1:] == [next(o for o in manage.options if "van ann" in o)]
    manage.set_value(str(own)).run()
    _button(at, "Publiceren").click().run()
    assert not at.exception

    assert ws.dataset_access(own, viewer=BOB, editor=False) == "ok"
    log = ws.audit_log()
    assert log[["actor", "action"]].iloc[0].tolist() == [ANN, "publish"]
    assert any("is gepubliceerd" in s.value for s in at.success)

    # Bob sees it, read-only: nothing of Ann's to manage.
    at = _app(user=_signed_in(BOB, "Bob"), secrets=SHARED_SIGN_IN, page="views/data.py")
    manage = at.selectbox(key="ws_manage")
    assert [o for o in manage.options if o != "—"] == [
        next(o for o in manage.options if "gedeeld door bob" in o)
    ]
    table = _table(at, "Projecten")
    status = dict(zip(table["Dataset"], table["Status"], strict=True))
    assert next(v for k, v in status.items() if "van ann" in k) == "gepubliceerd · alleen lezen"


def test_a_signed_in_users_import_and_fix_are_theirs(ws: og.Workspace) -> None:
    def script() -> None:
        import streamlit as st

        import optil_geo as og
        from ui import data, workspace

        projects = st.session_state["projects"]
        partners = st.session_state["partners"]
        key = workspace.save_import(
            "mijn import", source_name="m.csv", projects=projects, partners=partners
        )
        st.session_state["key"] = key
        workspace.save_fix("Xyzzy", None, "44021", data.reference())
        st.session_state["fixes"] = data.workspace().fix_lookup(user=data.who().user)
        del og

    at = AppTest.from_function(script, default_timeout=120)
    at.user = _signed_in(ANN, "Ann")
    at.secrets = SHARED_SIGN_IN
    at.session_state["projects"] = _PROJECTS
    at.session_state["partners"] = _PARTNERS
    at.run()
    assert not at.exception, at.exception

    key = at.session_state["key"]
    assert key.isdigit()
    assert ws.list_datasets()[["id", "owner", "published"]].to_numpy().tolist() == [
        [int(key), ANN, False]
    ]
    assert ws.fix_lookup(user=ANN) == {("xyzzy", ""): "44021"}
    assert ws.fix_lookup(user=BOB) == {}  # her fix is hers
    assert ws.fix_lookup() == {}


# --------------------------------------------------------------------------- passphrase


def _unlock(at: AppTest, passphrase: str) -> AppTest:
    at.sidebar.text_input(key="_passphrase").input(passphrase)
    next(b for b in at.sidebar.button if b.label == "Ontgrendelen").click().run()
    assert not at.exception, at.exception
    return at


def test_wrong_passphrase_is_refused_and_nothing_is_stored(
    ws: og.Workspace, caplog: pytest.LogCaptureFixture, _isolated: Path, nis_of: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    at = _app(secrets=SHARED_PASSPHRASE, page="views/data.py")

    at = _unlock(at, "sesam open je")

    assert any("wachtwoordzin klopt niet" in e.value for e in at.sidebar.error)
    assert "_editor_unlocked" not in at.session_state
    assert not [e for e in at.sidebar.caption if "redacteur" in e.value.lower()]
    assert "ws_manage" not in [s.key for s in at.selectbox]
    # A visitor's fix counts in this session only; the workspace gets nothing.
    deurne = next(s for s in at.selectbox if str(s.key).startswith("fix_"))
    deurne.set_value(nis_of("Antwerpen"))
    _button(at, "Herstellingen").click().run()
    assert not at.exception, at.exception
    assert at.session_state["_session_fixes"] == {("deurne", ""): nis_of("Antwerpen")}
    with sqlite3.connect(_isolated) as conn:
        assert conn.execute("SELECT count(*) FROM location_fixes").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM datasets").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM audit").fetchone() == (0,)
    # The passphrase tried went nowhere: not in the address, not in the log.
    assert all("sesam" not in str(v) for v in at.query_params.values())
    assert all("sesam" not in record.getMessage() for record in caplog.records)
    assert any("passphrase was refused" in record.getMessage() for record in caplog.records)


def test_right_passphrase_makes_an_editor_who_saves_for_the_network(
    ws: og.Workspace, caplog: pytest.LogCaptureFixture, nis_of: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    _save(ws, "van ann", ANN)
    at = _app(secrets=SHARED_PASSPHRASE, page="views/data.py")
    assert "ws_manage" not in [s.key for s in at.selectbox]

    at = _unlock(at, PASSPHRASE)

    assert at.session_state["_editor_unlocked"] is True
    assert any("Je bent redacteur" in c.value for c in at.sidebar.caption)
    # An editor manages every dataset, sees the log, and fixes for the network.
    assert [o for o in at.selectbox(key="ws_manage").options if "van ann" in o]
    assert _table(at, "Wie").shape[0] == 1
    deurne = next(s for s in at.selectbox if str(s.key).startswith("fix_"))
    deurne.set_value(nis_of("Antwerpen"))
    _button(at, "Herstellingen").click().run()
    assert ws.fix_lookup() == {("deurne", ""): nis_of("Antwerpen")}
    assert ws.audit_log()[["actor", "action"]].iloc[0].tolist() == [og.store.NETWORK, "fix"]
    assert all(PASSPHRASE not in record.getMessage() for record in caplog.records)
    # Giving the rights up again.
    next(b for b in at.sidebar.button if "afgeven" in str(b.label)).click().run()
    assert "_editor_unlocked" not in at.session_state


# --------------------------------------------------------------------------- both modes


def test_delete_asks_for_a_confirmation_naming_the_dataset(ws: og.Workspace) -> None:
    keep = _save(ws, "blijft", og.store.NETWORK)
    doomed = _save(ws, "weg ermee", og.store.NETWORK)
    at = _app(ds=str(doomed), page="views/data.py")  # personal mode
    assert [o for o in at.selectbox(key="ws_manage").options if "weg ermee" in o]

    at.selectbox(key="ws_manage").set_value(str(doomed)).run()
    _button(at, "Verwijderen").click().run()

    asked = [w for w in _warnings(at) if "definitief verwijderen?" in w]
    assert len(asked) == 1 and asked[0].startswith("Dataset ‘weg ermee \\(")
    assert ws.dataset_access(doomed) == "ok"  # not yet
    _button(at, "Annuleren").click().run()
    assert not any("definitief" in w for w in _warnings(at))
    assert ws.dataset_access(doomed) == "ok"

    at.selectbox(key="ws_manage").set_value(str(doomed)).run()
    _button(at, "Verwijderen").click().run()
    _button(at, "Ja, verwijder ‘weg ermee").click().run()
    assert not at.exception, at.exception
    assert ws.dataset_access(doomed) == "gone"
    assert ws.dataset_access(keep) == "ok"
    assert any(s.value.startswith("‘weg ermee") and "is verwijderd" in s.value for s in at.success)
    # It was the dataset on show: the page falls back to the demo.
    assert at.session_state["selection"].analysis.is_demo

    # The old address says so.
    at = _app(ds=str(doomed))
    assert at.session_state["selection"].analysis.is_demo
    assert any(f"(nr. {doomed}) is verwijderd" in w for w in _warnings(at))


def test_personal_mode_is_one_user_who_may_do_everything(ws: og.Workspace) -> None:
    _save(ws, "oud", og.store.NETWORK)
    at = _app(page="views/data.py")
    assert not [b for b in at.sidebar.button if b.label in {"Aanmelden", "Ontgrendelen"}]
    assert [o for o in at.selectbox(key="ws_manage").options if o.startswith("oud (")]
    assert "Publiceren" not in [str(b.label) for b in at.button]
    columns = list(_table(at, "Projecten").columns)
    assert "Eigenaar" not in columns and "Status" not in columns


def test_addresses_carry_the_id_and_labels_are_unique(ws: og.Workspace) -> None:
    older = _save(ws, "ronde", og.store.NETWORK)
    newer = _save(ws, "ronde", og.store.NETWORK)

    at = _app(ds=str(older))
    assert at.session_state["selection"].analysis.key == str(older)
    labels = [o for o in _options(at) if o.startswith("ronde")]
    assert len(labels) == len(set(labels)) == 2
    # An address of the earlier form (ws<id>) still finds it.
    at = _app(ds=f"ws{newer}")
    assert at.session_state["selection"].analysis.key == str(newer)
    assert at.query_params["ds"] == str(newer)
    at = _app(ds="999")
    assert any("dataset 999, maar die bestaat hier niet" in w for w in _warnings(at))


def test_a_damaged_workspace_is_reported_once_in_the_interface_language(
    _isolated: Path,
) -> None:
    _isolated.write_bytes(b"this is not a database " * 200)
    at = _app(page="views/data.py")
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert "De werkruimte" in errors[0] and "is beschadigd" in errors[0]
    assert "is damaged" not in errors[0]
    assert at.session_state["selection"].analysis.is_demo

    at.session_state["lang"] = "en"
    at.run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "The workspace" in errors[0] and "is damaged" in errors[0]


def test_mode_from_the_environment_wins_over_the_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = og.Settings.from_env()
    monkeypatch.setenv("OPTIL_GEO_MODE", "personal")
    assert access.apply_secrets(settings.replace(mode="personal")).mode == "personal"
    with pytest.raises(og.SettingsError, match="`mode` was 'sharde' but must be one of"):
        og.Settings(mode="sharde")  # type: ignore[arg-type]
    monkeypatch.setenv("OPTIL_GEO_MODE", "shared")
    assert og.Settings.from_env().mode == "shared"


def test_a_personal_instance_on_a_network_address_says_everything_is_open(
    ws: og.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import workspace

    monkeypatch.setattr(workspace, "server_address", lambda: "0.0.0.0")
    at = _app(page="views/data.py")
    assert any("luistert op 0\\.0\\.0\\.0" in w for w in _warnings(at))
    st.cache_resource.clear()  # the settings are read once per process
    at = _app(secrets=SHARED_PASSPHRASE, page="views/data.py")
    assert not any("luistert op" in w for w in _warnings(at))
    monkeypatch.setattr(workspace, "server_address", lambda: "127.0.0.1")
    st.cache_resource.clear()
    at = _app(page="views/data.py")
    assert not any("luistert op" in w for w in _warnings(at))


# --------------------------------------------------------------------------- what imports teach

_OWN_HEADERS = "dossier;naam project;indiener;gemeente indiener;Wie;Waar\n"
# 'Vzw Klankbord' names no place: only an earlier import can place it.
_TAUGHT = _OWN_HEADERS + (
    "M1;Verhalen langs de Leie;CC Kortrijk;Kortrijk;Vzw Klankbord;Brugge\n"
    "M1;Verhalen langs de Leie;CC Kortrijk;Kortrijk;Erfgoedcel Antwerpen;Antwerpen\n"
)
_UNPLACED = _OWN_HEADERS + "M2;Dansen in Limburg;CC Hasselt;Hasselt;Vzw Klankbord;\n"


def _upload(at: AppTest, name: str, content: str) -> AppTest:
    at.file_uploader[0].upload(name, content.encode("utf-8"), "text/csv").run()
    assert not at.exception, at.exception
    return at


def _match_and_import(at: AppTest, dataset: str) -> AppTest:
    """Pick 'Wie' as the partner organisation, apply, and import under ``dataset``."""
    organisation = next(
        s for s in at.selectbox if re.fullmatch(r"map_[0-9a-f]{12}_organisation", str(s.key))
    )
    organisation.set_value("Wie")
    _button(at, "Koppeling toepassen").click().run()
    assert not at.exception, at.exception
    name_box = next(b for b in at.text_input if b.label == "Naam van de dataset")
    name_box.input(dataset)
    _button(at, "Importeren in de werkruimte").click().run()
    assert not at.exception, at.exception
    return at


def _remembered_note(at: AppTest) -> bool:
    return any("eerder bevestigde" in i.value for i in at.info)


def test_column_mappings_and_places_are_each_users_own_until_published(
    ws: og.Workspace, nis_of: Any
) -> None:
    from optil_geo.partnerships.organisations import organisation_key
    from optil_geo.partnerships.suggestions import header_set_key

    key = header_set_key(_OWN_HEADERS.strip().split(";"))
    # Ann matches her own headers once and imports: both stay hers.
    at = _app(user=_signed_in(ANN, "Ann"), secrets=SHARED_SIGN_IN, page="views/data.py")
    _upload(at, "leie.csv", _TAUGHT)
    assert any("Nog niet gekoppeld: Partnerorganisatie" in w for w in _warnings(at))
    _match_and_import(at, "leie van ann")
    (ann_id,) = ws.list_datasets()["id"].tolist()
    assert ws.column_mapping(key, user=ANN) == {
        "lead_municipality": "gemeente indiener",
        "lead_organisation": "indiener",
        "municipality": "Waar",
        "organisation": "Wie",
        "project_id": "dossier",
        "title": "naam project",
    }
    assert ws.remembered_places(user=ANN)[organisation_key("Vzw Klankbord")] == nis_of("Brugge")
    assert ws.column_mapping(key, user=BOB) is None
    assert ws.remembered_places(user=BOB) == {}
    actions = ws.audit_log()[["actor", "action", "dataset_id"]].astype(object)
    assert actions.to_numpy().tolist()[:3] == [
        [ANN, "map", ann_id],
        [ANN, "remember", ann_id],
        [ANN, "import", ann_id],
    ]
    # Her next file with the same headers: matched and placed from what she taught.
    at = _upload(at, "limburg.csv", _UNPLACED)
    assert _remembered_note(at)
    assert not any("Nog niet gekoppeld" in w for w in _warnings(at))

    # Bob's file with the same headers: nothing of Ann's applies to him.
    bob = _app(user=_signed_in(BOB, "Bob"), secrets=SHARED_SIGN_IN, page="views/data.py")
    _upload(bob, "limburg.csv", _UNPLACED)
    assert not _remembered_note(bob)
    assert any("Nog niet gekoppeld: Partnerorganisatie" in w for w in _warnings(bob))
    _match_and_import(bob, "limburg van bob")
    partners = bob.session_state["selection"].analysis.data.partners
    assert partners["partner_status"].tolist() == ["unresolved"]

    # Ann publishes her dataset: her matching and places now apply for everyone.
    ws.publish_dataset(ann_id, actor=ANN, editor=False)
    assert ws.remembered_places(user=BOB)[organisation_key("Vzw Klankbord")] == nis_of("Brugge")
    # (Bob's own matching of these headers still wins for him.)
    assert ws.column_mapping(key, user=BOB)["organisation"] == "Wie"
    assert "municipality" not in ws.column_mapping(key, user=BOB)  # type: ignore[operator]
    # Cleo, new here, gets Ann's matching and places for the same headers.
    cleo = _app(user=_signed_in("cleo@example.org", "Cleo"), secrets=SHARED_SIGN_IN)
    cleo.switch_page("views/data.py").run()
    _upload(cleo, "limburg-2.csv", _UNPLACED.replace("M2;", "M3;"))
    assert _remembered_note(cleo)
    next(b for b in cleo.text_input if b.label == "Naam van de dataset").input("limburg 2")
    _button(cleo, "Importeren in de werkruimte").click().run()
    assert not cleo.exception, cleo.exception
    partners = cleo.session_state["selection"].analysis.data.partners
    assert partners["partner_status"].tolist() == ["remembered"]
    assert partners["partner_nis"].tolist() == [nis_of("Brugge")]
    # Ann withdraws it: for the next import, Cleo's own import taught her only this
    # (nothing: a remembered place is not a confirmed one), so nothing applies.
    ws.publish_dataset(ann_id, published=False, actor=ANN, editor=False)
    assert ws.remembered_places(user="cleo@example.org") == {}


def test_a_visitors_matching_and_places_stay_in_the_session(
    ws: og.Workspace, _isolated: Path, nis_of: Any
) -> None:
    from optil_geo.partnerships.organisations import organisation_key

    at = _app(secrets=SHARED_PASSPHRASE, page="views/data.py")
    _upload(at, "leie.csv", _TAUGHT)
    _match_and_import(at, "leie")
    # Nothing stored, nothing recorded: the session holds what the import taught.
    with sqlite3.connect(_isolated) as conn:
        for table in ("column_mappings", "remembered_places", "datasets", "audit"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    assert at.session_state["_session_places"] == {
        organisation_key("Vzw Klankbord"): nis_of("Brugge"),
        organisation_key("Erfgoedcel Antwerpen"): nis_of("Antwerpen"),
    }
    # ... and uses it for the visitor's next file with the same headers.
    _upload(at, "limburg.csv", _UNPLACED)
    assert _remembered_note(at)
    next(b for b in at.text_input if b.label == "Naam van de dataset").input("limburg")
    _button(at, "Importeren in de werkruimte").click().run()
    partners = at.session_state["selection"].analysis.data.partners
    assert partners["partner_status"].tolist() == ["remembered"]
    # Another visitor starts with nothing.
    other = _app(secrets=SHARED_PASSPHRASE, page="views/data.py")
    _upload(other, "limburg.csv", _UNPLACED)
    assert not _remembered_note(other)


# --------------------------------------------------------------------------- sign-in set-up


def test_sign_in_is_offered_and_asks_streamlit_to_sign_in(
    ws: og.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(access, "is_authlib_installed", lambda: True)
    monkeypatch.setattr(st, "login", lambda *args: calls.append(args))
    at = _app(secrets=SHARED_SIGN_IN)

    sign_in = next(b for b in at.sidebar.button if b.label == "Aanmelden")
    sign_in.click().run()

    assert not at.exception, at.exception
    assert calls == [()]  # the [auth] section's one provider
    assert not any("streamlit[auth]" in c.value for c in at.sidebar.caption)


def test_sign_in_without_authlib_says_so_instead_of_failing(
    ws: og.Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(access, "is_authlib_installed", lambda: False)
    at = _app(secrets=SHARED_SIGN_IN)

    assert "Aanmelden" not in [b.label for b in at.sidebar.button]
    assert any("`streamlit[auth]` installeren" in c.value for c in at.sidebar.caption)
    assert any("needs Authlib" in r.getMessage() for r in caplog.records)
    # Still shared mode: a visitor who cannot sign in is told nothing is stored.
    assert any("blijft alleen in deze browsersessie" in c.value for c in at.sidebar.caption)


def _readme_secrets() -> str:
    readme = (Path(APP).parent / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(# \.streamlit/secrets\.toml.*?)```", readme, re.DOTALL)
    return block


def test_the_readmes_secrets_file_is_what_streamlit_and_the_app_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit import auth_util, config
    from streamlit.errors import StreamlitAuthError
    from streamlit.runtime.secrets import Secrets

    def load(text: str) -> Secrets:
        path = tmp_path / "secrets.toml"
        path.write_text(text, encoding="utf-8")
        secrets = Secrets()
        monkeypatch.setattr(auth_util, "secrets_singleton", secrets)
        monkeypatch.setattr(st, "secrets", secrets)
        return secrets

    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(tmp_path / "secrets.toml")])
    try:
        example = _readme_secrets()
        load(example)
        # Streamlit's own check before st.login redirects to the provider.
        auth_util.validate_auth_credentials("default")
        assert access.sign_in_configured()
        assert access.passphrase_configured()
        assert access.apply_secrets(og.Settings(mode="personal")).mode == "shared"
        assert access._editor_emails() == {"coordinator@example.org"}
        # A section Streamlit would refuse is refused here too, naming the key.
        load(re.sub(r"\ncookie_secret = .*\n", "\n", example))
        with pytest.raises(StreamlitAuthError, match="cookie_secret"):
            auth_util.validate_auth_credentials("default")
    finally:
        config.set_option("secrets.files", before)
