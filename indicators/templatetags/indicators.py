from decimal import Decimal

from django import template

from ..notes import is_data_note
from ..trees import json_number

register = template.Library()


@register.filter
def pts(value: Decimal | None) -> str:
    """24.0 → "24", 2.5 → "2.5", None → ""."""
    number = json_number(value)
    return "" if number is None else str(number)


@register.filter
def data_note(node) -> bool:
    """Whether the node's note is a data note (about the transcription), see indicators.notes."""
    return bool(node.note) and is_data_note(note=node.note, points_inferred=node.points_inferred)
