"""A resent client id that races the original (a reconnecting client resends what it has no ack for)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from deliberation import services
from deliberation.models import RoomEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_resend_that_waited_for_the_room_lock_gets_the_first_ack_not_a_conflict(room):
    """The room lock's statement also looks the client id up, in the snapshot it started with: the
    original's event, committed while the resend waited for the lock, is not in it. The resend must
    still be recognised (same ack), not run again (a second hand.raise is a conflict)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and snapshots as PostgreSQL has them")
    member, session_id = room.members[0], room.session.pk
    services.ensure_room(session_id)
    holding, release = threading.Event(), threading.Event()
    first: dict[str, object] = {}
    second: dict[str, object] = {}

    def original() -> None:
        try:
            with transaction.atomic():  # keeps the room locked until released
                first["ack"] = services.perform(member, session_id, "hand.raise", {}, client_id="r-1")
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    def resend() -> None:
        try:
            second["ack"] = services.perform(member, session_id, "hand.raise", {}, client_id="r-1")
        except Exception as error:
            second["error"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=original)]
    threads[0].start()
    try:
        assert holding.wait(10)
        threads.append(threading.Thread(target=resend))
        threads[1].start()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock():
            assert time.monotonic() < deadline, "the resend never waited for the room lock"
            time.sleep(0.02)
    finally:
        release.set()
        for thread in threads:
            thread.join(10)

    assert "error" not in second, second.get("error")
    assert second["ack"] == services.Ack(first["ack"].seq, repeated=True)
    assert RoomEvent.objects.filter(session_id=session_id, type="hand.raise").count() == 1
