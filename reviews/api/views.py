"""The reviews API (api.md): reads through the selectors, every state change through the action
tables of reviews/actions.py, with the same forms, permissions and messages as the pages."""

import functools
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ethics import policies
from ethics.actions import Action, Call
from ethics.api.actions import ActionViewSetMixin, request_schema
from ethics.api.pagination import Pagination, keyset_key_names, keyset_keys, keyset_page_query
from ethics.api.rows import RowWriter
from ethics.prepared import prepared
from reviews import selectors, services
from reviews.actions import APPLICATIONS, INVITATIONS, PROJECTS, RECOGNITIONS
from reviews.api import serializers as s
from reviews.filters import ApplicationFilterSet, AssignmentFilterSet, ProjectFilterSet
from reviews.models import Appeal, DocumentVersion, Recognition, ReReview
from reviews.policies import (
    application_branch_args,
    application_branches_of,
    may_open_materials,
    visible_application_branches,
)


class _Actions(ActionViewSetMixin):
    """Action endpoints that answer with the entry's response serializer when it names one
    (a decision, a re-review, a document version), with the request for absolute links."""

    def action_body(self, entry: Action, call: Call, result: Any) -> Any:
        if entry.respond is None and entry.response_schema is not None:
            context = self.get_serializer_context()  # type: ignore[attr-defined]
            return entry.response_schema(result, context=context).data
        return super().action_body(entry, call, result)


class ProjectViewSet(
    _Actions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    action_table = PROJECTS
    create_action = "create"  # POST /projects/
    update_action = "update"  # PATCH /projects/{id}/

    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilterSet  # the same search, filters and sort as "my projects"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return selectors.projects_for_user(self.request.user).prefetch_related(
            "team", "participating_institutions"
        )


@functools.cache
def _application_rows() -> RowWriter:
    return RowWriter(s.ApplicationSerializer, computed={"decision": "newest_decision"})


@functools.cache
def _application_keys() -> tuple[Any, tuple[str, ...]]:
    """The list's keyset keys and the row's names: the writer's columns, then the keys'."""
    keys = keyset_keys(selectors.application_list_rows())
    return keys, (*_application_rows().columns, *keyset_key_names(keys))


@prepared("rows")
def _first_application_page(
    *, user: int, managed: tuple[int, ...], institution: int | None
) -> QuerySet:
    """The applications list's first keyset page for a reader who is not a superuser, asking
    for no filter, order, cursor or page size: the query ``Pagination.paginate_branches`` runs
    for it, compiled once per shape (ethics.prepared, issue 18)."""
    keys, names = _application_keys()
    rows = _application_rows().values(selectors.application_list_rows())
    branches = [
        rows.filter(branch)
        for branch in application_branches_of(user=user, managed=managed, institution=institution)
    ]
    order = [key.order() for key in keys]
    return keyset_page_query(rows, keys, order, Pagination.page_size, branches).values_list(*names)


