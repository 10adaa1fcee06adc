"""Server-rendered SVG bar charts: no JavaScript, no inline styles (the CSP forbids them).

Each chart has a text title and description for screen readers, every bar carries its
number in text (never colour alone), and the page puts a table of the same figures beside it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ohwb_engage.feedback.results import OptionCount

WIDTH = 640
BAR_MAX = 440
ROW = 46


def bar_chart(chart_id: str, title: str, options: list[OptionCount]) -> Markup:
    """Horizontal bars, one per option: label above, bar, then "count (percent%)"."""
    biggest = max((o.count for o in options), default=0) or 1
    height = ROW * len(options) + 8
    parts = [
        f'<svg class="app-chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">'
        + escape("; ".join(f"{o.label}: {o.count} ({o.percent}%)" for o in options))
        + "</desc>",
    ]
    for index, option in enumerate(options):
        y = index * ROW
        width = round(BAR_MAX * option.count / biggest)
        parts.append(f'<text x="0" y="{y + 15}">{escape(option.label)}</text>')
        parts.append(
            f'<rect class="app-chart__bar" x="0" y="{y + 21}" width="{max(width, 2)}" '
            f'height="18" fill="#005eb8"></rect>'
        )
        parts.append(
            f'<text x="{max(width, 2) + 8}" y="{y + 35}">{option.count} ({option.percent}%)</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  every value above is escaped
