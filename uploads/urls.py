from django.urls import path

from uploads import views

app_name = "uploads"

urlpatterns = [
    path("", views.tus_create, name="create"),
    path("<uuid:pk>", views.tus_upload, name="upload"),
]
