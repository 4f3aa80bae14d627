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

from civic.health import check_all
from councils.services import areas_of, current_council


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"areas": areas_of(current_council())})


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
