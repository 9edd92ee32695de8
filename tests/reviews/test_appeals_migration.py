"""R27: the data migration links a rejected appeal to the decision on it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The data migration; its siblings (other branches' 0005s) stay applied. Migrating the whole
# app back to 0004 would also unapply them, in an order Django's backward states do not follow
# on SQLite (a sibling's table rebuild drops another sibling's column), which is not what this
# test is about.
MIGRATION = ("reviews", "0005_appeals_link_rejected_decisions")
AFTER = [MIGRATION]


def _unapply(executor, target):
    """Unapply `target` and only what depends on it (here the merge migrations above it)."""
    graph = executor.loader.graph
    plan = [(graph.nodes[key], True) for key in graph.backwards_plan(target)]
    executor.migrate([], plan=plan)


@pytest.mark.django_db(transaction=True)
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
    executor = MigrationExecutor(connection)
    _unapply(executor, MIGRATION)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    assert Appeal.objects.get(pk=appeal.pk).new_decision_id == decision.pk
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # siblings of other branches too
