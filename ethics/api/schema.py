"""The OpenAPI schema and its Swagger UI, for signed-in people only (issue 13).

Anonymous requests for the schema get the API's 401/403 as JSON (whatever format the schema
would have been rendered in); the docs page sends them to the login page. Swagger UI comes from
drf-spectacular's split view, which serves its script as a file, so the CSP needs no inline
script.
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request


class SchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated]

    def permission_denied(self, request: Request, message: Any = None, code: Any = None) -> None:
        # A refusal reads as the API's other refusals: JSON, not YAML or the OpenAPI media type.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
        super().permission_denied(request, message=message, code=code)


#: The one <style> element Swagger UI's bundle (drf-spectacular-sidecar) injects, allowed by its
#: hash on the docs page only; tests/e2e/test_csp_browser.py fails when an upgrade changes it.
SWAGGER_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"


def docs_view() -> Any:
    view = SpectacularSwaggerSplitView.as_view(url_name="schema")
    return login_required(csp_update({"style-src": [SWAGGER_STYLE_HASH]})(view))
