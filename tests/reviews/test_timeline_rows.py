"""Issue 18: the application's and the project's timelines are read as rows
(``reviews.selectors.TimelineEvent``), not as audit events with their user rows and JSON. Each
line must show what the audit event showed: the action, the moment, the reason, the target and
who acted (a person's name; "System" when nobody did), in the same
order and with the same narrowing for a reader who is not an officer."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.template import engines
from django.utils import translation

from ethics import audit
from ethics.models import AuditEvent
from reviews import selectors
from reviews.models import Application, Project
from tests.reviews.conftest import submitted

LINE = (
    "{% load words %}{% for event in timeline %}{{ event.action }}|{{ event.created_at|date:'Y-m-d H:i:s' }}|"
    "{{ event.reason }}|{{ event.target_repr }}|{{ event|actor_name }}\n{% endfor %}"
)


def _lines(timeline):
    return engines["django"].from_string(LINE).render({"timeline": timeline})


def _events(application, *, project=False):
    kinds = ContentType.objects.get_for_models(Application, Project)
    condition = Q(target_type=kinds[Application], target_id=str(application.pk))
    if project:
        condition |= Q(target_type=kinds[Project], target_id=str(application.project_id))
    return list(AuditEvent.objects.filter(condition).select_related("actor").order_by("id"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_timeline_rows_show_what_the_audit_events_showed(world, language):
    application = submitted(world)
    with transaction.atomic():
        # nobody acted (a scheduled task): "System"
        audit.record(actor=None, action="application.extend", target=application, reason="R22")
        # a person acted, with a reason to escape
        audit.record(
            actor=world.secretary,
            action="application.return",
            target=application,
            reason="<missing> & 'late'",
        )
        audit.record(actor=world.chair, action="review.assign", target=application)

    with translation.override(language):
        for officer in (True, False):
            rows = selectors.timeline(application, officer=officer)
            events = _events(application)
            if not officer:
                events = [e for e in events if e.action in selectors.APPLICANT_PROJECT_EVENTS]
            assert [r.action for r in rows] == [e.action for e in events]
            assert _lines(rows) == _lines(events)
            project_rows = selectors.project_timeline(application.project, officer=officer)
            project_events = _events(application, project=True)
            if not officer:
                project_events = [
                    e for e in project_events if e.action in selectors.APPLICANT_PROJECT_EVENTS
                ]
            assert _lines(project_rows) == _lines(project_events)

    shown = _lines(selectors.timeline(application, officer=True))
    # the comparison saw each kind of actor
    assert str(world.secretary.display_name) in shown
    assert f"|{world.chair.display_name}\n" in shown
    with translation.override("en"):
        assert "|System\n" in _lines(selectors.timeline(application, officer=True))
    # an applicant sees no committee step
    assert "review.assign" not in _lines(selectors.timeline(application, officer=False))


@pytest.mark.parametrize("officer", [True, False])
def test_the_applications_timeline_is_a_compiled_query(world, officer):
    """Issue 18: one query compiled once per shape, the application's id given to the stored SQL
    as the audit log's text ``target_id`` (a text slot of ``ethics.prepared``)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("plans are made on PostgreSQL")
    first, second = submitted(world), submitted(world)
    kind = ContentType.objects.get_for_model(Application).pk
    for application in (first, second):
        assert _lines(selectors.timeline(application, officer=officer)) == _lines(
            [
                event
                for event in _events(application)
                if officer or event.action in selectors.APPLICANT_PROJECT_EVENTS
            ]
        )
    plan = selectors._application_events.plan_for(
        target_type=kind, target=first.pk, officer=officer
    )
    assert plan is not None
    assert len(plan.texts) == 1
