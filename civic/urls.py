"""URL wiring only: site pages here, each app's own urls.py included."""

from django.contrib import admin
from django.urls import include, path

from civic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("assemblies/", include("deliberation.urls")),
]

handler400 = "civic.views.bad_request"
handler403 = "civic.views.permission_denied"
handler404 = "civic.views.page_not_found"
handler500 = "civic.views.server_error"
