"""Pages under load: gunicorn (production settings) on PostgreSQL with the whole city loaded; wrk on
loopback at 1, 10 and 20 concurrent connections, p50/p95 latency and throughput per page, each next
to the BARE page (bench/bare_view.py: the same size, from memory, through the same gunicorn,
middleware and session) measured in the same run: `--repeat` pairs of runs (the bare page, then
ours) per page and client count, the median pair's ratio reported. SQL queries per page are counted in-process
(CaptureQueriesContext) at a quarter of the city and at the full city: they must not grow. Where
each page's CPU goes is measured in-process too (`cpu_breakdown`): middleware, SQL, context
(the view) and template, per request, next to the bare page's.

    .venv/bin/python -m bench.http --schools 2000 --duration 5 --json var/bench/http.json
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.request

from bench import _common as c

CONCURRENCY = (1, 10, 20)
LUA = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format('@@WRK@@{"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "requests": %d, '
    .. '"rps": %.2f, "errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.requests / (summary.duration / 1e6), errors))
end
"""


def pages(
    *, campaign, cio: str = "hd_cio", commission: str = "bj_commission", reviewer: str = "hd_reviewer"
) -> list[dict]:
    """(name, user, path) of the pages measured, as the demo logins given (a school CIO of the
    campaign, its commission, and the reviewer of the CIO's district)."""
    from django.urls import reverse

    from assessments.models import Assessment, AssessmentStatus, Membership, Role

    cio_school = (
        Membership.objects.filter(user__username=cio, role=Role.SCHOOL_CIO)
        .values_list("school_id", flat=True)
        .first()
    )
    assessment = Assessment.objects.get(campaign=campaign, school_id=cio_school)
    first_item = assessment.responses.order_by("node__position").values_list("node__code", flat=True).first()
    found = [
        {
            "name": "CIO overview",
            "user": cio,
            "path": reverse("assessments:assessment-detail", args=[assessment.pk]),
        },
        {
            "name": "CIO item page",
            "user": cio,
            "path": reverse("assessments:assessment-item", args=[assessment.pk, first_item]),
        },
        {
            "name": "commission dashboard",
            "user": commission,
            "path": reverse("reports:dashboard") + f"?campaign={campaign.pk}",
            # above DASHBOARD_INLINE_MAX_SCHOOLS a worker computes the figures; `compute_figures`
            # does its job before measuring, or every request would show the placeholder
            "dashboard_campaign": campaign.pk,
        },
        {
            "name": "API assessments (page 1)",
            "user": commission,
            "path": f"/api/assessments/?campaign={campaign.pk}",
        },
        {
            "name": "API responses (page 1)",
            "user": reviewer,
            "path": f"/api/responses/?assessment={assessment.pk}",
        },
        {"name": "API campaigns", "user": commission, "path": "/api/campaigns/"},
    ]
    # district review: the reviewer's queue, the workbench on an assessment under review in the CIO's
    # district (its first item), and the API queue
    reviewing = (
        Assessment.objects.filter(
            campaign=campaign,
            school__region=assessment.school.region,
            status__in=[AssessmentStatus.IN_REVIEW, AssessmentStatus.SUBMITTED],
        )
        .order_by("school__code")
        .first()
    )
    found.append({"name": "reviewer queue", "user": reviewer, "path": reverse("assessments:review-queue")})
    if reviewing is not None:  # a tiny city may have nothing under review in the district
        found.append(
            {
                "name": "reviewer workbench (item)",
                "user": reviewer,
                "path": reverse("assessments:review-item", args=[reviewing.pk, first_item]),
            }
        )
    found.append({"name": "API review queue", "user": reviewer, "path": "/api/reviews/"})
    return found


def query_counts(*, page_list: list[dict]) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assessments.freshness import campaign_data_changed
    from assessments.models import Campaign
    from indicators.selectors import clear_node_cache

    counts = {}
    User = get_user_model()
    for page in page_list:
        for campaign_id in Campaign.objects.values_list("pk", flat=True):
            campaign_data_changed(campaign_id)  # count the dashboard's computing path, not a cache hit
        clear_node_cache()  # and the framework's nodes read, as in a fresh process
        client = Client()
        client.force_login(User.objects.get(username=page["user"]))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page["path"], HTTP_HOST="127.0.0.1")
        if response.status_code != 200:
            raise RuntimeError(f"{page['path']} answered {response.status_code}")
        counts[page["name"]] = len(queries)
    return counts


