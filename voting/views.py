"""Thin views for voting, receipts, results and the published files."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.permissions import require
from audit.context import AuditContext
from civic.rows import fetch_one
from engines.numbers import money
from proposals import services as proposals_services
from proposals.forms import PhaseForm
from proposals.models import Idea, Phase, Process

from . import services
from .forms import ProcessForm
from .models import Ballot, Participation, PublishedFile, Tally

RECEIPT_COOKIE = "pb_receipt"


class ReceiptForm(forms.Form):
    receipt = forms.CharField(label="Receipt code", max_length=40,
                              help_text="The code you were shown when you voted, e.g. ABCDE-FGHJK-LMNPQ-RSTUV.")


def _process(slug: str) -> Process:
    # Every voting page (a ballot submission too) starts here: one row, read without a QuerySet.
    process = fetch_one(Process, "slug = %s", [slug])
    if process is None or process.phase == Phase.DRAFT:
        raise Http404("No such process.")
    return process


def _ctx(request: HttpRequest) -> AuditContext:
    return AuditContext.from_request(request)


def _ballot_context(request: HttpRequest, process: Process, area, data=None, error: str = "", *,
                    voter_code: str = "", code_used: bool = False) -> dict[str, Any]:
    ideas = services.ballot_ideas(process, area)
    chosen = set(data.getlist("project")) if data is not None else set()
    values = {k: v for k, v in (data or {}).items()} if data is not None else {}
    rows = [{"idea": i, "checked": str(i.pk) in chosen, "points": values.get(f"points-{i.pk}", ""),
             "rank": values.get(f"rank-{i.pk}", "")} for i in ideas]
    total = services.running_total(process, area, data or {})
    return {"process": process, "rows": rows, "total": total, "error": error, "area": area,
            "budget": money(services.unit_budget(process, area)),
            "has_voted": code_used if voter_code else
                         Participation.objects.filter(process=process, user=request.user).exists(),
            # A code voter has no cookie: the receipt they typed is kept when the ballot comes back.
            "receipt_from_cookie": values.get("receipt", "") if voter_code else
                                   request.COOKIES.get(f"{RECEIPT_COOKIE}_{process.pk}", ""),
            "voter_code": voter_code, "age_confirmed": values.get("age_confirmed") == "on",
            "action": reverse("pb_vote_code" if voter_code else "pb_vote", args=[process.slug])}


def vote(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    process = _process(slug)
    if request.method != "POST":
        ok, reason, area = services.eligibility(process, request.user)
        if not ok:
            status = 403 if process.phase == Phase.VOTING else 409
            return render(request, "voting/refused.html", {"process": process, "reason": reason}, status=status)
        return render(request, "voting/vote.html", _ballot_context(request, process, area))
    # The service checks eligibility itself (once); a refusal re-renders the ballot with the choices kept
    # (the voter's ward is read only then, so an accepted ballot costs no extra query).
    try:
        if request.POST.get("receipt"):
            receipt = services.change_ballot(request.user, process, request.POST["receipt"], request.POST,
                                             context=_ctx(request))
            changed = True
        else:
            receipt = services.cast_ballot(request.user, process, request.POST, context=_ctx(request))
            changed = False
    except services.BallotRefused as refused:
        if refused.status in (403, 409) and not refused.keep_choices:
            return render(request, "voting/refused.html", {"process": process, "reason": refused.message},
                          status=refused.status)
        area = services.voter_area(process, request.user)
        return render(request, "voting/vote.html",
                      _ballot_context(request, process, area, request.POST, refused.message), status=refused.status)
    response = render(request, "voting/receipt.html", {"process": process, "receipt": receipt, "changed": changed})
    # Kept only in the voter's browser, for this process's pages, so the change form can be pre-filled.
    response.set_cookie(f"{RECEIPT_COOKIE}_{process.pk}", receipt, max_age=60 * 60 * 24 * 60, httponly=True,
                        samesite="Strict", path=f"/pb/{process.slug}/", secure=request.is_secure())
    response["Cache-Control"] = "no-store"
    return response


class VoterCodeForm(forms.Form):
    code = forms.CharField(label="Your voter code", max_length=40,
                           help_text="The code on the letter or card the council gave you, e.g. ABCDE-FGHJK-LMNPQ-RSTUV.")


def vote_code(request: HttpRequest, slug: str) -> HttpResponse:
    """Voting without an account: a single-use voter code, then the ballot (no session is written).

    A code that has already voted online brings the same ballot with a receipt field: the code and
    the receipt together change the ballot while voting is open."""
    process = _process(slug)
    if request.method != "POST":
        if process.phase != Phase.VOTING:
            return render(request, "voting/refused.html", {"process": process, "reason": "Voting is not open."},
                          status=409)
        return render(request, "voting/code.html", {"process": process, "form": VoterCodeForm()})
    form = VoterCodeForm(request.POST)
    if not form.is_valid():
        return render(request, "voting/code.html", {"process": process, "form": form}, status=400)
    code = services.normalise_receipt(form.cleaned_data["code"])
    client = _ctx(request).ip_address or "unknown"
    changing = "receipt" in request.POST
    try:
        if "cast" not in request.POST:
            voter_code = services.voter_code_for(process, code, client, used=True)
            response = render(request, "voting/vote.html",
                              _ballot_context(request, process, voter_code.area_id, voter_code=code,
                                              code_used=voter_code.used))  # type: ignore[attr-defined]
            response["Cache-Control"] = "no-store"
            return response
        if changing:
            receipt = services.change_ballot_with_code(process, code, client, request.POST["receipt"], request.POST,
                                                       context=_ctx(request))
        else:
            receipt = services.cast_ballot_with_code(process, code, client, request.POST, context=_ctx(request))
    except services.BallotRefused as refused:
        if refused.keep_choices:
            area = services.VoterCode.objects.filter(process=process, code_hash=services.receipt_hash(code)) \
                .values_list("area", flat=True).first()
            response = render(request, "voting/vote.html",
                              _ballot_context(request, process, area, request.POST, refused.message, voter_code=code,
                                              code_used=changing),
                              status=refused.status)
            response["Cache-Control"] = "no-store"
            return response
        if refused.status in (404, 429):
            form.add_error("code", refused.message)
            return render(request, "voting/code.html", {"process": process, "form": form}, status=refused.status)
        return render(request, "voting/refused.html", {"process": process, "reason": refused.message},
                      status=refused.status)
    response = render(request, "voting/receipt.html", {"process": process, "receipt": receipt, "changed": changing,
                                                      "with_code": True})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def vote_total(request: HttpRequest, slug: str) -> HttpResponse:
    """htmx: the running total of a knapsack/approval ballot."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    process = _process(slug)
    area = services.voter_area(process, request.user)
    return render(request, "voting/_total.html", {"total": services.running_total(process, area, request.POST),
                                                  "process": process})


