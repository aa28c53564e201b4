"""The district review's consolidated result on an item response, as the reports read it.

Agreed contract with issue 5: `ItemResponse` carries `review_verdict` (None / accept / adjust /
more_evidence), `review_score` (points mode), `review_status` (compliance mode), `review_comment`,
`reviewed_by`, `reviewed_at`; an "accept" copies the self value into review_score/review_status.
The reviewer's total is the scoring engine applied to review_score/review_status. Until those
fields exist every review value reads as empty, so reports show self-assessment data only.
"""

from __future__ import annotations

from functools import cache

from assessments.models import ItemResponse

VERDICT_LABELS = {"accept": "认可", "adjust": "调整", "more_evidence": "需补充材料"}


@cache
def has_review_fields() -> bool:
    names = {f.name for f in ItemResponse._meta.get_fields()}
    return {"review_verdict", "review_score", "review_status", "review_comment"} <= names


def review_value_field(*, is_points: bool) -> str | None:
    if not has_review_fields():
        return None
    return "review_score" if is_points else "review_status"


def review_value(response, *, is_points: bool):
    return getattr(response, "review_score" if is_points else "review_status", None)


def review_columns() -> tuple[str, ...]:
    """Columns for `values_list` (verdict, score, status, comment), or () before the review lands."""
    if not has_review_fields():
        return ()
    return ("review_verdict", "review_score", "review_status", "review_comment")
