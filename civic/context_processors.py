from __future__ import annotations

from django.http import HttpRequest

from councils.services import current_council


def council(request: HttpRequest) -> dict:
    """The council this deployment serves, for the page header and footer."""
    return {"council": current_council()}
