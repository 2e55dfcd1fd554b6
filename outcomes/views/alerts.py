"""The staff alerts page: open alerts first (urgent, then newest), each acknowledged with a note."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinics.roles import user_roles
from clinics.services import audit_log
from outcomes import alerts


def _require_staff(user):
    roles = user_roles(user)
    if not roles.is_therapist and not roles.is_clinic_admin:
        raise Http404("Not a therapist or clinic admin.")
    return roles


@require_GET
def alert_list(request):
    return _render_list(request, _require_staff(request.user))


@require_POST
def alert_acknowledge(request, code):
    roles = _require_staff(request.user)
    alert = alerts.access_alert_as_staff(request.user, code)
    note = request.POST.get("note", "")
    try:
        alerts.alert_acknowledge(alert=alert, by=request.user, note=note, request=request)
    except alerts.AlertNoteError as error:
        # Shown next to the field, with what was typed, and nothing changed.
        return _render_list(request, roles, error={"code": alert.code, "message": str(error), "note": note})
    except alerts.AlertError as error:
        messages.info(request, str(error))
        return redirect("alert_list")
    messages.success(request, _("The alert is acknowledged. Your note is saved with it."))
    return redirect("alert_list")


def _render_list(request, roles, error=None):
    open_rows = alerts.open_alerts(request.user)
    acknowledged_rows = alerts.acknowledged_alerts(request.user)
    audit_log(actor=request.user, action="outcomes.alerts.viewed", request=request)
    clinic_ids = roles.therapist_clinic_ids | roles.admin_clinic_ids
    return render(
        request,
        "outcomes/alerts/list.html",
        {
            "open_rows": open_rows,
            "acknowledged_rows": acknowledged_rows,
            "open_limit": alerts.OPEN_LIMIT,
            "show_clinic": len(clinic_ids) > 1,
            "error": error,
        },
    )
