"""Deadline.get_kind_display reads the declared kind's label (issue 18: registered with
ethics.choice_labels for the field's callable choices) and answers exactly what Django's own
lookup answers, in both languages, for an undeclared kind and for no kind."""

import pytest
from django.utils import translation

from ethics import choice_labels, hooks
from ethics.models import Deadline


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_reads_as_django_would(language):
    field = Deadline._meta.get_field("kind")
    assert choice_labels._CALLABLE_LABELS[field] is hooks.deadline_kind_display
    kinds = hooks.deadline_kinds()
    assert len(kinds) > 5
    with translation.override(language):
        for kind in [*kinds, "no_such_kind", "", None]:
            deadline = Deadline(kind=kind)
            ours = deadline.get_kind_display()
            django = choice_labels._DJANGO_DISPLAY(deadline, field)
            assert ours == django, kind
            assert type(ours) is type(django)


def test_a_kind_declared_later_reads_as_declared():
    with hooks.deadline_kind_overridden(
        "h_dash_test_kind", label="测试时钟", recipients=lambda _deadline: hooks.Recipients()
    ):
        assert Deadline(kind="h_dash_test_kind").get_kind_display() == "测试时钟"
    assert Deadline(kind="h_dash_test_kind").get_kind_display() == "h_dash_test_kind"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_list_pages_labeller_reads_the_same(language):
    """``labeller`` (a list page's rows: the deadlines list) answers as ``get_kind_display``."""
    kinds = hooks.deadline_kinds()
    label = choice_labels.labeller(Deadline, "kind")
    with translation.override(language):
        for kind in [*kinds, "no_such_kind", "", None]:
            assert label(kind) == Deadline(kind=kind).get_kind_display(), kind
