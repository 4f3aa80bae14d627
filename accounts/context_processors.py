from __future__ import annotations

from django.http import HttpRequest

from councils.services import current_council


def council(request: HttpRequest) -> dict:
    return {"council": current_council()}
