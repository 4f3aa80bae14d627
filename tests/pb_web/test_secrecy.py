"""Acceptance 3: an attacker holding a dump of every table cannot link a ballot to a person.

The attacker reads every row of every table (raw SQL, in storage order, as a dump lists them) and
tries each way a ballot could be tied to a voter: a foreign key or column pointing from ballots to
people, a ballot id or receipt hash that appears next to a person anywhere else, the receipt code
itself stored anywhere, or ballots stored in the order people voted.
"""

from __future__ import annotations

import base64
import threading

import pytest
from django.db import connection
from django.test import Client

from proposals.models import BallotType
from voting.models import Ballot, Participation

from .conftest import ideas_of, require_postgresql, run_worker

VOTERS = 20


def _dump() -> dict[str, list[tuple]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            tables[table] = cursor.fetchall()
    return tables


def _texts(row: tuple) -> list[str]:
    out = []
    for value in row:
        text = value.hex() if isinstance(value, bytes | memoryview) else str(value)
        out.append(text.lower())
        try:  # session data and similar blobs: look inside base64 too
            out.append(base64.b64decode(text.split(":")[0] + "==", validate=False).decode("latin-1").lower())
        except Exception:  # noqa: BLE001 - not base64: nothing more to read
            pass
    return out


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_a_database_dump_cannot_link_ballots_to_voters(make_process, resident, client_for,
                                                       django_capture_on_commit_callbacks):
    process = make_process(ballot_type=BallotType.POINTS, costs=list(range(100, 100 + 10 * VOTERS, 10)),
                           budget="100000", points_total=1000)
    ideas = ideas_of(process)
    receipts, cast = [], []
    for n in range(VOTERS):
        client = resident()
        # Each voter's ballot is unique: they give n+1 points to idea n.
        response = client.post(f"/pb/{process.slug}/vote/", {f"points-{ideas[n].pk}": str(n + 1)})
        assert response.status_code == 200
        text = response.content.decode()
        start = text.index('id="receipt-code">') + len('id="receipt-code">')
        receipts.append(text[start:text.index("<", start)])
        cast.append(([str(ideas[n].pk)], [n + 1]))

    def attack(stage: str) -> None:
        dump = _dump()
        ballot_table, part_table = Ballot._meta.db_table, Participation._meta.db_table
        # 1. Nothing in the ballot table refers to a person or a participation.
        with connection.cursor() as cursor:
            relations = connection.introspection.get_relations(cursor, ballot_table)
        assert {rel[1] for rel in relations.values()} <= {"proposals_process", "councils_area"}
        columns = [c.name for c in connection.introspection.get_table_description(connection.cursor(), ballot_table)]
        assert not [c for c in columns if any(w in c for w in ("user", "particip", "time", "date", "created"))]
        # 2. No ballot id or receipt hash appears in any other table beside people (published files
        #    carry receipt hashes by design and hold no person).
        ballots = dump[ballot_table]
        markers = set()
        for row in Ballot.objects.values_list("id", "receipt_hash"):
            markers |= {str(row[0]).lower(), row[0].hex, row[1]}
        for table, rows in dump.items():
            if table in (ballot_table, "voting_publishedfile"):
                continue
            for row in rows:
                texts = _texts(row)
                leaked = [m for m in markers if any(m in t for t in texts)]
                assert not leaked, f"{stage}: {table} holds ballot markers {leaked[:2]}"
        # 3. The receipt codes themselves are stored nowhere.
        for table, rows in dump.items():
            for row in rows:
                texts = " ".join(_texts(row))
                assert not any(r.lower() in texts or r.replace("-", "").lower() in texts for r in receipts), table
        # 4. Storage order does not follow voting order: pairing the i-th participation with the
        #    i-th ballot (the attacker's best guess) gets few right.
        assert len(dump[part_table]) == VOTERS and len(ballots) == VOTERS
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT projects, points FROM "{ballot_table}"')
            stored = [(_json(p), _json(q)) for p, q in cursor.fetchall()]
        right = sum(1 for a, b in zip(stored, cast, strict=True) if a == b)
        assert right <= VOTERS // 2, f"{stage}: {right} of {VOTERS} ballots are stored in voting order"

    if connection.vendor != "postgresql":
        attack("during voting")  # PostgreSQL tuple order during voting is the documented residual risk
    with django_capture_on_commit_callbacks(execute=True):
        client_for("officer").post(f"/officer/pb/{process.slug}/", {"close": "1"})
    run_worker()
    attack("after the count")


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_ballots_by_one_person_count_once(make_process, resident):
    require_postgresql()
    process = make_process()
    ideas = ideas_of(process)
    voter = resident()
    barrier = threading.Barrier(16, timeout=60)
    statuses: list[int] = []
    # Sign the 16 browsers in here, so the threads hold no database connection until they submit
    # (the connection pool is smaller than 16).
    clients = []
    for _ in range(16):
        client = Client()
        client.force_login(voter.user)
        clients.append(client)

    def submit(client: Client) -> None:
        barrier.wait()
        try:
            statuses.append(client.post(f"/pb/{process.slug}/vote/", {"project": [str(ideas[0].pk)]}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 15
    assert Participation.objects.filter(process=process).count() == 1
    assert Ballot.objects.filter(process=process).count() == 1
