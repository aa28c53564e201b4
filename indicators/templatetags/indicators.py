from decimal import Decimal

from django import template

from ..trees import json_number

register = template.Library()


@register.filter
def pts(value: Decimal | None) -> str:
    """24.0 → "24", 2.5 → "2.5", None → ""."""
    number = json_number(value)
    return "" if number is None else str(number)
