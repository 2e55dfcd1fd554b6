"""Panels that apps above modules (outcomes, guidance) add to the patient's home page.

modules owns the home page but may not import the apps above it, so they register a panel at
start-up: a template and a function giving its context for one request, or None to show nothing.
Each function should cost at most one query.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    context: Callable  # (request, enrollment) -> dict | None
    order: int


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(name: str, *, template: str, context: Callable, order: int = 100) -> None:
    _PANELS[name] = HomePanel(name, template, context, order)


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    context: dict


def home_panels(request, enrollment) -> list[RenderedPanel]:
    panels = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(request, enrollment)
        if context is not None:
            panels.append(RenderedPanel(panel.template, context))
    return panels
