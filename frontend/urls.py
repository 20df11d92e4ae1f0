from django.urls import path

from . import sign_in, views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", sign_in.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", sign_in.code_page, name="sign-in-code"),
    path("sign-in/set-up/", sign_in.set_up_page, name="sign-in-set-up"),
    path("sign-in/recovery-codes/", sign_in.recovery_codes_page, name="sign-in-recovery-codes"),
    path("sign-out/", sign_in.SignOutView.as_view(), name="sign-out"),
    path("sign-out-everywhere/", sign_in.sign_out_everywhere, name="sign-out-everywhere"),
    path("referrals/", views.referral_list_page, name="referral-list"),
    path("referrals/emergency-access/", views.break_glass_page, name="break-glass"),
    path(
        "referrals/emergency-access/review/",
        views.break_glass_review_page,
        name="break-glass-review",
    ),
    path("referrals/<str:reference>/", views.referral_detail_page, name="referral-detail"),
    path("health/", views.health_page, name="health"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
