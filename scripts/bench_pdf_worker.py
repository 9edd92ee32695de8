#!/usr/bin/env python
# ruff: noqa: T201 - a command-line benchmark prints its report
"""A real `worker-pdf` Celery worker rendering N PDFs in a row: memory and time per PDF.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_pdf_demo DATA_DIR=/tmp/h_pdf/var DEBUG=0 \\
      SECRET_KEY=x AUDIT_HMAC_KEY=x ALLOWED_HOSTS=127.0.0.1 \\
      CELERY_BROKER_URL=redis://127.0.0.1:6379/7 CACHE_URL=redis://127.0.0.1:6379/7 \\
      .venv/bin/python scripts/bench_pdf_worker.py --count 500 [--concurrency 2] [--timeout 1800]
    # the filing package alone, in this process (no worker): a cold render, then N warm ones
    ... scripts/bench_pdf_worker.py --package-renders 30

Needs a scratch database loaded with `manage.py migrate && manage.py seed_demo` and a Redis
broker (CELERY_BROKER_URL; the results go to the database as in production). **It re-renders
the database's documents**: run it on a scratch database only.

The worker is started with the `command` of the `worker-pdf` service read from
docker-compose.yml (queue, pool, concurrency, --max-tasks-per-child, --max-memory-per-child),
as `python -m celery ...` in this virtualenv; only --concurrency may be overridden. The
benchmark then hands it --count real rendering tasks through the job outbox's own dispatch
(`ethics.jobs.dispatch`): `reviews.render_letter`, `meetings.render_minutes` and
`registry.render_package` in turn, over every decision with a letter, minutes with a file and
ready filing package in the database. Those tasks are idempotent (a document renders once), so
before each task the benchmark clears the document it is about to render (the letter or
minutes file, the package's state), and it keeps at most one task per document in flight; the
task then renders and stores the PDF under DATA_DIR as in production.

Every 0.5 s it reads VmRSS from /proc for the worker's main process and its pool children.
It prints the tasks done and failed, the wall time, the time per PDF (from the job's start to
its finish as `ethics.jobs.running` records them: the task's whole body, render and storage)
overall and per kind, each child's RSS at start / peak / end, how many children were replaced
(and how many of those for the memory limit, from the worker's log), and the largest RSS seen.

On exit (normal, --timeout, Ctrl-C or an error) it stops the worker (warm shutdown, then
SIGKILL to its process group), purges the queue and deletes its own job rows.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

JOB_KEY_PREFIX = "bench-pdf:"
SAMPLE_SECONDS = 0.5
SUCCEEDED_LOG = re.compile(r"\[(\d+)\] Task \S+ succeeded in ")


class Interrupted(Exception):
    """SIGINT or SIGTERM while running: clean up and stop."""


def _raise_interrupted(signum: int, _frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


# --- the worker ----------------------------------------------------------------------------------


def compose_command(concurrency: int | None) -> list[str]:
    """docker-compose.yml's worker-pdf command, run with this interpreter."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = [str(part) for part in compose["services"]["worker-pdf"]["command"]]
    if command[0] != "celery":
        raise SystemExit(f"worker-pdf's command does not start with celery: {command}")
    command = [sys.executable, "-m", "celery", *command[1:]]
    if concurrency is not None:
        command = [
            f"--concurrency={concurrency}" if part.startswith("--concurrency=") else part
            for part in command
        ]
    return command


def _option(command: list[str], name: str) -> str:
    for i, part in enumerate(command):
        if part.startswith(f"{name}="):
            return part.split("=", 1)[1]
        if part == name and i + 1 < len(command):
            return command[i + 1]
    return ""


