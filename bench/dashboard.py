"""Dashboard aggregates and ranking for a whole city: our selectors (reports.stats.campaign_dashboard
over the commission's scoped assessments, plus city and district ranks) against the same aggregates
written as ONE hand-written SQL statement run directly on the same database, in the same process
and run. Points frameworks (Beijing K-12). The two answers are compared, not just timed.

    .venv/bin/python -m bench.dashboard --schools 2000 --repeat 7 --json var/bench/dashboard.json
"""

from __future__ import annotations

import json
from decimal import Decimal

from bench import _common as c

# Self side only, like the dashboard: progress per district (not started = draft without answers),
# per school the dimension scores (items summed per second-level group and capped at its points,
# then per dimension capped at the dimension's points), totals, city and district ranks, per district
# the mean and the score bands (of the percentage rounded to one decimal, as shown), per dimension the
# mean, per item the mean (weakest items). Figures count the schools in the given statuses (self:
# submitted or later; review: finalised), progress every school.
HAND_SQL = """
WITH a AS (
    SELECT a.id, s.region_id, a.status
    FROM assessments_assessment a JOIN assessments_school s ON s.id = a.school_id
    WHERE a.campaign_id = %(campaign)s
), r AS (
    SELECT r.assessment_id, r.node_id, r.{value} AS self_score, n.level, n.parent_id, p.parent_id AS grand_id,
           p.points AS parent_points
    FROM assessments_itemresponse r
    JOIN a ON a.id = r.assessment_id AND a.status IN ({statuses})
    JOIN indicators_node n ON n.id = r.node_id
    LEFT JOIN indicators_node p ON p.id = n.parent_id
), mid AS (
    SELECT assessment_id,
           CASE WHEN level = 1 THEN node_id WHEN level = 2 THEN parent_id ELSE grand_id END AS dim,
           LEAST(SUM(self_score), MAX(CASE WHEN level = 3 THEN parent_points END)) AS s,
           COUNT(self_score) AS answered
    FROM r
    GROUP BY assessment_id, 2, CASE WHEN level = 3 THEN parent_id ELSE node_id END
), dims AS (
    SELECT m.assessment_id, m.dim, LEAST(COALESCE(SUM(m.s), 0), root.points) AS score,
           SUM(m.answered) AS answered
    FROM mid m JOIN indicators_node root ON root.id = m.dim
    GROUP BY m.assessment_id, m.dim, root.points
), totals AS (
    SELECT assessment_id, SUM(score) AS total FROM dims GROUP BY assessment_id HAVING SUM(answered) > 0
), ranked AS (
    SELECT t.assessment_id, a.region_id, t.total,
           RANK() OVER (ORDER BY t.total DESC) AS city_rank,
           RANK() OVER (PARTITION BY a.region_id ORDER BY t.total DESC) AS district_rank,
           ROUND(t.total * 100 / %(declared)s, 1) AS pct
    FROM totals t JOIN a ON a.id = t.assessment_id
), progress AS (
    SELECT a.region_id,
           CASE WHEN a.status = 'draft' AND NOT EXISTS (
                    SELECT 1 FROM assessments_itemresponse x
                    WHERE x.assessment_id = a.id AND (x.self_score IS NOT NULL OR x.self_status IS NOT NULL))
                THEN 'not_started' ELSE a.status END AS bucket,
           COUNT(*) AS n
    FROM a GROUP BY 1, 2
), districts AS (
    SELECT region_id, AVG(total) AS mean,
           COUNT(*) FILTER (WHERE pct < 60) AS b0,
           COUNT(*) FILTER (WHERE pct >= 60 AND pct < 70) AS b1,
           COUNT(*) FILTER (WHERE pct >= 70 AND pct < 80) AS b2,
           COUNT(*) FILTER (WHERE pct >= 80 AND pct < 90) AS b3,
           COUNT(*) FILTER (WHERE pct >= 90) AS b4
    FROM ranked GROUP BY region_id
), dimension_means AS (
    SELECT d.dim, AVG(d.score) AS mean FROM dims d JOIN totals t USING (assessment_id) GROUP BY d.dim
), items AS (
    SELECT node_id, AVG(self_score) AS mean, COUNT(self_score) AS n FROM r GROUP BY node_id
)
SELECT json_build_object(
    'progress', (SELECT json_agg(progress) FROM progress),
    'districts', (SELECT json_agg(districts) FROM districts),
    'dimensions', (SELECT json_agg(dimension_means) FROM dimension_means),
    'ranking', (SELECT json_agg(json_build_array(assessment_id, total, city_rank, district_rank))
                FROM ranked),
    'items', (SELECT json_agg(items) FROM items)
)
"""


