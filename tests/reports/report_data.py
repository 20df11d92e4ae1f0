"""An area whose young people are easy to spot in any file, and readers for exported files."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import openpyxl

from agencies.models import AgencyType, Area, Role, User
from referrals.models import Referral
from referrals.validators import nhs_number_check_digit
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

GIVEN_NAMES = [
    "Quennell",
    "Zephyrine",
    "Ottoline",
    "Thaddeus",
    "Peregrine",
    "Isolde",
    "Leofric",
    "Marigold",
    "Evander",
    "Seraphina",
    "Bartholomew",
    "Clementine",
    "Ignatius",
]
FAMILY_NAME = "Ravenscroft-Oyelaran"
MALES = 3  # shown as c, with the count of females that would give it away


def nhs_numbers(count: int) -> list[str]:
    found: list[str] = []
    prefix = 943476500
    while len(found) < count:
        prefix += 1
        check = nhs_number_check_digit(str(prefix))
        if check is not None:
            found.append(f"{prefix}{check}")
    return found


@dataclass
class ReportedArea:
    area: Area
    reader: User
    referrals: list[Referral]

    def identifiers(self) -> list[str]:
        """Every way a young person's identity or a referral's reference could be written."""
        found = []
        for referral in self.referrals:
            person = referral.young_person
            born = person.date_of_birth
            assert born is not None
            nhs = person.nhs_number
            found += [
                person.given_name,
                person.family_name,
                referral.reference,
                nhs,
                f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
                born.isoformat(),
                f"{born:%d/%m/%Y}",
                f"{born:%-d %B %Y}",
                f"{born:%d-%m-%Y}",
            ]
        return found


def reported_area() -> ReportedArea:
    """13 concerns raised today: 3 about boys (primary suppression) and 10 about girls."""
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area], agency_type=AgencyType.EDUCATION)
    practitioner = member(Role.PRACTITIONER, area=area, agency=school)
    referrals = [
        raise_referral(
            practitioner,
            submit=True,
            given_name=name,
            family_name=FAMILY_NAME,
            sex="male" if i < MALES else "female",
            nhs_number=nhs,
            date_of_birth=date(2010, 1, 5) + timedelta(days=97 * i),
        )
        for i, (name, nhs) in enumerate(zip(GIVEN_NAMES, nhs_numbers(13), strict=True))
    ]
    return ReportedArea(area, member(Role.BOARD_MEMBER, area=area), referrals)


def csv_blocks(data: bytes) -> dict[str, list[list[str]]]:
    """Each table's rows (header first) by its title; the preamble under ""."""
    assert data.startswith(b"\xef\xbb\xbf")
    groups: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        if row:
            groups[-1].append(row)
        else:
            groups.append([])
    preamble, *tables = groups
    return {"": preamble, **{rows[0][0]: rows[1:] for rows in tables}}


def xlsx_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()]
        for sheet in workbook.worksheets
    }


def xlsx_parts(data: bytes) -> str:
    """Every part of the XLSX file (sheets, shared strings, properties) as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def pdf_streams(data: bytes) -> list[bytes]:
    """Each stream of the PDF, inflated where it is compressed."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def pdf_strings(data: bytes) -> list[str]:
    """The text the PDF shows, string by string, in the order it is drawn."""
    strings = []
    for stream in pdf_streams(data):
        for match in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", stream, re.S):
            text = re.sub(rb"\\(.)", rb"\1", match.group(1))
            strings.append(text.decode("windows-1252"))
    return strings


def pdf_row(strings: list[str], table: str, label: str) -> list[str]:
    """The label and the three figures after it, in the table with that title."""
    at = strings.index(label, strings.index(table))
    return strings[at : at + 4]
