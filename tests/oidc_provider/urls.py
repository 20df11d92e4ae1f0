from __future__ import annotations

import json

from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_refresh_token_model


@csrf_exempt
@require_POST
def add_user(request: HttpRequest) -> HttpResponse:
    """Test control (loopback only): a user with a password, an email address and groups
    (see validator.py). Answers the `sub` its ID tokens will carry."""
    data = json.loads(request.body)
    user = User.objects.create_user(
        username=data["username"], password=data["password"], email=data["email"]
    )
    for name in data.get("groups", []):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return JsonResponse({"sub": str(user.pk)})


@csrf_exempt
@require_POST
def leave(request: HttpRequest, sub: int) -> HttpResponse:
    """Test control: the person leaves the agency. Their account is disabled and their
    refresh tokens revoked, as Entra ID does when an account is disabled."""
    user = User.objects.get(pk=sub)
    user.is_active = False
    user.save(update_fields=["is_active"])
    for token in get_refresh_token_model().objects.filter(user=user, revoked__isnull=True):
        token.revoke()
    return HttpResponse(status=204)


def no_icon(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)  # browsers ask; a 404 would show in the console checks


urlpatterns = [
    path("favicon.ico", no_icon),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="provider_login.html"),
        name="login",
    ),
    path("test/users/", add_user),
    path("test/users/<int:sub>/leave/", leave),
]
