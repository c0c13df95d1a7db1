from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from pont.core import views as core_views

from .api import api

urlpatterns = [
    path("", include("pont.core.urls")),
    path("accounts/", include("pont.accounts.urls")),
    path("reference-data/", include("pont.accounts.reference_urls")),
    path("people/", include("pont.people.urls")),
    path("audit/", include("pont.audit.urls")),
    path("services/", include("pont.directory.urls")),
    path("referrals/", include("pont.referrals.urls")),
    path("custody/drug-tests/", include("pont.drug_testing.urls")),
    path("stop-search/", include("pont.stop_search.urls")),
    path("disposals/", include("pont.disposals.urls")),
    path("api/v1/", api.urls),
    # The language switch on every page, public and staff alike; it only ever POSTs.
    path("i18n/set-language", require_POST(login_not_required(set_language)), name="set_language"),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
