#!/usr/bin/env python
"""A bounded read-load test against a running server, or against gunicorn started here as the
Dockerfile runs it (README "Benchmarks"). Loopback only.

    # against gunicorn started by the script (the environment's settings: DATABASE_URL, ...)
    .venv/bin/python scripts/loadtest.py --serve --seconds 20 --concurrency 8

    # against a server already running (e.g. `make run`)
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8000

It signs the demo accounts in through the login page (`manage.py seed_demo`; the server must not
require a second factor of them: run it with MFA_REQUIRED=0), then runs two phases of
`--seconds` each (and at most `--max-requests` requests each) with `--concurrency` threads, each
thread on its own keep-alive connection:

1. baseline: an authenticated page with no case data (`--baseline`, default the password page);
2. mixed: the secretary's, a member's and the researcher's everyday reads (dashboard, intake,
   projects, meetings, deadlines, filings, the applications API and an application's page).

With `--rounds N` the two phases alternate N times (baseline, mixed, baseline, mixed, ...).

It prints, per phase, requests, errors (status >= 400 or a failed connection), req/s and the
p50/p95/p99 latency in ms, and each round's ratio of the mixed phase's throughput to the
baseline's; then, per entry of the mix (every mixed phase together), its requests, p50/p95 ms and
its share of the mixed phases' time (the sum of its latencies over the sum of all), costliest
first; then the ratio (min/median/max over the rounds), and with `--serve` the largest gunicorn
worker's resident memory after the load (from /proc). Exit status 0 when no request failed.

Worker recycling. The image's gunicorn restarts a worker after about 2,000 requests
(GUNICORN_MAX_REQUESTS, deploy/gunicorn.conf.py). In production that cost is spread over every
request alike; in a test of two short phases it lands wherever the count runs out: a fast
baseline phase brings all three workers to the limit, and they reboot (import Django, warm every
cache again) at the start of the mixed phase, which then pays for requests the baseline made.
With `--serve` the workers are therefore not recycled during the test (GUNICORN_MAX_REQUESTS=0);
`--recycle` keeps the image's setting. Either way each phase line says how many workers were
replaced during it (with `--serve`), so a ratio that paid for a reboot can be seen as such.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password (seed_demo)
ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# (user, path) pairs of the mixed phase; `{application}` is an application the secretary sees.
MIX = [
    ("kh_secretary", "/"),
    ("kh_secretary", "/reviews/intake/"),
    ("kh_secretary", "/meetings/"),
    ("kh_secretary", "/registry/deadlines/"),
    ("kh_secretary", "/registry/filings/"),
    ("kh_secretary", "/api/v1/applications/"),
    ("kh_secretary", "{application}"),
    ("kh_member", "/"),
    ("kh_member", "/reviews/my-reviews/"),
    ("kh_researcher", "/"),
    ("kh_researcher", "/reviews/"),
    ("kh_researcher", "/api/v1/applications/"),
]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    # workers gunicorn replaced while the phase ran (with --serve; None when not known)
    recycled: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # latencies per MIX entry (its index), for the per-path breakdown
    by_entry: dict[int, list[float]] = field(default_factory=dict)

    def record(self, status: int, elapsed: float, entry: int = 0) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            self.by_entry.setdefault(entry, []).append(elapsed)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 400 or status == 0:
                self.errors += 1

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        ordered = sorted(self.latencies) or [0.0]

        def pct(p: float) -> float:
            return _percentile(ordered, p)

        return (
            f"{self.name:<9} requests={len(self.latencies)} errors={self.errors} "
            f"req/s={self.rate:.1f} p50={pct(0.50):.1f}ms p95={pct(0.95):.1f}ms "
            f"p99={pct(0.99):.1f}ms median={statistics.median(ordered) * 1000:.1f}ms "
            f"statuses={dict(sorted(self.statuses.items()))}"
            + ("" if self.recycled is None else f" workers_recycled={self.recycled}")
        )

    def absorb(self, other: Phase) -> None:
        """Add `other`'s requests to this phase (the per-path breakdown over every round)."""
        self.latencies += other.latencies
        for entry, latencies in other.by_entry.items():
            self.by_entry.setdefault(entry, []).extend(latencies)
        self.seconds += other.seconds
        self.errors += other.errors

    def breakdown(self, labels: list[str]) -> list[str]:
        """One line per entry of the phase's request list (`labels[i]` names entry i): requests,
        p50/p95 ms and its share of the phase's time (the sum of its latencies over the sum of
        all), costliest first."""
        total = sum(self.latencies) or 1.0
        rows = []
        for entry, label in enumerate(labels):
            ordered = sorted(self.by_entry.get(entry, [])) or [0.0]
            spent = sum(self.by_entry.get(entry, []))
            rows.append((spent, label, len(self.by_entry.get(entry, [])), ordered))
        width = max((len(label) for label in labels), default=0)
        return [
            f"  {label:<{width}} requests={count} p50={_percentile(ordered, 0.50):.1f}ms "
            f"p95={_percentile(ordered, 0.95):.1f}ms share={spent / total:.0%}"
            for spent, label, count, ordered in sorted(rows, key=lambda row: -row[0])
        ]


