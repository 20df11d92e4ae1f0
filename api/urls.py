from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import (
    disruption_activity,
    intelligence,
    meetings,
    merging,
    national_returns,
    network,
    notification_preferences,
    report_exports,
    reports,
    strategy_profiles,
    views,
)
from .search import SearchView

app_name = "api"

urlpatterns = [
    path("v1/me/", views.MeView.as_view(), name="me"),
    path(
        "v1/notification-preferences/",
        notification_preferences.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
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
    path("v1/search/", SearchView.as_view(), name="search"),
    path("v1/young-people/", views.YoungPeopleView.as_view(), name="young-people"),
    path("v1/young-people/<int:pk>/", views.YoungPersonView.as_view(), name="young-person"),
    path(
        "v1/young-people/<int:pk>/timeline/",
        views.YoungPersonTimelineView.as_view(),
        name="young-person-timeline",
    ),
    path(
        "v1/young-people/<int:pk>/merges/",
        merging.YoungPersonMergeView.as_view(),
        name="young-person-merge",
    ),
    path(
        "v1/young-person-merges/<int:pk>/undo/",
        merging.YoungPersonUnmergeView.as_view(),
        name="young-person-unmerge",
    ),
    path(
        "v1/referrals/<str:reference>/young-person/matches/",
        merging.YoungPersonMatchesView.as_view(),
        name="young-person-matches",
    ),
    path("v1/meetings/", meetings.MeetingListView.as_view(), name="meetings"),
    path("v1/meetings/<int:pk>/", meetings.MeetingDetailView.as_view(), name="meeting"),
    path(
        "v1/meetings/<int:pk>/propose-agenda/",
        meetings.ProposeAgendaView.as_view(),
        name="meeting-propose-agenda",
    ),
    path("v1/meetings/<int:pk>/items/", meetings.AgendaItemsView.as_view(), name="meeting-items"),
    path(
        "v1/meetings/<int:pk>/items/<int:item>/decision/",
        meetings.DecisionView.as_view(),
        name="meeting-item-decision",
    ),
    path("v1/meetings/<int:pk>/minutes/", meetings.MinutesView.as_view(), name="meeting-minutes"),
    path(
        "v1/persons-of-concern/",
        intelligence.PersonsOfConcernView.as_view(),
        name="persons-of-concern",
    ),
    path(
        "v1/persons-of-concern/<int:pk>/",
        intelligence.PersonOfConcernView.as_view(),
        name="person-of-concern",
    ),
    path("v1/locations/", intelligence.LocationsView.as_view(), name="locations"),
    path("v1/locations/<int:pk>/", intelligence.LocationView.as_view(), name="location"),
    path("v1/vehicles/", intelligence.VehiclesView.as_view(), name="vehicles"),
    path("v1/vehicles/<int:pk>/", intelligence.VehicleView.as_view(), name="vehicle"),
    path("v1/identifiers/", intelligence.IdentifiersView.as_view(), name="identifiers"),
    path("v1/identifiers/<int:pk>/", intelligence.IdentifierView.as_view(), name="identifier"),
    path("v1/links/", intelligence.LinksView.as_view(), name="links"),
    path("v1/links/<int:pk>/share/", intelligence.LinkShareView.as_view(), name="link-share"),
    path("v1/link-alerts/", intelligence.LinkAlertsView.as_view(), name="link-alerts"),
    path(
        "v1/link-alerts/<int:pk>/review/",
        intelligence.LinkAlertReviewView.as_view(),
        name="link-alert-review",
    ),
    path(
        "v1/network/<str:kind>/<int:pk>/",
        network.NetworkView.as_view(),
        name="network",
    ),
    path("v1/clusters/", network.ClustersView.as_view(), name="clusters"),
    path(
        "v1/disruption-activities/",
        disruption_activity.DisruptionActivitiesView.as_view(),
        name="disruption-activities",
    ),
    path(
        "v1/disruption-activities/<int:pk>/",
        disruption_activity.DisruptionActivityView.as_view(),
        name="disruption-activity",
    ),
    path(
        "v1/disruption-tactics/",
        disruption_activity.DisruptionTacticsView.as_view(),
        name="disruption-tactics",
    ),
    path("v1/reports/areas/", reports.ReportAreasView.as_view(), name="report-areas"),
    path(
        "v1/reports/areas/<str:ons_code>/dashboard/",
        reports.ReportDashboardView.as_view(),
        name="report-dashboard",
    ),
    path(
        "v1/strategy-profiles/",
        strategy_profiles.StrategyProfilesView.as_view(),
        name="strategy-profiles",
    ),
    path(
        "v1/strategy-profiles/<str:ons_code>/<int:year>/",
        strategy_profiles.StrategyProfileView.as_view(),
        name="strategy-profile",
    ),
    path(
        "v1/national-returns/",
        national_returns.NationalReturnsView.as_view(),
        name="national-returns",
    ),
    path(
        "v1/national-returns/areas/<str:ons_code>/",
        national_returns.AreaReturnView.as_view(),
        name="national-return-area",
    ),
    path(
        "v1/national-returns/tables/",
        national_returns.NationalTablesView.as_view(),
        name="national-tables",
    ),
    path(
        "v1/reports/areas/<str:ons_code>/dashboard/export.<str:fmt>",
        report_exports.DashboardExportView.as_view(),
        name="report-dashboard-export",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
