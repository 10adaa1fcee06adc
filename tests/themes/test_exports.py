"""Exports: framework and responses as CSV, the REFI-QDA codebook, charts as SVG and PNG."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

from flask import Flask
from PIL import Image

from tests.factories import PASSWORD, make_staff
from tests.helpers import login, submit
from tests.themes.factories import make_answers, make_framework

QDC = "{urn:QDA-XML:codebook:1.0}"
GUID = r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$"


def _arrange(app: Flask) -> tuple[int, dict[str, int], list[int], list[int]]:
    make_staff(app, "analyst", email="analyst@example.org")
    named = make_answers(
        app,
        ['=HYPERLINK("http://x") parking is bad', "Parking costs too much"],
        groups=["OH lead", "Academic"],
        regions=["London", "North West"],
    )
    anonymous = make_answers(app, ["Rest rooms & quiet <spaces>"], anonymous=True)
    framework_id, themes = make_framework(
        app, {"Parking & travel": named, "Rest <areas>": anonymous}
    )
    return framework_id, themes, named, anonymous


def _xml(data: bytes) -> ET.Element:
    """Parse our own download; raises on anything that is not well-formed XML."""
    return ET.fromstring(data)  # noqa: S314  the app's own output, not untrusted input


def _client(app: Flask):
    client = app.test_client()
    login(client, "analyst@example.org", PASSWORD)
    return client


def _rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_themes_and_responses_csv(app: Flask) -> None:
    framework_id, _themes, named, anonymous = _arrange(app)
    client = _client(app)
    response = client.get(f"/themes/frameworks/{framework_id}/export/themes.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response.data)
    assert [r["name"] for r in rows] == ["Parking & travel", "Rest <areas>"]
    assert rows[0]["responses"] == "2" and rows[0]["share_percent"] == "66.7"
    responses = _rows(client.get(f"/themes/frameworks/{framework_id}/export/responses.csv").data)
    assert len(responses) == 3
    by_id = {int(r["answer_id"]): r for r in responses}
    assert by_id[named[0]]["text"].startswith("'=HYPERLINK")  # not run as a formula
    assert by_id[named[1]]["region"] == "North West"
    assert by_id[named[1]]["stakeholder_group"] == "Academic"
    assert by_id[anonymous[0]]["region"] == "" and by_id[anonymous[0]]["organisation"] == ""
    assert by_id[named[0]]["code_guid"] == rows[0]["code_guid"]


def test_codebook_is_well_formed_refi_qda_with_stable_guids(app: Flask) -> None:
    import re

    framework_id, themes, *_ = _arrange(app)
    client = _client(app)
    url = f"/themes/frameworks/{framework_id}/export/codebook.qdc"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Content-Disposition"].endswith('.qdc"')
    root = _xml(first.data)  # raises on anything not well-formed
    assert root.tag == f"{QDC}CodeBook" and root.get("origin") == "ohwb_engage"
    codes = root.findall(f"{QDC}Codes/{QDC}Code")
    assert [c.get("name") for c in codes] == ["Parking & travel", "Rest <areas>"]
    for code in codes:  # what NVivo requires of every code
        assert re.match(GUID, code.get("guid"))
        assert code.get("isCodable") == "true"
    guids = [c.get("guid") for c in codes]
    assert len(set(guids)) == 2
    # Renaming and describing keeps the codes' identity, so a re-import updates them.
    parking = themes["Parking & travel"]
    edit = f"/themes/frameworks/{framework_id}/themes/{parking}/edit"
    submit(client, edit, {"name": "Travel", "description": "Getting to work.", "lock_version": "1"})
    submit(
        client, edit, {}, action=f"/themes/frameworks/{framework_id}/themes/{parking}/priority/on"
    )
    again = _xml(client.get(url).data)
    codes = again.findall(f"{QDC}Codes/{QDC}Code")
    assert [c.get("guid") for c in codes] == guids
    assert codes[0].get("name") == "Travel"
    assert codes[0].find(f"{QDC}Description").text == "Getting to work."
    members = again.findall(f"{QDC}Sets/{QDC}Set/{QDC}MemberCode")
    assert [m.get("targetGUID") for m in members] == [guids[0]]


def test_charts_download_as_svg_and_png(app: Flask) -> None:
    framework_id, themes, *_ = _arrange(app)
    client = _client(app)
    base = f"/themes/frameworks/{framework_id}/themes/{themes['Parking & travel']}/chart"
    svg = client.get(f"{base}/group.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    root = _xml(svg.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "OH lead" in texts and "Academic" in texts
    png = client.get(f"{base}/region.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.data))
    assert image.format == "PNG" and image.size[0] >= 680
    assert client.get(f"{base}/colour.png").status_code == 404
