"""The groups of a GroupedCheckboxes field, for its template."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundWidget

from frontend.form_fields import option_groups

register = template.Library()


@register.filter
def groups(field: forms.BoundField) -> list[tuple[str, list[BoundWidget]]]:
    return option_groups(field)