def _percentile(ordered: list[float], p: float) -> float:
    """The `p` quantile (0..1) of the sorted seconds `ordered`, in ms."""
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def _connection(base: urllib.parse.SplitResult) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(base.hostname or "127.0.0.1", base.port or 80, timeout=30)


def login(base: urllib.parse.SplitResult, username: str) -> str:
    """Sign `username` in through the login page; the Cookie header of the session."""
    conn = _connection(base)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode("utf-8", "replace")
    cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None or "csrftoken" not in cookies:
        raise SystemExit(f"no login form at {base.geturl()}/accounts/login/")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token[1], "username": username, "password": PASSWORD}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"{base.scheme}://{base.netloc}/accounts/login/",
            "Origin": f"{base.scheme}://{base.netloc}",
        },
    )
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    conn.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"{username} could not sign in (HTTP {response.status}); seed_demo?")
    location = response.headers.get("Location", "")
    if "mfa" in location:
        raise SystemExit("the server asks for a second factor: run it with MFA_REQUIRED=0")
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


def first_application(base: urllib.parse.SplitResult, cookie: str) -> str:
    conn = _connection(base)
    conn.request("GET", "/api/v1/applications/?page_size=1", headers={"Cookie": cookie})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    match = re.search(r'"id":\s*(\d+)', text)
    return f"/reviews/applications/{match[1]}/" if match else "/reviews/"


