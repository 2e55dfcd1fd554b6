from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The clinic admin's sections, in menu order: (key, label, URL name taking the clinic's slug).
# Names, not imports: reports (above clinics) owns the report and research pages.
SECTIONS = [
    ("patients", _("Patients"), "clinic_detail"),
    ("cohorts", _("Cohorts"), "cohort_list"),
    ("staff", _("Staff"), "staff_list"),
    ("caseloads", _("Caseloads"), "caseloads"),
    ("support", _("Support"), "support_list"),
    ("reports", _("Reports"), "clinic_report"),
    ("research", _("Research export"), "research_export"),
    ("audit", _("Audit log"), "audit_list"),
    ("settings", _("Settings"), "clinic_settings"),
]


@register.simple_tag
def clinic_admin_sections(clinic, current: str) -> list[dict]:
    items = []
    for key, label, name in SECTIONS:
        try:
            url = reverse(name, args=[clinic.slug])
        except NoReverseMatch:  # a section whose app is not installed
            continue
        items.append({"key": key, "label": label, "url": url, "current": key == current})
    return items
