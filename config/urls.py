from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("frontend.urls")),
    path("api/", include("api.urls")),
    path("scim/v2/", include("provisioning.urls")),
    path("oidc/", include("identity.urls")),
]

# Django's admin bypasses the services, their audit records and two-factor sign-in, so it is
# mounted only where a developer turns it on (development settings do).
if settings.DJANGO_ADMIN_ENABLED:
    urlpatterns.append(path("django-admin/", admin.site.urls))

handler400 = "frontend.views.bad_request"
handler403 = "frontend.views.permission_denied"
handler404 = "frontend.views.page_not_found"
handler500 = "frontend.views.server_error"
