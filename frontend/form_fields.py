"""Fields and widgets every page shares (docs/design.md): the GOV.UK date input (day, month and
year boxes) and, where a time is needed, a time box beside it; checkboxes grouped under
collapsible headings for long lists of people."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms

from agencies.dates import ANY_DATE, DateRange

DATE_HINT = "For example, 27 3 2026"
MOMENT_HINT = "For example, 27 3 2026 and 21:30 (24-hour clock)"


class DateParts(forms.MultiWidget):
    """Day, month and year boxes, read back as YYYY-MM-DD for the field to parse."""

    parts: tuple[str, ...] = ("day", "month", "year")

    def __init__(self) -> None:
        super().__init__({part: forms.TextInput() for part in self.parts})

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, datetime):
            return [str(value.day), str(value.month), str(value.year), value.strftime("%H:%M")]
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value[:10].split("-")
            return [day, month, year, value[11:16]]
        return [""] * len(self.parts)

    def typed(self, data: Any, files: Any, name: str) -> list[str]:
        # A box missing from the form sent (a crafted request) reads as empty, not a crash.
        parts = super().value_from_datadict(data, files, name)
        return [(part or "").strip()[:10] for part in parts]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:  # type: ignore[override]
        day, month, year = self.typed(data, files, name)[:3]
        return f"{year}-{month}-{day}" if day or month or year else ""

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else ""  # the error summary links to the day box


class DateTimeParts(DateParts):
    """The date boxes and a 24-hour time box, read back as YYYY-MM-DD HH:MM."""

    parts = ("day", "month", "year", "time")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:  # type: ignore[override]
        day, month, year, time = self.typed(data, files, name)
        if not (day or month or year or time):
            return ""
        return f"{year}-{month}-{day} {time.replace('.', ':')}"


def date_field(
    label: str,
    *,
    required: str | None,
    invalid: str | None = None,
    hint: str = DATE_HINT,
    allowed: DateRange = ANY_DATE,
    **kwargs: Any,
) -> forms.DateField:
    """A date typed as day, month and year, within `allowed`; `required` is the message when
    it is missing (None: optional), `invalid` when it is not a real date."""
    return forms.DateField(
        label=label,
        help_text=hint,
        widget=DateParts(),
        input_formats=["%Y-%m-%d"],
        required=required is not None,
        validators=[allowed],
        error_messages={
            "required": required or "",
            "invalid": invalid or f"{label} must be a real date, like 27 3 2026",
        },
        **kwargs,
    )


def moment_field(
    label: str,
    *,
    required: str | None,
    hint: str = MOMENT_HINT,
    allowed: DateRange = ANY_DATE,
    **kwargs: Any,
) -> forms.DateTimeField:
    """A date and a time of day; `required` as for date_field."""
    return forms.DateTimeField(
        label=label,
        help_text=hint,
        widget=DateTimeParts(),
        input_formats=["%Y-%m-%d %H:%M"],
        required=required is not None,
        validators=[allowed],
        error_messages={
            "required": required or "",
            "invalid": f"{label} must be a real date and a time like 21:30",
        },
        **kwargs,
    )


class GroupedCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes for grouped choices ([(heading, [(value, label), ...]), ...]), each group
    collapsed under its heading unless one of its boxes is ticked
    (`includes/grouped_checkboxes.html`)."""


def option_groups(field: forms.BoundField) -> list[tuple[str, list[forms.boundfield.BoundWidget]]]:
    """A grouped choice field's checkboxes, by heading, in the order of its choices."""
    options = iter(field.subwidgets)
    return [
        (str(heading), [next(options) for _ in members])
        for heading, members in field.field.choices  # type: ignore[attr-defined]
    ]
