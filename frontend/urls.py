from django.urls import path

from . import administration, casework, concerns, network, sign_in, views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("acting-as/", views.act_as, name="act-as"),
    path("sign-in/", sign_in.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", sign_in.code_page, name="sign-in-code"),
    path("sign-in/set-up/", sign_in.set_up_page, name="sign-in-set-up"),
    path("sign-in/recovery-codes/", sign_in.recovery_codes_page, name="sign-in-recovery-codes"),
    path("sign-out/", sign_in.SignOutView.as_view(), name="sign-out"),
    path("sign-out-everywhere/", sign_in.sign_out_everywhere, name="sign-out-everywhere"),
    path("concerns/new/", concerns.concern_start_page, name="concern-start"),
    path("concerns/<str:reference>/check/", concerns.concern_check_page, name="concern-check"),
    path("concerns/<str:reference>/sent/", concerns.concern_sent_page, name="concern-sent"),
    path("concerns/<str:reference>/<slug:slug>/", concerns.concern_page, name="concern-page"),
    path("triage/", views.triage_queue_view, name="triage-queue"),
    path("referrals/", views.referral_list_page, name="referral-list"),
    path("referrals/emergency-access/", views.break_glass_page, name="break-glass"),
    path(
        "referrals/emergency-access/review/",
        views.break_glass_review_page,
        name="break-glass-review",
    ),
    path("referrals/<str:reference>/", views.referral_detail_page, name="referral-detail"),
    path(
        "referrals/<str:reference>/steps/<str:name>/",
        views.referral_step_page,
        name="referral-step",
    ),
    path(
        "referrals/<str:reference>/timeline/",
        casework.referral_timeline_page,
        name="referral-timeline",
    ),
    path("referrals/<str:reference>/actions/add/", casework.action_add_page, name="action-add"),
    path(
        "referrals/<str:reference>/actions/<int:pk>/",
        casework.action_update_page,
        name="action-update",
    ),
    path(
        "referrals/<str:reference>/missing/add/",
        casework.missing_start_page,
        name="missing-start",
    ),
    path(
        "referrals/<str:reference>/missing/<int:pk>/return/",
        casework.missing_end_page,
        name="missing-end",
    ),
    path(
        "referrals/<str:reference>/missing/<int:pk>/interview/",
        casework.interview_held_page,
        name="interview-held",
    ),
    path(
        "referrals/<str:reference>/missing/<int:pk>/interview/<str:answer>/",
        casework.return_interview_page,
        name="return-interview",
    ),
    path("referrals/<str:reference>/notes/add/", casework.note_add_page, name="note-add"),
    path(
        "referrals/<str:reference>/young-person/matches/",
        casework.young_person_match_page,
        name="young-person-match",
    ),
    path(
        "referrals/<str:reference>/young-person/correct/",
        casework.young_person_correct_page,
        name="young-person-correct",
    ),
    path(
        "young-people/<int:pk>/timeline/",
        casework.young_person_timeline_page,
        name="young-person-timeline",
    ),
    path("actions/overdue/", casework.overdue_actions_page, name="overdue-actions"),
    path("administration/", administration.administration_home, name="admin"),
    path(
        "administration/<str:ons_code>/people/",
        administration.people_page,
        name="admin-people",
    ),
    path(
        "administration/<str:ons_code>/people/add/",
        administration.person_add_page,
        name="admin-person-add",
    ),
    path(
        "administration/<str:ons_code>/memberships/<int:pk>/end/",
        administration.membership_end_action,
        name="admin-membership-end",
    ),
    path(
        "administration/<str:ons_code>/people/<int:pk>/deactivate/",
        administration.person_deactivate_action,
        name="admin-person-deactivate",
    ),
    path(
        "administration/<str:ons_code>/agencies/",
        administration.agencies_page,
        name="admin-agencies",
    ),
    path(
        "administration/<str:ons_code>/agencies/<int:pk>/deactivate/",
        administration.agency_deactivate_action,
        name="admin-agency-deactivate",
    ),
    path(
        "administration/<str:ons_code>/settings/",
        administration.settings_page,
        name="admin-settings",
    ),
    path(
        "administration/<str:ons_code>/lockouts/",
        administration.lockouts_page,
        name="admin-lockouts",
    ),
    path("administration/<str:ons_code>/audit/", administration.audit_page, name="admin-audit"),
    path("intelligence/clusters/", network.clusters_page, name="clusters"),
    path(
        "intelligence/network/<str:kind>/<int:pk>/",
        network.network_page,
        name="network",
    ),
    path("health/", views.health_page, name="health"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
