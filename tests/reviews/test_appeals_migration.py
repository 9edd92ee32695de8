"""R27: the data migration links a rejected appeal to the decision on it.

The migration's own functions run against today's models (they read only fields that still
exist), inside the test's transaction: unapplying the migration and everything that depends on
it took half a minute of the suite for the same check of `link`.
"""

import importlib

import pytest
from django.apps import apps

MIGRATION = importlib.import_module("reviews.migrations.0005_appeals_link_rejected_decisions")


@pytest.mark.django_db
def test_rejected_appeals_get_their_decision_r27(world):
    from reviews import services
    from reviews.models import Appeal
    from tests.reviews.conftest import meeting_accepted, meeting_decision, pdf_upload

    application = meeting_accepted(world)
    meeting_decision(
        world, application_id=application.pk, outcome="disapprove", reasons="x", actor=world.chair
    )
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    services.document_upload(
        application_id=appeal.application_id,
        slot="appeal",
        upload=pdf_upload(),
        actor=world.researcher,
    )
    services.application_submit(application_id=appeal.application_id, actor=world.researcher)
    services.application_accept(
        application_id=appeal.application_id, procedure="meeting", actor=world.secretary
    )
    decision = meeting_decision(
        world,
        application_id=appeal.application_id,
        outcome="disapprove",
        reasons="维持",
        actor=world.chair,
    )
    Appeal.objects.filter(pk=appeal.pk).update(new_decision=None)  # as the old code left it
    MIGRATION.link(apps, None)
    assert Appeal.objects.get(pk=appeal.pk).new_decision_id == decision.pk
    # Backwards, then forwards again: the same link.
    MIGRATION.unlink(apps, None)
    assert Appeal.objects.get(pk=appeal.pk).new_decision_id is None
    MIGRATION.link(apps, None)
    assert Appeal.objects.get(pk=appeal.pk).new_decision_id == decision.pk
