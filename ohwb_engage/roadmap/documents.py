"""The draft strategy as a plain value, and its renderers: DOCX, Markdown, printable HTML.

A published version stores this value as JSON, so every export of version 3 reads the same
figures next year, whatever happened to the framework since. The dataclasses know nothing
of the database; ``strategy.assemble`` fills them from the live framework and roadmap.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

SERVICE_AUTHOR = "OHWB co-design"


@dataclass(frozen=True)
class Quote:
    text: str
    stakeholder_group: str | None = None


@dataclass(frozen=True)
class Evidence:
    """The figures behind one priority theme, as computed when the document was assembled."""

    answers: int
    responses: int
    mean_sentiment: float
    by_stakeholder_group: tuple[tuple[str, int], ...] = ()
    by_event: tuple[tuple[str, int], ...] = ()
    by_region: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class RoadmapEntry:
    """A roadmap item as a recommendation (in a section) or a line of the timeline."""

    title: str
    horizon: str  # a label: "0-12 months"
    status: str  # a label: "In progress"
    progress: int  # rolled-up percentage, 0-100
    owner: str = ""
    description: str = ""
    themes: tuple[str, ...] = ()
    depth: int = 0  # 0 for a top-level item, 1 for its children...
    # Academic evidence and best-practice examples, each already written as a citation.
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str  # stable across versions ("theme-12"), so comments find their section
    title: str
    description: str
    evidence: Evidence
    quotes: tuple[Quote, ...] = ()
    recommendations: tuple[RoadmapEntry, ...] = ()


@dataclass(frozen=True)
class Horizon:
    label: str
    items: tuple[RoadmapEntry, ...] = ()


@dataclass(frozen=True)
class QuestionnaireFigures:
    title: str
    kind: str
    submitted: int  # every submitted response: open link, personal links, imported notes
    invited: int | None = None  # personal links sent, where the questionnaire used them
    invited_responded: int | None = None  # of those, how many answered
    attended: int | None = None  # people marked as attended at its event, if any

    @property
    def response_rate(self) -> float | None:
        """Of the people asked, how many answered: invited first, else attended, else unknown."""
        if self.invited:
            answered = self.submitted if self.invited_responded is None else self.invited_responded
            return answered / self.invited
        return self.submitted / self.attended if self.attended else None


@dataclass(frozen=True)
class EventFigures:
    title: str
    date: str
    attended: int


@dataclass(frozen=True)
class Methods:
    framework: str
    framework_version: int
    answers: int  # answers in the framework's corpus
    answers_in_themes: int
    not_relevant: int
    questionnaires: tuple[QuestionnaireFigures, ...] = ()
    events: tuple[EventFigures, ...] = ()
    run: str | None = None  # "Run 4 (discover), 1 December 2026"
    stability: float | None = None
    run_config: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StrategyDocument:
    title: str
    version: int  # 0 for the live draft, which is not yet a version
    sections: tuple[Section, ...]
    timeline: tuple[Horizon, ...]
    methods: Methods
    introduction: str = ""
    assembled_at: str = ""  # "1 December 2026", already formatted for readers
    status: str = "draft"

    @property
    def version_label(self) -> str:
        return f"Version {self.version}" if self.version else "Working draft (not published)"

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


# --- JSON: the snapshot a published version keeps ----------------------------------------


def to_json(document: StrategyDocument) -> dict[str, Any]:
    return asdict(document)


def _pairs(value: Iterable[Sequence[Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((str(name), int(count)) for name, count in value)


def _entry(data: dict[str, Any]) -> RoadmapEntry:
    return RoadmapEntry(
        **{
            **data,
            "themes": tuple(data.get("themes", ())),
            "references": tuple(data.get("references", ())),
        }
    )


def from_json(data: dict[str, Any]) -> StrategyDocument:
    """Rebuild a stored snapshot (the inverse of ``to_json``)."""
    sections = []
    for s in data.get("sections", []):
        e = s["evidence"]
        evidence = Evidence(
            answers=e["answers"],
            responses=e["responses"],
            mean_sentiment=e["mean_sentiment"],
            by_stakeholder_group=_pairs(e.get("by_stakeholder_group", ())),
            by_event=_pairs(e.get("by_event", ())),
            by_region=_pairs(e.get("by_region", ())),
        )
        sections.append(
            Section(
                key=s["key"],
                title=s["title"],
                description=s.get("description", ""),
                evidence=evidence,
                quotes=tuple(Quote(**q) for q in s.get("quotes", ())),
                recommendations=tuple(_entry(r) for r in s.get("recommendations", ())),
            )
        )
    m = data["methods"]
    methods = Methods(
        **{
            **m,
            "questionnaires": tuple(QuestionnaireFigures(**q) for q in m.get("questionnaires", ())),
            "events": tuple(EventFigures(**e) for e in m.get("events", ())),
            "run_config": tuple((str(k), str(v)) for k, v in m.get("run_config", ())),
        }
    )
    return StrategyDocument(
        title=data["title"],
        version=data["version"],
        sections=tuple(sections),
        timeline=tuple(
            Horizon(h["label"], tuple(_entry(i) for i in h.get("items", ())))
            for h in data.get("timeline", ())
        ),
        methods=methods,
        introduction=data.get("introduction", ""),
        assembled_at=data.get("assembled_at", ""),
        status=data.get("status", "draft"),
    )


# --- words shared by every format ------------------------------------------------------------


def sentiment_words(score: float) -> str:
    """VADER's compound score in words a steering group reads without a legend."""
    if score >= 0.35:
        tone = "positive"
    elif score >= 0.05:
        tone = "mostly positive"
    elif score > -0.05:
        tone = "mixed or neutral"
    elif score > -0.35:
        tone = "mostly negative"
    else:
        tone = "negative"
    return f"{tone} ({score:+.2f})"


