#!/usr/bin/env python
# ruff: noqa: T201 - a command-line benchmark prints its report
"""Benchmark the list pages at a regional deployment's size (design.md "Quality targets": list
pages at 1M applications on PostgreSQL p50 <= 30 ms, p95 <= 100 ms, <= 3x a raw-SQL twin, and
a constant query count, <= 10 for lists).

Usage (PostgreSQL only; needs CREATE DATABASE rights):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python scripts/bench_list_pages.py [--applications 200000] [--runs 100] [--keep]

It creates a scratch database `bench_lists` (or, with --keep, reuses one already seeded with
the same number of applications), migrates it and fills it with COPY through the real models'
tables: 100 institutions with 200 committees (full rosters in term), researchers leading about
five projects each, 2.5 applications per project with realistic kind, status and procedure
mixes, a review round (with two reviewer assignments) per accepted application and a numbered
decision per decided one. One benchmark secretary's committee holds --committee-share
applications; one benchmark researcher has 20 projects (15 as lead, 5 on the team).

It then times, --runs times each after a warm-up, through django.test.Client with force_login:
(1) the secretary's intake page, (2) GET /api/v1/applications/ as the secretary, (3) the
researcher's my-projects page, and (4) a hand-written SQL twin of (1)'s first page; it prints
p50/p95/max in ms (and the p50 of this process's CPU time, steadier on a busy machine, with its
ratio to the floor's), the query count of one request, the page/raw ratio, where the database time
goes, and EXPLAIN (ANALYZE, BUFFERS) of each page's largest and slowest query.

Seeding 1,000,000 applications took 253 s on a 2-core machine (measured; 200,000 took 45 s),
well within the 15-minute budget, so --applications defaults to the design's 1,000,000. A full
run at 1M with --runs 100 takes about 15 minutes, most of it timing the slow pages.

Exit status 1 when a target is missed. The scratch database is dropped unless --keep is given.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = "bench_lists"
DAY = 86_400.0
INSTITUTIONS = 100
COMMITTEES_PER_INSTITUTION = 2
APPLICATIONS_PER_PROJECT = 2.5
PROJECTS_PER_RESEARCHER = 5
HISTORY_DAYS = 8 * 365
TARGET_P50_MS, TARGET_P95_MS, TARGET_RATIO, TARGET_QUERIES = 30.0, 100.0, 3.0, 10


# --- scratch database (same conventions as bench_deadline_scan.py) ----------------------------


def _scratch_url(url: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{SCRATCH}"))


def _admin_connection(url: str, dbname: str | None = None):  # noqa: ANN202 - psycopg2 connection
    import psycopg2

    parts = urlparse(url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=dbname or parts.path.lstrip("/") or "postgres",
    )
    conn.autocommit = True
    return conn


def _recreate(url: str) -> None:
    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{SCRATCH}"')
    conn.close()


def _drop(url: str) -> None:
    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
    conn.close()


def _already_seeded(url: str, applications: int) -> bool:
    """Whether a kept scratch database holds this size with both benchmark users."""
    import psycopg2

    conn = _admin_connection(url)
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [SCRATCH])
        exists = cur.fetchone() is not None
    conn.close()
    if not exists:
        return False
    conn = _admin_connection(url, SCRATCH)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM reviews_application")
            (count,) = cur.fetchone()
            cur.execute(
                "SELECT count(*) FROM ethics_user "
                "WHERE username IN ('bench_secretary', 'bench_researcher')"
            )
            (users,) = cur.fetchone()
    except psycopg2.Error:
        return False
    finally:
        conn.close()
    return count == applications and users == 2


def _plain_storages() -> None:
    """After django.setup(): DEBUG off uses the manifest storage, which needs collectstatic;
    plain URLs cost the same."""
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def attach(database: str, url: str, prefix: str) -> Path:
    """Set Django up against the kept scratch database `database` (on the server of `url`), as
    the benchmark runs it, for the scripts that measure against it (profile_page, profile_mix,
    bench_page_ratio); returns the temp folder for files, which the caller removes."""
    global SCRATCH
    SCRATCH = database
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    _environment(tmp, url)
    import django

    django.setup()
    _plain_storages()
    return tmp


def _environment(tmp: Path, url: str) -> None:
    """Production-like settings (DEBUG off); files go to a temp dir, never the project's var/."""
    os.environ["DATABASE_URL"] = _scratch_url(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("AUDIT_HMAC_KEY", "bench-only-not-a-secret")
    os.environ["MFA_REQUIRED"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["DATA_DIR"] = str(tmp)
    os.environ["STATIC_ROOT"] = str(tmp / "static")
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["DB_CONN_MAX_AGE"] = "600"  # persistent connections, as under gunicorn
    os.environ["LOG_LEVEL"] = "WARNING"
    # The test client speaks plain http: no HTTPS redirect, no secure-only cookies.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        os.environ[name] = "0"


# --- COPY through the real models' tables -----------------------------------------------------


def _copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Copier:
    """Streams rows of one model into its table with COPY; every column the caller does not give
    gets the model field's default, so a new NOT NULL field without a default fails loudly here."""

    def __init__(self, model: Any, columns: Sequence[str], batch: int | None = 25_000) -> None:
        from django.utils import timezone

        self.batch = batch  # None: the caller flushes (children after their parents)
        self.table = model._meta.db_table
        given = set(columns)
        rest = [f for f in model._meta.concrete_fields if f.attname not in given]
        defaults = []
        for field in rest:
            if field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = timezone.now()
            else:
                value = field.get_default()
            if value is None and not field.null:
                raise RuntimeError(f"{self.table}.{field.column}: NOT NULL and no value given")
            defaults.append((field.column, _copy_text(value)))
        names = [model._meta.get_field(c).column for c in columns]
        names += [column for column, _ in defaults]
        self.sql = f"COPY {self.table} ({', '.join(names)}) FROM STDIN"
        self.suffix = "".join("\t" + text for _, text in defaults) + "\n"
        self.lines: list[str] = []
        self.count = 0

    def add(self, *values: Any) -> None:
        self.lines.append("\t".join(map(_copy_text, values)) + self.suffix)
        if self.batch is not None and len(self.lines) >= self.batch:
            self.flush()

    def flush(self) -> None:
        from django.db import connection

        if not self.lines:
            return
        with connection.cursor() as cur:
            cur.copy_expert(self.sql, io.StringIO("".join(self.lines)))
        self.count += len(self.lines)
        self.lines = []


def _ts(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _local_year(seconds: float) -> int:
    return _ts(seconds + 8 * 3600).year  # Asia/Shanghai has no DST


def _later(rng: random.Random, start: float, max_days: float, now: float) -> float:
    """A moment after `start`, at most `max_days` later and never in the future."""
    return start + rng.uniform(0.0, min(max_days * DAY, max(now - start, 0.0) * 0.5))


def _picker(rng: random.Random, mix: dict[str, float]) -> Callable[[], str]:
    keys, weights = list(mix), list(mix.values())
    cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
    return lambda: rng.choices(keys, cum_weights=cumulative)[0]


# Submitted within the last 45 days: the intake queue. Older: nearly all decided.
RECENT_MIX = {
    "draft": 0.15,
    "submitted": 0.18,
    "returned": 0.07,
    "under_review": 0.40,
    "awaiting_rereview": 0.02,
    "decided": 0.12,
    "not_accepted": 0.02,
    "withdrawn": 0.04,
}
OLD_MIX = {"decided": 0.93, "withdrawn": 0.04, "not_accepted": 0.02, "draft": 0.01}
LATER_KINDS = {
    "tracking": 0.40,
    "amendment": 0.35,
    "risk_report": 0.07,
    "deviation": 0.06,
    "closure": 0.10,
    "appeal": 0.01,
    "exemption": 0.01,
}
PROCEDURES = {"simplified": 0.54, "meeting": 0.45, "emergency": 0.01}
INITIAL_OUTCOMES = {
    "approve": 0.70,
    "approve_with_modifications": 0.20,
    "resubmit": 0.05,
    "disapprove": 0.05,
}
TRACKING_OUTCOMES = {"continue": 0.90, "suspend": 0.07, "terminate": 0.03}
REPORT_KINDS = {"tracking", "risk_report", "deviation"}
TOPICS = [
    "人工智能辅助诊断",
    "基因编辑小鼠模型",
    "可穿戴设备健康数据",
    "自动驾驶数据采集",
    "队列研究随访",
]


# --- seeding ----------------------------------------------------------------------------------


class World:
    """What the seed created that the measurements need."""

    def __init__(self) -> None:
        self.committees: list[int] = []
        self.chair: dict[int, int] = {}
        self.secretary: dict[int, int] = {}
        self.reviewers: dict[int, list[int]] = {}  # committee -> voting membership ids
        self.institution_of: dict[int, int] = {}
        self.bench_secretary = 0
        self.bench_researcher = 0


def _seed_committees(today: date) -> World:
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from committees.models import Committee, Membership
    from ethics.models import Institution, User
    from ethics.validators import make_credit_code

    world = World()
    institutions = Institution.objects.bulk_create(
        Institution(
            name=f"基准单位{i:03d}",
            credit_code=make_credit_code(f"91110105{i:09d}"),
            kind=["university", "research_institute", "medical", "enterprise"][i % 4],
            region="北京市",
        )
        for i in range(INSTITUTIONS)
    )
    committees = Committee.objects.bulk_create(
        Committee(
            institution=inst,
            name=f"{inst.name}科技伦理委员会{j + 1}",
            kind="regional" if j else "institutional",
            regimes=["meas", "nhc"] if inst.kind == "medical" else ["meas"],
            established_on=date(2024, 1, 5),
            registration_status="registered",
        )
        for inst in institutions
        for j in range(COMMITTEES_PER_INSTITUTION)
    )
    roster = [
        ("chair", "science", "male", False),
        ("vice_chair", "ethics", "female", False),
        ("member", "law", "female", True),
        ("member", "science", "male", False),
        ("member", "science", "female", False),
        ("member", "ethics", "male", True),
        ("member", "science", "male", False),
        ("secretary", "other", "female", False),
    ]
    users = User.objects.bulk_create(
        User(
            username="bench_secretary" if (k == 0 and r == len(roster) - 1) else f"c{k}m{r}",
            name=f"委员{k}-{r}",
            email=f"c{k}m{r}@bench.test",
            password=UNUSABLE_PASSWORD_PREFIX,  # the benchmark logs in with force_login
            institution_id=committee.institution_id,
        )
        for k, committee in enumerate(committees)
        for r in range(len(roster))
    )
    members = Membership.objects.bulk_create(
        Membership(
            committee=committee,
            user=users[k * len(roster) + r],
            role=role,
            expertise=expertise,
            gender=gender,
            external=external,
            term_start=today - timedelta(days=700),
            term_end=today + timedelta(days=1000),
        )
        for k, committee in enumerate(committees)
        for r, (role, expertise, gender, external) in enumerate(roster)
    )
    for member in members:
        cid = member.committee_id
        if member.role == "chair":
            world.chair[cid] = member.user_id
        if member.role == "secretary":
            world.secretary[cid] = member.user_id
        else:
            world.reviewers.setdefault(cid, []).append(member.pk)
    world.committees = [c.pk for c in committees]
    world.institution_of = {c.pk: c.institution_id for c in committees}
    world.bench_secretary = world.secretary[world.committees[0]]
    return world


def _seed_researchers(world: World, count: int, now: float) -> list[int]:
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from ethics.models import User

    first = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    copier = Copier(
        User, ["id", "username", "name", "email", "password", "institution_id", "date_joined"]
    )
    institutions = sorted(set(world.institution_of.values()))
    ids = []
    for i in range(count):
        pk = first + i
        username = "bench_researcher" if i == 0 else f"r{pk}"
        copier.add(
            pk,
            username,
            f"研究者{pk}",
            f"{username}@bench.test",
            UNUSABLE_PASSWORD_PREFIX,
            institutions[i % len(institutions)],
            _ts(now - HISTORY_DAYS * DAY),
        )
        ids.append(pk)
    copier.flush()
    world.bench_researcher = first
    return ids


def _seed_projects(
    world: World, rng: random.Random, count: int, share: float, researchers: list[int], now: float
) -> tuple[list[float], list[int], list[int]]:
    """Projects in creation order (ids grow with time, as in production); growth is linear, so
    recent years hold more projects. Returns each project's creation time, committee and lead."""
    from reviews.models import Project

    start = now - HISTORY_DAYS * DAY
    created = sorted(start + HISTORY_DAYS * DAY * math.sqrt(rng.random()) for _ in range(count))
    bench, others = world.committees[0], world.committees[1:]
    committee = [bench if rng.random() < share else rng.choice(others) for _ in range(count)]
    mine = set(rng.sample(range(count), 20))
    led = set(list(mine)[:15])
    copier = Copier(
        Project,
        [
            "id", "title", "lead_id", "institution_id", "committee_id", "scope",
            "planned_start", "planned_end", "review_required", "created_by_id", "created_at",
        ],
    )  # fmt: skip
    team = Copier(Project.team.through, ["project_id", "user_id"], batch=None)  # after projects
    pool = [r for r in researchers if r != world.bench_researcher]  # exactly 20 projects for them
    leads = [world.bench_researcher if i in led else rng.choice(pool) for i in range(count)]
    for i in range(count):
        pk, when = i + 1, _ts(created[i])
        copier.add(
            pk,
            f"{TOPICS[i % len(TOPICS)]}研究（{pk}）",
            leads[i],
            world.institution_of[committee[i]],
            committee[i],
            ["human_data_samples"] if i % 3 else ["human_participants", "human_data_samples"],
            when.date(),
            when.date() + timedelta(days=365 * (1 + i % 3)),
            True,
            leads[i],
            when,
        )
        extra = {world.bench_researcher} if i in mine - led else set()
        if rng.random() < 0.4:
            extra |= set(rng.sample(pool, 2)[: rng.randint(1, 2)])
        for user in sorted(extra - {leads[i]}):
            team.add(pk, user)
    copier.flush()
    team.flush()
    return created, committee, leads


def _application_keys(
    rng: random.Random, created: list[float], total: int, now: float
) -> list[tuple[float, int, str]]:
    """(created at, project index, kind) for every application, in creation order."""
    later_kind = _picker(rng, LATER_KINDS)
    keys = [(_later(rng, c, 20, now), p, "initial") for p, c in enumerate(created)]
    while len(keys) < total:
        p = rng.randrange(len(created))
        earliest = created[p] + 30 * DAY
        if earliest < now - DAY:
            keys.append((rng.uniform(earliest, now - 60), p, later_kind()))
    keys.sort()
    return keys[:total]


class ApplicationSeeder:
    """Writes applications with their review round, assignments and decision, row by row."""

    def __init__(self, world: World, rng: random.Random, now: float) -> None:
        from reviews import numbering
        from reviews.models import Application, Decision, NumberSequence, Review, ReviewerAssignment

        self.world, self.rng, self.now = world, rng, now
        self.numbering = numbering
        self.numbers: dict[tuple[int, int, str], int] = {}
        self.sequence_model = NumberSequence
        self.recent, self.old = _picker(rng, RECENT_MIX), _picker(rng, OLD_MIX)
        self.procedure = _picker(rng, PROCEDURES)
        self.initial_outcome = _picker(rng, INITIAL_OUTCOMES)
        self.tracking_outcome = _picker(rng, TRACKING_OUTCOMES)
        self.applications = Copier(
            Application,
            [
                "id", "project_id", "committee_id", "kind", "status", "ref", "regimes",
                "procedure", "accepted_at", "due_at", "missing_items", "submitted_at",
                "decided_at", "created_by_id", "created_at", "updated_at",
            ],
            batch=None,
        )  # fmt: skip
        self.reviews = Copier(
            Review,
            [
                "id", "application_id", "procedure", "grounds", "state", "accepted_at",
                "accepted_by_id", "due_at", "clock_rule", "ready_for_meeting_at", "closed_at",
            ],
            batch=None,
        )  # fmt: skip
        self.assignments = Copier(
            ReviewerAssignment,
            ["review_id", "membership_id", "assigned_at", "coi_state", "coi_declared_at"],
            batch=None,
        )
        self.decisions = Copier(
            Decision,
            [
                "application_id", "review_id", "stage", "committee_id", "outcome", "reasons",
                "decided_at", "year", "sequence", "number", "next_tracking_due", "signed_by_id",
                "signature_name", "signature_meaning", "signed_at",
            ],
            batch=None,
        )  # fmt: skip

    def _number(self, committee: int, year: int, kind: str) -> int:
        key = (committee, year, kind)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return self.numbers[key]

    def add(
        self, pk: int, created: float, project: int, committee: int, lead: int, kind: str
    ) -> None:
        rng, now = self.rng, self.now
        status = self.recent() if now - created < 45 * DAY else self.old()
        submitted = accepted = due = decided = None
        procedure = ref = None
        if status != "draft":
            submitted = _later(rng, created, 10, now)
            year = _local_year(submitted)
            ref = self.numbering.application_ref(
                committee, year, self._number(committee, year, "application")
            )
        if status in {"under_review", "awaiting_rereview", "decided"}:
            procedure = self.procedure()
            accepted = _later(rng, submitted, 5, now)
            due = accepted + (3 * DAY if procedure == "emergency" else 30 * DAY)
        if status in {"awaiting_rereview", "decided"}:
            decided = _later(rng, accepted, 2 if procedure == "emergency" else 28, now)
        touched = decided or accepted or submitted or created
        self.applications.add(
            pk, project, committee, kind, status, ref, ["meas"], procedure,
            accepted and _ts(accepted), due and _ts(due),
            ["protocol", "consent_form"] if status == "returned" else [],
            submitted and _ts(submitted), decided and _ts(decided), lead, _ts(created),
            _ts(touched),
        )  # fmt: skip
        if accepted is not None:
            self._review(pk, committee, procedure, accepted, due, decided, kind, status)
        if len(self.applications.lines) >= 25_000:
            self.flush()

    def flush(self) -> None:
        """Parents before children: the foreign keys are checked at each COPY's commit."""
        for copier in (self.applications, self.reviews, self.assignments, self.decisions):
            copier.flush()

    def _review(
        self,
        pk: int,
        committee: int,
        procedure: str,
        accepted: float,
        due: float,
        decided: float | None,
        kind: str,
        status: str,
    ) -> None:
        world = self.world
        self.reviews.add(
            pk, pk, procedure, "minimal_risk" if procedure == "simplified" else "",
            "decided" if decided else "open", _ts(accepted), world.secretary[committee],
            _ts(due), "R48" if procedure == "emergency" else "R25",
            _ts(accepted) if procedure == "meeting" else None, decided and _ts(decided),
        )  # fmt: skip
        for membership in self.rng.sample(world.reviewers[committee], 2):
            self.assignments.add(pk, membership, _ts(accepted), "none", _ts(accepted))
        if decided is None:
            return
        report = kind in REPORT_KINDS
        outcome = self.tracking_outcome() if report else self.initial_outcome()
        year = _local_year(decided)
        sequence = self._number(committee, year, "decision")
        tracking = outcome in {"approve", "approve_with_modifications", "continue"}
        self.decisions.add(
            pk, pk, "preliminary" if status == "awaiting_rereview" else "review", committee,
            outcome, "不符合伦理要求" if outcome == "disapprove" else "", _ts(decided), year,
            sequence, self.numbering.decision_number(committee, year, sequence),
            (_ts(decided) + timedelta(days=365)).date() if tracking else None,
            world.chair[committee], "主任委员", "签发审查决定", _ts(decided),
        )  # fmt: skip

    def finish(self) -> None:
        self.flush()
        self.sequence_model.objects.bulk_create(
            self.sequence_model(committee_id=c, year=y, kind=k, last=last)
            for (c, y, k), last in self.numbers.items()
        )


def _finish_tables() -> None:
    """Project statuses from their decisions, sequences past the explicit ids, VACUUM ANALYZE."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE reviews_project p SET status = CASE WHEN x.closed THEN 'completed'
                                                         ELSE 'active' END
            FROM (SELECT a.project_id, bool_or(a.kind = 'closure') AS closed
                  FROM reviews_application a JOIN reviews_decision d ON d.application_id = a.id
                  WHERE d.outcome IN ('approve', 'approve_with_modifications', 'continue')
                  GROUP BY a.project_id) x
            WHERE p.id = x.project_id
            """
        )
        models = list(apps.get_models(include_auto_created=True))
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cur.execute(sql)
        cur.execute("VACUUM (ANALYZE)")


def seed(applications: int, committee_share: int, seed_value: int) -> World:
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(seed_value)  # noqa: S311 - reproducible data, not security
    now = time.time()
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"  [{time.monotonic() - started:6.1f} s] {message}", flush=True)

    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
    world = _seed_committees(timezone.localdate())
    progress(f"{len(world.committees)} committees of {INSTITUTIONS} institutions with rosters")
    projects = max(100, int(applications / APPLICATIONS_PER_PROJECT))
    researchers = _seed_researchers(world, max(200, projects // PROJECTS_PER_RESEARCHER), now)
    progress(f"{len(researchers):,} researchers")
    share = min(committee_share, applications // 4) / applications
    created, committee_of, leads = _seed_projects(world, rng, projects, share, researchers, now)
    progress(f"{projects:,} projects")
    keys = _application_keys(rng, created, applications, now)
    seeder = ApplicationSeeder(world, rng, now)
    for pk, (when, p, kind) in enumerate(keys, start=1):
        seeder.add(pk, when, p + 1, committee_of[p], leads[p], kind)
        if pk % 100_000 == 0:
            progress(f"{pk:,} applications")
    seeder.finish()
    progress(
        f"{seeder.applications.count:,} applications, {seeder.reviews.count:,} reviews, "
        f"{seeder.assignments.count:,} assignments, {seeder.decisions.count:,} decisions"
    )
    _finish_tables()
    progress("project statuses, sequences, VACUUM ANALYZE")
    return world


def _world_from_database() -> World:
    from ethics.models import User

    world = World()
    world.bench_secretary = User.objects.get(username="bench_secretary").pk
    world.bench_researcher = User.objects.get(username="bench_researcher").pk
    return world


# --- measuring --------------------------------------------------------------------------------


def _percentiles(timings: list[float]) -> tuple[float, float, float]:
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered), p95, ordered[-1]


FLOOR: list[float] = []  # the framework floor's median, once measured: each page's same-run ratio
FLOOR_CPU: list[float] = []  # the same in this process's CPU time


class Timings(list[float]):
    """Wall-clock milliseconds per run, with ``cpu``: this process's CPU milliseconds per run
    (Python and template work; not the database's, not the time spent waiting for a core on a
    shared machine, so steadier than the wall clock when other jobs run)."""

    cpu: list[float]


def _timed(call: Callable[[], Any], runs: int, warmup: int = 5) -> Timings:
    for _ in range(warmup):
        call()
    timings = Timings()
    timings.cpu = []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        call()
        timings.append((time.perf_counter() - t0) * 1000)
        timings.cpu.append((time.process_time() - c0) * 1000)
    return timings


class Report:
    def __init__(self) -> None:
        self.misses: list[str] = []

    def line(self, label: str, timings: list[float], queries: int | None = None) -> float:
        p50, p95, worst = _percentiles(timings)
        verdict = ""
        if queries is not None:
            ok = p50 <= TARGET_P50_MS and p95 <= TARGET_P95_MS and queries <= TARGET_QUERIES
            verdict = "   ok" if ok else "   MISSES TARGET"
            if not ok:
                self.misses.append(label)
        count = f"   {queries} queries" if queries is not None else ""
        floor = f"   {p50 / FLOOR[0]:4.1f}x floor" if FLOOR and queries is not None else ""
        print(
            f"  {label:<34} min {min(timings):7.2f}   p50 {p50:7.2f}   p95 {p95:7.2f}"
            f"   max {worst:7.2f} ms{count}{floor}{verdict}"
        )
        cpu = getattr(timings, "cpu", None)
        if cpu:
            cpu_p50 = statistics.median(cpu)
            ratio = (
                f"   {cpu_p50 / FLOOR_CPU[0]:4.1f}x floor's"
                if FLOOR_CPU and queries is not None
                else ""
            )
            print(f"  {'':<34} CPU of this process: p50 {cpu_p50:7.2f} ms{ratio}")
            if not FLOOR_CPU and label.startswith("framework floor"):
                FLOOR_CPU.append(cpu_p50)
        return p50


def _request(client: Any, path: str, **headers: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return response

    return call


def _capture(call: Callable[[], Any]) -> tuple[Any, list[dict[str, str]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = call()
    return response, list(ctx.captured_queries)


def _explain(queries: list[dict[str, str]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the page's largest query and, if another, its slowest."""
    from django.db import connection

    largest = max(queries, key=lambda q: len(q["sql"]))
    slowest = max(queries, key=lambda q: float(q["time"]))
    picks = [("largest", largest)] + ([("slowest", slowest)] if slowest is not largest else [])
    for label, query in picks:
        print(
            f"  EXPLAIN of the {label} query ({float(query['time']) * 1000:.2f} ms when captured):"
        )
        print("    " + query["sql"][:600] + (" …" if len(query["sql"]) > 600 else ""))
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (row,) in cur.fetchall():
                print("    | " + row)


def _replay(queries: list[dict[str, str]], runs: int) -> list[float]:
    """Time the page's SELECTs replayed back to back: the database's share of one request."""
    from django.db import connection

    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]

    def call() -> None:
        with connection.cursor() as cur:
            for sql in selects:
                cur.execute(sql)
                cur.fetchall()

    return _timed(call, runs)


def _top_queries(queries: list[dict[str, str]], n: int = 3) -> None:
    for query in sorted(queries, key=lambda q: -float(q["time"]))[:n]:
        sql = " ".join(query["sql"].split())
        print(f"    {float(query['time']) * 1000:7.2f} ms  {sql[:150]}")


# The intake page's list written by hand: the managed committees, its first page of 25 rows (the
# columns a row shows, the lead's name parts included) in the page's order, and the bucket counts
# the page shows above it (reviews.selectors.intake_counts).
_MANAGED = """
    SELECT m.committee_id FROM committees_membership m
    WHERE m.user_id = %(user)s AND m.ended_on IS NULL AND m.term_start <= %(today)s
      AND m.term_end >= %(today)s AND m.role IN ('chair', 'vice_chair', 'secretary')"""
INTAKE_TWIN = f"""
SELECT a.id, a.ref, a.kind, a.status, a.procedure, a.submitted_at, a.due_at, p.title,
       u.name, u.first_name, u.last_name, u.username
FROM reviews_application a
JOIN reviews_project p ON p.id = a.project_id
JOIN ethics_user u ON u.id = p.lead_id
WHERE a.committee_id IN ({_MANAGED})
  AND a.submitted_at IS NOT NULL AND a.status = ANY(%(open)s)
ORDER BY a.due_at, a.submitted_at, a.id
LIMIT 25
"""  # noqa: S608 - constant SQL, the values are parameters
INTAKE_TWIN_COUNTS = f"""
SELECT count(*),
       count(*) FILTER (WHERE a.status = 'submitted'),
       count(*) FILTER (WHERE a.status = 'returned'),
       count(*) FILTER (WHERE a.status = 'under_review'),
       count(*) FILTER (WHERE a.status = 'under_review' AND a.due_at > %(now)s
                          AND a.due_at <= %(soon)s),
       count(*) FILTER (WHERE a.status = 'under_review' AND a.due_at <= %(now)s)
FROM reviews_application a
WHERE a.committee_id IN ({_MANAGED})
  AND a.submitted_at IS NOT NULL AND a.status = ANY(%(open)s)
"""  # noqa: S608 - constant SQL, the values are parameters


def _measure_page(
    report: Report, label: str, call: Callable[[], Any], runs: int
) -> tuple[float, float, Any, list[dict[str, str]]]:
    call()  # warm the caches before capturing
    response, queries = _capture(call)
    p50 = report.line(label, _timed(call, runs), len(queries))
    sql_p50 = report.line("  its SQL replayed (database share)", _replay(queries, runs))
    print("  slowest queries of one request:")
    _top_queries(queries)
    return p50, sql_p50, response, queries


def measure(world: World, runs: int) -> Report:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from ethics.models import User

    report = Report()
    secretary = Client()
    secretary.force_login(User.objects.get(pk=world.bench_secretary))
    researcher = Client()
    researcher.force_login(User.objects.get(pk=world.bench_researcher))

    # What any logged-in page costs here (session, user, nav, base layout) without list data.
    print(f"\n(0) floor: {reverse('password_change')} as the secretary, {runs} runs")
    floor = _request(secretary, reverse("password_change"))
    _, queries = _capture(floor)
    FLOOR[:] = [report.line("framework floor (no list)", _timed(floor, runs))]
    print(f"  {len(queries)} queries (session, user, nav roles, unread badge)")

    print(f"\n(1) intake page {reverse('reviews:intake')} as the secretary, {runs} runs")
    intake = _request(secretary, reverse("reviews:intake"))
    page_p50, sql_p50, response, intake_queries = _measure_page(report, "intake page", intake, runs)
    shown = [int(x) for x in re.findall(r'data-application="(\d+)"', response.content.decode())]

    from reviews import workflow
    from reviews.selectors import due_soon_window

    now = timezone.now()
    params = {
        "user": world.bench_secretary,
        "today": timezone.localdate(),
        "open": list(workflow.INTAKE_STATUSES),
        "now": now,
        "soon": now + due_soon_window(),
    }
    rows: list[Any] = []
    counts: Any = None

    def twin() -> None:
        nonlocal rows, counts
        with connection.cursor() as cur:
            cur.execute(INTAKE_TWIN, params)
            rows = cur.fetchall()
            cur.execute(INTAKE_TWIN_COUNTS, params)
            counts = cur.fetchone()

    print("(4) raw-SQL twin of the intake page's list: its first page and its bucket counts")
    raw_p50 = report.line("raw SQL twin", _timed(twin, runs))
    same = [r[0] for r in rows] == shown
    ratio = page_p50 / raw_p50
    print(f"  twin returns the page's {len(shown)} rows in order: {'yes' if same else 'NO'}")
    print(f"  twin's counts (open, new, returned, under review, due soon, overdue): {counts}")
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSES TARGET"
    print(f"  ratio page/raw (p50): {ratio:.1f}x   (target <= {TARGET_RATIO:.0f}x)   {verdict}")
    if ratio > TARGET_RATIO:
        report.misses.append("intake page/raw ratio")
    print(f"  ratio of the page's SQL alone to raw (p50): {sql_p50 / raw_p50:.1f}x")
    # The same list as the ORM writes it: the page's queries that read the applications (its
    # rows and its counts), replayed back to back, against the twin.
    listed = [q for q in intake_queries if '"reviews_application"' in q["sql"].split("WHERE")[0]]
    list_p50 = report.line("  the page's list queries replayed", _replay(listed, runs))
    print(
        f"  ratio of the page's list queries ({len(listed)}) to the twin (p50): "
        f"{list_p50 / raw_p50:.2f}x   (issue 18 target <= 2x)"
    )

    print(f"\n(2) GET /api/v1/applications/ as the secretary, {runs} runs")
    api = _request(secretary, "/api/v1/applications/", HTTP_ACCEPT="application/json")
    _, _, response, api_queries = _measure_page(report, "applications API", api, runs)
    print(f"  total rows the secretary sees: {response.json().get('count')}")
    following = response.json().get("next")
    if following:
        print("  the API's next page (the link it gave), as the secretary")
        _measure_page(report, "applications API, next page", _request(secretary, following), runs)
    print("  the API's page 3 by number (?page=3, the page-number contract), as the secretary")
    _measure_page(
        report,
        "applications API ?page=3",
        _request(secretary, "/api/v1/applications/?page=3", HTTP_ACCEPT="application/json"),
        runs,
    )

    superuser = Client()
    admin, _created = User.objects.get_or_create(
        username="bench_superuser", defaults={"is_superuser": True, "is_staff": True}
    )
    superuser.force_login(admin)
    print(f"\n(2b) superuser (every row): API list and intake page, {runs} runs")
    _measure_page(
        report,
        "applications API, superuser",
        _request(superuser, "/api/v1/applications/", HTTP_ACCEPT="application/json"),
        runs,
    )
    _measure_page(
        report, "intake page, superuser", _request(superuser, reverse("reviews:intake")), runs
    )

    print(f"\n(3) my-projects page {reverse('reviews:my-projects')} as the researcher, {runs} runs")
    mine = _request(researcher, reverse("reviews:my-projects"))
    _, _, response, mine_queries = _measure_page(report, "my-projects page", mine, runs)
    projects = len(re.findall(r'data-project="\d+"', response.content.decode()))
    print(f"  projects shown: {projects}")

    for title, queries in (
        ("intake page", intake_queries),
        ("applications API", api_queries),
        ("my-projects page", mine_queries),
    ):
        print(f"\nEXPLAIN, {title}:")
        _explain(queries)
    return report


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    global SCRATCH
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--committee-share",
        type=int,
        default=5_000,
        help="applications of the secretary's committee",
    )
    parser.add_argument("--seed", type=int, default=20261125, help="random seed of the data")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the scratch database")
    parser.add_argument("--database", default=SCRATCH, help="name of the scratch database")
    args = parser.parse_args()
    SCRATCH = args.database

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://... (PostgreSQL only).", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="bench_lists_"))
    reuse = args.keep and _already_seeded(url, args.applications)
    if not reuse:
        _recreate(url)
    _environment(tmp, url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    _plain_storages()
    try:
        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"migrated scratch database {SCRATCH} in {time.monotonic() - started:.1f} s")
        if reuse:
            print(f"reusing the kept database with {args.applications:,} applications")
            world = _world_from_database()
        else:
            print(f"seeding {args.applications:,} applications …", flush=True)
            started = time.monotonic()
            world = seed(args.applications, args.committee_share, args.seed)
            print(
                f"seeded {args.applications:,} applications in {time.monotonic() - started:.1f} s"
            )
        report = measure(world, args.runs)
    finally:
        connection.close()
        if not args.keep:
            _drop(url)
        shutil.rmtree(tmp, ignore_errors=True)
    targets = (
        f"p50 <= {TARGET_P50_MS:.0f} ms, p95 <= {TARGET_P95_MS:.0f} ms, <= {TARGET_QUERIES} queries"
    )
    if report.misses:
        print(f"\nmissed targets ({targets}): {', '.join(report.misses)}")
        return 1
    print(f"\nall pages meet the targets ({targets}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
