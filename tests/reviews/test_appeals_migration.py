"""R27: the data migration links a rejected appeal to the decision on it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reviews", "0004_backfill_assignment_conflicts")]
AFTER = [("reviews", "0005_appeals_link_rejected_decisions")]


@pytest.mark.django_db(transaction=True)
def test_rejected_appeals_get_their_decision_r27(world):
    from reviews import services
    from reviews.models import Appeal
    from tests.reviews.conftest import meeting_accepted, pdf_upload

    application = meeting_accepted(world)
    services.decision_issue(
        application_id=application.pk, outcome="disapprove", reasons="x", actor=world.chair
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
    decision = services.decision_issue(
        application_id=appeal.application_id,
        outcome="disapprove",
        reasons="维持",
        actor=world.chair,
    )
    Appeal.objects.filter(pk=appeal.pk).update(new_decision=None)  # as the old code left it
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert Appeal.objects.get(pk=appeal.pk).new_decision_id == decision.pk
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # siblings of other branches too
