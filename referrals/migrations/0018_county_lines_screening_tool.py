"""The second national screening tool: child criminal exploitation and county lines, chosen
for concerns of criminal exploitation. Its indicators follow the Home Office county lines
guidance ("Criminal exploitation of children and vulnerable adults: county lines"); the first
national tool keeps screening sexual exploitation and is named as a series of its own."""

from django.db import migrations

FIRST_TOOL = "default-1"
FIRST_TOOL_SERIES = "exploitation"
FIRST_TOOL_TYPES = ["sexual", "sexual_and_criminal"]

COUNTY_LINES_VERSION = "county-lines-1"
COUNTY_LINES_NAME = "Child criminal exploitation and county lines screening tool"
COUNTY_LINES_SERIES = "county-lines"
COUNTY_LINES_TYPES = ["criminal"]

# (category, code, label, weight). Significant indicators weigh most.
COUNTY_LINES_1 = [
    ("vulnerability", "family_breakdown", "Family breakdown or instability", 1),
    (
        "vulnerability",
        "harm_at_home",
        "Domestic abuse, substance misuse or mental ill-health at home",
        1,
    ),
    ("vulnerability", "in_care", "In care", 1),
    ("vulnerability", "poverty_or_debt", "Poverty, or a debt to someone", 1),
    ("vulnerability", "special_educational_needs", "Special educational needs", 1),
    ("vulnerability", "isolated_from_peers", "Isolated from peers or socially isolated", 1),
    ("vulnerability", "no_nurturing_adult", "No positive nurturing adult", 1),
    ("moderate", "education_exclusion", "Excluded from school, or absent from education", 2),
    ("moderate", "out_late", "Staying out late, or coming home at unusual hours", 2),
    (
        "moderate",
        "new_peer_group",
        "A new group of friends who are older or involved in crime",
        2,
    ),
    ("moderate", "drug_use", "Using drugs or alcohol", 2),
    ("moderate", "several_phones", "More than one phone, or a phone constantly ringing", 2),
    ("moderate", "travel_unexplained", "Train or bus tickets, or travel, not explained", 2),
    ("moderate", "secretive", "Secretive, withdrawn or unwilling to say where they have been", 2),
    ("moderate", "offending", "Arrested or charged for the first time", 2),
    (
        "significant",
        "unexplained_money_or_phones",
        "Unexplained money, phones, clothes or other goods",
        4,
    ),
    (
        "significant",
        "missing_found_elsewhere",
        "Going missing and being found in other areas",
        4,
    ),
    (
        "significant",
        "older_people_drugs",
        "Associating with older people involved in drugs",
        4,
    ),
    ("significant", "found_with_drugs", "Found with drugs or large amounts of cash", 4),
    ("significant", "carrying_weapons", "Carrying weapons", 4),
    ("significant", "injuries", "Injuries not explained, or the signs of assault", 4),
    (
        "significant",
        "cuckooing",
        'The family home taken over by people dealing drugs ("cuckooing")',
        4,
    ),
    ("significant", "debt_bondage", "Owing a debt they are made to work off", 4),
    ("significant", "recruiting_others", "Recruiting others", 4),
]
# As the first tool's: any significant indicator proposes at least medium risk.
BANDS_COUNTY_LINES_1 = [[0, "not_at_risk"], [1, "low"], [4, "medium"], [8, "high"]]


def load(apps, schema_editor):
    tool = apps.get_model("referrals", "ScreeningTool")
    tool.objects.filter(version=FIRST_TOOL).update(
        series=FIRST_TOOL_SERIES, exploitation_types=FIRST_TOOL_TYPES
    )
    county_lines = tool.objects.create(
        version=COUNTY_LINES_VERSION,
        name=COUNTY_LINES_NAME,
        series=COUNTY_LINES_SERIES,
        exploitation_types=COUNTY_LINES_TYPES,
        bands=BANDS_COUNTY_LINES_1,
    )
    indicator = apps.get_model("referrals", "ScreeningIndicator")
    indicator.objects.bulk_create(
        indicator(tool=county_lines, category=c, code=code, label=label, weight=w, position=i)
        for i, (c, code, label, w) in enumerate(COUNTY_LINES_1)
    )


def unload(apps, schema_editor):
    apps.get_model("referrals", "ScreeningIndicator").objects.filter(
        tool__version=COUNTY_LINES_VERSION
    ).delete()
    apps.get_model("referrals", "ScreeningTool").objects.filter(
        version=COUNTY_LINES_VERSION
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0017_area_catalogues_and_screening_tool_versions")]

    operations = [migrations.RunPython(load, unload)]
