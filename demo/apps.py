from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a first look. Sits above every other app, so it may use all of them."""

    name = "demo"
    verbose_name = "Demo data"
