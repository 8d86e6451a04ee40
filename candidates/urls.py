from candidates.runner import views as runner
from candidates.views import candidates, compliance, invites, public, results, review, share

app_name = "candidates"
urlpatterns = [
    *candidates.urlpatterns,
    *invites.urlpatterns,
    *compliance.urlpatterns,
    *review.urlpatterns,
    *results.urlpatterns,
    *share.urlpatterns,
    *runner.urlpatterns,
    *public.urlpatterns,
]