def _rss_kib(pid: int) -> tuple[int, int] | None:
    """VmRSS and VmHWM (the peak RSS so far, which a 0.5 s sample can miss) of `pid`, in KiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    if len(values) < 2:
        return None
    return values["VmRSS"], values["VmHWM"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Track:
    first: int
    peak: int
    last: int
    seen_at: float
    gone_at: float | None = None


@dataclass
class Sampler:
    """RSS of the worker's main process and of every pool child, every SAMPLE_SECONDS."""

    pid: int
    main: Track | None = None
    children: dict[int, Track] = field(default_factory=dict)
    max_total: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        now = time.monotonic()
        read = _rss_kib(self.pid)
        if read is None:
            return
        rss, hwm = read
        if self.main is None:
            self.main = Track(rss, hwm, rss, now)
        self.main.peak, self.main.last = max(self.main.peak, hwm), rss
        total = rss
        alive = set(_children(self.pid))
        for child in alive:
            read = _rss_kib(child)
            if read is None:
                continue
            rss, hwm = read
            total += rss
            track = self.children.setdefault(child, Track(rss, hwm, rss, now))
            track.peak, track.last = max(track.peak, hwm), rss
        for child, track in self.children.items():
            if child not in alive and track.gone_at is None:
                track.gone_at = now
        self.max_total = max(self.max_total, total)

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_SECONDS):
            self.sample()


# --- the documents -------------------------------------------------------------------------------


@dataclass
class Slot:
    """One document that is rendered again and again, one task at a time."""

    kind: str
    task: str
    kwargs: dict[str, int]
    reset: Callable[[], None]
    job_id: int | None = None
    sent_at: float = 0.0


def document_slots(kinds: list[str]) -> list[Slot]:
    from meetings.models import Minutes
    from registry.models import FilingPackage, PackageState
    from reviews.models import Decision

    # kind: (its task, the task's argument, the rows already rendered, what makes one pending)
    sources = {
        "letter": ("reviews.render_letter", "decision_id",
                   Decision.objects.exclude(letter=""), {"letter": ""}),
        "minutes": ("meetings.render_minutes", "minutes_id",
                    Minutes.objects.exclude(file=""), {"file": ""}),
        "package": ("registry.render_package", "package_id",
                    FilingPackage.objects.filter(state=PackageState.READY),
                    {"state": PackageState.PENDING}),
    }  # fmt: skip
    slots: list[Slot] = []
    for kind, (task, argument, rendered, pending) in sources.items():
        if kind not in kinds:
            continue
        for pk in rendered.values_list("pk", flat=True):
            row = rendered.model.objects.filter(pk=pk)
            slots.append(Slot(kind, task, {argument: pk}, lambda r=row, p=pending: r.update(**p)))
    # interleave the kinds: letter, minutes, package, letter, ...
    by_kind = [[s for s in slots if s.kind == kind] for kind in ("letter", "minutes", "package")]
    mixed = []
    for i in range(max((len(group) for group in by_kind), default=0)):
        mixed += [group[i] for group in by_kind if i < len(group)]
    return mixed


def send(slot: Slot, number: int) -> None:
    """Clear the document and hand its task to the broker exactly as the job outbox does."""
    from django.utils import timezone

    from ethics import jobs
    from ethics.job_models import Job

    slot.reset()
    now = timezone.now()
    job = Job.objects.create(
        key=f"{JOB_KEY_PREFIX}{os.getpid()}:{number}:{slot.task}"[:200],
        task=slot.task,
        kwargs=slot.kwargs,
        queue=jobs.PDF,
        created_at=now,
        sweep_at=now + jobs._requeue_after(),
    )
    if not jobs.dispatch(job.pk, slot.task, slot.kwargs, jobs.PDF):
        raise RuntimeError(f"the broker refused {slot.task}; is CELERY_BROKER_URL reachable?")
    slot.job_id, slot.sent_at = job.pk, time.monotonic()


# --- the run -------------------------------------------------------------------------------------


def purge(queue: str) -> int:
    from config.celery import app

    with app.connection_for_write() as conn:
        return int(conn.default_channel.queue_purge(queue) or 0)


def stop_worker(proc: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)  # warm shutdown: children finish their task
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the worker and its children only
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def wait_ready(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the worker exited ({proc.returncode}):\n{_tail(log)}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"the worker was not ready in time:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def stats(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"min {min(values):.3f} / median {statistics.median(values):.3f} / "
        f"max {max(values):.3f} s (n={len(values)})"
    )


