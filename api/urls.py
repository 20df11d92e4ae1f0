from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import network, views

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
    path("v1/referrals/<str:reference>/actions/", views.ActionsView.as_view(), name="actions"),
    path(
        "v1/referrals/<str:reference>/actions/<int:pk>/",
        views.ActionView.as_view(),
        name="action",
    ),
    path(
        "v1/referrals/<str:reference>/missing-episodes/",
        views.MissingEpisodesView.as_view(),
        name="missing-episodes",
    ),
    path(
        "v1/referrals/<str:reference>/missing-episodes/<int:pk>/return/",
        views.MissingReturnView.as_view(),
        name="missing-return",
    ),
    path(
        "v1/referrals/<str:reference>/missing-episodes/<int:pk>/interview/",
        views.ReturnInterviewView.as_view(),
        name="return-interview",
    ),
    path("v1/referrals/<str:reference>/notes/", views.NotesView.as_view(), name="notes"),
    path(
        "v1/referrals/<str:reference>/timeline/",
        views.ReferralTimelineView.as_view(),
        name="referral-timeline",
    ),
    path("v1/young-people/", views.YoungPeopleView.as_view(), name="young-people"),
    path("v1/young-people/<int:pk>/", views.YoungPersonView.as_view(), name="young-person"),
    path(
        "v1/young-people/<int:pk>/timeline/",
        views.YoungPersonTimelineView.as_view(),
        name="young-person-timeline",
    ),
    path(
        "v1/network/<str:kind>/<int:pk>/",
        network.NetworkView.as_view(),
        name="network",
    ),
    path("v1/clusters/", network.ClustersView.as_view(), name="clusters"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
