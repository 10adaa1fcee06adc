"""Results: response rate, charts with tables, free text with filters, CSV export, the corpus."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from ohwb_engage.audit.models import AuditEntry
from ohwb_engage.database import utcnow
from ohwb_engage.extensions import db
from ohwb_engage.feedback import answering
from ohwb_engage.feedback.models import Response
from ohwb_engage.feedback.services import CorpusFilters, corpus
from tests.factories import PASSWORD, email_of, make_staff
from tests.feedback.factories import (
    TWO_PAGES,
    group_id,
    make_event,
    make_questionnaire,
    question_ids,
)
from tests.helpers import login, text_of


def respond(
    app: Flask,
    qid: int,
    pages: list[dict[int, object]],
    *,
    group: str | None = None,
    organisation: str = "",
    region: str = "",
    days_ago: int = 0,
) -> int:
    """Answer every page through the answering service (what the pages call)."""
    gid = group_id(app, group) if group else None
    key = answering.new_submission_key()
    with app.app_context():
        for number, values in enumerate(pages, start=1):
            final = number == len(pages)
            result = answering.save_page(
                qid,
                number,
                values,
                key=key,
                about=answering.AboutYou(gid, organisation, region) if final else None,
                consent=final,
            )
        if days_ago:
            response = db.session.get_one(Response, result.response_id)
            response.answered_at = utcnow() - timedelta(days=days_ago)
            db.session.commit()
        return result.response_id


def _arrange(app: Flask) -> tuple[int, list[int], int]:
    staff = make_staff(app, "facilitator")
    event = make_event(app, title="Breakfast Club: MSK")
    qid = make_questionnaire(app, staff, pages=TWO_PAGES, event_id=event)
    ids = question_ids(app, qid)
    respond(
        app,
        qid,
        [{ids[0]: "Physio self-referral is fast", ids[1]: "5"}, {ids[2]: "o1"}],
        group="OH lead",
        organisation="North Trust",
        region="North West",
    )
    respond(
        app,
        qid,
        [
            {ids[0]: "Counselling waits are too long", ids[1]: "2"},
            {ids[2]: "o2", ids[3]: ["o1", "o2"]},
        ],
        group="Wellbeing lead",
        organisation="South Trust",
        region="London",
        days_ago=40,
    )
    respond(app, qid, [{ids[0]: "=HYPERLINK(\"http://evil.example\",\"click\")", ids[1]: "4"},
                       {ids[2]: "o2"}], group="Wellbeing lead", region="London")  # fmt: skip
    with app.app_context():  # a draft in progress counts nowhere
        answering.save_page(qid, 1, {ids[0]: "half done"}, key=answering.new_submission_key())
    return qid, ids, staff


def test_results_page_shows_rate_charts_tables_and_text(app: Flask) -> None:
    qid, _ids, staff = _arrange(app)
    client = app.test_client()
    login(client, email_of(app, staff), PASSWORD)
    page = client.get(f"/feedback/{qid}/results")
    html = page.get_data(as_text=True)
    text = text_of(page)
    assert "3 responses (no invitation list, so no response rate)" in text
    assert "1 started but not yet submitted" in text
    assert html.count('<svg class="app-chart"') == 3  # every closed question answered
    assert text.count("No answers yet") == 2  # yes/no and agreement: nobody answered
    assert 'role="img"' in html and '<title id="chart-' in html
    assert text.count("Show these figures as a table") == 3
    assert "average 3.7 out of 5" in text  # ratings 5, 2, 4
    assert "Mental health: 2 (67%)" in html  # in the chart's description
    assert "Physio self-referral is fast" in text and "half done" not in text
    assert "North Trust" in text and "Breakfast Club: MSK" in text
    assert "<script" not in html.split("<main")[1]


def test_free_text_filters(app: Flask) -> None:
    qid, _ids, staff = _arrange(app)
    client = app.test_client()
    login(client, email_of(app, staff), PASSWORD)
    base = f"/feedback/{qid}/results"
    group = group_id(app, "OH lead")
    only = text_of(client.get(f"{base}?group={group}"))
    assert "Physio self-referral" in only and "Counselling waits" not in only
    assert "1 answer matches these filters" in only
    london = text_of(client.get(f"{base}?region=London"))
    assert "Counselling waits" in london and "Physio self-referral" not in london
    recent = (date.today() - timedelta(days=7)).isoformat()
    assert "Counselling waits" not in text_of(client.get(f"{base}?from={recent}"))
    assert "Counselling waits" in text_of(client.get(f"{base}?to={recent}"))
    assert "1 answered" in text_of(client.get(f"{base}?group={group}"))  # charts follow filters
    junk = client.get(f"{base}?group=abc&from=not-a-date&question=&region=Nowhere&page=x")
    assert junk.status_code == 200


def test_csv_export_is_safe_to_open_and_audited(app: Flask) -> None:
    qid, _ids, staff = _arrange(app)
    client = app.test_client()
    login(client, email_of(app, staff), PASSWORD)
    response = client.get(f"/feedback/{qid}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:7] == ["response", "source", "answered", "event", "stakeholder group",
                          "organisation", "region"]  # fmt: skip
    assert header[7].startswith("Q1. What works well")
    assert len(body) == 3
    texts = {row[7] for row in body}
    assert '\'=HYPERLINK("http://evil.example","click")' in texts
    assert any(row[10] == "Access; Mental health" or row[10] == "Physio; Counselling"
               for row in body)  # fmt: skip
    with app.app_context():
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "questionnaire.export")
        ).scalar_one()
        assert entry.actor_id == staff and entry.details["rows"] == 3


def test_corpus_selects_by_every_filter_with_context(app: Flask) -> None:
    qid, ids, _ = _arrange(app)
    other = make_questionnaire(app, None, kind="open_consultation", anonymous=True)
    [other_question] = question_ids(app, other)
    respond(app, other, [{other_question: "Anonymous view"}], group="Academic")
    with app.app_context():
        everything = corpus()
        assert len(everything) == 4  # free text only, submitted only, both questionnaires
        anonymous = next(item for item in everything if item.text == "Anonymous view")
        assert anonymous.organisation == "" and anonymous.region == "" and anonymous.anonymous
        assert anonymous.stakeholder_group == "Academic"
        item = next(item for item in everything if item.text.startswith("Physio"))
        assert item.questionnaire_id == qid and item.question_id == ids[0]
        assert item.event == "Breakfast Club: MSK" and item.organisation == "North Trust"
        assert item.region == "North West" and item.source == "online"
        assert item.questionnaire_kind == "kloe"

        def texts(**filters) -> set[str]:
            return {i.text for i in corpus(CorpusFilters(**filters))}

        assert texts(questionnaire_ids=(other,)) == {"Anonymous view"}
        assert texts(question_ids=(other_question,)) == {"Anonymous view"}
        assert len(texts(event_ids=(item.event_id,))) == 3
        assert texts(regions=("North West",)) == {"Physio self-referral is fast"}
        assert texts(stakeholder_group_ids=(group_id(app, "Academic"),)) == {"Anonymous view"}
        old = date.today() - timedelta(days=30)
        assert texts(date_to=old) == {"Counselling waits are too long"}
        assert "Counselling waits are too long" not in texts(date_from=old)
        assert texts(sources=("imported",)) == set()
        assert texts(kinds=("open_consultation",)) == {"Anonymous view"}


def test_corpus_page_and_download(app: Flask) -> None:
    _qid, _, staff = _arrange(app)
    analyst = make_staff(app, "analyst")
    client = app.test_client()
    login(client, email_of(app, analyst), PASSWORD)
    page = text_of(client.get("/feedback/corpus"))
    assert "What works well for staff wellbeing where you work?" in page
    assert "3 free-text answers match." in page
    filtered = text_of(client.get("/feedback/corpus?region=London"))
    assert "2 free-text answers match." in filtered
    download = client.get("/feedback/corpus.csv?region=London")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[0][-1] == "text"
    with app.app_context():
        assert (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action == "feedback.corpus_export")
            )
            .scalar_one()
            .actor_id
            == analyst
        )
    facilitator = app.test_client()
    login(facilitator, email_of(app, staff), PASSWORD)
    assert facilitator.get("/feedback/corpus").status_code == 200
    assert facilitator.get("/feedback/corpus.csv").status_code == 403
