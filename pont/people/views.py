"""Finding, recording and viewing people, with every view of a record audited."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import ADD_PERSON, CHANGE_PERSON, VIEW_PERSON
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.forms import apply_application_error, form_status

from . import selectors, services
from .access import person_actions_for, person_sections_for, search_purpose_for
from .forms import (
    ContactRouteForm,
    ContactRouteKindForm,
    PersonCreateForm,
    PersonEditForm,
    PersonSearchForm,
)
from .models import ContactRoute, Person


def _person_to_change_or_404(request: AuthenticatedRequest, person_id: int) -> Person:
    """Return the person if the user may change the record; otherwise 404, as if missing."""
    person = selectors.person_get_for_user(user=request.user, person_id=person_id, write=True)
    if person is None:
        raise Http404
    return person


@capability_required(VIEW_PERSON)
@require_http_methods(["GET", "POST"])
def person_search(request: AuthenticatedRequest) -> HttpResponse:
    form = PersonSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = selectors.person_search(
            user=request.user,
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            pnc_id=form.cleaned_data["pnc_id"],
        )
        services.people_shown(actor=request.user, people=results, context="search")
    purpose = search_purpose_for(request.user, request.GET)
    if purpose is not None and results:
        for person in results:
            person.purpose_link = purpose.link(person.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "results": results,
            "limit": selectors.SEARCH_LIMIT,
            "may_add": request.user.has_perm(ADD_PERSON),
            "purpose": purpose,
        },
        status=form_status(form),
    )


@capability_required(ADD_PERSON)
@require_http_methods(["GET", "POST"])
def person_create(request: AuthenticatedRequest) -> HttpResponse:
    form = PersonCreateForm(request.POST or None, initial={"preferred_language": "en"})
    matches = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                gender=data["gender"],
                pnc_id=data["pnc_id"],
                preferred_language=data["preferred_language"],
                confirmed_new=data["confirmed_new"],
            )
        except services.DuplicateSuspected as error:
            matches = error.matches
            services.people_shown(
                actor=request.user,
                people=[m.person for m in matches],
                context="possible duplicates",
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("%(name)s has been recorded.") % {"name": person.full_name})
            return redirect(person)
    return render(
        request,
        "people/create.html",
        {"form": form, "matches": matches},
        status=400 if matches else form_status(form),
    )


@capability_required(VIEW_PERSON)
@require_http_methods(["GET"])
def person_detail(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = services.person_consult(actor=request.user, person_id=person_id)
    if person is None:
        raise Http404
    routes = list(selectors.contact_routes_of(person=person))
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "routes": routes,
            "reachable": any(route.reaches_the_person for route in routes),
            "may_change": request.user.has_perm(CHANGE_PERSON),
            "actions": person_actions_for(request.user, person.pk),
            "sections": person_sections_for(request.user, person),
        },
    )


@capability_required(CHANGE_PERSON)
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = _person_to_change_or_404(request, person_id)
    initial = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth,
        "gender": person.gender,
        "pnc_id": person.pnc_id,
        "preferred_language": person.preferred_language,
        "version": person.version,
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.person_update(
                actor=request.user, person_id=person.pk, expected_version=version, **data
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        except NotFoundError:
            raise Http404 from None
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The details have been saved."))
            return redirect(person)
    return render(request, "people/edit.html", {"form": form, "person": person}, status=status)


@capability_required(CHANGE_PERSON)
@require_http_methods(["GET", "POST"])
def contact_route_add(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """One question per page: first how they can be contacted, then those details."""
    person = _person_to_change_or_404(request, person_id)
    # Where to go back to afterwards (e.g. the drug test waiting for these details): ours only.
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in ContactRoute.Kind.values:
        # Bound once Continue was pressed (its `asked` field), even with nothing chosen.
        asked = "kind" in request.GET or "asked" in request.GET
        choice = ContactRouteKindForm(request.GET if asked else None)
        choice.is_valid()
        return render(
            request,
            "people/contact_route_kind.html",
            {"form": choice, "person": person, "next": back},
            status=form_status(choice),
        )
    form = ContactRouteForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_route_add(
                actor=request.user,
                person_id=person.pk,
                kind=kind,
                use=form.cleaned_data["use"],
                values=form.values(),
                is_preferred=form.cleaned_data["is_preferred"],
                is_verified=form.cleaned_data["is_verified"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("The contact details have been added."))
            return redirect(back or person.get_absolute_url())
    return render(
        request,
        "people/contact_route_add.html",
        {
            "form": form,
            "person": person,
            "kind": kind,
            "kind_label": ContactRoute.Kind(kind).label,
            "next": back,
        },
        status=form_status(form),
    )


@capability_required(CHANGE_PERSON)
@require_POST
def contact_route_end(request: AuthenticatedRequest, person_id: int, route_id: int) -> HttpResponse:
    try:
        services.contact_route_end(actor=request.user, person_id=person_id, route_id=route_id)
    except NotFoundError:
        raise Http404 from None
    except ApplicationError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("The contact route has been removed."))
    return redirect("people:detail", person_id=person_id)
