"""Answer only the HTTP methods civic speaks.

Function views treat anything that is not POST as GET, so ``OPTIONS`` and ``TRACE`` used to
render the page. Here ``OPTIONS`` gets an empty 200 with ``Allow`` and every other method civic
does not use (``TRACE``, ``PUT``, ``DELETE``, …) a 405 with ``Allow``, before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

SERVED = ("GET", "HEAD", "POST")
ALLOW = ", ".join((*SERVED, "OPTIONS"))


class HttpMethodsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SERVED:
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=200)
            response["Allow"] = ALLOW
            response["Content-Length"] = "0"
            return response
        response = HttpResponseNotAllowed(
            SERVED, f"{request.method} is not supported here.\n", content_type="text/plain; charset=utf-8"
        )
        response["Allow"] = ALLOW
        return response