def compute_figures(*, page_list: list[dict]) -> None:
    """Compute and cache the dashboards' figures as the worker would (`dashboard_refresh`), so the
    pages measured afterwards show them instead of 「正在计算」."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from reports.dashboard import dashboard_refresh

    for page in page_list:
        if "dashboard_campaign" in page:
            dashboard_refresh(
                campaign_id=page["dashboard_campaign"],
                user_id=get_user_model().objects.get(username=page["user"]).pk,
                language=settings.LANGUAGE_CODE,
            )


PARTS = ("middleware", "sql", "context", "template")


class _Clock:
    """Exclusive CPU time (thread CPU, so time spent waiting for PostgreSQL is not counted) per part
    of a request: entering a part pauses the one it interrupts, so SQL run from a template counts as
    SQL and a template rendered inside the view counts as template."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(PARTS, 0.0)
        self.sql_wall = 0.0
        self.stack: list[str] = []
        self.mark = 0.0

    def start(self) -> None:
        self.spent = dict.fromkeys(PARTS, 0.0)
        self.sql_wall = 0.0
        self.stack = ["middleware"]
        self.mark = time.thread_time()

    def stop(self) -> None:
        self._switch()
        self.stack = []

    def _switch(self) -> None:
        now = time.thread_time()
        if self.stack:
            self.spent[self.stack[-1]] += now - self.mark
        self.mark = now

    @contextlib.contextmanager
    def part(self, name: str):
        if not self.stack or self.stack[-1] == name:  # not measuring, or nested in the same part
            yield
            return
        self._switch()
        self.stack.append(name)
        try:
            yield
        finally:
            self._switch()
            self.stack.pop()


