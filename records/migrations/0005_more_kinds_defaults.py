"""The national defaults of the kinds of record added to the schedule in 0004: case notes,
documents, meeting minutes, notifications and emails, national returns and the audit trail."""

from django.db import migrations

# (kind, trigger, years, days, action, justification)
DEFAULTS = [
    (
        "note",
        "with_young_person",
        None,
        None,
        "anonymise",
        "Case notes are part of the young person's record: they are kept as long as it is and "
        "cleared when it is anonymised, at its own review. A note about a young person is never "
        "erased while their record is still kept or held.",
    ),
    (
        "case_document",
        "with_young_person",
        None,
        None,
        "delete",
        "Documents attached to a case (the files sent in answer to information requests) are "
        "part of the young person's record: removed from storage when it is anonymised, at its "
        "own review.",
    ),
    (
        "minutes",
        "years_after_meeting",
        15,
        None,
        "anonymise",
        "A MACE meeting's minutes discuss several children and persons of concern at once. "
        "Fifteen years after the meeting a child discussed at ten is 25, the age at which their "
        "own record is reviewed; then the minutes and the agenda's decisions are cleared and "
        "the meeting's date, attendance and agenda stay.",
    ),
    (
        "library_document",
        "years_after_upload",
        6,
        None,
        "delete",
        "A protocol or terms of reference in the strategy library describes how an area worked, "
        "never a case. Six years after upload it has been superseded; six years is also the "
        "limitation period for most claims.",
    ),
    (
        "notification",
        "days_after_created",
        None,
        90,
        "delete",
        "Notifications and emails tell staff of events recorded on the case, where the record "
        "stays. Ninety days after the end of the month they were sent in is long enough to "
        "trace a missed alert or a failed email; they are then deleted a month at a time.",
    ),
    (
        "national_return",
        "years_after_period",
        6,
        None,
        "delete",
        "A national return holds coarse categories and keyed tokens, no names. Six years after "
        "the period it covers the national analysis of trends has used it; the figures "
        "published from it stay.",
    ),
    (
        "audit",
        "kept",
        None,
        None,
        "keep",
        "The audit trail is hash-chained: removing or changing an event would break the chain "
        "that proves no record was silently changed. It holds no case content (reasons and "
        "content are kept apart and erased with the record they are about), so it is kept.",
    ),
]


def add_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("records", "RetentionRule")
    RetentionRule.objects.bulk_create(
        RetentionRule(
            area=None,
            kind=kind,
            trigger=trigger,
            years=years,
            days=days,
            action=action,
            justification=why,
        )
        for kind, trigger, years, days, action, why in DEFAULTS
    )


def remove_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("records", "RetentionRule")
    RetentionRule.objects.filter(kind__in=[kind for kind, *_ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0004_more_kinds")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
