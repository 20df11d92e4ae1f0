from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("back-channel-logout/", views.back_channel_logout_endpoint, name="back-channel-logout"),
]
