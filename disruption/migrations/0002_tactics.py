"""The first version of the disruption tactics catalogue (domain defaults). An area's own
tactics arrive as rows, not code."""

from django.db import migrations

# (code, label, category, legal power, expires, default duration in days)
TACTICS = [
    (
        "cawn",
        "Child Abduction Warning Notice",
        "notice",
        "No statutory basis itself; breach supports action under s2 Child Abduction Act 1984, "
        "or s49 Children Act 1989 for children in care",
        True,
        730,
    ),
    (
        "sexual_risk_order",
        "Sexual Risk Order",
        "order",
        "s122A Sexual Offences Act 2003",
        True,
        730,
    ),
    (
        "sexual_harm_prevention_order",
        "Sexual Harm Prevention Order",
        "order",
        "s103A Sexual Offences Act 2003; Sentencing Act 2020 Part 11",
        True,
        1825,
    ),
    (
        "slavery_trafficking_risk_order",
        "Slavery and Trafficking Risk Order",
        "order",
        "s23 Modern Slavery Act 2015",
        True,
        730,
    ),
    (
        "slavery_trafficking_prevention_order",
        "Slavery and Trafficking Prevention Order",
        "order",
        "s14 and s15 Modern Slavery Act 2015",
        True,
        1825,
    ),
    ("recovery_order", "Recovery order", "order", "s50 Children Act 1989", False, None),
    (
        "hotel_information_notice",
        "Hotel information notice",
        "notice",
        "s116 Anti-social Behaviour, Crime and Policing Act 2014",
        True,
        182,
    ),
    (
        "closure",
        "Premises closure notice or order",
        "licensing",
        "Part 4 Chapter 3 Anti-social Behaviour, Crime and Policing Act 2014",
        True,
        90,
    ),
    (
        "licensing_review",
        "Licensing review (premises, taxi or private hire)",
        "licensing",
        "Licensing Act 2003 s51; Local Government (Miscellaneous Provisions) Act 1976",
        False,
        None,
    ),
    (
        "premises_training",
        "Training of hotels, taxis or licensed premises (Operation Makesafe)",
        "training",
        "",
        False,
        None,
    ),
    ("intelligence_submission", "Intelligence submission", "intelligence", "", False, None),
    (
        "vehicle_marker",
        "Vehicle marker or ANPR",
        "intelligence",
        "",
        True,
        365,
    ),
    ("flag", "Flag on a victim, offender or location", "intelligence", "", False, None),
    ("arrest", "Arrest", "enforcement", "s24 Police and Criminal Evidence Act 1984", False, None),
    ("charge", "Charge", "enforcement", "", False, None),
    ("prosecution", "Prosecution", "enforcement", "", False, None),
    ("conviction", "Conviction and sentence", "enforcement", "", False, None),
]


def load(apps, schema_editor):
    tactic = apps.get_model("disruption", "DisruptionTactic")
    tactic.objects.bulk_create(
        tactic(
            code=code,
            label=label,
            category=category,
            legal_power=power,
            expires=expires,
            default_duration_days=days,
            position=i,
        )
        for i, (code, label, category, power, expires, days) in enumerate(TACTICS)
    )


def unload(apps, schema_editor):
    apps.get_model("disruption", "DisruptionTactic").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("disruption", "0001_entities_links_disruption_meetings")]

    operations = [migrations.RunPython(load, unload)]
