"""Site pages that belong to no app: home, about, /healthz and the error pages.

Each app renders its own pages; these are the pages of the site as a whole.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from assemblies.models import Assembly
from civic.health import check_all
from councils.services import areas_of, current_council
from proposals.models import Phase, Process

HOME_LISTED = 6
"""How many budgets and assemblies the home page lists (newest first); the rest are on /pb/ and /assemblies/."""


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The front door: what residents can take part in now, linked, and the wards."""
    council = current_council()
    processes = Process.objects.exclude(phase=Phase.DRAFT).order_by("-id")
    assemblies = Assembly.objects.exclude(status=Assembly.Status.DRAFT).order_by("-created_at", "pk")
    if council is not None:
        processes, assemblies = processes.filter(council=council), assemblies.filter(council=council)
    return render(request, "home.html", {
        "areas": areas_of(council),
        "pb_processes": list(processes[:HOME_LISTED]),
        "assemblies": list(assemblies[:HOME_LISTED]),
    })


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "about.html")


async def healthz(request: HttpRequest) -> JsonResponse:
    """Database and channel layer status for load balancers; 503 if either fails."""
    report = await check_all()
    return JsonResponse(report, status=200 if report["ok"] else 503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Rendered without the request: a bad Host header makes request-dependent context fail.
    return HttpResponseBadRequest(loader.render_to_string("errors/400.html"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be the thing that failed.
    return HttpResponseServerError(loader.render_to_string("errors/500.html"))
