from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo clinic `make run` loads (manage.py load_demo), made through the apps' services."""

    name = "demo"
