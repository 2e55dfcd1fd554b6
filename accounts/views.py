from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import ProfileForm
from accounts.services import user_update_profile


@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, request=request, **form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})