def counts_text(pairs: Sequence[tuple[str, int]], limit: int = 6) -> str:
    if not pairs:
        return "None recorded"
    shown = [f"{name} ({count})" for name, count in pairs[:limit]]
    if len(pairs) > limit:
        shown.append(f"{len(pairs) - limit} more")
    return ", ".join(shown)


def evidence_rows(evidence: Evidence) -> list[tuple[str, str]]:
    """The evidence table: the same rows in DOCX, Markdown and HTML."""
    return [
        ("Answers", str(evidence.answers)),
        ("Responses (people)", str(evidence.responses)),
        ("Feeling", sentiment_words(evidence.mean_sentiment)),
        ("Stakeholder groups", counts_text(evidence.by_stakeholder_group)),
        ("Events", counts_text(evidence.by_event)),
        ("Regions", counts_text(evidence.by_region)),
    ]


def entry_summary(entry: RoadmapEntry) -> str:
    parts = [entry.horizon, entry.status, f"{entry.progress}% done"]
    if entry.owner:
        parts.append(f"owner: {entry.owner}")
    return "; ".join(p for p in parts if p)


def rate_text(figures: QuestionnaireFigures) -> str:
    rate = figures.response_rate
    if rate is None:
        return "Not known"
    base = "invited" if figures.invited else "attended"
    return f"{rate:.0%} of {figures.invited or figures.attended} {base}"


def methods_rows(methods: Methods) -> list[tuple[str, str]]:
    rows = [
        ("Framework", f"{methods.framework}, version {methods.framework_version}"),
        ("Answers analysed", str(methods.answers)),
        ("Answers in a theme", str(methods.answers_in_themes)),
        ("Marked not relevant", str(methods.not_relevant)),
        ("Questionnaires", str(len(methods.questionnaires))),
        ("Events", str(len(methods.events))),
    ]
    if methods.run:
        rows.append(("Source run", methods.run))
    if methods.stability is not None:
        rows.append(("Stability (agreement between resampled runs)", f"{methods.stability:.2f}"))
    return rows


