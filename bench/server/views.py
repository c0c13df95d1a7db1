"""Reference endpoints: the ceiling (a bare JSON response), the floor of any audited write
(one INSERT and one SELECT on a scratch table, in a transaction), and the least an audited
partner read must do (`minimal_audited_read`)."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from pont.accounts.api_auth import ApiKeyAuth
from pont.audit import services as audit
from pont.referrals.actors import actor_label
from pont.referrals.models import Referral


@login_not_required
def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@csrf_exempt
@login_not_required
def bare_write(request: HttpRequest) -> JsonResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_scratch (note) VALUES (%s)", ["x"])
        cursor.execute("SELECT id FROM bench_scratch ORDER BY id DESC LIMIT 1")
        last = cursor.fetchone()[0]
    return JsonResponse({"id": last})


_READ = (
    "SELECT id, person_id, status, version, reason FROM referrals_referral"
    " WHERE id = %s AND receiving_organisation_id = %s"
)


@login_not_required
def minimal_audited_read(request: HttpRequest, referral_id: Any) -> JsonResponse:
    """The least a partner's read of one referral can do: the API key checked by Pont's own
    check, one hand-written SELECT of five columns, and the disclosure written by Pont's audit
    writer, in one transaction. No ORM, no schema, no contact routes or history: what the
    referral API costs beyond this is the API; this itself is the price of the audit rule."""
    client = ApiKeyAuth()(request)
    if client is None:
        return JsonResponse({"detail": "Unauthorized"}, status=401)
    key = Referral._meta.pk.get_db_prep_value(referral_id, connection)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_READ, [key, client.organisation_id])
            row = cursor.fetchone()
        if row is None:
            return JsonResponse({"detail": "Not found"}, status=404)
        audit.record(
            actor=client,
            operation=audit.Operation.DISCLOSURE,
            subject=row[1],
            object_type=Referral._meta.label_lower,
            object_id=str(referral_id),
            recipient=actor_label(client),
            detail={"via": "api"},
        )
    return JsonResponse({"id": str(referral_id), "status": row[2], "version": row[3]})
