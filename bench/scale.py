"""A province: how everything grows with the number of schools. For each campaign framework and each
size (ascending), on an empty database: seeding (load_frameworks + seed_demo --fill, VACUUM ANALYZE
apart) and the rows it made; the city workbook (ours, bench.workbook.measure_ours in a fresh process:
time and peak RSS); the dashboard's computing (bench.dashboard.ours for the commission, median of 3);
every page's SQL queries and CPU per request against its bare page (bench.http, in-process), and its
p95 at 20 clients under gunicorn + wrk; a district ZIP of school PDFs made by real Celery workers
(2 processes), requested through reports.services as the web does and timed until the batch is done.
Then the growth between sizes next to the growth of the data, flagging what grows faster.

    .venv/bin/python -m bench.scale --sizes 2000,5000,10000 --campaign zhejiang-k12 --json F

The sizes run one after the other on the same throwaway PostgreSQL and Redis, emptied in between (the
schema dropped, the cache flushed, the media files deleted), so every size is seeded from nothing.
With DATABASE_URL set the database is never emptied: each size grows the city already there.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from bench import _common as c
from bench import dashboard, http, pdf

# framework → the demo logins whose pages are measured: (school CIO, commission, district reviewer)
LOGINS = {
    "beijing-k12": ("hd_cio", "bj_commission", "hd_reviewer"),
    "zibo-k12": ("zd_cio", "zb_commission", "zd_reviewer"),
    "zhejiang-k12": ("hz_cio", "zj_commission", "hz_reviewer"),
}
LOAD_CLIENTS = 20
#: a measure counts as growing faster than the data beyond this share of noise
TOLERANCE = 1.2


def logins(framework: str) -> dict[str, str]:
    cio, commission, reviewer = LOGINS[framework]
    return {"cio": cio, "commission": commission, "reviewer": reviewer}


# --- the parts of one size ------------------------------------------------------------------------


def city_rows(*, campaign) -> dict:
    from assessments.models import ItemResponse

    return {
        "assessments": campaign.assessments.count(),
        "responses": ItemResponse.objects.filter(assessment__campaign=campaign).count(),
    }


def measure_workbook(*, campaign, workdir: str, fresh_process: bool = True) -> dict:
    """Ours only; in a fresh process its peak RSS is the export's own (plus Python and Django)."""
    from bench import workbook

    out = str(Path(workdir) / "scale-workbook.xlsx")
    if fresh_process:
        result = c.in_subprocess("bench.workbook", "measure_ours", campaign_id=campaign.pk, out=out)
    else:
        result = workbook.measure_ours(campaign_id=campaign.pk, out=out)
        result["peak_rss_mb"] = round(c.peak_rss_mb(), 1)
    os.unlink(out)
    return result


def measure_dashboard(*, campaign, username: str, repeat: int = 3) -> dict:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    dashboard.ours(campaign=campaign, user=user)  # warm-up: caches and query plans
    seconds, samples, value = c.timed(lambda: dashboard.ours(campaign=campaign, user=user), repeat=repeat)
    return {"seconds": seconds, "samples": samples, "schools": value["schools"]}