def check(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    form = ReceiptForm(request.GET or None)
    found: Ballot | None = None
    searched = False
    names: list[str] = []
    published_in = ""
    if form.is_bound and form.is_valid():
        searched = True
        found = services.find_ballot(process, form.cleaned_data["receipt"])
        if found is not None:
            ideas = {str(i.pk): i for i in Idea.objects.filter(pk__in=[int(p) for p in found.projects])}
            names = [f"{ideas[p].title} ({ideas[p].project_id})" + (f": {pts} points" if pts is not None else "")
                     for p, pts in zip(found.projects, found.points or [None] * len(found.projects), strict=True)
                     if p in ideas]
            digest = found.receipt_hash
            for f in PublishedFile.objects.filter(process=process, name__endswith=".pb"):
                if f"\n{digest};" in f.content:
                    published_in = f.name
    return render(request, "voting/check.html", {"process": process, "form": form, "found": found,
                                                 "searched": searched, "names": names, "published_in": published_in},
                  status=404 if searched and found is None else 200)


def _chart(unit: dict[str, Any], ideas: dict[str, Idea]) -> dict[str, Any]:
    rows = []
    votes = unit.get("votes", {})
    top = max(votes.values(), default=0) or 1
    selected = set(unit["selected"])
    for n, (pid, count) in enumerate(sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))):
        idea = ideas.get(pid)
        rows.append({"id": pid, "title": idea.title if idea else pid, "votes": count,
                     "cost": money(idea.cost) if idea else None, "selected": pid in selected,
                     "width": round(300 * count / top, 1), "y": 8 + n * 28,
                     "fate": unit.get("projects", {}).get(pid, {}).get("reason", "")})
    return {"rows": rows, "height": 16 + 28 * len(rows)}


