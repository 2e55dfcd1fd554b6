from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinics.roles import Roles, user_roles

# Menu items owned by apps above clinics (guidance's "Messages (2)"), which clinics may not import:
# they register a callable ``(request, roles) -> [(label, url), ...]`` in their AppConfig.ready().
# Each should cost at most one query, and none for htmx partials (no menu is drawn there).
NavExtension = Callable[[object, Roles], list[tuple[str, str]]]
NAV_EXTENSIONS: list[NavExtension] = []


def register_nav_extension(extension: NavExtension) -> None:
    if extension not in NAV_EXTENSIONS:  # ready() can run twice in some test set-ups
        NAV_EXTENSIONS.append(extension)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = user_roles(user)
    items = []
    if roles.is_therapist:
        items.append((_("Caseload"), reverse("caseload")))
    if roles.is_clinic_admin:
        items.append((_("Clinic"), reverse("clinic_list")))
    if roles.is_therapist or roles.is_clinic_admin:
        # A URL name, not an import: clinics may not depend on outcomes, which owns the page.
        items.append((_("Alerts"), reverse("alert_list")))
    if not roles.is_staff:
        items.append((_("Home"), reverse("patient_home")))
        items.append((_("Programme"), reverse("program_overview")))
        items.append((_("Diary"), reverse("diary")))
        items.append((_("Progress"), reverse("my_progress")))
    for extension in NAV_EXTENSIONS:
        items.extend(extension(request, roles))
    if not roles.is_staff:
        items.append((_("Help"), reverse("help")))
    if roles.is_operator:
        items.append((_("Admin"), reverse("admin:index")))
    items.append((_("Your details"), reverse("profile")))
    # The current item is the one whose address is the longest start of this page's (/me/diary/
    # belongs to "Diary", not to "Home" at /me/).
    matches = [url for _label, url in items if request.path.startswith(url)]
    current = max(matches, key=len) if matches else None
    return {
        "nav_items": [NavItem(label=str(label), url=url, active=url == current) for label, url in items],
        "user_roles": roles,
    }
