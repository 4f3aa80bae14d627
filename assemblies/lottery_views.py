"""Pages of the civic lottery: officers' set-up and selection, residents' registration, public record.

Each view parses, calls a function of :mod:`assemblies.lottery` and renders; permissions are checked
there (and officer pages are also guarded here so anonymous people are sent to sign in).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, require
from accounts.views import capability_required
from audit.context import AuditContext

from . import lottery as service
from . import services as assembly_services
from .lottery_forms import (
    AssemblyForm,
    CodeForm,
    ConfirmForm,
    LotteryForm,
    QuotaForm,
    RecommendationForm,
    RegistrationForm,
    ResponseForm,
    RunForm,
    SeedForm,
    UpdateForm,
    UploadForm,
)
from .models import Assembly, Lottery, Recommendation, Respondent, SelectionRun, Session

MANAGE = "assembly.manage"


def _assembly(slug: str) -> Assembly:
    assembly = Assembly.objects.filter(slug=slug).select_related("council").order_by("pk").first()
    if assembly is None:
        raise Http404("No such assembly")
    return assembly


def _lottery(assembly: Assembly) -> Lottery:
    lottery = service.lottery_of(assembly)
    if lottery is None:
        raise Http404("This assembly has no lottery yet")
    return lottery


def _ctx(request: HttpRequest) -> AuditContext:
    return AuditContext.from_request(request)


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def register_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lottery_register"))


# --- Public -------------------------------------------------------------------------

def assembly_index(request: HttpRequest) -> HttpResponse:
    """Every assembly past set-up, newest first: the public list a leaflet or the home page points to."""
    assemblies = Assembly.objects.exclude(status=Assembly.Status.DRAFT).order_by("-created_at", "pk")
    return render(request, "assemblies/lottery_index.html", {"assemblies": assemblies})


def assembly_public(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = service.lottery_of(assembly)
    return render(request, "assemblies/lottery_public.html", {
        "assembly": assembly, "lottery": lottery,
        "draw": service.invitation_summary(lottery) if lottery and lottery.seed_published_at else None,
        "has_report": bool(lottery and service.panel_run(lottery)),
        "is_member": assembly_services.membership_of(request.user, assembly.pk) is not None,
    })


def selection_report(request: HttpRequest, slug: str) -> JsonResponse:
    report = service.public_report(_assembly(slug))
    if report is None:
        raise Http404("No panel has been selected yet")
    return JsonResponse(report, json_dumps_params={"indent": 1})


def recommendations(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    return render(request, "assemblies/lottery_recommendations.html", {
        "assembly": assembly, "data": service.recommendations_data(assembly),
        "can_manage": can(request.user, MANAGE),
    })


def recommendations_json(request: HttpRequest, slug: str) -> JsonResponse:
    return JsonResponse(service.recommendations_data(_assembly(slug)), json_dumps_params={"indent": 1})


def member_home(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if assembly_services.membership_of(request.user, assembly.pk) is None and not can(request.user, MANAGE):
        raise PermissionDenied(_("Only members of this assembly can see its sessions."))
    sessions = list(assembly.sessions.all())
    return render(request, "assemblies/lottery_member.html", {
        "assembly": assembly, "sessions": sessions,
        "live": [s for s in sessions if s.status == Session.Status.LIVE],
    })


# --- Registration (no account) -------------------------------------------------------

def register(request: HttpRequest) -> HttpResponse:
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    if not code:
        return render(request, "assemblies/lottery_register_code.html", {"form": CodeForm()})
    try:
        invitation = service.find_invitation(code)
    except ValidationError as error:
        form = CodeForm(data={"code": code})
        form.is_valid()
        form.add_error("code", error.messages[0])
        return render(request, "assemblies/lottery_register_code.html", {"form": form}, status=400)
    lottery = invitation.lottery
    categories = service.quota_categories(lottery)
    form = RegistrationForm(request.POST if "name" in request.POST else None, categories=categories,
                            retention=lottery.retention_until)
    if form.is_bound and form.is_valid():
        try:
            respondent = service.register(
                code, name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"], features=form.features(),
                availability=form.cleaned_data["availability"], access_needs=form.cleaned_data["access_needs"],
                consent=form.cleaned_data["consent"], context=_ctx(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("lottery_registered", token=respondent.token)
    return render(request, "assemblies/lottery_register.html", {
        "form": form, "code": service.format_code(invitation.code), "lottery": lottery, "assembly": lottery.assembly,
    }, status=400 if form.is_bound else 200)


def _respondent(token: str) -> Respondent:
    respondent = Respondent.objects.select_related("lottery__assembly").filter(token=token).first()
    if respondent is None:
        raise Http404("This link is no longer valid")
    return respondent


def registered(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(token)
    return render(request, "assemblies/lottery_registered.html", {
        "respondent": respondent, "assembly": respondent.lottery.assembly, "lottery": respondent.lottery,
    })


def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(token)
    if request.method == "POST":
        service.withdraw(token, context=_ctx(request))
        return render(request, "assemblies/lottery_withdrawn.html", {"assembly": respondent.lottery.assembly})
    return render(request, "assemblies/lottery_withdraw.html", {"respondent": respondent})


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    respondent = _respondent(token)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = request.POST.get("answer") == "accept"
        try:
            respondent = service.respond_to_selection(token, accept=accept, password=form.cleaned_data["password"],
                                                      context=_ctx(request))
        except ValidationError as error:
            form.add_error("password" if accept else None, error)
        else:
            if accept and respondent.user is not None:
                login(request, respondent.user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, _("Welcome to the assembly. You are now a member."))
                return redirect("lottery_member", slug=respondent.lottery.assembly.slug)
            return render(request, "assemblies/lottery_withdrawn.html", {
                "assembly": respondent.lottery.assembly, "declined": True})
    return render(request, "assemblies/lottery_confirm.html", {
        "form": form, "respondent": respondent, "assembly": respondent.lottery.assembly,
        "lottery": respondent.lottery,
    }, status=400 if form.errors else 200)


# --- Officers ------------------------------------------------------------------------

@capability_required(MANAGE)
def officer_list(request: HttpRequest) -> HttpResponse:
    form = AssemblyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assembly = assembly_services.create_assembly(request.user, context=_ctx(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("lottery_officer", slug=assembly.slug)
    return render(request, "assemblies/lottery_officer_list.html", {
        "assemblies": Assembly.objects.select_related("lottery").all(), "form": form,
    })


@capability_required(MANAGE)
def officer_assembly(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = service.lottery_of(assembly)
    form = LotteryForm(request.POST or None, instance=lottery)
    if request.method == "POST" and form.is_valid():
        try:
            lottery = service.set_up_lottery(request.user, assembly, context=_ctx(request), **{
                name: form.cleaned_data[name] for name in LotteryForm.Meta.fields})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Lottery settings saved."))
            return redirect("lottery_officer", slug=slug)
    runs = list(lottery.runs.all()[:10]) if lottery else []
    return render(request, "assemblies/lottery_officer.html", {
        "assembly": assembly, "lottery": lottery, "form": form, "runs": runs,
        "quotas": list(lottery.quotas.all()) if lottery else [],
        "respondents": lottery.respondents.count() if lottery else 0,
        "invitations": lottery.invitations.count() if lottery else 0,
        "statuses": Assembly.Status.choices,
    })


@capability_required(MANAGE)
@require_POST
def officer_status(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    try:
        assembly_services.set_assembly_status(request.user, assembly, request.POST.get("status", ""),
                                              context=_ctx(request))
    except ValidationError as error:
        _errors(request, error)
    return redirect("lottery_officer", slug=slug)


@capability_required(MANAGE)
def officer_quotas(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = _lottery(assembly)
    initial = "\n".join(f"{q.category}, {q.value}, {q.min}, {q.max}" for q in lottery.quotas.all())
    form = QuotaForm(request.POST or None, request.FILES or None, initial={"quotas": initial})
    if request.method == "POST" and form.is_valid():
        try:
            upload = form.cleaned_data.get("shares")
            if upload:
                rows: list[tuple[Any, ...]] = list(service.suggested_quotas(service.parse_shares(upload.read()),
                                                                            lottery.panel_size))
            else:
                rows = list(service.parse_quota_lines(form.cleaned_data["quotas"], lottery.panel_size))
            service.set_quotas(request.user, lottery, rows, context=_ctx(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Quotas saved."))
            return redirect("lottery_quotas", slug=slug)
    return render(request, "assemblies/lottery_quotas.html", {
        "assembly": assembly, "lottery": lottery, "form": form, "quotas": list(lottery.quotas.all()),
    }, status=400 if form.errors else 200)


@capability_required(MANAGE)
def officer_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = _lottery(assembly)
    upload, seed_form = UploadForm(), SeedForm()
    row_errors: list[tuple[int, str]] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "import":
                upload = UploadForm(request.POST, request.FILES)
                if upload.is_valid():
                    count = service.import_addresses(request.user, lottery, upload.cleaned_data["file"].read(),
                                                     context=_ctx(request))
                    messages.success(request, _("%(n)d addresses imported.") % {"n": count})
                    return redirect("lottery_invitations", slug=slug)
                status = 400
            elif action == "seed":
                seed_form = SeedForm(request.POST)
                if seed_form.is_valid():
                    service.publish_invitation_seed(request.user, lottery, seed_form.cleaned_data["seed"],
                                                    context=_ctx(request))
                    messages.success(request, _("Seed published on the assembly's public page."))
                    return redirect("lottery_invitations", slug=slug)
                status = 400
            elif action == "draw":
                count = service.draw_invitations(request.user, lottery, context=_ctx(request))
                messages.success(request, _("%(n)d invitations drawn.") % {"n": count})
                return redirect("lottery_invitations", slug=slug)
        except service.RowErrors as error:
            row_errors, status = error.rows, 400
        except ValidationError as error:
            _errors(request, error)
            status = 400
    lottery.refresh_from_db()
    return render(request, "assemblies/lottery_invitations.html", {
        "assembly": assembly, "lottery": lottery, "upload": upload, "seed_form": seed_form, "row_errors": row_errors,
        "addresses": lottery.addresses.count(), "draw": service.invitation_summary(lottery),
    }, status=status)


@capability_required(MANAGE)
def letters_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    from .letters import letters_pdf as build

    lottery = _lottery(_assembly(slug))
    require(request.user, MANAGE)
    response = HttpResponse(build(lottery, register_url(request)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slug}-letters.pdf"'
    return response


@capability_required(MANAGE)
def mailing_csv(request: HttpRequest, slug: str) -> HttpResponse:
    lottery = _lottery(_assembly(slug))
    response = HttpResponse(service.mailing_csv(request.user, lottery, register_url(request)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-mailing.csv"'
    return response


@capability_required(MANAGE)
def assisted(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = _lottery(assembly)
    categories = service.quota_categories(lottery)
    form = RegistrationForm(request.POST or None, categories=categories, retention=lottery.retention_until)
    code_form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and code_form.is_valid():
        try:
            respondent = service.register(
                code_form.cleaned_data["code"], name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"], features=form.features(),
                availability=form.cleaned_data["availability"], access_needs=form.cleaned_data["access_needs"],
                consent=form.cleaned_data["consent"], actor=request.user, context=_ctx(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Registered (reference %(id)s).") % {"id": respondent.public_id})
            return redirect("lottery_assisted", slug=slug)
    return render(request, "assemblies/lottery_assisted.html", {
        "assembly": assembly, "lottery": lottery, "form": form, "code_form": code_form,
    }, status=400 if form.errors or code_form.errors else 200)


@capability_required(MANAGE)
def selection_page(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = _lottery(assembly)
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind = request.POST.get("kind", SelectionRun.Kind.PANEL)
        try:
            run = service.start_selection(request.user, lottery, algorithm=form.cleaned_data["algorithm"],
                                          seed=form.cleaned_data["seed"], kind=kind, context=_ctx(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("lottery_run", slug=slug, run=run.pk)
    return render(request, "assemblies/lottery_selection.html", {
        "assembly": assembly, "lottery": lottery, "form": form, "runs": list(lottery.runs.all()),
        "pool": lottery.respondents.exclude(status=Respondent.Status.WITHDRAWN).count(),
        "panel": service.current_panel(lottery), "panel_run": service.panel_run(lottery),
        "declined": lottery.respondents.filter(status=Respondent.Status.DECLINED).count(),
    }, status=400 if form.errors else 200)


def _run(slug: str, run_id: int) -> SelectionRun:
    return get_object_or_404(SelectionRun.objects.select_related("lottery__assembly"), pk=run_id,
                             lottery__assembly__slug=slug)


def _run_context(run: SelectionRun) -> dict[str, Any]:
    lottery = run.lottery
    context: dict[str, Any] = {"run": run, "assembly": lottery.assembly, "lottery": lottery,
                               "percent": round(run.progress * 100)}
    if run.status == SelectionRun.Status.DONE:
        drawn = set(run.drawn)
        pool = list(lottery.respondents.all())
        rows = []
        for quota in lottery.quotas.all():
            selected = sum(1 for r in pool if r.public_id in drawn and r.features.get(quota.category) == quota.value)
            rows.append({"quota": quota, "selected": selected, "ok": quota.min <= selected <= quota.max})
        context["rows"] = rows
        probabilities = sorted((run.report or {}).get("probabilities", {}).values())
        context["histogram"] = _histogram(probabilities)
    return context


def _histogram(values: list[float], bins: int = 10) -> dict[str, Any]:
    if not values:
        return {"bars": [], "min": 0, "max": 0}
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(value * bins))] += 1
    peak = max(counts) or 1
    bars = [{"x": 10 + i * 30, "height": round(120 * c / peak), "y": 130 - round(120 * c / peak), "count": c,
             "label": f"{i / bins:.1f}-{(i + 1) / bins:.1f}"} for i, c in enumerate(counts)]
    return {"bars": bars, "min": values[0], "max": values[-1], "people": len(values)}


@capability_required(MANAGE)
def run_page(request: HttpRequest, slug: str, run: int) -> HttpResponse:
    return render(request, "assemblies/lottery_run.html", _run_context(_run(slug, run)))


@capability_required(MANAGE)
def run_progress(request: HttpRequest, slug: str, run: int) -> HttpResponse:
    selection_run = _run(slug, run)
    response = render(request, "assemblies/lottery_run_progress.html", _run_context(selection_run))
    if selection_run.status not in (SelectionRun.Status.QUEUED, SelectionRun.Status.RUNNING):
        response["HX-Refresh"] = "true"
    return response


@capability_required(MANAGE)
@require_POST
def staff_response(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    respondent = get_object_or_404(Respondent, public_id=public_id, lottery__assembly__slug=slug)
    try:
        service.respond_to_selection(respondent.token, accept=request.POST.get("answer") == "accept",
                                     actor=request.user, context=_ctx(request))
    except ValidationError as error:
        _errors(request, error)
    return redirect("lottery_selection", slug=slug)


@capability_required(MANAGE)
def representativeness(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    lottery = _lottery(assembly)
    rows = service.representativeness(lottery)
    chart = []
    for index, row in enumerate(rows):
        y = 10 + index * 34
        bars = []
        for offset, (key, label) in enumerate((("population_share", "area"), ("respondents_share", "respondents"),
                                               ("panel_share", "panel"), ("members_share", "members"))):
            share = row[key] or 0.0
            bars.append({"y": y + offset * 7, "width": round(300 * share), "label": label, "share": share,
                         "cls": f"bar-{label}"})
        chart.append({"row": row, "y": y + 14, "bars": bars})
    return render(request, "assemblies/lottery_representativeness.html", {
        "assembly": assembly, "lottery": lottery, "rows": rows, "chart": chart, "height": 20 + 34 * len(rows),
    })


@capability_required(MANAGE)
def officer_recommendations(request: HttpRequest, slug: str) -> HttpResponse:
    assembly = _assembly(slug)
    form = RecommendationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.publish_recommendation(request.user, assembly, context=_ctx(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recommendation published."))
            return redirect("lottery_officer_recommendations", slug=slug)
    return render(request, "assemblies/lottery_officer_recommendations.html", {
        "assembly": assembly, "form": form, "recommendations": list(assembly.recommendations.all()),
    }, status=400 if form.errors else 200)


@capability_required(MANAGE)
def officer_response(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    assembly = _assembly(slug)
    rec = get_object_or_404(Recommendation, assembly=assembly, number=number)
    form = ResponseForm(request.POST if request.POST.get("action") == "respond" else None, initial={
        "decision": rec.decision if rec.decision != "pending" else None, "reasons": rec.reasons,
        "responsible_service": rec.responsible_service, "due_date": rec.due_date})
    update = UpdateForm(request.POST if request.POST.get("action") == "update" else None)
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                service.record_response(request.user, rec, context=_ctx(request), **form.cleaned_data)
                messages.success(request, _("Response recorded."))
                return redirect("lottery_officer_response", slug=slug, number=number)
            if update.is_bound and update.is_valid():
                service.add_progress_update(request.user, rec, context=_ctx(request), **update.cleaned_data)
                messages.success(request, _("Update added."))
                return redirect("lottery_officer_response", slug=slug, number=number)
        except ValidationError as error:
            _errors(request, error)
    return render(request, "assemblies/lottery_officer_response.html", {
        "assembly": assembly, "rec": rec, "form": form, "update": update,
    }, status=400 if form.errors or update.errors else 200)


@capability_required(MANAGE)
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    assembly = _assembly(slug)
    rows = service.export_rows(request.user, assembly)
    filename = f"{slug}-recommendations.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(service.EXPORT_COLUMNS)
        writer.writerows(rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        data = service.recommendations_data(assembly)
        response = HttpResponse(json.dumps(data, indent=1, ensure_ascii=False), content_type="application/json")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Recommendations"
        sheet.append(service.EXPORT_COLUMNS)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    elif fmt == "pdf":
        from django.template.loader import render_to_string
        from weasyprint import HTML

        html = render_to_string("assemblies/lottery_council_report.html", {
            "assembly": assembly, "data": service.recommendations_data(assembly)})
        response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    else:
        raise Http404("Unknown export format")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