@contextlib.contextmanager
def _instrumented(clock: _Clock):
    """Route the view, every template render, DRF's renderer and every SQL statement through `clock`."""
    from django.core.handlers.base import BaseHandler
    from django.db import connection
    from django.template.backends.django import Template
    from rest_framework.response import Response

    make_view_atomic = BaseHandler.make_view_atomic
    template_render = Template.render
    drf_rendered = Response.rendered_content

    def timed_view(self, view):
        inner = make_view_atomic(self, view)

        def view_in_clock(*args, **kwargs):
            with clock.part("context"):
                return inner(*args, **kwargs)

        return view_in_clock

    def timed_render(self, *args, **kwargs):
        with clock.part("template"):
            return template_render(self, *args, **kwargs)

    def timed_drf(self):
        with clock.part("template"):
            return drf_rendered.fget(self)

    def timed_sql(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            with clock.part("sql"):
                return execute(sql, params, many, context)
        finally:
            clock.sql_wall += time.perf_counter() - start

    BaseHandler.make_view_atomic = timed_view
    Template.render = timed_render
    Response.rendered_content = property(timed_drf)
    try:
        with connection.execute_wrapper(timed_sql):
            yield
    finally:
        BaseHandler.make_view_atomic = make_view_atomic
        Template.render = template_render
        Response.rendered_content = drf_rendered


def cpu_breakdown(*, page_list: list[dict], requests: int = 30) -> list[dict]:
    """Per page, in-process through Django's test client (every middleware, the session and the user
    lookup as under gunicorn), the median CPU ms per request of each part, after warm-up requests
    (caches filled as on a server that has been serving the page). The bare page of the same size
    is measured the same way; `ratio` is total CPU against it."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    User = get_user_model()
    clients: dict[str, Client] = {}
    clock = _Clock()

    def run(client: Client, path: str) -> tuple[dict, int]:
        samples: dict[str, list[float]] = {k: [] for k in (*PARTS, "total", "sql_wall")}
        size = 0
        for n in range(requests + 3):
            clock.start()
            response = client.get(path, HTTP_HOST="127.0.0.1")
            clock.stop()
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            size = len(response.content)
            if n < 3:  # warm-up
                continue
            for k in PARTS:
                samples[k].append(clock.spent[k] * 1000)
            samples["total"].append(sum(clock.spent.values()) * 1000)
            samples["sql_wall"].append(clock.sql_wall * 1000)
        return {k: statistics.median(v) for k, v in samples.items()}, size

    rows = []
    with _instrumented(clock):
        for page in page_list:
            if page["user"] not in clients:
                clients[page["user"]] = Client()
                clients[page["user"]].force_login(User.objects.get(username=page["user"]))
            client = clients[page["user"]]
            ours, size = run(client, page["path"])
            bare, _size = run(client, f"/__bench__/bare/?bytes={size}")
            row = {"page": page["name"], "bytes": size}
            row.update({f"{k}_ms": v for k, v in ours.items()})
            row["bare_ms"] = bare["total"]
            row["ratio"] = ours["total"] / max(bare["total"], 1e-6)
            rows.append(row)
            print(f"  {page['name']}: {ours['total']:.1f} ms CPU vs bare {bare['total']:.1f} ms", flush=True)
    return rows


def profile_pages(*, page_list: list[dict], requests: int = 20, top: int = 25) -> str:
    """cProfile of `requests` requests per page after warm-up (the profiler inflates Python-level
    calls: read the shares, not the times): the functions with the most time of their own."""
    import cProfile
    import io
    import pstats

    from django.contrib.auth import get_user_model
    from django.test import Client

    out = io.StringIO()
    for page in page_list:
        client = Client()
        client.force_login(get_user_model().objects.get(username=page["user"]))
        for _ in range(3):
            client.get(page["path"], HTTP_HOST="127.0.0.1")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(page["path"], HTTP_HOST="127.0.0.1")
        profiler.disable()
        out.write(f"\n=== {page['name']} ({requests} requests)\n")
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


BREAKDOWN_COLUMNS = [
    ("page", "page"),
    ("total_ms", "CPU ms"),
    ("middleware_ms", "middleware"),
    ("sql_ms", "SQL"),
    ("context_ms", "context"),
    ("template_ms", "template"),
    ("sql_wall_ms", "SQL wall ms"),
    ("bare_ms", "bare CPU ms"),
    ("ratio", "CPU × bare"),
]


def session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, *, worker_class: str = "sync", threads: int = 1
) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DB_CONN_MAX_AGE": "60"}
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(c.PYTHON), "gunicorn"),
            "smartcampus.wsgi",
            "-w",
            str(workers),
            "-k",
            worker_class,
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=c.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def fetch_size(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})  # noqa: S310 — loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 — loopback
        return len(response.read())


def wrk(url: str, cookie: str, *, connections: int, duration: int, script: str) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(connections, 2)),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "--timeout",
            "30s",
            "-s",
            script,
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("@@WRK@@"))
    return json.loads(line.removeprefix("@@WRK@@"))


def wait_idle(base: str, *, quiet_ms: float = 50, settle: float = 1.0, timeout: float = 120) -> None:
    """Wait until gunicorn has drained the previous run's backlog: three /healthz answers in a row
    under `quiet_ms`, then `settle` seconds more. Without this, a run inherits the queue the
    previous one left behind (wrk stops sending, the workers do not stop answering)."""
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=30).read()  # noqa: S310 — loopback
        except OSError:
            quick = 0
            time.sleep(0.1)
            continue
        quick = quick + 1 if (time.perf_counter() - start) * 1000 < quiet_ms else 0
        time.sleep(0.1)
    time.sleep(settle)


def measure_load(
    *, base: str, page_list: list[dict], duration: int, concurrency=CONCURRENCY, pairs: int = 1
) -> list[dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA)
        script = fh.name
    try:
        cookies = {u: session_cookie(u) for u in {p["user"] for p in page_list}}
        rows = []
        for page in page_list:
            cookie = cookies[page["user"]]
            url = base + page["path"]
            wait_idle(base)
            start = time.perf_counter()
            size = fetch_size(url, cookie)  # the first request: the dashboard computes its figures here
            first_ms = (time.perf_counter() - start) * 1000
            bare = f"{base}/__bench__/bare/?bytes={size}"
            fetch_size(bare, cookie)
            # a second of load on each, not measured: every worker has served both pages once (its
            # first request compiles templates, connects and prepares statements; a page measured
            # first after the server started would carry that in its p95)
            for warm in (bare, url):
                wait_idle(base)
                wrk(warm, cookie, connections=max(concurrency), duration=1, script=script)
            for conns in concurrency:
                # `pairs` runs of the bare page then ours, each run starting on an idle server: the
                # machine's own pace drifts from one run to the next, so each pair is compared
                # within itself and the median pair's figures are reported
                runs = []
                for _ in range(pairs):
                    wait_idle(base)
                    baseline = wrk(bare, cookie, connections=conns, duration=duration, script=script)
                    wait_idle(base)
                    ours = wrk(url, cookie, connections=conns, duration=duration, script=script)
                    runs.append((ours["p95_ms"] / max(baseline["p95_ms"], 1e-6), baseline, ours))
                ratios = [ratio for ratio, _b, _o in runs]
                _ratio, baseline, ours = sorted(runs, key=lambda run: run[0])[(len(runs) - 1) // 2]
                rows.append(
                    {
                        "page": page["name"],
                        "bytes": size,
                        "clients": conns,
                        "first_ms": first_ms,
                        "p50_ms": ours["p50_ms"],
                        "p95_ms": ours["p95_ms"],
                        "rps": ours["rps"],
                        "errors": sum(o["errors"] for _r, _b, o in runs),
                        "bare_p50_ms": baseline["p50_ms"],
                        "bare_p95_ms": baseline["p95_ms"],
                        "bare_rps": baseline["rps"],
                        "p95_ratio": statistics.median(ratios),
                        "p95_ratios": ratios,
                    }
                )
                print(
                    f"  {page['name']} c={conns}: p95 {ours['p95_ms']:.1f} ms vs bare"
                    f" {baseline['p95_ms']:.1f} ms (median pair); p95 × bare per pair: "
                    + ", ".join(f"{r:.2f}" for r in ratios),
                    flush=True,
                )
        return rows
    finally:
        os.unlink(script)


def parse_servers(text: str) -> list[dict]:
    """ "sync:5,gthread:3x4" → gunicorn configurations (worker class, processes, threads each)."""
    found = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, size = part.partition(":")
        workers, _, threads = size.partition("x")
        found.append({"class": kind, "workers": int(workers), "threads": int(threads or 1)})
    return found


def measure_servers(*, servers: list[dict], page_list: list[dict], duration: int, clients: int) -> list[dict]:
    """The same pages at `clients` connections under each gunicorn configuration (worker class,
    process count, threads), each next to its bare page: which configuration serves this machine
    best is measured, not assumed."""
    rows = []
    for server in servers:
        port = free_port()
        proc = start_gunicorn(
            port, server["workers"], worker_class=server["class"], threads=server["threads"]
        )
        label = f"{server['class']} {server['workers']}" + (
            f"×{server['threads']}" if server["threads"] > 1 else ""
        )
        try:
            for row in measure_load(
                base=f"http://127.0.0.1:{port}",
                page_list=page_list,
                duration=duration,
                concurrency=(clients,),
            ):
                rows.append({"server": label, **row})
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    return rows


# a load run's figures, ours next to the bare page's
LOAD_COLUMNS = [
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("rps", "req/s"),
    ("bare_p95_ms", "bare p95 ms"),
    ("bare_rps", "bare req/s"),
    ("p95_ratio", "p95 × bare"),
    ("errors", "errors"),
]
SERVER_COLUMNS = [("server", "gunicorn"), ("page", "page"), *LOAD_COLUMNS]


def main() -> None:
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    p.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    p.add_argument(
        "--clients",
        default=",".join(map(str, CONCURRENCY)),
        help="concurrent connections per wrk run, comma-separated",
    )
    p.add_argument("--requests", type=int, default=30, help="requests per page for the CPU breakdown")
    p.add_argument("--cpu-only", action="store_true", help="only the in-process CPU breakdown (no wrk)")
    p.add_argument("--profile", metavar="FILE", help="also write a cProfile of every page here")
    p.add_argument(
        "--pages", default="", help="only the pages whose name contains one of these (comma-separated)"
    )
    p.add_argument(
        "--servers",
        default="",
        metavar="CLASS:N[xT],…",
        help="also measure the pages at the top client count under these gunicorn configurations,"
        " e.g. sync:3,sync:5,sync:9,gthread:3x4",
    )
    args = p.parse_args()
    concurrency = tuple(int(n) for n in args.clients.split(",") if n.strip())
    if not args.cpu_only and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    def chosen(page_list: list[dict]) -> list[dict]:
        wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
        return [pg for pg in page_list if not wanted or any(w in pg["name"] for w in wanted)]

    with c.services():
        small = max(1, args.schools // 4)
        c.prepare_city(schools=small, seed=args.seed)
        campaign = c.city_campaign()
        counts_small = query_counts(page_list=chosen(pages(campaign=campaign)))
        c.prepare_city(schools=args.schools, seed=args.seed)
        page_list = chosen(pages(campaign=campaign))
        counts_full = query_counts(page_list=page_list)
        compute_figures(page_list=page_list)
        breakdown = cpu_breakdown(page_list=page_list, requests=args.requests)
        if args.profile:
            with open(args.profile, "w") as fh:
                fh.write(profile_pages(page_list=page_list))
        rows: list[dict] = []
        if not args.cpu_only:
            port = free_port()
            server = start_gunicorn(port, args.workers)
            try:
                rows = measure_load(
                    base=f"http://127.0.0.1:{port}",
                    page_list=page_list,
                    duration=args.duration,
                    concurrency=concurrency,
                    pairs=args.repeat,
                )
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
        server_rows: list[dict] = []
        if args.servers and not args.cpu_only:
            server_rows = measure_servers(
                servers=parse_servers(args.servers),
                page_list=page_list,
                duration=args.duration,
                clients=max(concurrency),
            )
        text = ""
        if server_rows:
            text += c.table(
                server_rows,
                SERVER_COLUMNS,
                f"gunicorn configurations, {max(concurrency)} clients, wrk {args.duration} s per run",
            )
            text += "\n\n"
        if rows:
            text += c.table(
                rows,
                [
                    ("page", "page"),
                    ("bytes", "bytes"),
                    ("clients", "clients"),
                    ("first_ms", "first ms"),
                    *LOAD_COLUMNS,
                ],
                f"Pages, {args.schools} schools, gunicorn {args.workers} workers,"
                f" wrk {args.duration} s per run, median of {args.repeat} pairs (bare, ours)",
            )
            text += "\n\n"
        # the breakdown next to the p95 of the busiest run
        top = max(concurrency) if rows else None
        at_top = {r["page"]: r for r in rows if r["clients"] == top}
        for row in breakdown:
            load = at_top.get(row["page"], {})
            row.update(
                p95_ms=load.get("p95_ms"),
                bare_p95_ms=load.get("bare_p95_ms"),
                p95_ratio=load.get("p95_ratio"),
            )
        columns = list(BREAKDOWN_COLUMNS)
        if rows:
            columns += [
                ("p95_ms", f"p95 ms @{top}"),
                ("bare_p95_ms", f"bare p95 @{top}"),
                ("p95_ratio", "p95 × bare"),
            ]
        text += c.table(
            breakdown,
            columns,
            f"Where the CPU goes, per request (in-process, median of {args.requests}, thread CPU ms;"
            " SQL wall includes PostgreSQL's time)",
        )
        text += "\n\n" + c.table(
            [{"page": k, "small": counts_small.get(k), "full": v} for k, v in counts_full.items()],
            [
                ("page", "page"),
                ("small", f"queries @ {small} schools"),
                ("full", f"queries @ {args.schools} schools"),
            ],
            "SQL queries per page (in-process, CaptureQueriesContext)",
        )
        c.emit(
            {
                "benchmark": "http",
                "machine": c.machine(),
                "workers": args.workers,
                "rows": rows,
                "servers": server_rows,
                "breakdown": breakdown,
                "queries": {
                    "small_schools": small,
                    "full_schools": args.schools,
                    "small": counts_small,
                    "full": counts_full,
                },
            },
            args.json_out,
            text,
        )


if __name__ == "__main__":
    main()
