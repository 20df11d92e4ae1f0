from django.apps import AppConfig


class DisruptionConfig(AppConfig):
    name = "disruption"
    verbose_name = "Disruption and intelligence"
