"""POST /api/v1/applications/{id}/conflicts/: a standing conflict-of-interest declaration (R20a).

A member declares a conflict on an application whatever procedure or meeting comes next; a
committee officer records one for a member ("user"). The declaration closes the application's
materials, opinions, votes and tally on every route (reviews.policies). The input, the check and
the service are the CONFLICTS table's (reviews.actions).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ethics.api.actions import request_schema
from reviews.actions import CONFLICTS
from reviews.api.serializers import ConflictSerializer


class ApplicationConflictsView(APIView):
    @extend_schema(
        request=request_schema(CONFLICTS.get("declare")), responses={201: ConflictSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        # Hidden unless the caller could declare for themself: sees it or sits on its committee.
        application = CONFLICTS.load(request.user, pk=pk)
        entry = CONFLICTS.get("declare")
        _call, declaration = CONFLICTS.perform(
            entry.name, actor=request.user, target=application, data=request.data
        )
        return Response(ConflictSerializer(declaration).data, status=entry.status)
