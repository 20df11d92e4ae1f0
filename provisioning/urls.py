"""SCIM 2.0 endpoints (RFC 7644 §3.2), mounted at /scim/v2/. Paths carry no trailing slash,
as SCIM clients build them from the base URL."""

from django.urls import path, re_path

from . import views

app_name = "provisioning"

urlpatterns = [
    path("Users", views.users, name="users"),
    path("Users/<str:scim_id>", views.user, name="user"),
    path("ServiceProviderConfig", views.service_provider_config, name="service-provider-config"),
    path("Schemas", views.schemas, name="schemas"),
    path("Schemas/<str:schema_id>", views.schema, name="schema"),
    path("ResourceTypes", views.resource_types, name="resource-types"),
    path("ResourceTypes/<str:type_id>", views.resource_type, name="resource-type"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
