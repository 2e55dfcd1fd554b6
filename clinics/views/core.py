from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.hashers import make_password
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clinics import access, selectors
from clinics.forms import ChoosePasswordForm, ConsentForm, EnrolPatientForm
from clinics.models import Invitation
from clinics.roles import user_roles
from clinics.services import (
    EnrolmentError,
    InvitationError,
    audit_log,
    check_invitation_usable,
    enrollment_enrol,
    hash_token,
    invitation_accept,
    invitation_find,
    invitation_needs_sign_in,
)

INVITATION_SESSION_KEY = "steady_invitation"
CLINIC_PAGE_SIZE = 50


@require_GET
def home(request):
    """Send each person to the page their role starts from."""
    roles = user_roles(request.user)
    if roles.is_therapist:
        return redirect("caseload")
    if roles.is_clinic_admin:
        return redirect("clinic_list")
    if roles.is_operator:
        return redirect("admin:index")
    return redirect("patient_home")


@require_GET
def clinic_list(request):
    clinics = list(access.admin_clinics(request.user))
    if not clinics:
        raise Http404("Not a clinic admin.")
    if len(clinics) == 1:
        return redirect("clinic_detail", slug=clinics[0].slug)
    return render(request, "clinics/clinic_list.html", {"clinics": clinics})


@require_http_methods(["GET", "POST"])
def clinic_detail(request, slug):
    clinic = access.access_clinic_as_admin(request.user, slug)
    form = EnrolPatientForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = enrollment_enrol(clinic=clinic, by=request.user, data=form.to_request(), request=request)
        except EnrolmentError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is enrolled. Their invitation is on its way to %(email)s.")
                % {"name": enrollment.patient.name, "email": enrollment.patient.email},
            )
            return redirect("enrollment_detail", code=enrollment.code)
    page = Paginator(selectors.clinic_enrollments(clinic), CLINIC_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(actor=request.user, action="clinics.patient_list.viewed", clinic=clinic, request=request)
    return render(
        request,
        "clinics/clinic_detail.html",
        {
            "clinic": clinic,
            "admin_section": "patients",
            "form": form,
            "page": page,
            "cohorts": list(selectors.clinic_cohorts(clinic)),
        },
    )


# --- Invitation acceptance: link -> choose a password -> consent -> signed in ---------------------

INVITATION_MESSAGES = {
    "unknown": _("This link does not work. Check that you copied all of it, or ask your clinic for a new one."),
    "expired": _("This invitation has expired. Ask your clinic to send you a new one."),
    "used": _("This invitation has already been used. Sign in with your e-mail address and password."),
    "revoked": _("A newer invitation has been sent to you. Please use the link in the newest e-mail."),
    "sign_in": _(
        "Your account is already set up. Sign in with your e-mail address and password, then open the link again."
    ),
}


def invitation_problem(request, reason: str):
    request.session.pop(INVITATION_SESSION_KEY, None)
    status = {"unknown": 404, "sign_in": 403}.get(reason, 410)
    return render(
        request,
        "clinics/invitation_problem.html",
        {"message": INVITATION_MESSAGES[reason], "reason": reason},
        status=status,
    )


@login_not_required
@require_GET
def invitation_open(request, token):
    try:
        invitation = invitation_find(token)
    except InvitationError as error:
        return invitation_problem(request, error.reason)
    signed_in_as_invitee = request.user.is_authenticated and request.user.pk == invitation.user_id
    if request.user.is_authenticated and not signed_in_as_invitee:
        # The link belongs to someone else's account: whoever is signed in on this browser is signed out first.
        logout(request)
    request.session[INVITATION_SESSION_KEY] = {"id": invitation.pk, "token_hash": hash_token(token)}
    # Continue on a URL without the token, so it does not linger in history or Referer headers.
    if invitation_needs_sign_in(invitation):
        # Set up already (another clinic invited them first): this link only adds the clinic, after
        # the person signs in as themselves. It never sets the name or password again.
        if signed_in_as_invitee:
            return redirect("invitation_consent")
        messages.info(
            request,
            _("You already have a Steady account. Sign in to join %(clinic)s.") % {"clinic": invitation.clinic.name},
        )
        return redirect(f"{reverse('account_login')}?{urlencode({'next': reverse('invitation_consent')})}")
    return redirect("invitation_password")


def pending_invitation(request) -> Invitation:
    state = request.session.get(INVITATION_SESSION_KEY) or {}
    try:
        invitation = Invitation.objects.select_related("user", "clinic", "enrollment__program").get(
            pk=state.get("id"), token_hash=state.get("token_hash")
        )
    except Invitation.DoesNotExist:
        raise InvitationError("unknown") from None
    check_invitation_usable(invitation)
    return invitation


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_password(request):
    try:
        invitation = pending_invitation(request)
    except InvitationError as error:
        return invitation_problem(request, error.reason)
    if invitation_needs_sign_in(invitation):
        return redirect("invitation_consent")
    state = request.session[INVITATION_SESSION_KEY]
    form = ChoosePasswordForm(
        request.POST or None, user=invitation.user, initial={"name": state.get("name") or invitation.user.name}
    )
    if request.method == "POST" and form.is_valid():
        # Only the hash is kept between the two steps; the account changes only at the last step.
        state["name"] = form.cleaned_data["name"]
        state["password_hash"] = make_password(form.cleaned_data["password1"])
        request.session[INVITATION_SESSION_KEY] = state
        return redirect("invitation_consent")
    return render(request, "clinics/invitation_password.html", {"form": form, "invitation": invitation})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_consent(request):
    try:
        invitation = pending_invitation(request)
    except InvitationError as error:
        return invitation_problem(request, error.reason)
    state = request.session[INVITATION_SESSION_KEY]
    joining = invitation_needs_sign_in(invitation)
    if joining and request.user.pk != invitation.user_id:
        return invitation_problem(request, "sign_in")
    if not joining and not state.get("password_hash"):
        return redirect("invitation_password")
    form = ConsentForm(request.POST or None, needs_treatment_consent=invitation.enrollment_id is not None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation_id=invitation.pk,
                token_hash=state["token_hash"],
                name=state.get("name", ""),
                password_hash=state.get("password_hash", ""),
                signed_in_user=request.user if request.user.is_authenticated else None,
                request=request,
            )
        except InvitationError as error:
            return invitation_problem(request, error.reason)
        request.session.pop(INVITATION_SESSION_KEY, None)
        if joining:
            messages.success(request, _("You have joined %(clinic)s.") % {"clinic": invitation.clinic.name})
        else:
            login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
            messages.success(request, _("Welcome to Steady. Your account is ready."))
        return redirect("home")
    return render(
        request, "clinics/invitation_consent.html", {"form": form, "invitation": invitation, "joining": joining}
    )


@login_not_required
@require_GET
def legal_terms(request):
    return render(request, "legal/terms.html")


@login_not_required
@require_GET
def legal_privacy(request):
    return render(request, "legal/privacy.html")
