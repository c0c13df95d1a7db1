"""Reference endpoints: the ceiling (a bare JSON response) and the floor of any audited write
(one INSERT and one SELECT on a scratch table, in a transaction)."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt


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