def _plain_rounds(unit: dict[str, Any], ideas: dict[str, Idea], currency: str) -> list[str]:
    out = []
    for r in unit.get("rounds", []):
        pid = str(r.get("project", ""))
        title = ideas[pid].title if pid in ideas else pid
        if "price_per_supporter" in r:
            out.append(f"Round {r.get('round')}: “{title}” is funded; each of its {r.get('supporters')} supporters "
                       f"pays {money(Decimal(str(r['price_per_supporter'])))} {currency} of their equal share.")
        elif "place" in r:
            verb = "funded" if r.get("action") == "selected" else "not funded"
            out.append(f"{r['place']}. “{title}” ({r.get('votes')} votes, costs {money(Decimal(str(r.get('cost', 0))))} "
                       f"{currency}) is {verb}: {r.get('reason', '')}.")
        elif "tallies" in r:
            parts = []
            if r.get("elected"):
                parts.append("elected: " + ", ".join(ideas[e].title if e in ideas else e for e in r["elected"]))
            if r.get("eliminated"):
                parts.append("eliminated: " + ", ".join(ideas[e].title if e in ideas else e for e in r["eliminated"]))
            out.append(f"Round {r.get('round')}: " + ("; ".join(parts) or r.get("note", "")))
        else:
            out.append(str(r.get("reason") or r))
    return out


