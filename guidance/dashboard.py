"""Being written (issue 5)."""


def ready() -> None:
    """Registrations made when the app loads (notification kinds, navigation, panels)."""
