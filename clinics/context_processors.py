from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinics.roles import user_roles


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
