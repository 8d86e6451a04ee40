from interviews.views import ai_text, audio, builder, narrators, survey

app_name = "interviews"
urlpatterns = [
    *builder.urlpatterns,
    *audio.urlpatterns,
    *survey.urlpatterns,
    *ai_text.urlpatterns,
    *narrators.urlpatterns,
]
