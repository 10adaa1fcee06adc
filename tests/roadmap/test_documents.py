"""The document renderers: DOCX opened with python-docx, Markdown and the printable page."""

from __future__ import annotations

import io
import json

from docx import Document
from flask import Flask

from ohwb_engage.roadmap import documents as d

ENTRY = d.RoadmapEntry(
    title="Fast-track physiotherapy",
    horizon="0-12 months",
    status="In progress",
    progress=40,
    owner="OH lead, North",
    description="Self-referral for staff with MSK problems.",
    themes=("MSK and physio",),
    references=("Boorman S (2009). NHS Health and Well-being. Academic evidence.",),
)
CHILD = d.RoadmapEntry(
    title="Pilot in two trusts", horizon="0-12 months", status="Done", progress=100, depth=1
)


def sample(version: int = 2) -> d.StrategyDocument:
    msk = d.Section(
        key="theme-1",
        title="MSK and physio",
        description="Waits for physiotherapy keep people off work.",
        evidence=d.Evidence(
            answers=42,
            responses=37,
            mean_sentiment=-0.21,
            by_stakeholder_group=(("OH lead", 20), ("OH clinician", 17)),
            by_event=(("Breakfast Club: MSK", 30), ("No event", 12)),
            by_region=(("London", 25),),
        ),
        quotes=(d.Quote("Physio waits are too long | really", "OH lead"), d.Quote("More *physio*")),
        recommendations=(ENTRY,),
    )
    managers = d.Section(
        key="theme-2",
        title="Line managers",
        description="",
        evidence=d.Evidence(answers=9, responses=9, mean_sentiment=0.4),
    )
    return d.StrategyDocument(
        title="OHWB draft strategy",
        version=version,
        introduction="What we heard.\n\nAnd what we will do.",
        assembled_at="1 December 2026",
        sections=(msk, managers),
        timeline=(
            d.Horizon("0-12 months", (ENTRY, CHILD)),
            d.Horizon("1-3 years"),
            d.Horizon("3-5 years"),
        ),
        methods=d.Methods(
            framework="Programme themes",
            framework_version=7,
            answers=120,
            answers_in_themes=90,
            not_relevant=4,
            questionnaires=(
                d.QuestionnaireFigures(
                    "KLOE survey", "KLOE", submitted=34, invited=60, invited_responded=30
                ),
                d.QuestionnaireFigures("Session evaluation", "Evaluation", 12, attended=16),
                d.QuestionnaireFigures("Open consultation", "Open", 8),
            ),
            events=(d.EventFigures("Breakfast Club: MSK", "3 November 2026", 16),),
            run="Run 4 (discover), 1 December 2026",
            stability=0.83,
            run_config=(("random_state", "0"), ("n_themes", "auto")),
        ),
    )


def test_json_snapshot_round_trips() -> None:
    document = sample()
    stored = json.loads(json.dumps(d.to_json(document)))
    assert d.from_json(stored) == document


def test_response_rate_uses_invited_then_attended() -> None:
    kloe, evaluation, open_ = sample().methods.questionnaires
    assert kloe.response_rate == 0.5 and d.rate_text(kloe) == "50% of 60 invited"
    assert evaluation.response_rate == 0.75 and d.rate_text(evaluation) == "75% of 16 attended"
    assert open_.response_rate is None and d.rate_text(open_) == "Not known"


def test_docx_has_a_heading_per_section_and_the_evidence_counts() -> None:
    document = sample()
    opened = Document(io.BytesIO(d.to_docx(document)))
    headings = [
        (p.style.name, p.text)
        for p in opened.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    level1 = [text for style, text in headings if style == "Heading 1"]
    assert level1 == [
        "Introduction", "MSK and physio", "Line managers", "Roadmap timeline", "Appendix: methods",
    ]  # fmt: skip
    assert ("Title", "OHWB draft strategy") in headings
    # First table: the evidence of the first section.
    evidence = {row.cells[0].text: row.cells[1].text for row in opened.tables[0].rows}
    assert evidence["Answers"] == "42" and evidence["Responses (people)"] == "37"
    assert evidence["Stakeholder groups"] == "OH lead (20), OH clinician (17)"
    assert evidence["Feeling"] == "mostly negative (-0.21)"
    second = {row.cells[0].text: row.cells[1].text for row in opened.tables[1].rows}
    assert second["Answers"] == "9"
    bullets = [p.text for p in opened.paragraphs if p.style.name == "List Bullet"]
    assert bullets == [
        "Fast-track physiotherapy (0-12 months; In progress; 40% done; owner: OH lead, North)"
        ". Self-referral for staff with MSK problems."
    ]
    cited = [p.text for p in opened.paragraphs if p.style.name == "List Bullet 2"]
    assert cited == ["Boorman S (2009). NHS Health and Well-being. Academic evidence."]
    timeline = opened.tables[2]
    assert [c.text for c in timeline.rows[0].cells] == list(d.TIMELINE_HEADER)
    assert [r.cells[0].text for r in timeline.rows[1:]] == [
        "Fast-track physiotherapy",
        "- Pilot in two trusts",
    ]
    texts = " ".join(p.text for p in opened.paragraphs)
    assert "Nothing planned in this horizon yet." in texts
    config = {r.cells[0].text: r.cells[1].text for r in opened.tables[-1].rows[1:]}
    assert config == {"random_state": "0", "n_themes": "auto"}
    props = opened.core_properties
    assert props.title == "OHWB draft strategy" and props.revision == 2
    assert props.author == d.SERVICE_AUTHOR


def test_markdown_has_sections_tables_and_escapes_text() -> None:
    text = d.to_markdown(sample())
    assert text.startswith("# OHWB draft strategy\n")
    assert "\n## MSK and physio\n" in text and "\n## Line managers\n" in text
    assert "| Answers | 42 |" in text
    assert "> Physio waits are too long \\| really (OH lead)" in text
    assert "> More \\*physio\\*" in text
    assert "- **Fast-track physiotherapy** (0-12 months; In progress; 40% done" in text
    assert "\n  - Boorman S (2009). NHS Health and Well-being. Academic evidence.\n" in text
    assert "| KLOE survey | KLOE | 34 | 50% of 60 invited |" in text
    assert "| random\\_state | 0 |" in text


def test_filenames_say_what_and_which_version() -> None:
    assert d.filename(sample(3), "docx") == "ohwb-draft-strategy-v3.docx"
    assert d.filename(sample(0), "md") == "ohwb-draft-strategy-working-draft.md"


def test_printable_page_has_every_section_and_print_css(app: Flask) -> None:
    with app.test_request_context():
        html = d.to_html(sample())
    assert 'href="/static/css/strategy.css"' in html
    assert (
        html.count('class="app-strategy__section"') == 5
    )  # introduction, two themes, timeline, methods
    assert "MSK and physio" in html and "Line managers" in html
    assert (
        '<th class="nhsuk-table__header" scope="row">Answers</th>'
        '<td class="nhsuk-table__cell">42</td>' in html
    )
    assert "style=" not in html


def test_docx_survives_characters_xml_cannot_hold() -> None:
    document = d.StrategyDocument(
        title="Strategy\x0b with a vertical tab",
        version=1,
        sections=(),
        timeline=(),
        methods=d.Methods("F\x00", 1, 0, 0, 0),
        introduction="Pasted\x0cfrom Word",
    )
    opened = Document(io.BytesIO(d.to_docx(document)))
    assert opened.core_properties.title == "Strategy with a vertical tab"
    assert "Pastedfrom Word" in [p.text for p in opened.paragraphs]
