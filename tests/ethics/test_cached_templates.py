"""Issue 18: pages and form widgets read their templates through Django's cached loader (each
template parsed once per process), as production runs them: no ``loaders`` option in
``TEMPLATES`` (Django then caches), and the forms' default renderer likewise."""

from django.forms.renderers import get_default_renderer
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader


def test_pages_use_the_cached_loader():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader) for loader in loaders] == [CachedLoader]


def test_form_widgets_use_the_cached_loader():
    renderer = get_default_renderer()
    loaders = renderer.engine.engine.template_loaders
    assert [type(loader) for loader in loaders] == [CachedLoader]
