"""School PDF: our report end to end (database → context → template → WeasyPrint, reports.school_report)
against bare WeasyPrint rendering the same HTML (captured from our template render before timing),
alternated in one process; then batch throughput with REAL Celery workers on Redis (prefork pool,
concurrency 1 and 2), each school a ReportJob requested through reports.services like the web does.

    .venv/bin/python -m bench.pdf --schools 2000 --repeat 5 --batch 24 --json var/bench/pdf.json
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time

from bench import _common as c


def _assessment(assessment_id: int):
    from assessments.models import Assessment

    # the same select_related as reports.services._run_school_pdf
    return Assessment.objects.select_related(
        "campaign__framework", "school__region__parent", "campaign__region"
    ).get(pk=assessment_id)


def sample_assessments(*, campaign, count: int) -> list[int]:
    """Reviewed/finalised schools spread over the city (the fullest reports)."""
    from assessments.models import AssessmentStatus

    ids = list(
        campaign.assessments.filter(status=AssessmentStatus.FINALISED)
        .order_by("school__code")
        .values_list("pk", flat=True)
    ) or list(campaign.assessments.order_by("school__code").values_list("pk", flat=True))
    step = max(1, len(ids) // max(1, count))
    return ids[::step][:count]


def measure_single(*, assessment_ids: list[int], repeat: int) -> dict:
    """Ours and bare WeasyPrint alternated, `repeat` rounds over the sample; medians per variant."""
    from django.conf import settings
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from reports.school_report import school_report_html, school_report_pdf

    html = {pk: school_report_html(assessment=_assessment(pk)) for pk in assessment_ids}  # not timed

    def ours(pk):
        return school_report_pdf(assessment=_assessment(pk))

    def bare(pk):
        return HTML(string=html[pk], base_url=str(settings.BASE_DIR)).write_pdf(
            font_config=FontConfiguration()
        )

    ours(assessment_ids[0])  # warm-up: fonts, template and WeasyPrint caches
    bare(assessment_ids[0])
    samples = {"ours": [], "bare_weasyprint": []}
    sizes = {}
    for _ in range(max(1, repeat)):
        for pk in assessment_ids:
            for name, fn in (("ours", ours), ("bare_weasyprint", bare)):
                start = time.perf_counter()
                pdf = fn(pk)
                samples[name].append(time.perf_counter() - start)
                sizes[name] = len(pdf)
    result = {name: {"seconds": statistics.median(s), "samples": len(s)} for name, s in samples.items()}
    result["ratio"] = result["ours"]["seconds"] / result["bare_weasyprint"]["seconds"]
    result["pdf_bytes"] = sizes["ours"]  # fonts compacted (reports.pdf_fonts)
    result["bare_pdf_bytes"] = sizes["bare_weasyprint"]  # WeasyPrint's own fonts
    result["html_bytes"] = len(next(iter(html.values())))
    return result


# --- batch throughput with real workers -----------------------------------------------------------


def _start_worker(concurrency: int) -> subprocess.Popen:
    celery = os.path.join(os.path.dirname(c.PYTHON), "celery")
    return subprocess.Popen(
        [
            celery,
            "-A",
            "smartcampus",
            "worker",
            "--pool",
            "prefork",
            "-c",
            str(concurrency),
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench{concurrency}@%h",
        ],
        cwd=c.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop_worker(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_ready(timeout: float = 60) -> None:
    from smartcampus.celery import ping

    ping.apply_async(("ready",)).get(timeout=timeout)


def _run_jobs(*, campaign, user, assessment_ids: list[int], timeout: float) -> tuple[float, list]:
    from reports.models import JobKind, JobStatus, ReportJob
    from reports.services import report_job_request

    start = time.perf_counter()
    job_ids = [
        report_job_request(kind=JobKind.SCHOOL_PDF, campaign=campaign, assessment=a, acting_user=user)[0].pk
        for a in (_assessment(pk) for pk in assessment_ids)
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = list(ReportJob.objects.filter(pk__in=job_ids).values_list("status", flat=True))
        if all(s in (JobStatus.DONE, JobStatus.FAILED) for s in statuses):
            break
        time.sleep(0.05)
    else:
        raise TimeoutError("report jobs did not finish")
    elapsed = time.perf_counter() - start
    failed = ReportJob.objects.filter(pk__in=job_ids, status=JobStatus.FAILED).count()
    if failed:
        raise RuntimeError(f"{failed} report job(s) failed")
    spans = list(ReportJob.objects.filter(pk__in=job_ids).values_list("started_at", "finished_at"))
    return elapsed, spans


def overlap(spans) -> dict:
    """How the jobs actually ran: mean number running at once over the batch, and each job's
    duration (started → finished, as the workers recorded them)."""
    start = min(s for s, _f in spans)
    end = max(f for _s, f in spans)
    busy = sum((f - s).total_seconds() for s, f in spans)
    return {
        "mean_parallel": busy / max((end - start).total_seconds(), 1e-6),
        "job_seconds_median": statistics.median((f - s).total_seconds() for s, f in spans),
    }


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def machine_scaling(*, n: int = 20_000_000, rounds: int = 3) -> float:
    """The machine's own ceiling for the 2-worker target: throughput of two busy-loop processes
    over one, measured in the same run (a shared VM's two vCPUs rarely give 2×). Median of rounds."""
    import multiprocessing

    ratios = []
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_burn, [1000, 1000])  # both children started
        for _ in range(rounds):
            start = time.perf_counter()
            pool.apply(_burn, (n,))
            pool.apply(_burn, (n,))
            one = time.perf_counter() - start
            start = time.perf_counter()
            pool.map(_burn, [n, n], chunksize=1)
            two = time.perf_counter() - start
            ratios.append(one / two)
    return statistics.median(ratios)


