"""URL wiring only: site pages here, each app's own urls.py included."""

from django.contrib import admin
from django.urls import include, path

from civic import views
from proposals import urls as proposals_urls
from voting import urls as voting_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("assemblies.lottery_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("assemblies/", include("deliberation.urls")),
    path("pb/", include("voting.urls")),
    path("pb/", include("proposals.urls")),
    path("officer/pb/", include(proposals_urls.officer_urlpatterns)),
    path("officer/pb/", include(voting_urls.officer_urlpatterns)),
]

handler400 = "civic.views.bad_request"
handler403 = "civic.views.permission_denied"
handler404 = "civic.views.page_not_found"
handler500 = "civic.views.server_error"
