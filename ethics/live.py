"""Live state of what renders in the background (letters, minutes, packages).

A page shows a pending document as a block that polls its fragment URL,
``/live/<kind>/<pk>/`` (htmx, as the filings page already refreshed its package): the fragment
says how far the rendering is (waiting, queued, rendering, attempt N), and once the document is
ready it is the download link, which ends the polling; when the rendering failed, it says so
and offers those allowed to act a button that queues it again. ``?format=json`` answers the same
state as JSON for other clients.

The apps say what each kind is from ``AppConfig.ready()`` with `register(kind, resolve)`:
``resolve(user, pk)`` loads the document's subject through the app's permission-scoped selector
(``Http404`` for anyone who may not see it; the same check as its download) and returns a
`Subject`. The rendering job is found by its outbox key (`ethics.jobs.job_key`): one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ethics import audit, jobs
from ethics.actions import Action, ActionTable, page_view
from ethics.errors import Conflict
from ethics.job_models import Job, JobState
from ethics.models import User


@dataclass(frozen=True)
class Subject:
    """What a live block shows: the document's state as its subject knows it."""

    #: The document exists (rendered, with its file).
    ready: bool
    #: Where it is downloaded once ready, and the link's words.
    url: str
    label: str | Promise
    #: The rendering job's outbox key (task and arguments, ethics.jobs.job_key).
    task: str
    kwargs: dict[str, Any]
    #: The page it is shown on (where a retry returns).
    page: str
    #: Whether this person may queue a failed rendering again (the committee's officers).
    may_retry: bool = False
    #: The subject itself records a failure (a filing package marked failed).
    failed: bool = False
    #: Shown beside the link (a verification code).
    note: str = ""
    #: The retry is the subject's own action (e.g. "prepare again" on the filing page).
    retry_here: bool = True

    @property
    def job_key(self) -> str:
        return jobs.job_key(self.task, self.kwargs)


Resolver = Callable[[User, int], Subject]
_KINDS: dict[str, Resolver] = {}


def register(kind: str, resolve: Resolver) -> None:
    """Declare a kind of background document (from an app's ``ready()``)."""
    _KINDS[kind] = resolve


def kinds() -> list[str]:
    return sorted(_KINDS)


@dataclass(frozen=True)
class Live:
    kind: str
    pk: int
    subject: Subject
    job: Job | None

    @property
    def state(self) -> str:
        """done, failed, or the job's own unfinished state (pending, queued, running)."""
        if self.subject.ready:
            return "done"
        if self.subject.failed or (self.job is not None and self.job.state == JobState.FAILED):
            return "failed"
        if self.job is None:
            return JobState.PENDING
        if self.job.state == JobState.DONE:  # rendered, the subject not reloaded yet
            return JobState.RUNNING
        return str(self.job.state)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def progress(self) -> str:
        state = self.state
        if state == JobState.RUNNING:
            attempts = self.job.attempts if self.job is not None else 1
            if attempts > 1:
                return str(_("Rendering (attempt %(n)s)…") % {"n": attempts})
            return str(_("Rendering…"))
        if state == JobState.QUEUED:
            return str(_("Queued; rendering starts shortly…"))
        return str(_("Waiting for the rendering service…"))

    @property
    def may_retry(self) -> bool:
        return (
            self.state == "failed"
            and self.subject.may_retry
            and self.subject.retry_here
            and self.job is not None
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.pk,
            "state": self.state,
            "message": _message(self),
            "url": self.subject.url if self.state == "done" else None,
            "retry": retry_url(self.kind, self.pk) if self.may_retry else None,
        }


def _message(live: Live) -> str:
    if live.state == "done":
        return str(live.subject.label)
    if live.state == "failed":
        return str(_("Rendering failed."))
    return live.progress


def resolve(user: User, kind: str, pk: int) -> Live:
    """The live state of one document for `user`; 404 for an unknown kind or a hidden subject."""
    resolver = _KINDS.get(kind)
    if resolver is None:
        raise Http404
    subject = resolver(user, pk)
    job = Job.objects.filter(key=subject.job_key).first()
    return Live(kind=kind, pk=pk, subject=subject, job=job)


def status_url(kind: str, pk: int) -> str:
    return reverse("ethics:live", args=[kind, pk])


def retry_url(kind: str, pk: int) -> str:
    return reverse("ethics:live-action", args=[kind, pk, "retry"])


@login_required
@require_GET
def live_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The fragment (or JSON) of one background document's state; polled while unfinished."""
    live = resolve(cast(User, request.user), kind, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(live.as_json())
    return render(
        request,
        "ethics/_live.html",
        {
            "live": live,
            "poll_url": status_url(kind, pk),
            "retry_url": retry_url(kind, pk) if live.may_retry else "",
        },
    )


# --- queueing a failed rendering again ----------------------------------------------------------


def job_retry(*, live: Live, actor: User) -> Job:
    """Queue a failed rendering again (its attempts start afresh); audited. The tasks are
    idempotent, so a job that meanwhile succeeded does nothing more."""
    if live.job is None:
        raise Http404
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=live.job.pk)
        if job.state != JobState.FAILED:
            raise Conflict(
                "job_not_failed", _("The rendering has not failed; it is still under way.")
            )
        before = {"state": job.state, "attempts": job.attempts, "dispatches": job.dispatches}
        job.state = JobState.PENDING
        job.attempts = job.dispatches = 0
        job.finished_at = None
        job.last_error = ""
        job.sweep_at = jobs.requeue_at()
        job.save()
        audit.record(
            actor=actor,
            action="job.retry",
            target=job,
            before=before,
            after={"state": job.state, "task": job.task, "kind": live.kind, "id": live.pk},
        )
        transaction.on_commit(
            lambda: jobs.dispatch(job.pk, job.task, job.kwargs, job.queue), robust=True
        )
    return job


def _load(user: User, kind: str, pk: int) -> Live:
    return resolve(user, kind, int(pk))


JOBS = ActionTable(
    "ethics.job",
    load=_load,
    actions=[
        Action(
            "retry",
            run=lambda call: job_retry(live=call.target, actor=call.actor),
            label=_("Render again"),
            # Who may (403); whether it failed is the service's 409.
            allowed=lambda user, live: live.subject.may_retry and live.subject.retry_here,
            who=_("The committee's chair, vice-chair or secretary queues a failed rendering."),
            shown=lambda live: live.state == "failed",
            done=_("The rendering was queued again; this page shows it when ready."),
            on_page=False,
        ),
    ],
)


def _page(live: Any) -> str:
    return str(live.subject.page) if live is not None else "/"


live_action = page_view(JOBS, back=_page)
