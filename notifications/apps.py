from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and escalation"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the other apps' signals)
