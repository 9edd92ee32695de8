"""The reviews API: the same selectors and services as the pages (api.md)."""

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ethics import policies
from ethics.errors import Conflict
from reviews import selectors, services
from reviews.api import serializers as s
from reviews.models import (
    Appeal,
    DocumentVersion,
    Project,
    Recognition,
    ReReview,
    ReviewerAssignment,
    ReviewState,
)
from reviews.policies import may_open_materials


def _valid(serializer_class, request: Request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ProjectSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return selectors.projects_for_user(self.request.user).prefetch_related("team")

    def perform_create(self, serializer: s.ProjectSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.project_create(
            actor=self.request.user,
            title=data["title"],
            committee=data["committee"],
            scope=data.get("scope", []),
            listed_item=data.get("listed_item"),
            international=data.get("international", False),
            planned_start=data.get("planned_start"),
            planned_end=data.get("planned_end"),
            team=data.get("team", []),
        )

    def perform_update(self, serializer: s.ProjectSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("committee", None)
        serializer.instance = services.project_update(
            project_id=serializer.instance.pk, actor=self.request.user, data=data
        )

    @extend_schema(request=s.PrescreenInput, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def prescreen(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        data = _valid(s.PrescreenInput, request)
        project = services.project_prescreen(
            project_id=project.pk, actor=request.user, answers=data["answers"]
        )
        return Response(s.ProjectSerializer(project).data)

    @extend_schema(request=None, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        project = services.project_start(project_id=project.pk, actor=request.user)
        return Response(s.ProjectSerializer(project).data)

    @extend_schema(request=s.ParticipantsInput, responses=s.ProjectSerializer)
    @action(detail=True, methods=["post"])
    def participants(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        data = _valid(s.ParticipantsInput, request)
        project = services.project_set_participants(
            project_id=project.pk,
            institution_ids=data["participating_institutions"],
            actor=request.user,
        )
        return Response(s.ProjectSerializer(project).data)


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ApplicationSerializer
    filterset_fields = ["project", "status", "kind", "committee"]

    def get_queryset(self) -> QuerySet:
        return selectors.applications_for_user(self.request.user)

    def _done(self, application_id: int) -> Response:
        application = selectors.application_get_for_user(self.request.user, application_id)
        return Response(s.ApplicationSerializer(application).data)

    @extend_schema(request=s.ApplicationCreateInput, responses={201: s.ApplicationSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(s.ApplicationCreateInput, request)
        project = policies.get_visible_or_404(
            request.user, Project.objects.all(), pk=data["project"]
        )
        application = services.application_create(
            project_id=project.pk,
            actor=request.user,
            kind=data["kind"],
            summary=data["summary"],
            major_change=data["major_change"],
        )
        return Response(
            s.ApplicationSerializer(
                selectors.application_get_for_user(request.user, application.pk)
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request={"multipart/form-data": s.DocumentUploadInput},
        responses={200: s.DocumentVersionSerializer(many=True), 201: s.DocumentVersionSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        if request.method == "GET":
            versions = DocumentVersion.objects.filter(
                document__application=application
            ).select_related("document")
            if not may_open_materials(request.user, application):
                raise Http404
            if not versions.exists():
                return Response([])
            return Response(
                s.DocumentVersionSerializer(
                    versions.order_by("document__slot", "-version"), many=True
                ).data
            )
        data = _valid(s.DocumentUploadInput, request)
        version = services.document_upload(
            application_id=application.pk,
            slot=data["slot"],
            upload=data["file"],
            actor=request.user,
        )
        return Response(s.DocumentVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        services.application_submit(application_id=application.pk, actor=request.user)
        return self._done(application.pk)

    @extend_schema(request=s.ReturnInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.ReturnInput, request)
        services.application_return(
            application_id=application.pk,
            missing=data["missing"],
            note=data["note"],
            actor=request.user,
        )
        return self._done(application.pk)

    @extend_schema(request=s.ReasonInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def not_accept(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.ReasonInput, request)
        services.application_not_accept(
            application_id=application.pk, reason=data["reason"], actor=request.user
        )
        return self._done(application.pk)

    @extend_schema(request=s.AcceptInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.AcceptInput, request)
        services.application_accept(
            application_id=application.pk,
            procedure=data["procedure"],
            grounds=data["grounds"],
            actor=request.user,
        )
        return self._done(application.pk)

    @extend_schema(request=s.AssignInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.AssignInput, request)
        services.application_assign(
            application_id=application.pk, membership_ids=data["reviewers"], actor=request.user
        )
        return self._done(application.pk)

    def _my_assignment(self, application_id: int) -> ReviewerAssignment:
        assignment = ReviewerAssignment.objects.filter(
            review__application_id=application_id,
            review__state=ReviewState.OPEN,
            membership__user_id=self.request.user.pk,
        ).first()
        if assignment is None:
            raise Conflict("not_assigned", _("You are not assigned to review this application."))
        return assignment

    @extend_schema(request=s.DeclareInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def declare(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.DeclareInput, request)
        services.assignment_declare(
            assignment_id=self._my_assignment(application.pk).pk,
            conflicted=data["conflicted"],
            note=data["note"],
            actor=request.user,
        )
        return self._done(application.pk)

    @extend_schema(request=s.OpinionInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def opinion(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.OpinionInput, request)
        services.opinion_record(
            assignment_id=self._my_assignment(application.pk).pk,
            verdict=data["verdict"],
            comments=data["comments"],
            worksheet=data["worksheet"],
            actor=request.user,
        )
        return self._done(application.pk)

    @extend_schema(request=s.ExtendInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.ExtendInput, request)
        services.application_extend(
            application_id=application.pk,
            due_at=data["due_at"],
            reason=data["reason"],
            actor=request.user,
        )
        return self._done(application.pk)

    @extend_schema(request=s.OptionalReasonInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.OptionalReasonInput, request)
        services.application_withdraw(
            application_id=application.pk, reason=data["reason"], actor=request.user
        )
        return self._done(application.pk)

    @extend_schema(request=s.DecideInput, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.DecideInput, request)
        decision = services.application_decide(
            application_id=application.pk, actor=request.user, **data
        )
        return Response(
            s.DecisionSerializer(decision, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.NoteInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.NoteInput, request)
        services.application_resubmit(
            application_id=application.pk, actor=request.user, note=data["note"]
        )
        return self._done(application.pk)

    @extend_schema(request=s.NoteInput, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.NoteInput, request)
        services.application_acknowledge(
            application_id=application.pk, actor=request.user, note=data["note"]
        )
        return self._done(application.pk)

    @extend_schema(request=s.NoteInput, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def submit_modifications(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.NoteInput, request)
        decision = services.modifications_submit(
            application_id=application.pk, actor=request.user, note=data["note"]
        )
        return Response(s.DecisionSerializer(decision, context={"request": request}).data)

    @extend_schema(request=s.RequiredNoteInput, responses=s.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def return_modifications(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.RequiredNoteInput, request)
        decision = services.modifications_return(
            application_id=application.pk, actor=request.user, note=data["note"]
        )
        return Response(s.DecisionSerializer(decision, context={"request": request}).data)

    @extend_schema(request=s.NoteInput, responses={201: s.DecisionSerializer})
    @action(detail=True, methods=["post"])
    def confirm_modifications(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.NoteInput, request)
        decision = services.modifications_confirm(
            application_id=application.pk, actor=request.user, note=data["note"]
        )
        return Response(
            s.DecisionSerializer(decision, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.SubmitRereviewInput, responses=s.ReReviewSerializer)
    @action(detail=True, methods=["post"])
    def submit_rereview(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.SubmitRereviewInput, request)
        rereview = services.rereview_submit(
            application_id=application.pk,
            actor=request.user,
            authority=data["authority"],
            submitted_on=data["submitted_on"],
        )
        return Response(s.ReReviewSerializer(rereview).data)

    @extend_schema(request=s.RecordRereviewInput, responses=s.ReReviewSerializer)
    @action(detail=True, methods=["post"])
    def record_rereview(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _valid(s.RecordRereviewInput, request)
        rereview = services.rereview_record(
            application_id=application.pk, actor=request.user, **data
        )
        return Response(s.ReReviewSerializer(rereview).data)

    @extend_schema(request=s.AppealInput, responses={201: s.ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def appeal(self, request: Request, pk: str) -> Response:
        """R27: returns the new appeal application (a draft to add documents to and submit)."""
        application = self.get_object()
        data = _valid(s.AppealInput, request)
        appeal = services.appeal_file(
            application_id=application.pk, actor=request.user, grounds=data["grounds"]
        )
        return Response(
            s.ApplicationSerializer(
                selectors.application_get_for_user(request.user, appeal.application_id)
            ).data,
            status=status.HTTP_201_CREATED,
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

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        version = policies.get_visible_or_404(
            request.user,
            DocumentVersion.objects.select_related("document__application__project"),
            pk=pk,
        )
        if not policies.may(request.user, "download", version):
            from django.http import Http404

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
            from django.http import Http404

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
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """结果互认 (R31, N12): a participating committee records that it recognises a decision."""

    serializer_class = s.RecognitionSerializer
    filterset_fields = ["committee", "project"]

    def get_queryset(self) -> QuerySet:
        return policies.visible(self.request.user, Recognition.objects.all())

    def perform_create(self, serializer: s.RecognitionSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.recognition_record(
            committee_id=data["committee"].pk,
            decision_number=data["decision_number"],
            verification_hash=data["verification_hash"],
            local_checks=data.get("local_checks", ""),
            actor=self.request.user,
        )
