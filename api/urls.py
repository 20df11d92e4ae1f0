from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

app_name = "api"

urlpatterns = [
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/tokens/", views.ApiTokenListCreateView.as_view(), name="tokens"),
    path("v1/tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="token-revoke"),
    path("v1/referrals/", views.ReferralListView.as_view(), name="referrals"),
    path("v1/referrals/<str:reference>/", views.ReferralDetailView.as_view(), name="referral"),
    path(
        "v1/referrals/<str:reference>/transitions/",
        views.ReferralTransitionsView.as_view(),
        name="referral-transitions",
    ),
    path(
        "v1/referrals/<str:reference>/transitions/<str:name>/",
        views.ReferralTransitionView.as_view(),
        name="referral-transition",
    ),
    path(
        "v1/referrals/<str:reference>/break-glass/",
        views.BreakGlassView.as_view(),
        name="referral-break-glass",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
