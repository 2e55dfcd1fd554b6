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
    if not roles.is_staff:
        items.append((_("Home"), reverse("patient_home")))
    if roles.is_operator:
        items.append((_("Admin"), reverse("admin:index")))
    items.append((_("Your details"), reverse("profile")))
    path = request.path
    return {
        "nav_items": [NavItem(label=str(label), url=url, active=path.startswith(url)) for label, url in items],
        "user_roles": roles,
    }
