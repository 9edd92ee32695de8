"""Issue 18: get_<field>_display() reads a table per field and language (ethics/choice_labels.py)
and answers exactly what Django's own lookup answers, for every field with choices, in both
languages, for a value that is not a choice, and after the language changes."""

from functools import partialmethod

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import translation

from ethics import choice_labels


def _fields_with_choices():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.choices and f"get_{field.name}_display" in vars(model):
                yield model, field


def test_every_model_field_with_choices_uses_the_table():
    pairs = list(_fields_with_choices())
    assert len(pairs) > 20
    for model, field in pairs:
        method = vars(model)[f"get_{field.name}_display"]
        assert isinstance(method, partialmethod), (model, field.name)
        assert method.func is choice_labels.display, (model, field.name)


def test_the_same_label_as_djangos_lookup_in_both_languages():
    checked = 0
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field in _fields_with_choices():
                instance = model()
                for value in [v for v, _label in field.flatchoices] + ["no such value", None]:
                    try:
                        setattr(instance, field.attname, value)
                    except ValidationError:  # a field that refuses a non-choice (time zone)
                        continue
                    ours = getattr(instance, f"get_{field.name}_display")()
                    django = choice_labels._DJANGO_DISPLAY(instance, field)
                    assert ours == django, (model, field.name, value, language)
                    assert type(ours) is type(django)
                    checked += 1
    assert checked > 200


def test_a_label_follows_the_active_language():
    from reviews.models import Application

    application = Application(status="submitted")
    with translation.override("en"):
        english = application.get_status_display()
    with translation.override("zh-hans"):
        chinese = application.get_status_display()
    assert english != chinese
    assert english == "Submitted"
    assert Model._get_FIELD_display is choice_labels._DJANGO_DISPLAY
