"""Sale-status changes: validated, recorded with who, when, from, to and why in the same
transaction; over HTTP only for developer_company and admin, and history's actor and note
only for readers of sale data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from api.deps import get_connection, get_write_connection
from gis import auth
from gis.errors import InvalidParameter, NotFound, PreconditionFailed
from gis.land.status import change_sale_status, current_status, status_history
from gis.models.land import SALE_STATUSES
from gis.record import LOCAL
from gis.reference import default_reference_path, load_reference
from gis.roles import Reader, Role
from tests.api.conftest import make_client
from tests.support import engine_for, prepared_database, rolled_back

ADMIN = Reader(Role.ADMIN, "test")


def _status(conn, label: str) -> str:
    return conn.execute(
        text("SELECT sale_status FROM parcel_land WHERE plot_label = :l"), {"l": label}
    ).scalar_one()


def test_a_change_sets_the_status_and_records_it(ref_conn):
    before = _status(ref_conn, "12")
    earlier = len(status_history(ref_conn, "12", ADMIN))
    out = change_sale_status(
        ref_conn, "12", "under_option", from_status=before, actor="maria", note="option to X"
    )
    assert out["from_status"] == before and out["to_status"] == "under_option"
    assert _status(ref_conn, "12") == "under_option"
    history = status_history(ref_conn, "12", ADMIN)
    assert len(history) == earlier + 1
    last = history[-1]
    assert (last["from_status"], last["to_status"], last["actor"], last["note"]) == (
        before,
        "under_option",
        "maria",
        "option to X",
    )
    assert last["changed_at"] is not None


def test_a_parcel_is_named_by_matrikel_too(ref_conn):
    key = ref_conn.execute(
        text(
            "SELECT p.ejerlavskode || '-' || p.matrikelnummer FROM parcel p "
            "JOIN parcel_land l ON l.parcel_id = p.id WHERE l.plot_label = '17'"
        )
    ).scalar_one()
    before = _status(ref_conn, "17")
    change_sale_status(ref_conn, key, "on_offer", from_status=before, actor="maria")
    assert _status(ref_conn, "17") == "on_offer"
    assert status_history(ref_conn, "17", ADMIN)[-1]["to_status"] == "on_offer"


def _changes(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM plan_change")).scalar_one()


def test_a_change_to_the_same_status_is_refused_and_records_nothing(ref_conn):
    current = _status(ref_conn, "12")
    earlier, changes = len(status_history(ref_conn, "12", ADMIN)), _changes(ref_conn)
    with pytest.raises(InvalidParameter) as e:
        change_sale_status(ref_conn, "12", current, from_status=current, actor="maria")
    assert e.value.parameter == "to_status" and "nothing to change" in e.value.detail
    assert len(status_history(ref_conn, "12", ADMIN)) == earlier
    assert _changes(ref_conn) == changes  # refused before any I/O: not even a change opened


@pytest.mark.parametrize("field", ["from_status", "to_status"])
@pytest.mark.parametrize("status", ["gone", "", "SOLD"])
def test_an_unknown_status_is_refused(ref_conn, status, field):
    statuses = {"from_status": "on_offer", "to_status": "sold", field: status}
    with pytest.raises(InvalidParameter) as e:
        change_sale_status(
            ref_conn, "12", statuses["to_status"], from_status=statuses["from_status"], actor="m"
        )
    assert e.value.parameter == field


def test_a_change_from_a_status_the_parcel_no_longer_has_is_412_and_writes_nothing(ref_conn):
    current = _status(ref_conn, "12")
    stale = next(s for s in SALE_STATUSES if s != current)
    target = next(s for s in SALE_STATUSES if s not in (current, stale))
    earlier = len(status_history(ref_conn, "12", ADMIN))
    tag = current_status(ref_conn, "12")["etag"]
    with pytest.raises(PreconditionFailed) as e:
        change_sale_status(ref_conn, "12", target, from_status=stale, actor="maria")
    assert e.value.current == tag and current in e.value.detail
    assert _status(ref_conn, "12") == current
    assert len(status_history(ref_conn, "12", ADMIN)) == earlier


def test_if_match_is_honoured_when_sent(ref_conn):
    current = _status(ref_conn, "12")
    target = next(s for s in SALE_STATUSES if s != current)
    tag = current_status(ref_conn, "12")["etag"]
    with pytest.raises(PreconditionFailed):
        change_sale_status(
            ref_conn, "12", target, from_status=current, actor="m", if_match='"v999999"'
        )
    assert _status(ref_conn, "12") == current
    out = change_sale_status(ref_conn, "12", target, from_status=current, actor="m", if_match=tag)
    assert out["etag"] != tag and out["etag"] == current_status(ref_conn, "12")["etag"]


def test_a_change_is_recorded_at_its_changes_time_under_its_change(ref_conn):
    current = _status(ref_conn, "12")
    target = next(s for s in SALE_STATUSES if s != current)
    out = change_sale_status(ref_conn, "12", target, from_status=current, actor="maria")
    row = ref_conn.execute(
        text(
            "SELECT s.changed_at = c.recorded_at, c.actor, c.kind FROM sale_status_change s"
            " JOIN plan_change c ON c.id = s.change_id WHERE s.change_id = :c"
        ),
        {"c": out["change_id"]},
    ).one()
    assert tuple(row) == (True, "maria", "edit")


def test_an_unknown_parcel_is_not_found(ref_conn):
    with pytest.raises(NotFound):
        change_sale_status(ref_conn, "no-such-plot", "sold", from_status="on_offer", actor="m")
    with pytest.raises(NotFound):
        current_status(ref_conn, "no-such-plot")
    with pytest.raises(NotFound):
        status_history(ref_conn, "no-such-plot", ADMIN)


def test_a_failed_transaction_keeps_neither_status_nor_history(ref_engine):
    with ref_engine.connect() as conn:
        before = _status(conn, "12")
        count = len(status_history(conn, "12", ADMIN))
        conn.rollback()
        trans = conn.begin()
        change_sale_status(conn, "12", "sold", from_status=before, actor="maria")
        trans.rollback()
    with ref_engine.connect() as conn:
        assert _status(conn, "12") == before
        assert len(status_history(conn, "12", ADMIN)) == count


# -- over HTTP ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tokens_db(new_database) -> tuple[str, dict[str, str]]:
    tokens: dict[str, str] = {}

    def load(conn):
        load_reference(conn, default_reference_path())
        for role in ("planner", "developer_company", "admin"):
            tokens[role] = auth.create_token(conn, f"{role}-land", role)

    return prepared_database(new_database, load), tokens


@pytest.fixture
def client(tokens_db) -> Iterator:
    """The API writing and reading through one rolled-back connection."""
    engine = next(engine_for(tokens_db[0]))
    connections = rolled_back(engine)
    conn = next(connections)
    c = make_client(tokens_db[0])
    c.app.dependency_overrides[get_connection] = lambda: conn
    c.app.dependency_overrides[get_write_connection] = lambda: conn
    with c:
        yield c
    connections.close()
    engine.dispose()


def post(client, tokens, role: str | None, label: str, body: dict):
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    return client.post(f"/land/parcels/{label}/sale-status", json=body, headers=headers)


def history(client, tokens, role: str | None, label: str):
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    return client.get(f"/land/parcels/{label}/sale-status/history", headers=headers)


def read(client, label: str):
    return client.get(f"/land/parcels/{label}/sale-status")


def test_without_a_token_a_change_is_401(client, tokens_db):
    r = post(client, tokens_db[1], None, "12", {"from_status": "on_offer", "to_status": "sold"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_planner_may_not_change_a_sale_status(client, tokens_db):
    body = {"from_status": "on_offer", "to_status": "sold"}
    r = post(client, tokens_db[1], "planner", "12", body)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert tokens_db[1]["planner"] not in r.text


def test_the_status_is_public_with_the_plots_etag(client, tokens_db):
    r = read(client, "12")
    assert r.status_code == 200, r.text
    assert r.json()["sale_status"] == "on_offer" and r.json()["parcel"] == "12"
    assert r.headers["etag"].startswith('"v') and r.headers["cache-control"] == "no-cache"
    assert read(client, "9999").status_code == 404


@pytest.mark.parametrize("role", ["developer_company", "admin"])
def test_the_company_and_admin_change_a_status_and_see_who_did(client, tokens_db, role):
    tokens = tokens_db[1]
    before = read(client, "12")
    body = {"from_status": before.json()["sale_status"], "to_status": "sold"}
    r = post(client, tokens, role, "12", {**body, "note": "skøde underskrevet"})
    assert r.status_code == 200, r.text
    assert r.json()["to_status"] == "sold"
    after = read(client, "12")
    assert after.json()["sale_status"] == "sold"
    # The plot's version moved, and the write answered the version a GET now gives.
    assert r.headers["etag"] == after.headers["etag"] != before.headers["etag"]
    last = history(client, tokens, role, "12").json()[-1]
    assert last["to_status"] == "sold" and last["actor"] == f"{role}-land"
    assert last["note"] == "skøde underskrevet"
    assert last["changed_at"] == r.json()["changed_at"]  # the change's own recorded time
    public = history(client, tokens, None, "12")
    assert public.status_code == 200
    # Others see the statuses and the year only: the time is the confidential sold date.
    year = dt.datetime.fromisoformat(last["changed_at"]).astimezone(LOCAL).year
    assert public.json()[-1] == {
        "changed_year": year,
        "from_status": "on_offer",
        "to_status": "sold",
    }
    assert f"{role}-land" not in public.text and "skøde" not in public.text
    assert last["changed_at"][:10] not in public.text
    planner = history(client, tokens, "planner", "12").json()[-1]
    assert planner == public.json()[-1]


def test_a_change_from_a_status_no_longer_there_is_412_and_nothing_is_written(client, tokens_db):
    tokens = tokens_db[1]
    before = read(client, "12")
    count = len(history(client, tokens, None, "12").json())
    r = post(
        client, tokens, "developer_company", "12", {"from_status": "planned", "to_status": "sold"}
    )
    assert r.status_code == 412, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["etag"] == before.headers["etag"]
    assert "on_offer" in r.json()["detail"]
    assert read(client, "12").json()["sale_status"] == "on_offer"
    assert len(history(client, tokens, None, "12").json()) == count


def test_a_stale_if_match_is_412_and_a_current_one_is_honoured(client, tokens_db):
    tokens = tokens_db[1]
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    url = "/land/parcels/12/sale-status"
    tag = read(client, "12").headers["etag"]
    body = {"from_status": "on_offer", "to_status": "under_option"}
    r = client.post(url, json=body, headers={**headers, "If-Match": '"v999999"'})
    assert r.status_code == 412 and r.headers["etag"] == tag
    assert read(client, "12").json()["sale_status"] == "on_offer"
    r = client.post(url, json=body, headers={**headers, "If-Match": tag})
    assert r.status_code == 200, r.text
    # The version read before that change is stale now, even with the right from_status.
    back = {"from_status": "under_option", "to_status": "on_offer"}
    assert client.post(url, json=back, headers={**headers, "If-Match": tag}).status_code == 412
    assert client.post(url, json=back, headers=headers).status_code == 200  # If-Match optional


def test_from_status_is_required(client, tokens_db):
    r = post(client, tokens_db[1], "admin", "12", {"to_status": "sold"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["parameter"] == "from_status"


def test_a_no_op_change_is_a_clear_problem(client, tokens_db):
    tokens = tokens_db[1]
    current = client.get("/collections/plots/items", params={"plot_label": "12"}).json()
    status = current["features"][0]["properties"]["sale_status"]
    r = post(
        client, tokens, "developer_company", "12", {"from_status": status, "to_status": status}
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["parameter"] == "to_status"
    assert "nothing to change" in r.json()["detail"]


def test_an_unknown_status_or_parcel_over_http(client, tokens_db):
    tokens = tokens_db[1]
    body = {"from_status": "on_offer", "to_status": "given_away"}
    r = post(client, tokens, "admin", "12", body)
    assert r.status_code == 422 and r.json()["errors"][0]["parameter"] == "to_status"
    body = {"from_status": "on_offer", "to_status": "sold"}
    assert post(client, tokens, "admin", "9999", body).status_code == 404
    assert history(client, tokens, None, "9999").status_code == 404
