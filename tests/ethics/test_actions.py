"""The action-table machinery itself (ethics/actions.py, ethics/api/parsers.py)."""

import json

import pytest
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from ethics.actions import Action, ActionTable, InputInvalid
from ethics.api.parsers import MAX_DEPTH, _too_deep
from ethics.models import User
from tests.factories import UserFactory


class _Input(forms.Form):
    when = forms.DateField(label="When")
    people = forms.ModelMultipleChoiceField(queryset=User.objects.all(), label="People")
    lead = forms.ModelChoiceField(queryset=User.objects.all(), required=False, label="Lead")
    note = forms.CharField(max_length=5, required=False)
    urgent = forms.BooleanField(required=False)


def _table(allowed=None):
    calls = []
    table = ActionTable(
        "tests.demo",
        load=lambda user, pk: None,
        actions=[
            Action("go", run=lambda call: calls.append(call.data), input=_Input, allowed=allowed)
        ],
        register=False,
    )
    return table, calls


def test_json_scalars_bind_as_text_and_the_service_gets_cleaned_data(db):
    user = UserFactory()
    table, calls = _table()
    data = {"when": "2026-12-01", "people": [user.pk], "lead": user.pk, "urgent": True}
    table.perform("go", actor=user, target=None, data=data)
    assert calls[0]["people"][0] == user
    assert calls[0]["lead"] == user
    assert calls[0]["urgent"] is True


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"when": {"y": 2026}}, "when", "invalid"),
        ({"people": 3}, "people", "not_a_list"),
        ({"people": [[1]]}, "people", "invalid"),
        ({"people": ["9" * 30]}, "people", "invalid_pk_value"),
        ({"people": [str(2**63)]}, "people", "invalid_choice"),
        ({"lead": "9" * 19}, "lead", "invalid_choice"),
        ({"lead": "abc"}, "lead", "invalid_choice"),
        ({"when": "2026-02-31", "people": []}, "when", "invalid"),
        ({"note": "toolong"}, "note", "max_length"),
    ],
)
def test_malformed_input_is_refused_with_the_field_and_its_code(db, data, field, code):
    user = UserFactory()
    table, calls = _table()
    with pytest.raises(InputInvalid) as excinfo:
        table.perform("go", actor=user, target=None, data=data)
    assert excinfo.value.as_dict()[field][0]["code"] == code
    assert calls == []


def test_a_body_that_is_not_an_object_is_refused(db):
    table, _calls = _table()
    with pytest.raises(InputInvalid) as excinfo:
        table.perform("go", actor=UserFactory(), target=None, data=[1, 2])
    assert "non_field_errors" in excinfo.value.as_dict()


def test_page_form_data_passes_through(db):
    user = UserFactory()
    table, calls = _table()
    data = QueryDict(mutable=True)
    data.update({"when": "2026-12-01"})
    data.setlist("people", [str(user.pk)])
    table.perform("go", actor=user, target=None, data=data)
    assert len(calls) == 1


def test_the_permission_is_asked_after_the_input_is_valid(db):
    table, calls = _table(allowed=lambda user, target: False)
    user = UserFactory()
    with pytest.raises(InputInvalid):
        table.perform("go", actor=user, target=None, data={})
    with pytest.raises(PermissionDenied):
        table.perform(
            "go", actor=user, target=None, data={"when": "2026-12-01", "people": [user.pk]}
        )
    assert calls == []


def test_an_unknown_action_is_a_404(db):
    from django.http import Http404

    table, _calls = _table()
    with pytest.raises(Http404):
        table.get("nope")


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, False),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), True),
        (json.dumps({"a": "[" * 100}), False),  # brackets inside a string don't nest
        # an escaped quote does not end the string; an escaped backslash before one does
        ('["\\"' + "[" * 40 + '"]', False),
        ('["\\\\"' + "[" * 40, True),
        ('["' + "[" * 40, False),  # an unterminated string runs to the end
        ("{" * MAX_DEPTH + '"a":' + "[" * 1, True),
    ],
)
def test_nesting_limit_boundary(text, deep):
    assert _too_deep(text, MAX_DEPTH) is deep


def test_deeply_nested_json_is_a_400(api_client, db):
    api_client.force_authenticate(UserFactory())
    response = api_client.generic(
        "POST", "/api/v1/auth/token/", "[" * 5000 + "]" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
