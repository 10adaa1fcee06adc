"""Jinja helpers: WTForms fields to NHS.UK macro parameters, London time, navigation."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import Field

from ohwb_engage.navigation import links_for_current_user

LONDON = ZoneInfo("Europe/London")


def _common(field: Field, overrides: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"id": field.id, "name": field.name}
    if field.description:
        params["hint"] = {"text": str(field.description)}
    if field.errors:
        params["errorMessage"] = {"text": str(field.errors[0])}
    params.update({k: v for k, v in overrides.items() if v is not None})
    return params


def _label(field: Field, overrides: dict[str, Any]) -> dict[str, Any]:
    label = {"text": str(field.label.text)}
    if overrides.pop("label_size", None) == "page":
        label.update({"isPageHeading": True, "size": "l"})
    if "label" in overrides:
        label["text"] = overrides.pop("label")
    return label


def input_params(field: Field, **overrides: Any) -> dict[str, Any]:
    label = _label(field, overrides)
    params = _common(field, overrides)
    params["label"] = label
    params.setdefault("value", field._value())
    return params


def textarea_params(field: Field, **overrides: Any) -> dict[str, Any]:
    label = _label(field, overrides)
    params = _common(field, overrides)
    params["label"] = label
    params.setdefault("value", field._value())
    return params


def choice_params(field: Field, **overrides: Any) -> dict[str, Any]:
    """Radios and checkboxes: a fieldset whose legend is the label, one item per choice."""
    legend_text = overrides.pop("legend", str(field.label.text))
    legend: dict[str, Any] = {"text": legend_text}
    if overrides.pop("legend_size", None) == "page":
        legend.update({"isPageHeading": True, "size": "l"})
    hints: dict[str, str] = overrides.pop("hints", {}) or {}
    params = _common(field, overrides)
    params["idPrefix"] = params.pop("id")
    params["fieldset"] = {"legend": legend}
    data = field.data
    selected = {str(v) for v in data} if isinstance(data, list | tuple | set) else {str(data)}
    items = []
    for value, text in field.choices or []:
        item: dict[str, Any] = {
            "value": value,
            "text": str(text),
            "checked": str(value) in selected,
        }
        if str(value) in hints:
            item["hint"] = {"text": hints[str(value)]}
        items.append(item)
    params["items"] = items
    return params


def select_params(field: Field, **overrides: Any) -> dict[str, Any]:
    label = _label(field, overrides)
    params = _common(field, overrides)
    params["label"] = label
    params["items"] = [
        {"value": value, "text": str(text), "selected": str(value) == str(field.data)}
        for value, text in field.choices or []
    ]
    return params


def error_list(*forms: Any) -> list[dict[str, str]]:
    """Every field error, in page order, linked to its field for the error summary."""
    items = []
    for form in forms:
        if form is None:
            continue
        for field in form:
            for error in field.errors[:1]:
                items.append({"text": str(error), "href": f"#{field.id}"})
    return items


def london(value: datetime | None, fmt: str = "%-d %B %Y, %-I:%M%p") -> str:
    """Show stored UTC in the UK's time, with a lower-case am/pm as the NHS style asks."""
    if value is None:
        return ""
    text = value.astimezone(LONDON).strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm")


def london_date(value: datetime | None) -> str:
    return london(value, "%-d %B %Y")


def navigation() -> list[dict[str, Any]]:
    """Header links: public ones for participants, the role's pages for staff."""
    if current_user.is_authenticated:
        items = [("Home", url_for("main.staff_home"))]
        items += [(link.label, href) for link, href in links_for_current_user(header_only=True)]
    else:
        items = [("Events", url_for("workshops.index"))]
    path = request.path if request else ""
    return [
        {"text": label, "href": href, "active": href != "/" and path.startswith(href)}
        for label, href in items
    ]


SAFE_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "h2", "h3", "h4", "blockquote", "br"}


def markdown_html(text: str | None) -> Markup:
    """Facilitators write summaries in Markdown; only a safe subset of HTML survives."""
    import markdown
    import nh3

    html = markdown.markdown(text or "", extensions=["sane_lists"])
    cleaned = nh3.clean(html, tags=SAFE_TAGS | {"code"}, link_rel="noopener noreferrer")
    return Markup(cleaned)  # noqa: S704  nh3 has removed everything outside SAFE_TAGS


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        input_params=input_params,
        textarea_params=textarea_params,
        choice_params=choice_params,
        select_params=select_params,
        error_list=error_list,
        navigation=navigation,
    )
    app.jinja_env.filters.update(london=london, london_date=london_date, markdown=markdown_html)
