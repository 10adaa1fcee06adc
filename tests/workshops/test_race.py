"""Seats under real concurrency: gunicorn (4 workers x 4 threads) on this test's database.

500 people race for 90 seats; then 200 cancellations and (re-)registrations race each
other. Confirmed must equal ``seats_taken`` and never exceed capacity, the waiting list must
be promoted in order, no request may fail, and nobody may be registered twice.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.workshops.models import Event, Registration
from tests.live import Browserless, gunicorn, hammer
from tests.workshops.factories import form_data, group_id, make_event

pytestmark = pytest.mark.slow

MANAGE = re.compile(r"/events/registration/([^/?\s]+)")


def _registrar(base: str, event_id: int, data: dict, links: dict[str, str]):
    def task() -> tuple[int, float]:
        client = Browserless(base)
        status, headers, _ = client.submit(f"/events/{event_id}/register", data)
        match = MANAGE.search(headers.get("location", ""))
        if match:
            links[data["email"]] = match.group(1)
        return status, 0.0

    return task


def _canceller(base: str, token: str):
    def task() -> tuple[int, float]:
        client = Browserless(base)
        status, _, _ = client.submit(f"/events/registration/{token}/cancel", {})
        return status, 0.0

    return task


def _state(app: Flask, event_id: int) -> tuple[Event, list[Registration]]:
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        rows = list(
            db.session.execute(
                select(Registration).where(Registration.event_id == event_id)
            ).scalars()
        )
        db.session.expunge_all()
        return event, rows


def _key(r: Registration) -> tuple:
    return (r.waitlisted_at, r.id)


def test_races_never_overbook_and_promote_in_order(app: Flask, schema: str, tmp_path: Path) -> None:
    event_id = make_event(app, capacity=90)
    group = group_id(app)
    links: dict[str, str] = {}
    with gunicorn(schema, str(tmp_path), workers=4, threads=4) as live:
        first = hammer(
            [_registrar(live.url, event_id, form_data(i, group), links) for i in range(500)],
            concurrency=100,
        )
        assert first.server_errors == 0, first.errors[:3]
        assert Counter(first.statuses) == {302: 500}  # each one confirmed or waitlisted

        event, rows = _state(app, event_id)
        statuses = Counter(r.status for r in rows)
        assert statuses == {"confirmed": 90, "waitlisted": 410}
        assert event.seats_taken == 90
        assert len({r.email for r in rows}) == len(rows) == 500

        # Then 100 cancellations (60 with a place, 40 waiting) race 100 registrations: 50
        # new people and 50 of those cancelling, registering again at the same moment.
        queue = sorted((r for r in rows if r.status == "waitlisted"), key=_key)
        confirmed = [r for r in rows if r.status == "confirmed"]
        leaving = confirmed[:60] + queue[100:140]
        tasks = [_canceller(live.url, links[r.email]) for r in leaving]
        tasks += [
            _registrar(live.url, event_id, form_data(f"new{i}", group), links) for i in range(50)
        ]
        tasks += [
            _registrar(live.url, event_id, form_data(r.email.split("@")[0][6:], group), links)
            for r in leaving[::2]
        ]
        second = hammer(tasks, concurrency=100)
        assert second.server_errors == 0, second.errors[:3]
        assert all(s in (200, 302) for s in second.statuses), Counter(second.statuses)

    event, rows = _state(app, event_id)
    by_status = Counter(r.status for r in rows)
    assert by_status["confirmed"] == event.seats_taken == 90  # the waiting list is long
    assert len({r.email for r in rows}) == len(rows) == 550
    promoted = [r for r in rows if r.promoted_at is not None and r.status == "confirmed"]
    assert len(promoted) == 60  # one for each confirmed person who left
    waiting = [r for r in rows if r.status == "waitlisted"]
    # In order: everyone promoted had joined the queue before anyone still waiting.
    assert max(map(_key, promoted)) < min(map(_key, waiting))
    # And they were the head of the original queue, skipping only those who left it.
    left = {r.id for r in leaving}
    expected = [r.id for r in queue if r.id not in left][:60]
    assert sorted(r.id for r in promoted) == sorted(expected)


def test_an_unlimited_event_given_a_capacity_mid_race_never_overbooks(
    app: Flask, schema: str, tmp_path: Path
) -> None:
    """Places at an unlimited event take no seat, only a shared lock on the event: a
    facilitator setting a capacity while 400 people register waits for the places in
    flight, counts them, and from then on seats and the waiting list apply."""
    from ohwb_engage.accounts.models import User
    from ohwb_engage.workshops import services
    from tests.factories import make_staff
    from tests.workshops.test_services import _details

    facilitator = make_staff(app, "facilitator")
    event_id = make_event(app, capacity=None, facilitator_ids=(facilitator,))
    group = group_id(app)
    links: dict[str, str] = {}
    with gunicorn(schema, str(tmp_path), workers=4, threads=4) as live:
        tasks = [_registrar(live.url, event_id, form_data(i, group), links) for i in range(400)]
        outcome: dict[str, object] = {}
        racing = threading.Thread(target=lambda: outcome.update(r=hammer(tasks, 100)))
        racing.start()
        with app.app_context():
            while len(_state(app, event_id)[1]) < 40:  # registrations are arriving
                time.sleep(0.01)
            event = db.session.get_one(Event, event_id)
            actor = db.session.get_one(User, facilitator)
            services.update_event(
                event_id, _details(event, capacity=250), [facilitator], actor=actor
            )
        racing.join()
        result = outcome["r"]
        assert result.server_errors == 0, result.errors[:3]
        assert Counter(result.statuses) == {302: 400}

    event, rows = _state(app, event_id)
    assert event.capacity == 250
    assert Counter(r.status for r in rows) == {"confirmed": 250, "waitlisted": 150}
    assert event.seats_taken == 250
    assert len({r.email for r in rows}) == 400
