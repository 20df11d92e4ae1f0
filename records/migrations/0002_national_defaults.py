"""The national retention schedule: one default per kind of record. An area without its own
rule for a kind follows these; an area's own rules arrive as rows, not code."""

from django.db import migrations

# (kind, trigger, years, action, justification)
DEFAULTS = [
    (
        "young_person",
        "age",
        None,
        "review",
        "Children's safeguarding records are kept at least until the young person's 25th "
        "birthday (the area's retention age), and a looked-after child's until their 75th, "
        "then reviewed: an adult survivor may need them, and the Independent Inquiry into Child "
        "Sexual Abuse asked that records relevant to abuse are not destroyed.",
    ),
    (
        "person",
        "years_after_last_link",
        10,
        "review",
        "Intelligence on a person suspected of exploiting children is reviewed ten years after "
        "anything new was last linked to them, following the review periods of the Management "
        "of Police Information code for intelligence on serious offending.",
    ),
    (
        "location",
        "years_after_last_link",
        6,
        "review",
        "A place is reviewed six years after anything was last linked to it: hotspots change, "
        "and an address may now be someone else's home.",
    ),
    (
        "vehicle",
        "years_after_last_link",
        6,
        "review",
        "A vehicle is reviewed six years after anything was last linked to it: vehicles change "
        "hands.",
    ),
    (
        "identifier",
        "years_after_last_link",
        6,
        "review",
        "A phone number or online identifier is reviewed six years after anything was last "
        "linked to it: numbers and accounts are reissued.",
    ),
]


def add_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("records", "RetentionRule")
    RetentionRule.objects.bulk_create(
        RetentionRule(
            area=None, kind=kind, trigger=trigger, years=years, action=action, justification=why
        )
        for kind, trigger, years, action, why in DEFAULTS
    )


def remove_defaults(apps, schema_editor):
    apps.get_model("records", "RetentionRule").objects.filter(area__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