def run_phase(
    phase: Phase,
    base: urllib.parse.SplitResult,
    requests: list[tuple[str, str]],
    *,
    seconds: float,
    max_requests: int,
    concurrency: int,
) -> None:
    counter = iter(range(max_requests))
    counter_lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = _connection(base)
        index = offset
        while time.monotonic() < deadline:
            with counter_lock:
                if next(counter, None) is None:
                    break
            entry = index % len(requests)
            cookie, path = requests[entry]
            index += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = _connection(base)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = _connection(base)
            phase.record(status, time.perf_counter() - started, entry)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def collect_static(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def serve(workers: int, *, recycle: bool) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as the Dockerfile runs it, bound to a free loopback port; without `recycle` its
    workers are not restarted after a number of requests (the module's docstring)."""
    port = _free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "LOG_LEVEL": "warning",
        "MFA_REQUIRED": os.environ.get("MFA_REQUIRED", "0"),
    }
    if not recycle:
        env["GUNICORN_MAX_REQUESTS"] = "0"
    # The production settings serve hashed static files from a manifest, as the image does;
    # collected once (it takes a while: every file is compressed), again after `make clean`.
    static_root = Path(os.environ.get("STATIC_ROOT") or ROOT / "static")
    if not (static_root / "staticfiles.json").exists():
        collect_static(env)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited at start") from None
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _children(master: int) -> list[tuple[int, str]]:
    """(pid, /proc status text) of each child of `master` (its workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.M)
        if ppid and int(ppid[1]) == master:
            children.append((int(entry.name), status))
    return children


def worker_pids(master: int) -> set[int]:
    """The pids of `master`'s children (its workers)."""
    return {pid for pid, _status in _children(master)}


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory (MB) of each child of `master`."""
    sizes = []
    for _pid, status in _children(master):
        rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if rss:
            sizes.append(int(rss[1]) / 1024)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--serve", action="store_true", help="start gunicorn here")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers with --serve")
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--baseline", default="/accounts/password/")
    parser.add_argument(
        "--rounds", type=int, default=1, help="baseline and mixed phases, alternating, N times"
    )
    parser.add_argument(
        "--recycle",
        action="store_true",
        help="with --serve, keep the image's worker recycling (GUNICORN_MAX_REQUESTS)",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    process = None
    url = args.url
    if args.serve:
        process, url = serve(args.workers, recycle=args.recycle)
    base = urllib.parse.urlsplit(url)
    if base.hostname not in LOOPBACK:
        raise SystemExit("the load test talks to loopback addresses only")
    try:
        sessions = {user: login(base, user) for user in sorted({u for u, _ in MIX})}
        application = first_application(base, sessions["kh_secretary"])
        mixed = [(sessions[user], path.replace("{application}", application)) for user, path in MIX]
        baseline = [(cookie, args.baseline) for cookie in sessions.values()]
        # Warm every path once (template caches, connection pools), unmeasured.
        run_phase(Phase("warm-up"), base, mixed, seconds=3, max_requests=len(mixed) * 2,
                  concurrency=1)  # fmt: skip
        if process is not None:
            recycling = "on (the image's setting)" if args.recycle else "off (--recycle keeps it)"
            print(f"gunicorn worker recycling: {recycling}")  # noqa: T201
        ratios = []
        every_mixed = Phase("mixed")
        errors = 0
        for number in range(1, args.rounds + 1):
            rates = []
            for name, requests in (("baseline", baseline), ("mixed", mixed)):
                phase = Phase(name)
                before = worker_pids(process.pid) if process is not None else set()
                run_phase(
                    phase,
                    base,
                    requests,
                    seconds=args.seconds,
                    max_requests=args.max_requests,
                    concurrency=args.concurrency,
                )
                if process is not None:
                    phase.recycled = len(before - worker_pids(process.pid))
                print(phase.line(), flush=True)  # noqa: T201
                rates.append(phase.rate)
                errors += phase.errors
                if name == "mixed":
                    every_mixed.absorb(phase)
            ratios.append(rates[1] / rates[0] if rates[0] else 0.0)
            print(f"round {number}: throughput mixed/baseline = {ratios[-1]:.2f}", flush=True)  # noqa: T201
        # Per path of the mix: which reads cost most (the application's page as `{application}`).
        labels = [f"{user} {path}" for user, path in MIX]
        print("mixed per path, every round (costliest first):")  # noqa: T201
        for line in every_mixed.breakdown(labels):
            print(line)  # noqa: T201
        if len(ratios) == 1:
            print(f"throughput mixed/baseline = {ratios[0]:.2f}")  # noqa: T201
        else:
            print(  # noqa: T201
                f"throughput mixed/baseline over {len(ratios)} rounds: min={min(ratios):.2f} "
                f"median={statistics.median(ratios):.2f} max={max(ratios):.2f}"
            )
        if process is not None:
            sizes = worker_rss_mb(process.pid)
            if sizes:
                rss = sorted(round(size) for size in sizes)
                print(f"gunicorn workers rss_mb max={max(sizes):.0f} all={rss}")  # noqa: T201
        return 0 if errors == 0 else 1
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
