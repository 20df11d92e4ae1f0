"""The first versions of the catalogues areas may change: screening indicators and protective
actions. Later versions arrive as new migrations (or an area's own tool as a new version)."""

from django.db import migrations

# (category, code, label, weight). Significant indicators weigh most.
SCREENING_DEFAULT_1 = [
    ("vulnerability", "emotional_neglect", "Emotional neglect", 1),
    ("vulnerability", "physical_or_sexual_abuse", "Physical or sexual abuse", 1),
    ("vulnerability", "family_breakdown", "Family breakdown", 1),
    (
        "vulnerability",
        "harm_at_home",
        "Domestic abuse, substance misuse or mental ill-health at home",
        1,
    ),
    ("vulnerability", "low_self_esteem", "Low self-esteem", 1),
    ("vulnerability", "unsuitable_accommodation", "Unsuitable accommodation", 1),
    ("vulnerability", "isolated_from_peers", "Isolated from peers", 1),
    ("vulnerability", "in_care", "In care", 1),
    ("vulnerability", "no_nurturing_adult", "No positive nurturing adult", 1),
    ("moderate", "out_late", "Staying out late", 2),
    ("moderate", "unknown_callers", "Unknown callers", 2),
    ("moderate", "phone_or_internet_use", "Concerning phone or internet use", 2),
    ("moderate", "education_absence", "Exclusion or absence from education", 2),
    ("moderate", "sti", "Sexually transmitted infections", 2),
    ("moderate", "drug_or_alcohol_misuse", "Drug or alcohol misuse", 2),
    ("moderate", "peers_exploited", "Peers involved in exploitation", 2),
    ("moderate", "disclosure_withdrawn", "Disclosure then withdrawal", 2),
    ("moderate", "despair", "Expressions of despair", 2),
    ("significant", "going_missing", "Going missing", 4),
    ("significant", "unexplained_gifts", "Gifts, money or phones from unknown sources", 4),
    ("significant", "older_boyfriend", 'A much older "boyfriend"', 4),
    (
        "significant",
        "hotspots_or_cars",
        "Seen at hotspots or in cars with unknown adults",
        4,
    ),
    ("significant", "sexual_assault", "Sexual assault", 4),
    ("significant", "recruiting_others", "Recruiting others", 4),
    ("significant", "self_harm", "Self-harm", 4),
]
# Lowest score for each band: any significant indicator proposes at least medium risk.
BANDS_DEFAULT_1 = [[0, "not_at_risk"], [1, "low"], [4, "medium"], [8, "high"]]

PROTECTIVE_ACTIONS = [
    ("safety_plan", "Safety plan"),
    ("specialist_service", "Referral to a specialist service"),
    ("sexual_health", "Sexual health appointment"),
    ("education_reengagement", "Education re-engagement"),
    ("return_home_interview", "Return home interview"),
    ("placement_review", "Placement review"),
    ("parent_carer_support", "Parent or carer support"),
    ("awareness_session", "Awareness session"),
    ("health_assessment", "Health assessment"),
    ("mentoring", "Mentoring or youth work"),
]


def load(apps, schema_editor):
    tool = apps.get_model("referrals", "ScreeningTool").objects.create(
        version="default-1", name="Exploitation screening tool", bands=BANDS_DEFAULT_1
    )
    indicator = apps.get_model("referrals", "ScreeningIndicator")
    indicator.objects.bulk_create(
        indicator(tool=tool, category=c, code=code, label=label, weight=w, position=i)
        for i, (c, code, label, w) in enumerate(SCREENING_DEFAULT_1)
    )
    action_type = apps.get_model("referrals", "ProtectiveActionType")
    action_type.objects.bulk_create(
        action_type(code=code, label=label, position=i)
        for i, (code, label) in enumerate(PROTECTIVE_ACTIONS)
    )


def unload(apps, schema_editor):
    apps.get_model("referrals", "ProtectiveActionType").objects.all().delete()
    apps.get_model("referrals", "ScreeningIndicator").objects.all().delete()
    apps.get_model("referrals", "ScreeningTool").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0009_casework")]

    operations = [migrations.RunPython(load, unload)]
