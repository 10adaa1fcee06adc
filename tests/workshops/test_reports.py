"""Reports: per-event numbers, the CSV (safe in spreadsheets), programme reach by e-mail."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Flask

from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.workshops import charts, reports
from ohwb_engage.workshops import registration as reg
from ohwb_engage.workshops.models import Event, Registration
from tests.workshops.factories import group_id, make_event, person


def _past(app: Flask, event_id: int, days_ago: int) -> None:
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        event.starts_at = utcnow() - timedelta(days=days_ago)
        event.ends_at = event.starts_at + timedelta(hours=1)
        db.session.commit()


def test_event_report_counts_places_waiting_attendance_and_breakdowns(app: Flask) -> None:
    event_id = make_event(app, capacity=4)
    lead, user = group_id(app, "OH lead"), group_id(app, "Service user")
    with app.app_context():
        for i, group in enumerate([lead, lead, user, None, lead]):
            reg.register(
                event_id,
                person(i, stakeholder_group_id=group, region="London" if i % 2 else "Midlands"),
            )
        reg.cancel(db.session.query(Registration).filter_by(email="person0@example.org").one().id)
    _past(app, event_id, 1)
    with app.app_context():
        for r in db.session.query(Registration).filter_by(status="confirmed").limit(2):
            r.attended_at = utcnow()
        db.session.commit()
        report = reports.event_report(db.session.get_one(Event, event_id))
    assert (report.confirmed, report.waitlisted, report.cancelled) == (4, 0, 1)
    assert report.promoted == 1 and report.attended == 2 and report.attendance_rate == 50
    assert report.fill_rate == 100
    assert [row[:2] for row in report.by_group.rows] == [
        ("OH lead", 2),
        ("Not given", 1),  # ties in alphabetical order
        ("Service user", 1),
    ]
    assert sum(attended for *_, attended in report.by_group.rows) == 2
    assert sum(n for _, n, _ in report.by_region.rows) == 4


def test_csv_export_neutralises_formulas(app: Flask) -> None:
    event_id = make_event(app)
    with app.app_context():
        reg.register(
            event_id,
            person(
                1,
                name='=HYPERLINK("http://evil")',
                organisation="+44 Trust",
                job_role="@admin",
                access_needs="-1 step",
            ),
        )
        text, count = reports.registrants_csv(event_id, reports.RegistrantFilter())
    assert count == 1
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == reports.CSV_COLUMNS
    name, _, organisation, job_role = rows[1][:4]
    assert name.startswith("'=") and organisation == "'+44 Trust" and job_role == "'@admin"
    assert rows[1][-1] == "'-1 step"
    assert reports.safe_cell("Plain") == "Plain" and reports.safe_cell(None) == ""


def test_registrant_filters(app: Flask) -> None:
    event_id = make_event(app, capacity=1)
    lead = group_id(app, "OH lead")
    with app.app_context():
        reg.register(event_id, person(1, stakeholder_group_id=lead, organisation="Moorland"))
        reg.register(event_id, person(2, region="Midlands"))

        def names(**filters: object) -> list[str]:
            stmt = reports.registrants_query(event_id, reports.RegistrantFilter(**filters))
            return [r.name for r in db.session.execute(stmt).scalars()]

        assert names() == ["Person 1", "Person 2"]  # confirmed first, then the queue
        assert names(status="waitlisted") == ["Person 2"]
        assert names(group_id=lead) == ["Person 1"]
        assert names(region="Midlands") == ["Person 2"]
        assert names(search="MOOR") == ["Person 1"]
        assert names(attended="yes") == []


def test_reach_counts_each_person_once_with_their_latest_answers(app: Flask) -> None:
    lead, user = group_id(app, "OH lead"), group_id(app, "Service user")
    first = make_event(app, capacity=None, kind="codesign_workshop")
    second = make_event(app, capacity=None)
    with app.app_context():
        reg.register(first, person("a", stakeholder_group_id=user, region="London"))
        reg.register(first, person("b", stakeholder_group_id=lead))
        reg.register(
            second,
            person("a", email="PersonA@example.org", stakeholder_group_id=lead, region="Midlands"),
        )
        reg.register(second, person("c"))
        reg.cancel(db.session.query(Registration).filter_by(email="personc@example.org").one().id)
    _past(app, first, 40)
    _past(app, second, 5)
    draft = make_event(app, status="draft")
    with app.app_context():
        db.session.add(
            Registration(event_id=draft, email="d@example.org", name="D", status="confirmed")
        )
        db.session.commit()
        everyone = reports.reach(reports.ReachFilter())
        assert (everyone.people, everyone.registrations, everyone.events) == (2, 3, 2)
        assert everyone.returning == 1
        assert dict(everyone.by_group) == {"OH lead": 2}  # A moved to OH lead
        assert dict(everyone.by_region) == {"Midlands": 1, "London": 1}
        assert sum(new for _, new, _ in everyone.by_month) == 2
        assert everyone.by_month[-1][2] == 2
        assert reports.reach(reports.ReachFilter(basis="attended")).people == 0
        recent = reports.reach(reports.ReachFilter(starts_from=date.today() - timedelta(days=10)))
        assert recent.people == 1
        workshops = reports.reach(reports.ReachFilter(kind="codesign_workshop"))
        assert workshops.people == 2 and workshops.registrations == 2


def test_month_range_fills_quiet_months() -> None:
    assert reports._month_range(["2025-11", "2026-02"]) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_chart_geometry_scales_to_the_largest_value() -> None:
    chart = charts.horizontal_bars([("A", 10), ("B", 5), ("C", 0)], width=400, label_width=100)
    widths = [b.width for b in chart.bars]
    assert widths[0] == 400 - 100 - 60 and widths[1] == widths[0] / 2 and widths[2] == 0
    columns = charts.columns_with_total([("Jan", 2), ("Feb", 0), ("Mar", 2)])
    assert columns.line_maximum == 4 and len(columns.line_points.split()) == 3
    assert charts.horizontal_bars([]).bars == ()
