from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import services as audit_services
from audit.context import AuditContext

from . import services
from .forms import DeleteAccountForm, EqualityMonitoringForm, ProfileForm, RoleForm
from .models import EqualityMonitoring, User
from .permissions import require


def capability_required(capability: str):
    """Anonymous people are sent to sign in; signed-in people without the capability get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = services.profile_of(user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(user, **form.cleaned_data, context=AuditContext.from_request(request))
            messages.success(request, _("Your details have been saved."))
            return redirect("profile")
    else:
        form = ProfileForm(
            initial={"display_name": user.display_name, "area": current.area_id, "postcode": current.postcode}
        )
    equality = EqualityMonitoring.objects.filter(user=user).first()
    return render(request, "accounts/profile.html", {"form": form, "equality": equality})


@login_required
def equality_monitoring(request: HttpRequest) -> HttpResponse:
    instance = EqualityMonitoring.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = EqualityMonitoringForm(request.POST, instance=instance)
        if form.is_valid():
            answers = {k: v for k, v in form.cleaned_data.items() if k != "consent"}
            services.save_equality_monitoring(request.user, answers, context=AuditContext.from_request(request))
            messages.success(request, _("Thank you. Your answers have been saved."))
            return redirect("profile")
    else:
        form = EqualityMonitoringForm(instance=instance, initial={"consent": instance is not None})
    return render(request, "accounts/equality.html", {"form": form, "has_answers": instance is not None})


@login_required
@require_POST
def equality_monitoring_delete(request: HttpRequest) -> HttpResponse:
    if services.delete_equality_monitoring(request.user, context=AuditContext.from_request(request)):
        messages.success(request, _("Your equality-monitoring answers have been deleted."))
    return redirect("profile")


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=request.user)
        if form.is_valid():
            services.delete_account(request.user, context=AuditContext.from_request(request))
            logout(request)
            messages.success(request, _("Your account and your personal details have been deleted."))
            return redirect("home")
    else:
        form = DeleteAccountForm(user=request.user)
    return render(request, "accounts/delete_account.html", {"form": form})


@capability_required("officer.dashboard")
def officer_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/officer_dashboard.html", {"recent": audit_services.recent(10)})


@capability_required("users.manage")
def officer_users(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RoleForm(request.POST)
        if form.is_valid():
            target = User.objects.get(email=form.cleaned_data["email"])
            services.change_role(
                request.user, target, form.cleaned_data["role"], context=AuditContext.from_request(request)
            )
            messages.success(request, _("%(email)s is now: %(role)s.") % {
                "email": target.email, "role": target.get_role_display()})
            return redirect("officer_users")
    else:
        form = RoleForm()
    staff = User.objects.exclude(role="resident").order_by("role", "email")
    return render(request, "accounts/officer_users.html", {"form": form, "staff": staff})


@capability_required("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/audit_log.html", {"entries": audit_services.recent(500)})
