from django.urls import path, re_path

from . import views

urlpatterns = [
    path("<slug:slug>/vote/", views.vote, name="pb_vote"),
    path("<slug:slug>/vote/code/", views.vote_code, name="pb_vote_code"),
    path("<slug:slug>/vote/total/", views.vote_total, name="pb_vote_total"),
    path("<slug:slug>/check/", views.check, name="pb_check"),
    path("<slug:slug>/results/", views.results, name="pb_results"),
    re_path(r"^(?P<slug>[-a-zA-Z0-9_]+)/(?P<name>ballots(-[-a-z0-9_]+)?\.(pb|blt)|results\.json|manifest\.json)$",
            views.published_file, name="pb_file"),
]

officer_urlpatterns = [
    path("", views.officer_processes, name="pb_officer_processes"),
    path("<slug:slug>/", views.officer_process, name="pb_officer_process"),
    path("<slug:slug>/paper/", views.officer_paper, name="pb_officer_paper"),
    path("<slug:slug>/ideas/<int:pk>/outcome/", views.officer_outcome, name="pb_officer_outcome"),
]
