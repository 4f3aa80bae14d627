"""URL wiring only: each app owns its own urls.py."""

from django.contrib import admin
from django.urls import include, path

from proposals import urls as proposals_urls
from voting import urls as voting_urls

urlpatterns = [
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("pb/", include("voting.urls")),
    path("pb/", include("proposals.urls")),
    path("officer/pb/", include(proposals_urls.officer_urlpatterns)),
    path("officer/pb/", include(voting_urls.officer_urlpatterns)),
]

handler400 = "accounts.views.bad_request"
handler403 = "accounts.views.permission_denied"
handler404 = "accounts.views.page_not_found"
handler500 = "accounts.views.server_error"