def results(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    tally = Tally.objects.filter(process=process).first()
    context: dict[str, Any] = {"process": process, "tally": tally}
    if tally is not None and tally.status == Tally.Status.DONE:
        ideas = {i.project_id: i for i in Idea.objects.filter(process=process).select_related("area")}
        units = []
        for unit in tally.result.get("units", []):
            funded = set(unit.get("funded", unit["selected"]))
            lacking = [{"title": ideas[pid].title if pid in ideas else pid,
                        "reason": fate.get("adjustment") or fate.get("reason", "")}
                       for pid, fate in unit.get("projects", {}).items() if pid not in funded]
            units.append({**unit, "chart": _chart(unit, ideas), "plain_rounds": _plain_rounds(unit, ideas,
                                                                                             process.currency),
                          "lacking": lacking,
                          "selected_ideas": [ideas[p] for p in unit.get("funded", unit["selected"]) if p in ideas],
                          "adjustment_lines": [
                              f"{ideas[s['project']].title if s.get('project') in ideas else ''}: {s['reason']}"
                              if s.get("project") else f"{s.get('amount', '')} {process.currency} {s['reason']}"
                              for s in unit.get("adjustments", [])]})
        context.update({"units": units, "turnout": tally.result.get("turnout", []),
                        "files": PublishedFile.objects.filter(process=process).only("name", "sha256"),
                        "overrides": process.overrides.select_related("idea")})
    template = "voting/_progress.html" if request.htmx and (tally is None or tally.status != Tally.Status.DONE) \
        else "voting/results.html"
    return render(request, template, context)


def published_file(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    process = _process(slug)
    stored = PublishedFile.objects.filter(process=process, name=name).first()
    if stored is None:
        raise Http404("This file is published with the results.")
    kind = "application/json" if name.endswith(".json") else "text/plain"
    response = HttpResponse(stored.content.encode(), content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{process.slug}-{name}"'
    return response


class PaperForm(forms.Form):
    code = forms.CharField(label="Voter code", max_length=40)


def officer_paper(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request.user, "pb.manage")
    process = get_object_or_404(Process, slug=slug)
    form = PaperForm(request.POST or None)
    codes: list[str] = []
    outcome = ""
    status = 200
    if request.method == "POST":
        if "issue" in request.POST:
            try:
                count = max(1, min(int(request.POST.get("count", "1")), 500))
            except ValueError:
                count = 1
            ward = process.ward_budgets.filter(area__slug=request.POST.get("ward", "")).select_related("area").first()
            codes = services.issue_voter_codes(request.user, process, count, ward.area if ward else None,
                                               context=_ctx(request))
        elif "resolve" in request.POST and form.is_valid():
            services.resolve_mismatch(request.user, process, form.cleaned_data["code"], context=_ctx(request))
            outcome = "Both entries were discarded: enter the ballot again."
        elif form.is_valid():
            try:
                result = services.enter_paper_ballot(request.user, process, form.cleaned_data["code"], request.POST,
                                                     context=_ctx(request))
                outcome = {"waiting": "Entry saved: a second officer must now enter the same ballot.",
                           "recorded": "Both entries agree: the paper ballot is recorded.",
                           "mismatch": "The two entries differ: the ballot is flagged and must be resolved."}[result]
            except services.BallotRefused as refused:
                outcome, status = refused.message, refused.status
    from .models import PaperEntry

    return render(request, "voting/officer_paper.html", {
        "process": process, "form": form, "codes": codes, "outcome": outcome,
        "ideas": services.ballot_ideas(process, None) if not process.wards_counted_apart else [],
        "mismatches": PaperEntry.objects.filter(process=process, mismatch=True).count(),
        "wards": process.ward_budgets.select_related("area")}, status=status)


# --- officer pages for a process: settings, phases, closing the vote (under /officer/) ----------

def _officer(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request.user, "pb.manage")
    return None


def officer_processes(request: HttpRequest) -> HttpResponse:
    if (response := _officer(request)) is not None:
        return response
    form = ProcessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from councils.models import Council

        data = dict(form.cleaned_data)
        data["council"] = Council.objects.first()
        process = proposals_services.create_process(request.user, data, context=_ctx(request))
        messages.success(request, "Process created.")
        return redirect("pb_officer_process", slug=process.slug)
    return render(request, "voting/officer_processes.html", {
        "processes": Process.objects.order_by("-id"), "form": form})


def officer_process(request: HttpRequest, slug: str) -> HttpResponse:
    if (response := _officer(request)) is not None:
        return response
    process = get_object_or_404(Process, slug=slug)
    form = ProcessForm(instance=process)
    phase_form = PhaseForm(initial={"phase": process.phase})
    if request.method == "POST":
        try:
            if "phase" in request.POST:
                phase_form = PhaseForm(request.POST)
                if phase_form.is_valid():
                    proposals_services.move_phase(request.user, process, phase_form.cleaned_data["phase"], context=_ctx(request))
                    messages.success(request, "Phase changed.")
                    return redirect("pb_officer_process", slug=slug)
            elif "close" in request.POST:
                services.close_voting(request.user, process, context=_ctx(request))
                messages.success(request, "Voting is closed; the count is running.")
                return redirect("pb_results", slug=slug)
            else:
                form = ProcessForm(request.POST, instance=Process.objects.get(pk=process.pk))
                if form.is_valid():
                    proposals_services.update_process(request.user, process, form.cleaned_data, context=_ctx(request))
                    messages.success(request, "Process saved.")
                    return redirect("pb_officer_process", slug=slug)
            return render(request, "voting/officer_process.html", {
                "process": process, "form": form, "phase_form": phase_form, "ideas": process.ideas.select_related("area").order_by("status", "title")},
                status=400)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "voting/officer_process.html", {
                "process": process, "form": form, "phase_form": phase_form, "ideas": process.ideas.select_related("area").order_by("status", "title")},
                status=400)
    return render(request, "voting/officer_process.html", {
        "process": process, "form": form, "phase_form": phase_form, "ideas": process.ideas.select_related("area").order_by("status", "title")})


@require_POST
def officer_outcome(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A manual change to the outcome of one project (public reason, audited)."""
    if (response := _officer(request)) is not None:
        return response
    idea = get_object_or_404(Idea.objects.select_related("process"), pk=pk, process__slug=slug)
    try:
        services.override_outcome(request.user, idea.process, idea, request.POST.get("funded") == "yes",
                                  request.POST.get("reason", ""), context=_ctx(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("pb_officer_idea", slug=slug, pk=pk)
    messages.success(request, "The change is published on the results page.")
    return redirect("pb_results", slug=slug)