QUESTIONNAIRE_HEADER = ("Questionnaire", "Kind", "Responses", "Response rate")
EVENT_HEADER = ("Event", "Date", "Attended")
TIMELINE_HEADER = ("Item", "Owner", "Status", "Progress", "Themes")


def questionnaire_row(q: QuestionnaireFigures) -> tuple[str, ...]:
    return (q.title, q.kind, str(q.submitted), rate_text(q))


def timeline_row(item: RoadmapEntry) -> tuple[str, ...]:
    indent = "- " * item.depth
    return (
        indent + item.title,
        item.owner or "Not set",
        item.status,
        f"{item.progress}%",
        ", ".join(item.themes) or "None",
    )


def timeline_rows(items: Iterable[RoadmapEntry]) -> list[tuple[str, ...]]:
    return [timeline_row(i) for i in items]


def questionnaire_rows(methods: Methods) -> list[tuple[str, ...]]:
    return [questionnaire_row(q) for q in methods.questionnaires]


def event_rows(methods: Methods) -> list[tuple[str, ...]]:
    return [(e.title, e.date, str(e.attended)) for e in methods.events]


def filename(document: StrategyDocument, extension: str) -> str:
    """``draft-strategy-v3.docx``: a name that sorts and says what it is."""
    slug = re.sub(r"[^a-z0-9]+", "-", document.title.lower()).strip("-")[:60] or "strategy"
    suffix = f"v{document.version}" if document.version else "working-draft"
    return f"{slug}-{suffix}.{extension}"


# --- DOCX --------------------------------------------------------------------------------------


