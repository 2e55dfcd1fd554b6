"""What roles a signed-in person holds. Read once per request and kept on the user object."""

from dataclasses import dataclass

from clinics.models import Membership

_CACHE_ATTR = "_steady_roles"


@dataclass(frozen=True)
class Roles:
    is_operator: bool
    therapist_clinic_ids: frozenset[int]
    admin_clinic_ids: frozenset[int]

    @property
    def is_therapist(self) -> bool:
        return bool(self.therapist_clinic_ids)

    @property
    def is_clinic_admin(self) -> bool:
        return bool(self.admin_clinic_ids)

    @property
    def is_staff(self) -> bool:
        """Staff must use MFA and get staff session limits (DESIGN.md, Security)."""
        return self.is_operator or self.is_therapist or self.is_clinic_admin

    @property
    def name(self) -> str:
        if self.is_clinic_admin:
            return "admin"
        if self.is_therapist:
            return "therapist"
        if self.is_operator:
            return "operator"
        return "patient"


NO_ROLES = Roles(is_operator=False, therapist_clinic_ids=frozenset(), admin_clinic_ids=frozenset())


def user_roles(user) -> Roles:
    if not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    rows = Membership.objects.filter(user=user, is_active=True, clinic__is_active=True).values_list("clinic_id", "role")
    therapist, admin = set(), set()
    for clinic_id, role in rows:
        (admin if role == Membership.Role.ADMIN else therapist).add(clinic_id)
    roles = Roles(
        is_operator=user.is_superuser or user.is_staff,
        therapist_clinic_ids=frozenset(therapist),
        admin_clinic_ids=frozenset(admin),
    )
    setattr(user, _CACHE_ATTR, roles)
    return roles
