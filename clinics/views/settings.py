from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clinics import access
from clinics.clinic_settings import ClinicSettingsError, clinic_settings_update
from clinics.licences import (
    LicenceError,
    clinic_licence_statuses,
    get_gated_instrument,
    licence_confirm,
    licence_withdraw,
)
from clinics.settings_forms import ClinicSettingsForm, LicenceConfirmForm


def _render_settings(request, clinic, form, licence_forms=None, status=200):
    licence_forms = licence_forms or {}
    rows = [
        {
            "status": status_row,
            "form": licence_forms.get(status_row.instrument.key)
            or LicenceConfirmForm(instrument=status_row.instrument),
        }
        for status_row in clinic_licence_statuses(clinic)
    ]
    has_errors = bool(form.errors) or any(row["form"].errors for row in rows)
    context = {"clinic": clinic, "admin_section": "settings", "form": form, "licences": rows, "has_errors": has_errors}
    return render(request, "clinics/settings/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
def clinic_settings(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    form = ClinicSettingsForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            changed = clinic_settings_update(clinic=clinic, by=request.user, values=form.cleaned_data, request=request)
        except ClinicSettingsError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("The settings are saved.") if changed else _("Nothing was changed."))
            return redirect("clinic_settings", slug=clinic.slug)
    return _render_settings(request, clinic, form)


@require_POST
def licence_confirm_view(request, slug, key):
    clinic = access.access_clinic_as_admin(request.user, slug)
    instrument = get_gated_instrument(key)
    form = LicenceConfirmForm(request.POST, instrument=instrument)
    if form.is_valid():
        try:
            licence_confirm(
                clinic=clinic,
                instrument=instrument,
                by=request.user,
                reference=form.cleaned_data["reference"],
                request=request,
            )
        except LicenceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(title)s is turned on for this clinic.") % {"title": instrument.title})
        return redirect_to_licences(clinic)
    return _render_settings(request, clinic, ClinicSettingsForm(clinic=clinic), {instrument.key: form})


@require_POST
def licence_withdraw_view(request, slug, key):
    clinic = access.access_clinic_as_admin(request.user, slug)
    instrument = get_gated_instrument(key)
    try:
        licence_withdraw(clinic=clinic, instrument=instrument, by=request.user, request=request)
    except LicenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(title)s is turned off for this clinic.") % {"title": instrument.title})
    return redirect_to_licences(clinic)


def redirect_to_licences(clinic):
    response = redirect("clinic_settings", slug=clinic.slug)
    response["Location"] += "#licences"
    return response
