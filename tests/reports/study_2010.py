"""A dataset shaped like the 2010 study of areas' strategies: 144 areas asked, 101 responded,
29 coordinators in post, fewer than a quarter with a current protocol or a specialist service,
about a third of responders without plans for the dual strategy. Made as the CSV a national
analyst would import, so loading it goes through the import."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from agencies.models import Area
from reports.profile_imports import COLUMNS
from tests.factories import AreaFactory

YEAR = 2009  # the 2009-10 reporting year, reported on in 2010
AREAS = 144
RESPONDED = 101

# Responders by index: 0-19 deliver the dual strategy, 20-66 work towards it, 67-100 have no
# plans for it (no disruption activity).
BEST = range(20)
TOWARDS = range(20, 67)


def _answers(i: int) -> dict[str, str]:
    best, towards = i in BEST, i in TOWARDS
    if best:
        protocol = "in_place"
    elif towards:
        protocol = "in_development" if i < 37 else "in_place"
    else:
        protocol = "in_place" if i < 77 else "none"
    current = i < 15 or 37 <= i < 52
    # Coordinators in post: 20 + 9 = 29; specialist services in place: 10 + 15 = 25.
    coordinator = "in_post" if best or 40 <= i < 49 else ("planned" if towards else "none")
    specialist = "in_place" if i < 10 or 49 <= i < 64 else ("planned" if best else "none")
    disruption = "active" if best or 20 <= i < 40 else ("planned" if towards else "none")
    return {
        "responded": "yes",
        "protocol": protocol,
        "protocol_reviewed_on": (
            (date(YEAR, 6, 1) + timedelta(days=i)).isoformat() if protocol == "in_place" else ""
        ),
        "protocol_reviewed_since_guidance": "yes" if current else "no",
        "sub_group": "yes" if i < 70 else "no",
        "lead_professional_agencies": "police;childrens_social_care" if i < 50 else "",
        "coordinator": coordinator,
        "specialist_service": specialist,
        # Awareness raising goes with having a protocol, as the study noted.
        "awareness_professionals": "delivered" if protocol == "in_place" else "none",
        "awareness_young_people": "delivered" if i % 3 == 0 else "planned",
        "awareness_parents_and_carers": "delivered" if i % 4 == 0 else "none",
        "training_identification": "delivered" if i < 60 else "planned",
        "training_protection": "delivered" if i < 45 else "none",
        "training_evidence_gathering": "delivered" if i < 30 else "none",
        "disruption_activity": disruption,
        "local_data_collection": "yes" if i % 2 == 0 else "no",
    }


def study_areas() -> list[Area]:
    return [AreaFactory.create(name=f"Study area {n:03d}") for n in range(AREAS)]


def study_csv(areas: list[Area]) -> bytes:
    """One row per area: the first 101 responded."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i, area in enumerate(areas):
        answers = _answers(i) if i < RESPONDED else {"responded": "no"}
        writer.writerow({"ons_code": area.ons_code, "year": str(YEAR), **answers})
    return out.getvalue().encode()
