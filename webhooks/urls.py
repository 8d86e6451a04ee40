from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("<uuid:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path("<uuid:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<uuid:pk>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
    path("<uuid:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path(
        "<uuid:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
