from django.urls import path

from . import views

app_name = "deliberation"

urlpatterns = [
    path("sessions/<int:session_id>/", views.room, name="room"),
    path("sessions/<int:session_id>/act/", views.act, name="act"),
    path("sessions/<int:session_id>/projector/", views.projector, name="projector"),
    path("sessions/<int:session_id>/minutes/", views.minutes, name="minutes"),
    path("sessions/<int:session_id>/votes.csv", views.results_csv, name="results_csv"),
    path("sessions/<int:session_id>/votes.json", views.results_json, name="results_json"),
]
