"""Thin views: read, validate a form, call ``proposals.services``, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import can, require
from audit.context import AuditContext
from councils.models import Area

from . import services
from .forms import (
    CommentForm,
    DeliveryForm,
    FeasibilityForm,
    HideForm,
    IdeaFilterForm,
    IdeaForm,
    MergeForm,
    ReportForm,
)
from .models import Idea, IdeaStatus, Phase, Process

PAGE_SIZE = 20


def _ctx(request: HttpRequest) -> AuditContext:
    return AuditContext.from_request(request)


def _signed_in(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _officer(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request.user, "pb.manage")
    return None


def process_list(request: HttpRequest) -> HttpResponse:
    processes = Process.objects.exclude(phase=Phase.DRAFT).order_by("-id")
    return render(request, "proposals/process_list.html", {"processes": processes})


def _public_process(request: HttpRequest, slug: str) -> Process:
    process = get_object_or_404(Process.objects.select_related("council"), slug=slug)
    if process.phase == Phase.DRAFT and not can(request.user, "pb.manage"):
        raise PermissionDenied("This process is not published yet.")
    return process


def process_detail(request: HttpRequest, slug: str) -> HttpResponse:
    process = _public_process(request, slug)
    return render(request, "proposals/process_detail.html", {
        "process": process, "ward_budgets": process.ward_budgets.select_related("area"),
        "phases": [p for p in Phase if p != Phase.DRAFT], "idea_count": process.ideas.filter(hidden=False).count(),
    })


def idea_list(request: HttpRequest, slug: str) -> HttpResponse:
    process = _public_process(request, slug)
    form = IdeaFilterForm(request.GET or None)
    wards = list(Area.objects.filter(council=process.council)) if process.council_id else list(Area.objects.all())
    form.fields["ward"].queryset = Area.objects.filter(pk__in=[w.pk for w in wards])
    ideas = Idea.objects.filter(process=process, hidden=False).select_related("area")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            ideas = ideas.filter(Q(title__icontains=data["q"]) | Q(description__icontains=data["q"]))
        if data["ward"]:
            ideas = ideas.filter(area=data["ward"])
        if data["category"]:
            ideas = ideas.filter(category__iexact=data["category"])
        if data["status"]:
            ideas = ideas.filter(status=data["status"])
        if data["max_cost"] is not None:
            ideas = ideas.filter(estimated_cost__lte=data["max_cost"])
    page = Paginator(ideas.order_by("-support_count", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "proposals/idea_list.html", {
        "process": process, "form": form, "page": page, "query": query.urlencode(),
        "can_submit": process.phase == Phase.IDEAS,
    })


def idea_new(request: HttpRequest, slug: str) -> HttpResponse:
    if (response := _signed_in(request)) is not None:
        return response
    process = _public_process(request, slug)
    if process.phase != Phase.IDEAS:
        raise PermissionDenied("Ideas are not open in this process.")
    form = IdeaForm(request.POST or None, process=process)
    if request.method == "POST" and form.is_valid():
        idea = services.submit_idea(request.user, process, form.cleaned_data, context=_ctx(request))
        messages.success(request, "Thank you: your idea is published.")
        return redirect("pb_idea", slug=slug, pk=idea.pk)
    return render(request, "proposals/idea_form.html", {"process": process, "form": form})


def idea_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if (response := _signed_in(request)) is not None:
        return response
    idea = get_object_or_404(Idea.objects.select_related("process"), pk=pk, process__slug=slug)
    if idea.author_id != request.user.pk and not can(request.user, "pb.manage"):
        raise PermissionDenied("Only the author can edit this idea.")
    form = IdeaForm(request.POST or None, instance=idea, process=idea.process)
    if request.method == "POST" and form.is_valid():
        services.edit_idea(request.user, Idea.objects.get(pk=pk), form.cleaned_data, context=_ctx(request))
        messages.success(request, "Your idea is updated.")
        return redirect("pb_idea", slug=slug, pk=pk)
    return render(request, "proposals/idea_form.html", {"process": idea.process, "form": form, "idea": idea})


def idea_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = _public_process(request, slug)
    idea = get_object_or_404(Idea.objects.select_related("area", "merged_into"), pk=pk, process=process)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        if (response := _signed_in(request)) is not None:
            return response
        if form.is_valid():
            services.comment(request.user, idea, form.cleaned_data["body"], context=_ctx(request))
            return redirect("pb_idea", slug=slug, pk=pk)
    supported = request.user.is_authenticated and idea.supports.filter(user=request.user).exists()
    return render(request, "proposals/idea_detail.html", {
        "process": process, "idea": idea, "form": form, "report_form": ReportForm(),
        "comments": idea.comments.filter(hidden=False).select_related("author"), "supported": supported,
        "can_support": process.phase in (Phase.IDEAS, Phase.SUPPORTS) and not idea.hidden,
        "can_edit": process.phase == Phase.IDEAS and (idea.author_id == getattr(request.user, "pk", None)),
        "updates": idea.delivery_updates.all(),
    })


@require_POST
def idea_support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if (response := _signed_in(request)) is not None:
        return response
    idea = get_object_or_404(Idea.objects.select_related("process"), pk=pk, process__slug=slug)
    if services.support(request.user, idea, context=_ctx(request)):
        messages.success(request, "You support this idea.")
    else:
        messages.info(request, "You already support this idea.")
    return redirect("pb_idea", slug=slug, pk=pk)


@require_POST
def idea_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if (response := _signed_in(request)) is not None:
        return response
    idea = get_object_or_404(Idea.objects.select_related("process"), pk=pk, process__slug=slug)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Say what is wrong with this idea.", status=400)
    services.report_abuse(request.user, idea, form.cleaned_data["reason"], context=_ctx(request))
    messages.success(request, "Thank you: a moderator will look at your report.")
    return redirect("pb_idea", slug=slug, pk=pk)


# --- officer pages (under /officer/, so two-factor authentication is required) ------------------

def _review_ideas(process: Process):
    return process.ideas.select_related("area").order_by("status", "title")


def officer_idea(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if (response := _officer(request)) is not None:
        return response
    idea = get_object_or_404(Idea.objects.select_related("process"), pk=pk, process__slug=slug)
    feas = FeasibilityForm(initial={"feasible": "yes", "revised_cost": idea.revised_cost,
                                    "explanation": idea.feasibility_note})
    hide, merge, delivery = HideForm(), MergeForm(), DeliveryForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "feasibility":
                feas = FeasibilityForm(request.POST)
                if feas.is_valid():
                    d = feas.cleaned_data
                    services.record_feasibility(request.user, idea, d["feasible"], d["explanation"], d["revised_cost"],
                                                context=_ctx(request))
                    messages.success(request, "Feasibility verdict recorded.")
                    return redirect("pb_officer_process", slug=slug)
            elif action == "hide":
                hide = HideForm(request.POST)
                if hide.is_valid():
                    services.hide_idea(request.user, idea, hide.cleaned_data["reason"], context=_ctx(request))
                    messages.success(request, "Idea hidden.")
                    return redirect("pb_officer_process", slug=slug)
            elif action == "merge":
                merge = MergeForm(request.POST)
                if merge.is_valid():
                    into = Idea.objects.filter(pk=merge.cleaned_data["into"], process=idea.process).first()
                    if into is None:
                        raise ValidationError("There is no idea with that number in this process.")
                    services.merge_idea(request.user, idea, into, context=_ctx(request))
                    messages.success(request, "Ideas merged.")
                    return redirect("pb_officer_process", slug=slug)
            elif action == "delivery":
                delivery = DeliveryForm(request.POST)
                if delivery.is_valid():
                    d = delivery.cleaned_data
                    services.update_delivery(request.user, idea, d["status"], d["note"], d["date"],
                                             context=_ctx(request))
                    messages.success(request, "Delivery status updated.")
                    return redirect("pb_idea", slug=slug, pk=pk)
            else:
                raise ValidationError("Unknown action.")
            status = 400
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
    return render(request, "proposals/officer_idea.html", {
        "process": idea.process, "idea": idea, "feas": feas, "hide": hide, "merge": merge, "delivery": delivery,
        "reports": idea.reports.filter(resolved=False), "selected": idea.status == IdeaStatus.SELECTED,
        "counted": idea.process.phase in (Phase.RESULTS, Phase.DELIVERY),
    }, status=status)
