"""The files of a subject access export: a zip of JSON (everything, with the redaction marks),
one CSV per kind of record and the uploaded documents; and a PDF written for the young person,
each item still marked for review until a coordinator has redacted and released it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy

from reports.exports import csv_safe

from .gathering import Section

REVIEW_NOTE = (
    "Items marked for redaction review may hold other people's personal data or police "
    "intelligence. Review each one, and redact or withhold what the law allows, before "
    "anything is released to the person."
)


@dataclass(frozen=True)
class Cover:
    """What the export says about itself."""

    name: str
    area: str
    received_on: date
    due_on: date
    requester: str
    generated_at: datetime
    started_by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.name,
            "area": self.area,
            "request_received_on": self.received_on.isoformat(),
            "answer_due_on": self.due_on.isoformat(),
            "requested_by": self.requester,
            "generated_at": self.generated_at.isoformat(),
            "generated_by": self.started_by,
            "redaction_note": REVIEW_NOTE,
        }


def export_json(cover: Cover, sections: Sequence[Section]) -> dict[str, Any]:
    return {
        "export": cover.as_json(),
        "kinds": {
            section.kind: {
                "title": section.title,
                "count": len(section.items),
                "items": [item.as_json() for item in section.items],
            }
            for section in sections
        },
    }


def section_csv(section: Section) -> bytes:
    """One row per item: its id, date, whether it is for review and why, then every field any
    item of the kind has. UTF-8 with a byte order mark, so that Excel reads the encoding."""
    labels: list[str] = []
    for item in section.items:
        labels += [label for label in item.fields if label not in labels]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Kind", "Id", "Date", "For redaction review", "Why", *labels])
    for item in section.items:
        row = [item.kind, item.id, item.when, "Yes" if item.review else "No", item.review]
        writer.writerow([csv_safe(cell) for cell in row + [item.fields.get(k, "") for k in labels]])
    return out.getvalue().encode("utf-8-sig")


def bundle_zip(cover: Cover, sections: Sequence[Section]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(
            "export.json", json.dumps(export_json(cover, sections), indent=2, ensure_ascii=False)
        )
        for section in sections:
            bundle.writestr(f"csv/{section.kind}.csv", section_csv(section))
            for document in section.documents:
                with document.file.open("rb") as source:
                    bundle.writestr(document.path, source.read())
    return out.getvalue()


# Noto Sans, embedded (subset), so names in any European alphabet print: the PDF standard
# fonts know only Windows-1252. Copied from npm at set-up (frontend/build.mjs).
FONT = "NotoSans"
FONT_FILES = {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf", "I": "NotoSans-Italic.ttf"}


def _add_fonts(pdf: FPDF) -> None:
    folder = Path(settings.PDF_FONT_DIR)
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(folder / name))


def _line(pdf: FPDF, text: str, *, size: int = 10, style: str = "", height: float = 5) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def export_pdf(cover: Cover, sections: Sequence[Section]) -> bytes:
    """A4, in plain words for the young person: what the request was, then each kind of record
    with every item, the items to review marked as such."""
    pdf = FPDF(format="A4")
    _add_fonts(pdf)
    pdf.resource_access_policy = ResourceAccessPolicy.NONE
    pdf.set_title(f"Information held about {cover.name}")
    pdf.set_creator("Safeguard Hub")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    _line(pdf, f"Information held about {cover.name}", size=16, style="B", height=9)
    _line(
        pdf,
        f"{cover.area}. Request received on {cover.received_on:%-d %B %Y}, from "
        f"{cover.requester}; answer due by {cover.due_on:%-d %B %Y}.",
    )
    _line(pdf, f"Gathered on {cover.generated_at:%-d %B %Y}.")
    pdf.ln(2)
    _line(pdf, f"Draft for review. {REVIEW_NOTE}", size=9, style="I")
    pdf.ln(4)
    for section in sections:
        _line(pdf, f"{section.title} ({len(section.items)})", size=13, style="B", height=7)
        if not section.items:
            _line(pdf, "Nothing held.")
        for item in section.items:
            heading = f"{item.when}  " if item.when else ""
            _line(pdf, f"{heading}[{item.id}]", size=10, style="B")
            if item.review:
                _line(pdf, f"For redaction review: {item.review}", size=9, style="I")
            for label, words in item.fields.items():
                _line(pdf, f"{label}: {words}", size=9, height=4.5)
            pdf.ln(2)
        pdf.ln(3)
    return bytes(pdf.output())