class ApplicationViewSet(
    _Actions, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    action_table = APPLICATIONS
    create_action = "create"  # POST /applications/

    serializer_class = s.ApplicationSerializer
    filterset_class = ApplicationFilterSet  # the same search, filters and sort as intake

    def get_queryset(self) -> QuerySet:
        return selectors.applications_for_user(self.request.user).select_related("project__lead")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Not a docstring: the schema's description of the list stays the viewset's.
        # The list reads only the columns it shows, the newest decision's id as a subquery
        # (ethics.api.rows: the serializer's answer, without a model instance per row and joined
        # row); a reader who is not a superuser gets a keyset page read branch by branch of
        # visible_application_branches (issue 18). Page numbers (?page=) page the
        # visibility-scoped list.
        # The landing page (no query parameters: no filter, order, cursor or page size) is the
        # same page read with one compiled query (`_first_application_page`).
        user = request.user
        writer = _application_rows()
        paginator = self.paginator
        if not user.is_superuser and isinstance(paginator, Pagination) and not request.GET:
            keys, names = _application_keys()
            found = _first_application_page(**application_branch_args(user))
            rows = [dict(zip(names, row, strict=True)) for row in found]
            return self.get_paginated_response(
                writer.write(paginator.first_page(rows, keys, request))
            )
        rows = self.filter_queryset(writer.values(selectors.application_list_rows()))
        page = None
        if not user.is_superuser and isinstance(paginator, Pagination):
            page = paginator.paginate_branches(rows, visible_application_branches(user), request)
        if page is None:
            page = self.paginate_queryset(policies.visible(user, rows))
        return self.get_paginated_response(writer.write(page))

    @extend_schema(methods=["GET"], request=None, responses=s.DocumentVersionSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=request_schema(APPLICATIONS.get("upload")),
        responses={201: s.DocumentVersionSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[],  # one application's documents, paginated like every list
    )
    def documents(self, request: Request, pk: str) -> Response:
        """Every version of every document (GET); a new version of one document (POST)."""
        application = self.get_object()
        if request.method == "POST":
            return self.act(request, "upload", target=application)
        if not may_open_materials(request.user, application):
            raise Http404  # the materials policy: the same answer as the downloads
        versions = DocumentVersion.objects.filter(document__application=application)
        page = self.paginate_queryset(
            versions.select_related("document").order_by("document__slot", "-version", "id")
        )
        return self.get_paginated_response(
            s.DocumentVersionSerializer(page, many=True, context=self.get_serializer_context()).data
        )


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DecisionSerializer
    filterset_fields = ["application"]

    def get_queryset(self) -> QuerySet:
        return selectors.decisions_for_user(self.request.user)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def letter(self, request: Request, pk: str) -> FileResponse:
        decision = self.get_object()
        services.letter_open(decision_id=decision.pk, actor=request.user)
        return FileResponse(
            decision.letter.open("rb"),
            as_attachment=True,
            filename=f"{decision.number}.pdf",
            content_type="application/pdf",
        )


class DocumentVersionViewSet(viewsets.GenericViewSet):
    queryset = DocumentVersion.objects.none()
    serializer_class = s.DocumentVersionSerializer

    # The stored file with the content type it was uploaded as (PDF, Word, OpenDocument, …).
    @extend_schema(responses={(200, "*/*"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        version = policies.get_visible_or_404(
            request.user,
            DocumentVersion.objects.select_related("document__application__project"),
            pk=pk,
        )
        if not policies.may(request.user, "download", version):
            raise Http404
        services.document_open(version_id=version.pk, actor=request.user)
        return FileResponse(
            version.file.open("rb"),
            as_attachment=True,
            filename=version.original_name or f"document-{version.pk}",
            content_type=version.content_type or "application/octet-stream",
        )


class ReReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Expert re-reviews (R38-R44); the package is for the committee's officers only."""

    serializer_class = s.ReReviewSerializer
    filterset_fields = ["application", "state"]

    def get_queryset(self) -> QuerySet:
        return policies.visible(self.request.user, ReReview.objects.all()).order_by("-id")

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path="package.pdf", url_name="package")
    def package(self, request: Request, pk: str) -> FileResponse:
        rereview = self.get_object()
        if not policies.may(request.user, "download", rereview):
            raise Http404
        services.package_open(rereview_id=rereview.pk, actor=request.user)
        return FileResponse(
            rereview.package.open("rb"),
            as_attachment=True,
            filename=f"rereview-{rereview.pk}.pdf",
            content_type="application/pdf",
        )


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AppealSerializer
    filterset_fields = ["state", "original_decision"]

    def get_queryset(self) -> QuerySet:
        return policies.visible(self.request.user, Appeal.objects.all())


class RecognitionViewSet(
    _Actions, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """结果互认 (R31, N12): a participating committee records that it recognises a decision."""

    action_table = RECOGNITIONS
    create_action = "create"  # POST /recognitions/

    serializer_class = s.RecognitionSerializer
    filterset_fields = ["committee", "project"]

    def get_queryset(self) -> QuerySet:
        return policies.visible(self.request.user, Recognition.objects.all())

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def letter(self, request: Request, pk: str) -> FileResponse:
        """The letter stored with a recognised outside decision (R31, N12)."""
        recognition = self.get_object()
        if not policies.may(request.user, "download", recognition):
            raise Http404
        services.recognition_letter_open(recognition_id=recognition.pk, actor=request.user)
        return FileResponse(
            recognition.letter.open("rb"),
            as_attachment=True,
            filename=f"recognition-{recognition.pk}.pdf",
            content_type="application/pdf",
        )


class TeamInvitationViewSet(
    _Actions, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The reader's own team invitations (R8); accept and decline come from INVITATIONS."""

    action_table = INVITATIONS
    serializer_class = s.TeamInvitationSerializer
    filterset_fields = ["state"]

    def get_queryset(self) -> QuerySet:
        return selectors.invitations_for_user(self.request.user)


class AssignmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The reader's own reviewer assignments ("my reviews"), with the page's search and filters."""

    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilterSet

    def get_queryset(self) -> QuerySet:
        return selectors.assignments_for_user(self.request.user).select_related(
            "review__application__project__lead"
        )