def run_worker(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings

    from ethics.job_models import Job, JobState

    if settings.CELERY_BROKER_URL.startswith(("filesystem://", "memory://")):
        raise SystemExit("set CELERY_BROKER_URL to a Redis database (the worker runs apart)")
    command = compose_command(args.concurrency)
    queue = _option(command, "-Q")
    if queue != settings.CELERY_PDF_QUEUE:
        raise SystemExit(
            f"worker-pdf consumes {queue!r}, the PDF tasks go to {settings.CELERY_PDF_QUEUE!r}"
        )
    concurrency = int(_option(command, "--concurrency"))
    slots = document_slots(args.kinds.split(","))
    if not slots:
        raise SystemExit("no rendered letters, minutes or packages: run manage.py seed_demo first")
    log = Path(tempfile.mkstemp(prefix="bench-pdf-worker-", suffix=".log")[1])
    print(f"worker: {' '.join(command[1:])}")
    print(f"documents: {len(slots)} ({', '.join(sorted({s.kind for s in slots}))}); log: {log}")
    print(f"stale messages purged from {queue!r}: {purge(queue)}")
    Job.objects.filter(key__startswith=JOB_KEY_PREFIX).delete()  # a killed run's rows

    env = {**os.environ, "LOG_FORMAT": "text", "LOG_LEVEL": "INFO"}
    started = time.monotonic()
    deadline = started + args.timeout
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments from docker-compose.yml
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    sampler = Sampler(proc.pid)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    done: dict[str, list[float]] = {}
    failed = sent = 0
    outcome = "finished"
    run_started = run_ended = time.monotonic()
    try:
        wait_ready(proc, log, deadline)
        ready_at = time.monotonic()
        print(f"worker ready after {ready_at - started:.1f} s")
        run_started = time.monotonic()
        idle = list(slots)
        busy: list[Slot] = []
        while (sent < args.count or busy) and time.monotonic() < deadline:
            while idle and sent < args.count:
                slot = idle.pop(0)
                send(slot, sent)
                sent += 1
                busy.append(slot)
            time.sleep(0.1)
            rows = {
                row["pk"]: row
                for row in Job.objects.filter(pk__in=[s.job_id for s in busy]).values(
                    "pk", "state", "started_at", "finished_at", "last_error"
                )
            }
            for slot in list(busy):
                row = rows[slot.job_id]
                if row["state"] == JobState.DONE:
                    seconds = (row["finished_at"] - row["started_at"]).total_seconds()
                    done.setdefault(slot.kind, []).append(seconds)
                elif row["last_error"] or row["state"] == JobState.FAILED:
                    failed += 1
                    print(f"failed: {slot.task} {slot.kwargs}: {row['last_error'][:200]}")
                else:
                    continue
                busy.remove(slot)
                idle.append(slot)
            if proc.poll() is not None:
                raise RuntimeError(f"the worker exited ({proc.returncode}):\n{_tail(log)}")
        run_ended = time.monotonic()
        if sent < args.count or busy:
            outcome = f"timed out after {args.timeout:.0f} s"
    except Interrupted as exc:
        run_ended = time.monotonic()
        outcome = f"interrupted ({exc})"
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        sampler.stop.set()
        thread.join(timeout=2)
        sampler.sample()
        stop_worker(proc)
        with contextlib.suppress(Exception):
            print(f"purged {purge(queue)} messages left in {queue!r}")
        with contextlib.suppress(Exception):
            Job.objects.filter(key__startswith=JOB_KEY_PREFIX).delete()

    all_done = [s for values in done.values() for s in values]
    wall = run_ended - run_started
    print(f"\noutcome: {outcome}")
    print(f"tasks: sent {sent}, done {len(all_done)}, failed {failed}; wall {wall:.1f} s "
          f"({len(all_done) / wall if wall else 0:.2f} PDFs/s with {concurrency} children)")  # fmt: skip
    print(f"per PDF (task body): {stats(all_done)}")
    for kind, values in done.items():
        print(f"  {kind:8} {stats(values)}")
    mib = 1024
    if sampler.main:
        m = sampler.main
        print(f"main process RSS MiB: start {m.first / mib:.0f}, peak {m.peak / mib:.0f}, "
              f"end {m.last / mib:.0f}")  # fmt: skip
    # the worker logs "[child pid] Task ... succeeded in ...": the PDFs each child rendered
    tasks_of: dict[int, int] = {}
    for pid in SUCCEEDED_LOG.findall(log.read_text(errors="replace")):
        tasks_of[int(pid)] = tasks_of.get(int(pid), 0) + 1
    max_tasks = int(_option(command, "--max-tasks-per-child"))
    early = 0
    print("children RSS MiB (start / peak (VmHWM) / end; PDFs rendered, lifetime):")
    for pid, t in sorted(sampler.children.items(), key=lambda item: item[1].seen_at):
        life = (t.gone_at or time.monotonic()) - t.seen_at
        tasks = tasks_of.get(pid, 0)
        if t.gone_at and tasks < max_tasks and life < (run_ended - run_started):
            early += 1
        state = "replaced" if t.gone_at else "alive at the end"
        print(f"  pid {pid}: {t.first / mib:.0f} / {t.peak / mib:.0f} / {t.last / mib:.0f}; "
              f"{tasks} PDFs, {life:.0f} s, {state}")  # fmt: skip
    replaced = sum(1 for t in sampler.children.values() if t.gone_at) - (
        sum(1 for t in sampler.children.values() if t.gone_at and t.gone_at >= run_ended)
    )
    limit = _option(command, "--max-memory-per-child")
    print(f"children: {len(sampler.children)} seen, {replaced} replaced during the run "
          f"({early} before --max-tasks-per-child={max_tasks}: the --max-memory-per-child={limit} "
          f"KiB limit, which billiard checks against the child's peak RSS after each task)")  # fmt: skip
    peak_child = max((t.peak for t in sampler.children.values()), default=0)
    print(f"largest child RSS {peak_child / mib:.0f} MiB; largest worker total (main + children) "
          f"{sampler.max_total / mib:.0f} MiB")  # fmt: skip
    return 0 if outcome == "finished" and not failed else 1


# --- the filing package in this process ------------------------------------------------------------


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    out: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    yield out
    out += [time.perf_counter() - wall, time.process_time() - cpu]


def run_package(args: argparse.Namespace) -> int:
    """The filing package's PDF as registry.services.package_render makes it, without storing."""
    import django

    with timed() as setup:
        django.setup()
    from ethics import pdf
    from registry import packages, render
    from registry.models import FilingPackage

    package = FilingPackage.objects.select_related("filing").order_by("pk").first()
    if package is None:
        raise SystemExit("no filing package: run manage.py seed_demo first")

    def once() -> bytes:
        data = packages.build(package.filing)
        code = pdf.verification_hash({"filing": data["filing"], "sections": data["sections"]})
        return render.to_pdf(data, code)

    with timed() as first:
        content = once()
    pdf.prepare_process()  # as a worker-pdf child is before its first task (config/celery.py)
    walls, cpus, digests = [], [], {hashlib.sha256(content).hexdigest()}
    for _ in range(args.package_renders):
        with timed() as each:
            digests.add(hashlib.sha256(once()).hexdigest())
        walls.append(each[0])
        cpus.append(each[1])
    print(f"django.setup {setup[0]:.2f} s; first render in this process (imports WeasyPrint, "
          f"loads the fonts): {first[0]:.3f} s wall, {first[1]:.3f} s CPU")  # fmt: skip
    print(f"filing package, {len(walls)} renders after the first: wall {stats(walls)}")
    print(f"  CPU of this process: {stats(cpus)}")
    print(f"  {len(content):,} bytes; sha256 {', '.join(sorted(digests))}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="PDFs to render in the worker")
    parser.add_argument("--concurrency", type=int, help="override worker-pdf's --concurrency")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after so many s")
    parser.add_argument("--kinds", default="letter,minutes,package")
    parser.add_argument(
        "--package-renders", type=int, default=0,
        help="instead: time the filing package's PDF N times in this process (no worker)",
    )  # fmt: skip
    args = parser.parse_args()
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)
    if args.package_renders:
        return run_package(args)
    return run_worker(args)


if __name__ == "__main__":
    sys.exit(main())
