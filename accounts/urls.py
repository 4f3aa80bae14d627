from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/equality/", views.equality_monitoring, name="equality_monitoring"),
    path("me/equality/delete/", views.equality_monitoring_delete, name="equality_monitoring_delete"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("officer/", views.officer_dashboard, name="officer_dashboard"),
    path("officer/users/", views.officer_users, name="officer_users"),
    path("audit/", views.audit_log, name="audit_log"),
]
