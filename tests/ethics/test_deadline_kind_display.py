"""Deadline.get_kind_display reads the declared kind's label (issue 18) and answers exactly what
Django's own lookup over the callable choices answers, in both languages and for an undeclared
kind."""

import pytest
from django.db.models import Model
from django.utils import translation

from ethics import hooks
from ethics.models import Deadline

DJANGO_DISPLAY = Model._get_FIELD_display


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_reads_as_django_would(language):
    field = Deadline._meta.get_field("kind")
    assert Deadline.get_kind_display.__qualname__ == "Deadline.get_kind_display"  # ours, kept
    kinds = hooks.deadline_kinds()
    assert len(kinds) > 5
    with translation.override(language):
        for kind in [*kinds, "no_such_kind", ""]:
            deadline = Deadline(kind=kind)
            ours = deadline.get_kind_display()
            assert ours == DJANGO_DISPLAY(deadline, field=field), kind
            assert type(ours) is str
            assert str(deadline) == f"{ours}: "
