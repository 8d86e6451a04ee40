from candidates.runner import accommodations as runner_accommodations
from candidates.runner import views as runner
from candidates.views import (
    accommodations,
    candidates,
    compliance,
    decision_files,
    invites,
    message_templates,
    messages,
    public,
    results,
    review,
    share,
)

app_name = "candidates"
urlpatterns = [
    *candidates.urlpatterns,
    *invites.urlpatterns,
    *accommodations.urlpatterns,
    *compliance.urlpatterns,
    *decision_files.urlpatterns,
    *messages.urlpatterns,
    *message_templates.urlpatterns,
    *review.urlpatterns,
    *results.urlpatterns,
    *share.urlpatterns,
    *runner.urlpatterns,
    *runner_accommodations.urlpatterns,
    *public.urlpatterns,
]
