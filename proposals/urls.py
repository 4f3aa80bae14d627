from django.urls import path

from . import views

urlpatterns = [
    path("", views.process_list, name="pb_processes"),
    path("<slug:slug>/", views.process_detail, name="pb_process"),
    path("<slug:slug>/ideas/", views.idea_list, name="pb_ideas"),
    path("<slug:slug>/ideas/new/", views.idea_new, name="pb_idea_new"),
    path("<slug:slug>/ideas/<int:pk>/", views.idea_detail, name="pb_idea"),
    path("<slug:slug>/ideas/<int:pk>/edit/", views.idea_edit, name="pb_idea_edit"),
    path("<slug:slug>/ideas/<int:pk>/support/", views.idea_support, name="pb_idea_support"),
    path("<slug:slug>/ideas/<int:pk>/report/", views.idea_report, name="pb_idea_report"),
]

officer_urlpatterns = [
    path("<slug:slug>/ideas/<int:pk>/", views.officer_idea, name="pb_officer_idea"),
]
