"""The API's routers: object ids in URLs are digits, so `/things/abc/` is a 404, never a 500."""

from rest_framework.routers import DefaultRouter, SimpleRouter


class Router(SimpleRouter):
    """A SimpleRouter whose lookups match only numeric ids."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._default_value_pattern = "[0-9]+" if self._use_regex else "int"


class RootRouter(DefaultRouter):
    """The DefaultRouter (with the API root view) whose lookups match only numeric ids."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._default_value_pattern = "[0-9]+" if self._use_regex else "int"
