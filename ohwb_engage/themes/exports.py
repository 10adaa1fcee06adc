"""Downloads of the review workspace: the framework and its responses as CSV, charts as SVG/PNG.

CSV goes through ``feedback.results.csv_text`` (cells a spreadsheet would run are escaped).
Charts use the same geometry as the pages (``workshops.charts.horizontal_bars``), drawn
here as a standalone SVG file or as a PNG with Pillow, so a download matches the screen.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from markupsafe import escape
from sqlalchemy import select

from ohwb_engage.extensions import db
from ohwb_engage.feedback.results import csv_text
from ohwb_engage.themes.models import Theme
from ohwb_engage.themes.qdc import theme_guid
from ohwb_engage.themes.review import responses_query, theme_rows
from ohwb_engage.workshops.charts import BarChart, horizontal_bars

BLUE = "#005eb8"
TEXT = "#212b32"


def themes_csv(framework_id: int) -> str:
    """One row per theme: its codebook GUID, name, description, size, share, sentiment, terms."""
    header = [
        "theme_id", "code_guid", "name", "description", "priority", "responses", "share_percent",
        "mean_sentiment", "distinctive_terms",
    ]  # fmt: skip
    rows = [
        [
            row.id,
            theme_guid(row.id),
            row.name,
            row.description,
            "yes" if row.priority else "no",
            row.size,
            round(100 * row.share, 1),
            round(row.mean_sentiment, 3),
            "; ".join(row.terms),
        ]
        for row in theme_rows(framework_id, quotes=0)
    ]
    return csv_text(header, rows)


def responses_csv(framework_id: int) -> str:
    """Every response in every theme with how it got there (coded, moved, mapped, discovered).

    Region and organisation are left blank for anonymous responses, as on the pages.
    """
    header = [
        "answer_id", "theme_id", "code_guid", "theme", "source", "confidence", "not_relevant",
        "sentiment", "text", "questionnaire", "question", "event", "stakeholder_group",
        "answered_on", "region", "organisation",
    ]  # fmt: skip
    themes = db.session.execute(
        select(Theme.id, Theme.name)
        .where(Theme.framework_id == framework_id)
        .order_by(Theme.position, Theme.id)
    ).all()
    rows = []
    for theme_id, name in themes:
        for r in db.session.execute(responses_query(theme_id)):
            rows.append(
                [
                    r.answer_id,
                    theme_id,
                    theme_guid(theme_id),
                    name,
                    r.source,
                    "" if r.confidence is None else round(r.confidence, 3),
                    "yes" if r.not_relevant else "no",
                    "" if r.sentiment is None else round(r.sentiment, 3),
                    r.text or "",
                    r.questionnaire,
                    r.question,
                    r.event or "",
                    r.group or "",
                    r.answered_at.date().isoformat() if r.answered_at else "",
                    "" if r.anonymous else r.region or "",
                    "" if r.anonymous else r.organisation or "",
                ]
            )
    return csv_text(header, rows)


def chart(rows: Sequence[tuple[str, int]]) -> BarChart:
    return horizontal_bars(rows)


def chart_svg(rows: Sequence[tuple[str, int]], title: str) -> str:
    """A standalone SVG file (its own namespace and font), readable outside the page."""
    geometry = chart(rows)
    height = geometry.height + 40
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {geometry.width} {height}" '
        f'width="{geometry.width}" height="{height}" role="img" font-family="Arial, sans-serif" '
        f'font-size="14" fill="{TEXT}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{geometry.width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="22" font-weight="bold">{escape(title)}</text>',
    ]
    for bar in geometry.bars:
        y = bar.y + 36
        mid = y + bar.height / 2 + 5
        parts.append(
            f'<text x="{geometry.label_width - 8}" y="{mid}" text-anchor="end">'
            f"{escape(_short(bar.label))}</text>"
        )
        parts.append(
            f'<rect x="{bar.x}" y="{y}" width="{max(bar.width, 1)}" height="{bar.height}" '
            f'fill="{BLUE}"/>'
        )
        parts.append(f'<text x="{bar.x + bar.width + 6}" y="{mid}">{bar.value}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def chart_png(rows: Sequence[tuple[str, int]], title: str) -> bytes:
    """The same chart as a PNG, drawn with Pillow at twice the size for sharp text."""
    from PIL import Image, ImageDraw, ImageFont

    geometry = chart(rows)
    scale = 2
    height = geometry.height + 40
    image = Image.new("RGB", (geometry.width * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14 * scale)
    draw.text((8 * scale, 8 * scale), title, fill=TEXT, font=font)
    for bar in geometry.bars:
        y = bar.y + 36
        mid = (y + bar.height / 2) * scale
        label = _short(bar.label)
        draw.text(
            ((geometry.label_width - 8) * scale, mid), label, fill=TEXT, font=font, anchor="rm"
        )
        draw.rectangle(
            [
                bar.x * scale,
                y * scale,
                (bar.x + max(bar.width, 1)) * scale,
                (y + bar.height) * scale,
            ],
            fill=BLUE,
        )
        draw.text(
            ((bar.x + bar.width + 6) * scale, mid),
            str(bar.value),
            fill=TEXT,
            font=font,
            anchor="lm",
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "\u2026"
