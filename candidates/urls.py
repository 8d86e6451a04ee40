from candidates.runner import views as runner
from candidates.views import candidates, invites, public

app_name = "candidates"
urlpatterns = [
    *candidates.urlpatterns,
    *invites.urlpatterns,
    *runner.urlpatterns,
    *public.urlpatterns,
]
