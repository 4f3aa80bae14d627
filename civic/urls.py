"""URL wiring only: each app owns its own urls.py."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("assemblies.lottery_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("assemblies/", include("deliberation.urls")),
]

handler400 = "accounts.views.bad_request"
handler403 = "accounts.views.permission_denied"
handler404 = "accounts.views.page_not_found"
handler500 = "accounts.views.server_error"
