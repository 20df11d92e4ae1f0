"""REST API v1: give a protective action to another owner (referrals.action_owners)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response

from referrals.action_owners import action_owner_change
from referrals.selectors import action_owner_choices, actions_for

from .casework import CaseworkView
from .serializers import ActionSerializer


class ActionOwnerSerializer(drf.Serializer[object]):
    owner = drf.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(),
        help_text="The new owner's user id: someone who may own actions on this referral",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        referral = self.context.get("referral")
        if referral is not None:  # None while the schema is generated
            owner = cast(drf.PrimaryKeyRelatedField[Any], self.fields["owner"])
            owner.queryset = action_owner_choices(referral=referral)


class ActionOwnerView(CaseworkView):
    @extend_schema(
        request=ActionOwnerSerializer,
        responses={
            200: ActionSerializer,
            400: OpenApiResponse(
                description="Nobody who may own actions on this referral, the current owner "
                "again, an action that is not open, or a closed referral"
            ),
            403: OpenApiResponse(description="You may read this case but not record on it"),
            404: OpenApiResponse(description="No such referral or action that you may see"),
        },
        summary="Give a protective action to another owner, who is told",
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        action = get_object_or_404(actions_for(referral=self.referral), pk=pk)
        body = ActionOwnerSerializer(data=request.data, context={"referral": self.referral})
        body.is_valid(raise_exception=True)
        changed = action_owner_change(
            action=action, actor=cast(Any, request.user), owner=body.validated_data["owner"]
        )
        return Response(ActionSerializer(changed).data)