def measure_pages(*, page_list: list[dict], requests: int, load: bool, duration: int, workers: int) -> dict:
    """Queries and CPU per request in-process; with `load`, p95 at 20 clients under gunicorn + wrk."""
    counts = http.query_counts(page_list=page_list)
    http.compute_figures(page_list=page_list)
    breakdown = http.cpu_breakdown(page_list=page_list, requests=requests)
    rows = {r["page"]: {"queries": counts[r["page"]], **r} for r in breakdown}
    if load:
        port = http.free_port()
        server = http.start_gunicorn(port, workers)
        try:
            for r in http.measure_load(
                base=f"http://127.0.0.1:{port}",
                page_list=page_list,
                duration=duration,
                concurrency=(LOAD_CLIENTS,),
            ):
                rows[r["page"]].update(
                    p95_ms=r["p95_ms"], bare_p95_ms=r["bare_p95_ms"], p95_ratio=r["p95_ratio"], rps=r["rps"]
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return rows


def zip_district(*, campaign, schools: int):
    """The district (a region where the campaign's schools are) with the fewest schools that still
    has `schools`, or else the one with the most: (region, its number of schools)."""
    from django.db.models import Count

    from assessments.models import Region

    counts = sorted(
        campaign.assessments.values_list("school__region")
        .annotate(n=Count("id"))
        .values_list("school__region", "n"),
        key=lambda rn: (rn[1], rn[0]),
    )
    enough = [rn for rn in counts if rn[1] >= schools]
    region_id, n = enough[0] if enough else counts[-1]
    return Region.objects.get(pk=region_id), n


def measure_zip(*, campaign, username: str, schools: int, workers: int = 2, timeout: float = 3600) -> dict:
    """A district batch requested through reports.services (one school-PDF job per school, then the
    ZIP), timed from the request until the batch is done. `workers` Celery worker processes are
    started for it on the broker; with 0 the tasks run wherever the settings send them (in the
    request, when tasks run eagerly)."""
    from django.contrib.auth import get_user_model

    from reports.models import JobKind, JobStatus, ReportJob
    from reports.services import report_job_request

    user = get_user_model().objects.get(username=username)
    region, count = zip_district(campaign=campaign, schools=schools)
    worker = pdf._start_worker(workers) if workers else None
    try:
        if worker is not None:
            pdf._wait_ready()
        start = time.perf_counter()
        job, _created = report_job_request(
            kind=JobKind.DISTRICT_PDF_ZIP, campaign=campaign, region=region, acting_user=user
        )
        deadline = time.monotonic() + timeout
        while ReportJob.objects.filter(pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the district ZIP did not finish")
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
    finally:
        if worker is not None:
            pdf._stop_worker(worker)
    job.refresh_from_db()
    if job.status != JobStatus.DONE:
        raise RuntimeError(f"the district ZIP failed: {job.error}")
    return {
        "district": region.name,
        "schools": count,
        "pdfs": job.progress_total,
        "workers": workers,
        "seconds": elapsed,
        "per_second": job.progress_total / elapsed,
        "zip_bytes": job.result.size,
        "zip_mb": job.result.size / 2**20,
    }


def measure_city(
    *,
    framework: str,
    workdir: str,
    requests: int = 15,
    load: bool = False,
    duration: int = 3,
    gunicorn_workers: int = 5,
    zip_schools: int = 200,
    zip_workers: int = 2,
    fresh_process: bool = True,
) -> dict:
    """Everything measured on the city in the database (seeded already), one size of the table."""
    campaign = c.city_campaign(framework)
    who = logins(framework)
    result = {"framework": framework, **city_rows(campaign=campaign), "part_seconds": {}}

    def part(name: str, fn):
        """Run one part, keeping how long it took in all (warm-ups and load runs included)."""
        print(f"  {name} …", flush=True)
        start = time.perf_counter()
        result[name] = fn()
        result["part_seconds"][name] = time.perf_counter() - start

    part(
        "workbook", lambda: measure_workbook(campaign=campaign, workdir=workdir, fresh_process=fresh_process)
    )
    part("dashboard", lambda: measure_dashboard(campaign=campaign, username=who["commission"]))
    part(
        "pages",
        lambda: measure_pages(
            page_list=http.pages(campaign=campaign, **who),
            requests=requests,
            load=load,
            duration=duration,
            workers=gunicorn_workers,
        ),
    )
    if zip_schools:
        part(
            "zip",
            lambda: measure_zip(
                campaign=campaign, username=who["commission"], schools=zip_schools, workers=zip_workers
            ),
        )
    else:
        result["zip"] = None
    return result


def measure_size(*, framework: str, schools: int, seed: int, **options) -> dict:
    """Seed a city of `schools` schools (timed) and measure it."""
    print(f"{framework}, {schools} schools: seeding …", flush=True)
    start = time.perf_counter()
    steps = c.prepare_city(schools=schools, seed=seed, framework=framework)
    elapsed = time.perf_counter() - start
    seeding = {
        "seconds": steps["load_frameworks"] + steps["seed_demo"],
        "vacuum_seconds": steps["vacuum_analyze"],
        "steps": steps,
    }
    result = {"schools": schools, "seeding": seeding, **measure_city(framework=framework, **options)}
    result["part_seconds"] = {"seeding": elapsed, **result["part_seconds"]}
    return result


def empty_services() -> None:
    """Drop everything the previous size made: the database schema, the cache and the media files."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.db import connection

    from indicators.selectors import clear_node_cache

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    cache.clear()
    ContentType.objects.clear_cache()
    clear_node_cache()
    media = Path(os.environ["MEDIA_ROOT"])
    for child in media.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


# --- growth ---------------------------------------------------------------------------------------


def measures(result: dict) -> list[tuple[str, str, float | None]]:
    """(measure, how it may grow: linear / flat / constant, value) of one size."""
    found = [
        ("seeding s", "linear", result["seeding"]["seconds"]) if "seeding" in result else None,
        ("workbook s", "linear", result["workbook"]["seconds"]),
        ("workbook peak RSS MB", "flat", result["workbook"]["peak_rss_mb"]),
        ("dashboard compute s", "linear", result["dashboard"]["seconds"]),
    ]
    if result["zip"] is not None:
        found += [
            ("ZIP s per PDF", "flat", result["zip"]["seconds"] / max(result["zip"]["pdfs"], 1)),
            ("ZIP MB per PDF", "flat", result["zip"]["zip_mb"] / max(result["zip"]["pdfs"], 1)),
        ]
    for page, row in result["pages"].items():
        found.append((f"queries: {page}", "constant", row["queries"]))
        found.append((f"CPU ms: {page}", "flat", row["total_ms"]))
        if row.get("p95_ms") is not None:
            found.append((f"p95 ms @{LOAD_CLIENTS}: {page}", "flat", row["p95_ms"]))
    return [m for m in found if m is not None]


def growth(results: list[dict]) -> list[dict]:
    """Per measure, the ratio between consecutive sizes (and first → last) next to the ratio of
    schools; `verdict` names what grows faster than allowed (linear: the data's ratio, flat: 1,
    constant: not at all), with TOLERANCE for noise."""
    pairs = list(zip(results, results[1:], strict=False))
    if len(results) > 2:
        pairs.append((results[0], results[-1]))
    by_size = [dict(((name, kind), value) for name, kind, value in measures(r)) for r in results]
    index = {id(r): i for i, r in enumerate(results)}
    rows = []
    for name, kind in by_size[0]:
        row = {"measure": name, "kind": kind}
        bad = []
        for a, b in pairs:
            va, vb = by_size[index[id(a)]].get((name, kind)), by_size[index[id(b)]].get((name, kind))
            data = b["assessments"] / max(a["assessments"], 1)
            key = f"{b['schools']}/{a['schools']}"
            if va is None or vb is None:
                continue
            ratio = vb / va if va else float("inf") if vb else 1.0
            row[key] = f"{ratio:.2f}× ({data:.1f}× data)"
            allowed = {"linear": data * TOLERANCE, "flat": TOLERANCE}.get(kind)
            if kind == "constant" and va != vb:
                bad.append(f"changes {va}→{vb} ({key})")
            elif allowed is not None and ratio > allowed:
                bad.append(("superlinear" if kind == "linear" else "grows") + f" ({key})")
        row["verdict"] = "; ".join(bad) or "ok"
        rows.append(row)
    return rows


# --- the program ----------------------------------------------------------------------------------


def report_size(results: list[dict], *, json_out: str | None) -> None:
    """The last size's headline figures as soon as it is measured (a province run takes a while),
    and, with --json, every size measured so far in `<json>.partial`."""
    result = results[-1]
    line = (
        f"{result['framework']}, {result['schools']} schools: seeding {result['seeding']['seconds']:.1f} s,"
        f" workbook {result['workbook']['seconds']:.1f} s ({result['workbook']['peak_rss_mb']:.1f} MB),"
        f" dashboard {result['dashboard']['seconds']:.2f} s"
    )
    if result["zip"]:
        line += f", ZIP {result['zip']['pdfs']} PDFs {result['zip']['seconds']:.1f} s"
    pages = "; ".join(
        f"{page} {row['queries']} q {row['total_ms']:.1f} ms" for page, row in result["pages"].items()
    )
    print(f"{line}\n  pages: {pages}", flush=True)
    if json_out:
        Path(json_out + ".partial").write_text(json.dumps(results, ensure_ascii=False, default=str))


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default="2000,5000,10000", help="schools per size, comma-separated")
    p.add_argument(
        "--campaign",
        action="append",
        choices=sorted(LOGINS),
        help="the demo campaign's framework (repeatable; default zhejiang-k12)",
    )
    p.add_argument(
        "--zip-schools", type=int, default=200, help="schools in the district ZIP (at least; 0: no ZIP)"
    )
    p.add_argument("--requests", type=int, default=15, help="requests per page for the CPU breakdown")
    p.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    p.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    p.add_argument("--no-http", action="store_true", help="no gunicorn + wrk (queries and CPU only)")
    args = p.parse_args()
    sizes = sorted(int(n) for n in args.sizes.split(",") if n.strip())
    frameworks = args.campaign or ["zhejiang-k12"]
    if not args.no_http and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    results: list[dict] = []
    with c.services() as found, tempfile.TemporaryDirectory(prefix="bench-scale-") as workdir:
        throwaway = "SERVICES_WORK" in found
        for framework in frameworks:
            for size in sizes:
                if results and throwaway:
                    empty_services()
                results.append(
                    measure_size(
                        framework=framework,
                        schools=size,
                        seed=args.seed,
                        workdir=workdir,
                        requests=args.requests,
                        load=not args.no_http,
                        duration=args.duration,
                        gunicorn_workers=args.workers,
                        zip_schools=args.zip_schools,
                    )
                )
                report_size(results, json_out=args.json_out)
        text = c.table(
            [
                {
                    "framework": r["framework"],
                    "schools": r["schools"],
                    "rows": f"{r['assessments']} / {r['responses']}",
                    "seed_s": r["seeding"]["seconds"],
                    "vacuum_s": r["seeding"]["vacuum_seconds"],
                    "workbook_s": r["workbook"]["seconds"],
                    "workbook_mb": r["workbook"]["peak_rss_mb"],
                    "dashboard_s": r["dashboard"]["seconds"],
                    "zip": f"{r['zip']['pdfs']} ({r['zip']['district']})" if r["zip"] else "—",
                    "zip_s": r["zip"]["seconds"] if r["zip"] else None,
                    "zip_mb": r["zip"]["zip_mb"] if r["zip"] else None,
                    "zip_rate": r["zip"]["per_second"] if r["zip"] else None,
                }
                for r in results
            ],
            [
                ("framework", "framework"),
                ("schools", "schools"),
                ("rows", "assessments / responses"),
                ("seed_s", "seeding s"),
                ("vacuum_s", "VACUUM s"),
                ("workbook_s", "workbook s"),
                ("workbook_mb", "peak RSS MB"),
                ("dashboard_s", "dashboard s"),
                ("zip", "ZIP PDFs (district)"),
                ("zip_s", "ZIP s"),
                ("zip_mb", "ZIP MB"),
                ("zip_rate", "PDFs/s"),
            ],
            "A province, size by size (each size seeded on an empty database; workbook in a fresh process;"
            f" dashboard median of 3; ZIP by 2 Celery worker processes, {args.zip_schools} schools asked)",
        )
        page_columns = [
            ("framework", "framework"),
            ("schools", "schools"),
            ("page", "page"),
            ("queries", "queries"),
            ("total_ms", "CPU ms"),
            ("bare_ms", "bare CPU ms"),
            ("ratio", "CPU × bare"),
        ]
        if not args.no_http:
            page_columns += [
                ("p95_ms", f"p95 ms @{LOAD_CLIENTS}"),
                ("bare_p95_ms", "bare p95 ms"),
                ("p95_ratio", "p95 × bare"),
            ]
        text += "\n\n" + c.table(
            [
                {"framework": r["framework"], "schools": r["schools"], **row}
                for r in results
                for row in r["pages"].values()
            ],
            page_columns,
            f"Pages (queries and CPU in-process, median of {args.requests} requests;"
            + ("" if args.no_http else f" p95 under gunicorn {args.workers} workers, wrk {args.duration} s")
            + ")",
        )
        text += "\n\n" + c.table(
            [{"framework": r["framework"], "schools": r["schools"], **r["part_seconds"]} for r in results],
            [
                ("framework", "framework"),
                ("schools", "schools"),
                ("seeding", "seeding"),
                ("workbook", "workbook"),
                ("dashboard", "dashboard"),
                ("pages", "pages"),
                ("zip", "ZIP"),
            ],
            "How long each part took in all, s (migrate and warm-ups included: to plan a run)",
        )
        summaries = {}
        for framework in frameworks:
            mine = [r for r in results if r["framework"] == framework]
            if len(mine) < 2:
                continue
            rows = growth(mine)
            summaries[framework] = rows
            pair_keys = [k for k in rows[0] if "/" in k]
            text += "\n\n" + c.table(
                rows,
                [
                    ("measure", "measure"),
                    ("kind", "may grow"),
                    *[(k, k) for k in pair_keys],
                    ("verdict", "verdict"),
                ],
                f"Growth, {framework}: each measure's ratio between sizes next to the data's"
                f" (flagged beyond ×{TOLERANCE} of what it may grow)",
            )
        c.emit(
            {
                "benchmark": "scale",
                "machine": c.machine(),
                "sizes": sizes,
                "frameworks": frameworks,
                "zip_schools": args.zip_schools,
                "results": results,
                "growth": summaries,
            },
            args.json_out,
            text,
        )


if __name__ == "__main__":
    main()