def measure_batch(
    *, campaign, user, assessment_ids: list[int], concurrency: int, timeout: float = 900
) -> dict:
    """Throughput of `concurrency` worker processes over the given schools (after a warm-up job per
    process, so imports and font loading are not counted)."""
    from reports.models import ReportJob

    worker = _start_worker(concurrency)
    try:
        _wait_ready()
        warm = assessment_ids[: concurrency * 2]
        _run_jobs(campaign=campaign, user=user, assessment_ids=warm, timeout=timeout)
        ReportJob.objects.filter(assessment_id__in=warm).delete()
        elapsed, spans = _run_jobs(
            campaign=campaign, user=user, assessment_ids=assessment_ids, timeout=timeout
        )
    finally:
        _stop_worker(worker)
    return {
        "concurrency": concurrency,
        "jobs": len(assessment_ids),
        "seconds": elapsed,
        "per_second": len(assessment_ids) / elapsed,
        **overlap(spans),
    }


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--sample", type=int, default=3, help="schools rendered in the single-PDF comparison")
    p.add_argument("--batch", type=int, default=24, help="school PDFs per throughput run")
    p.add_argument(
        "--batch-rounds", type=int, default=4, help="throughput runs per worker count (ABBA order)"
    )
    p.set_defaults(repeat=2)
    args = p.parse_args()
    with c.services():
        c.prepare_city(schools=args.schools, seed=args.seed)
        from django.contrib.auth import get_user_model

        from reports.models import ReportJob

        campaign = c.city_campaign()
        user = get_user_model().objects.get(username="bj_commission")
        single = measure_single(
            assessment_ids=sample_assessments(campaign=campaign, count=args.sample), repeat=args.repeat
        )
        batch_ids = sample_assessments(campaign=campaign, count=args.batch)
        # 1, 2, 2, 1, 1, 2 … (ABBA) so that drift in the machine's speed hits both equally; medians
        runs: dict[int, list[dict]] = {1: [], 2: []}
        for round_ in range(max(1, args.batch_rounds)):
            for concurrency in (1, 2) if round_ % 2 == 0 else (2, 1):
                ReportJob.objects.filter(assessment_id__in=batch_ids).delete()
                runs[concurrency].append(
                    measure_batch(
                        campaign=campaign, user=user, assessment_ids=batch_ids, concurrency=concurrency
                    )
                )
        batches = []
        for results in runs.values():
            results.sort(key=lambda b: b["per_second"])
            median = dict(results[len(results) // 2])
            median["rounds_per_second"] = [b["per_second"] for b in results]
            batches.append(median)
        scaling = batches[1]["per_second"] / batches[0]["per_second"]
        ceiling = machine_scaling()
        rows = [
            {"variant": "ours (DB → HTML → PDF)", "seconds": single["ours"]["seconds"]},
            {"variant": "bare WeasyPrint (same HTML)", "seconds": single["bare_weasyprint"]["seconds"]},
        ] + [
            {
                "variant": f"Celery batch, {b['concurrency']} worker process(es)",
                "seconds": b["seconds"],
                "per_second": b["per_second"],
            }
            for b in batches
        ]
        text = c.table(
            rows,
            [("variant", "variant"), ("seconds", "seconds"), ("per_second", "PDFs/s")],
            f"School PDF ({single['pdf_bytes'] // 1024} KB; bare WeasyPrint's "
            f"{single['bare_pdf_bytes'] // 1024} KB; HTML {single['html_bytes'] // 1024} KB), "
            f"{args.sample} schools × {args.repeat} rounds; batch of {args.batch}",
        )
        text += (
            f"\n\nours / bare WeasyPrint = {single['ratio']:.2f} (target ≤ 1.2)"
            f"\n2 workers / 1 worker throughput = {scaling:.2f} (target ≥ 1.8)"
            f"\n(this machine: two busy-loop processes / one = {ceiling:.2f}, same run)"
        )
        c.emit(
            {
                "benchmark": "pdf",
                "machine": c.machine(),
                "single": single,
                "batch": batches,
                "scaling": scaling,
                "machine_scaling": ceiling,
            },
            args.json_out,
            text,
        )


if __name__ == "__main__":
    main()