def _docx_table(doc: Any, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Any:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    return table


def _paragraphs(doc: Any, text: str, style: str | None = None) -> None:
    for block in re.split(r"\n\s*\n", text.strip()):
        if block.strip():
            doc.add_paragraph(" ".join(block.split()), style=style)


_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    """Drop characters XML cannot hold (python-docx refuses them): a pasted form feed in a
    title must not turn an export into an error page."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_xml_safe(v) for v in value]
    return value


def to_docx(document: StrategyDocument) -> bytes:
    """A Word document: a heading per section, evidence tables, bullets, timeline, methods."""
    from docx import Document

    document = from_json(_xml_safe(to_json(document)))
    doc = Document()
    props = doc.core_properties
    props.title = document.title
    props.subject = "Draft strategy"
    props.author = SERVICE_AUTHOR
    props.keywords = "strategy; roadmap; co-design; occupational health and wellbeing"
    props.revision = max(document.version, 1)
    props.comments = f"{document.version_label}; assembled {document.assembled_at}".strip()
    props.created = datetime.now().replace(microsecond=0)

    doc.add_heading(document.title, level=0)
    doc.add_paragraph(f"{document.version_label}. Assembled {document.assembled_at}.")
    if document.introduction:
        doc.add_heading("Introduction", level=1)
        _paragraphs(doc, document.introduction)

    for section in document.sections:
        doc.add_heading(section.title, level=1)
        if section.description:
            _paragraphs(doc, section.description)
        doc.add_heading("Evidence", level=2)
        _docx_table(doc, ("Evidence", "Figure"), evidence_rows(section.evidence))
        if section.quotes:
            doc.add_heading("What people said", level=2)
            for quote in section.quotes:
                said = f"\u201c{quote.text}\u201d"
                if quote.stakeholder_group:
                    said += f" ({quote.stakeholder_group})"
                doc.add_paragraph(said, style="Quote")
        doc.add_heading("Recommendations", level=2)
        if section.recommendations:
            for entry in section.recommendations:
                item = doc.add_paragraph(style="List Bullet")
                item.add_run(entry.title).bold = True
                item.add_run(f" ({entry_summary(entry)})")
                if entry.description:
                    item.add_run(f". {' '.join(entry.description.split())}")
                for reference in entry.references:
                    doc.add_paragraph(reference, style="List Bullet 2")
        else:
            doc.add_paragraph("No roadmap item is linked to this theme yet.")

    doc.add_heading("Roadmap timeline", level=1)
    for horizon in document.timeline:
        doc.add_heading(horizon.label, level=2)
        if horizon.items:
            _docx_table(doc, TIMELINE_HEADER, timeline_rows(horizon.items))
        else:
            doc.add_paragraph("Nothing planned in this horizon yet.")

    methods = document.methods
    doc.add_heading("Appendix: methods", level=1)
    doc.add_paragraph(
        "Every figure in this document was computed from the programme's reviewed theme "
        "framework and roadmap when the document was assembled; none was typed by hand."
    )
    _docx_table(doc, ("Measure", "Value"), methods_rows(methods))
    if methods.questionnaires:
        doc.add_heading("Questionnaires and response rates", level=2)
        _docx_table(doc, QUESTIONNAIRE_HEADER, questionnaire_rows(methods))
    if methods.events:
        doc.add_heading("Events", level=2)
        _docx_table(doc, EVENT_HEADER, event_rows(methods))
    if methods.run_config:
        doc.add_heading("Theme run configuration", level=2)
        _docx_table(doc, ("Setting", "Value"), methods.run_config)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- Markdown ----------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Inline text: one line, with the characters Markdown would act on escaped."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in header) + " |"]
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _md_blocks(text: str) -> list[str]:
    return [_md(b) + "\n" for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]


def to_markdown(document: StrategyDocument) -> str:
    out = [f"# {_md(document.title)}", "", f"*{document.version_label}. Assembled "
           f"{_md(document.assembled_at)}.*", ""]  # fmt: skip
    if document.introduction:
        out += ["## Introduction", "", *_md_blocks(document.introduction)]
    for section in document.sections:
        out += [f"## {_md(section.title)}", ""]
        if section.description:
            out += _md_blocks(section.description)
        out += [
            "### Evidence",
            "",
            *_md_table(("Evidence", "Figure"), evidence_rows(section.evidence)),
        ]
        if section.quotes:
            out += ["### What people said", ""]
            for quote in section.quotes:
                who = f" ({_md(quote.stakeholder_group)})" if quote.stakeholder_group else ""
                out += [f"> {_md(quote.text)}{who}", ""]
        out += ["### Recommendations", ""]
        if section.recommendations:
            for entry in section.recommendations:
                line = f"- **{_md(entry.title)}** ({_md(entry_summary(entry))})"
                if entry.description:
                    line += f". {_md(entry.description)}"
                out.append(line)
                out += [f"  - {_md(reference)}" for reference in entry.references]
            out.append("")
        else:
            out += ["No roadmap item is linked to this theme yet.", ""]
    out += ["## Roadmap timeline", ""]
    for horizon in document.timeline:
        out += [f"### {_md(horizon.label)}", ""]
        if horizon.items:
            out += _md_table(TIMELINE_HEADER, timeline_rows(horizon.items))
        else:
            out += ["Nothing planned in this horizon yet.", ""]
    methods = document.methods
    out += ["## Appendix: methods", "", *_md_table(("Measure", "Value"), methods_rows(methods))]
    if methods.questionnaires:
        out += ["### Questionnaires and response rates", ""]
        out += _md_table(QUESTIONNAIRE_HEADER, questionnaire_rows(methods))
    if methods.events:
        out += ["### Events", ""]
        out += _md_table(EVENT_HEADER, event_rows(methods))
    if methods.run_config:
        out += [
            "### Theme run configuration",
            "",
            *_md_table(("Setting", "Value"), methods.run_config),
        ]
    return "\n".join(out).rstrip() + "\n"


# --- printable HTML ------------------------------------------------------------------------------


def to_html(document: StrategyDocument, **context: Any) -> str:
    """The printable page (needs an app context: it is a Jinja template with print CSS)."""
    from flask import render_template

    return render_template(
        "roadmap/strategy/print.html",
        document=document,
        title=document.title,
        h=sys.modules[__name__],
        **context,
    )
