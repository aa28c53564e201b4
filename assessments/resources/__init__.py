"""Bulk-import resources (django-import-export) of regions, schools and users with their roles: the
columns of each file, how a cell becomes a value, and the checks of every row.

Each resource checks a whole row before the library touches it (`check_row`): every problem of the
row is reported at once, each naming its column by the Chinese header and saying what is expected;
national codes are checked for their format (`assessments.codes`); rows outside the acting
commission user's region subtrees are refused without naming anything of another scope. For a row
that changes an existing record the check also lists the changes (column, old value, new value),
which the preview shows and the user confirms. `services.organisations` runs the resources; the
admin's import uses the same ones.

`base` (cells, messages, widgets, `ScopedResource`), `organisations` (the three resources),
`templates` (the kinds of import and their .xlsx templates).
"""

from .base import Change, RowProblems, ScopedResource, cell
from .organisations import MembershipResource, RegionResource, SchoolResource
from .templates import KINDS, ImportKind, template_examples, template_xlsx

__all__ = [
    "KINDS",
    "Change",
    "ImportKind",
    "MembershipResource",
    "RegionResource",
    "RowProblems",
    "SchoolResource",
    "ScopedResource",
    "cell",
    "template_examples",
    "template_xlsx",
]