def ours(*, campaign, user) -> dict:
    """What the dashboard computes (reports.stats) plus the ranks the workbook shows."""
    from assessments.selectors import assessment_list
    from indicators.scoring import competition_ranks, round_once
    from reports.stats import campaign_dashboard

    assessments = assessment_list(user=user).filter(campaign=campaign)
    board = campaign_dashboard(campaign=campaign, assessments=assessments)
    district_of = dict(assessments.values_list("pk", "school__region_id"))
    shown = {pk: round_once(value) for pk, value in board.self_values.items()}
    city_rank = competition_ranks(shown)
    district_rank: dict[int, int] = {}
    by_district: dict[int, dict] = {}
    for pk, total in shown.items():
        by_district.setdefault(district_of[pk], {})[pk] = total
    for totals in by_district.values():
        district_rank.update(competition_ranks(totals))
    return {
        "district_means": {
            d.region_id: d.figures.self.mean for d in board.districts if d.figures.self.mean is not None
        },
        "bands": {d.region_id: d.bands for d in board.districts},
        "city_rank": city_rank,
        "district_rank": district_rank,
        "schools": board.school_count,
    }


def hand_sql_text() -> str:
    """The statement: the self side, and the reviewer side too once the review fields exist (ours
    computes both then), as two scalar subqueries of one SELECT."""
    from assessments.models import AssessmentStatus, ItemResponse

    def statuses(values) -> str:
        return ", ".join(f"'{v}'" for v in values)  # our own choice values, not input

    parts = [
        "'self', ("
        + HAND_SQL.format(value="self_score", statuses=statuses(AssessmentStatus.self_counted()))
        + ")"
    ]
    if "review_score" in {f.name for f in ItemResponse._meta.get_fields()}:
        review = statuses(AssessmentStatus.review_counted())
        parts.append("'review', (" + HAND_SQL.format(value="review_score", statuses=review) + ")")
    return "SELECT json_build_object(" + ", ".join(parts) + ")"


def hand_sql(*, campaign) -> dict:
    from django.db import connection

    declared = campaign.framework.total_points or Decimal(100)
    with connection.cursor() as cursor:
        cursor.execute(hand_sql_text(), {"campaign": campaign.pk, "declared": declared})
        doc = cursor.fetchone()[0]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    doc = doc["self"]
    return {
        "district_means": {d["region_id"]: Decimal(str(d["mean"])) for d in doc["districts"] or []},
        "bands": {d["region_id"]: [d[f"b{i}"] for i in range(5)] for d in doc["districts"] or []},
        "city_rank": {pk: rank for pk, _t, rank, _d in doc["ranking"] or []},
        "district_rank": {pk: rank for pk, _t, _c, rank in doc["ranking"] or []},
        "schools": sum(p["n"] for p in doc["progress"] or []),
    }


def agree(a: dict, b: dict) -> bool:
    """Same schools, ranks, score bands per district and district means (ours are rounded once to
    one decimal, the statement's are not: within half a tenth)."""
    means_ok = a["district_means"].keys() == b["district_means"].keys() and all(
        abs(Decimal(a["district_means"][k]) - b["district_means"][k]) <= Decimal("0.05")
        for k in a["district_means"]
    )
    return (
        means_ok
        and a["city_rank"] == b["city_rank"]
        and a["district_rank"] == b["district_rank"]
        and a["schools"] == b["schools"]
        and {k: v for k, v in a["bands"].items() if any(v)} == {k: v for k, v in b["bands"].items() if any(v)}
    )


def measure(*, campaign, user, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ours(campaign=campaign, user=user)  # warm both: the first run pays for caches and plans
    hand_sql(campaign=campaign)
    results = {}
    for name, fn in (
        ("ours", lambda: ours(campaign=campaign, user=user)),
        ("hand_sql", lambda: hand_sql(campaign=campaign)),
    ):
        with CaptureQueriesContext(connection) as queries:
            fn()
        seconds, samples, value = c.timed(fn, repeat=repeat)
        results[name] = {"seconds": seconds, "samples": samples, "queries": len(queries), "value": value}
    return {
        "ours": {k: v for k, v in results["ours"].items() if k != "value"},
        "hand_sql": {k: v for k, v in results["hand_sql"].items() if k != "value"},
        "ratio": results["ours"]["seconds"] / results["hand_sql"]["seconds"],
        "agree": agree(results["ours"]["value"], results["hand_sql"]["value"]),
        "schools": results["ours"]["value"]["schools"],
    }


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.set_defaults(repeat=7)
    args = p.parse_args()
    with c.services():
        c.prepare_city(schools=args.schools, seed=args.seed)
        from django.contrib.auth import get_user_model

        campaign = c.city_campaign()
        user = get_user_model().objects.get(username="bj_commission")
        r = measure(campaign=campaign, user=user, repeat=args.repeat)
        rows = [
            {"variant": "ours (reports.stats + ranks)", **r["ours"]},
            {"variant": "hand-written SQL (1 statement)", **r["hand_sql"]},
        ]
        text = c.table(
            rows,
            [("variant", "variant"), ("seconds", "median s"), ("queries", "queries")],
            f"Dashboard aggregates + ranking, {r['schools']} schools (median of {args.repeat})",
        )
        text += f"\n\nours / hand SQL = {r['ratio']:.2f} (target ≤ 2); same answer: {r['agree']}"
        c.emit({"benchmark": "dashboard", "machine": c.machine(), "result": r}, args.json_out, text)


if __name__ == "__main__":
    main()
