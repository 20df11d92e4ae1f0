from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Areas, agencies, people and their roles"

    def ready(self) -> None:
        from . import sessions  # noqa: F401  (connects the sign-in signal receiver)
