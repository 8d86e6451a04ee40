from candidates.runner import views as runner
from candidates.views import candidates, invites, public, results, review, share

app_name = "candidates"
urlpatterns = [
    *candidates.urlpatterns,
    *invites.urlpatterns,
    *review.urlpatterns,
    *results.urlpatterns,
    *share.urlpatterns,
    *runner.urlpatterns,
    *public.urlpatterns,
]
