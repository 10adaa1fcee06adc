"""The framework as a REFI-QDA codebook (``.qdc``), for NVivo, ATLAS.ti, MAXQDA and Taguette.

The REFI-QDA Codebook standard (``urn:QDA-XML:codebook:1.0``): a ``CodeBook`` with an
``origin`` holds ``Codes``, each ``Code`` with a ``guid``, a ``name`` and ``isCodable``
(the three attributes NVivo requires), an optional ``color`` and a ``Description``; a
``Sets`` element groups codes (here: the priority themes). GUIDs are derived from the
theme id, so exporting again gives the same codes and a re-import updates, not duplicates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from xml.etree import ElementTree as ET

NAMESPACE = "urn:QDA-XML:codebook:1.0"
ORIGIN = "ohwb_engage"
# A fixed namespace for our GUIDs: uuid5(namespace, "theme:<id>") never changes.
GUID_NAMESPACE = uuid.UUID("6c1b3f0e-3f7a-5d2a-9b7e-0b5e2a6f4c11")
PALETTE = ("#005EB8", "#007F3B", "#ED8B00", "#7C2855", "#330072", "#00A499", "#DA291C", "#425563")


def theme_guid(theme_id: int) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"theme:{theme_id}")).upper()


def framework_guid(framework_id: int) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"framework:{framework_id}")).upper()


def codebook(
    framework_id: int,
    framework_name: str,
    themes: Sequence[tuple[int, str, str, bool]],
) -> bytes:
    """``themes`` as (id, name, description, priority) in framework order; UTF-8 XML back."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}CodeBook", {"origin": ORIGIN})
    codes = ET.SubElement(root, f"{{{NAMESPACE}}}Codes")
    for n, (theme_id, name, description, _priority) in enumerate(themes):
        code = ET.SubElement(
            codes,
            f"{{{NAMESPACE}}}Code",
            {
                "guid": theme_guid(theme_id),
                "name": name,
                "isCodable": "true",
                "color": PALETTE[n % len(PALETTE)],
            },
        )
        if description:
            ET.SubElement(code, f"{{{NAMESPACE}}}Description").text = description
    priorities = [t for t in themes if t[3]]
    if priorities:
        sets = ET.SubElement(root, f"{{{NAMESPACE}}}Sets")
        group = ET.SubElement(
            sets,
            f"{{{NAMESPACE}}}Set",
            {"guid": framework_guid(framework_id), "name": f"{framework_name}: priority themes"},
        )
        for theme_id, *_ in priorities:
            ET.SubElement(group, f"{{{NAMESPACE}}}MemberCode", {"targetGUID": theme_guid(theme_id)})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
