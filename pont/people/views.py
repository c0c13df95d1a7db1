"""Finding, recording and viewing people, with every view of a record audited."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import ADD_PERSON, CHANGE_CONTACT_ROUTES, CHANGE_PERSON, VIEW_PERSON
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.forms import apply_application_error, form_status
from pont.core.refusals import not_found

from . import selectors, services
from .access import (
    SearchPurpose,
    person_actions_for,
    person_sections_for,
    search_purpose_for,
    search_purpose_not_found,
    search_purpose_parameters,
)
from .forms import (
    ContactRouteForm,
    ContactRouteKindForm,
    PersonCreateForm,
    PersonEditForm,
    PersonSearchForm,
    PreferredLanguageForm,
)
from .kept_searches import keep_search, kept_search
from .models import ContactRoute, Person


def _person_to_change_or_refuse(
    request: AuthenticatedRequest, person_id: int, capability: str
) -> Person:
    """Return the person if the user may make this change to the record.

    404 when the user may not see the person (as if missing); 403 when they see the person
    but their role may not make this change (a provider and the identity, say).
    """
    user = request.user
    person = selectors.person_get_for_user(user=user, person_id=person_id, write=capability)
    if person is not None:
        return person
    if selectors.person_get_for_user(user=user, person_id=person_id) is None:
        raise not_found(request, Person, person_id)
    raise PermissionDenied


# The search page's query parameter that names the kept search to show (see kept_searches).
RESULTS_PARAMETER = "results"


def _purpose_of(
    request: AuthenticatedRequest, asked: dict[str, str]
) -> tuple[SearchPurpose | None, str, str]:
    """The search purpose asked for, the query that carries it on (if it was found), and what
    the page says if it was not."""
    purpose = search_purpose_for(request.user, asked)
    if purpose is None:
        return None, "", search_purpose_not_found(asked)
    return purpose, urlencode(asked), ""


def _search_page(
    request: AuthenticatedRequest,
    form: PersonSearchForm,
    asked: dict[str, str],
    *,
    results: list[Person] | None = None,
    expired: bool = False,
) -> HttpResponse:
    purpose, purpose_query, purpose_not_found = _purpose_of(request, asked)
    if purpose is not None and results:
        for person in results:
            person.purpose_link = purpose.link(person.pk)  # type: ignore[attr-defined]  # for the page
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "results": results,
            "limit": selectors.SEARCH_LIMIT,
            "may_add": request.user.has_perm(ADD_PERSON),
            "purpose": purpose,
            "purpose_query": purpose_query,
            "purpose_not_found": purpose_not_found,
            "expired": expired,
        },
        status=form_status(form),
    )


@capability_required(VIEW_PERSON)
@require_http_methods(["GET", "POST"])
def person_search(request: AuthenticatedRequest) -> HttpResponse:
    """Search by POST (names stay out of addresses and logs), then show the results by GET.

    The POST keeps the terms in the session and redirects to this page with only their token
    (POST/redirect/GET), so that Back from a person's record shows the results again without
    asking to send the form again. Each showing of the results is audited.
    """
    if request.method == "POST":
        asked = search_purpose_parameters(request.GET)
        form = PersonSearchForm(request.POST or None)
        if not form.is_valid():
            return _search_page(request, form, asked)
        token = keep_search(
            request,
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            pnc_id=form.cleaned_data["pnc_id"],
            purpose=asked,
        )
        return redirect(f"{reverse('people:search')}?{urlencode({RESULTS_PARAMETER: token})}")
    token = request.GET.get(RESULTS_PARAMETER, "")
    if not token:
        return _search_page(request, PersonSearchForm(), search_purpose_parameters(request.GET))
    kept = kept_search(request, token)
    if kept is None:
        return _search_page(request, PersonSearchForm(), {}, expired=True)
    results = selectors.person_search(
        user=request.user, name=kept.name, date_of_birth=kept.date_of_birth, pnc_id=kept.pnc_id
    )
    services.people_shown(actor=request.user, people=results, context="search")
    form = PersonSearchForm(
        initial={"name": kept.name, "date_of_birth": kept.date_of_birth, "pnc_id": kept.pnc_id}
    )
    return _search_page(request, form, kept.purpose, results=results)


@capability_required(ADD_PERSON)
@require_http_methods(["GET", "POST"])
def person_create(request: AuthenticatedRequest) -> HttpResponse:
    """Record a person; when the search had a purpose (refer them...), go on to it afterwards."""
    purpose, purpose_query, purpose_not_found = _purpose_of(
        request, search_purpose_parameters(request.GET)
    )
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
            if purpose is not None:
                for match in matches:
                    link = purpose.link(match.person.pk)
                    match.person.purpose_link = link  # type: ignore[attr-defined]  # for the page
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("%(name)s has been recorded.") % {"name": person.full_name})
            return redirect(purpose.link(person.pk) if purpose is not None else person)
    return render(
        request,
        "people/create.html",
        {
            "form": form,
            "matches": matches,
            "purpose": purpose,
            "purpose_query": purpose_query,
            "purpose_not_found": purpose_not_found,
        },
        status=400 if matches else form_status(form),
    )


@capability_required(VIEW_PERSON)
@require_http_methods(["GET"])
def person_detail(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = services.person_consult(actor=request.user, person_id=person_id)
    if person is None:
        raise not_found(request, Person, person_id)
    routes = list(selectors.contact_routes_of(person=person))
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "routes": routes,
            "reachable": any(route.reaches_the_person for route in routes),
            "may_change_identity": request.user.has_perm(CHANGE_PERSON),
            "may_change_contact": request.user.has_perm(CHANGE_CONTACT_ROUTES),
            "actions": person_actions_for(request.user, person.pk),
            "sections": person_sections_for(request.user, person),
        },
    )


# VIEW_PERSON, not CHANGE_PERSON, at the door: a provider asking for someone they cannot see
# is answered 404 (as if missing) and for someone referred to them 403 (the identity is the
# force's to change), the answers every other refusal gives.
def _versioned_change(
    request: AuthenticatedRequest,
    form: forms.Form,
    person: Person,
    save: Callable[[dict[str, Any]], None],
    template: str,
    saved: str,
    shown_in: str,
) -> HttpResponse:
    """A form that changes the record at the version it was opened with: saved (then back to
    the record), or shown again with what went wrong (409 when the record changed meanwhile)."""
    status: int | None = None
    if request.method == "POST" and form.is_valid():
        try:
            save(dict(form.cleaned_data))
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409
        except NotFoundError:
            raise Http404 from None
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, saved)
            return redirect(person)
    _shown_in_form(request, person, shown_in)
    return render(
        request, template, {"form": form, "person": person}, status=status or form_status(form)
    )


def _shown_in_form(request: AuthenticatedRequest, person: Person, form: str) -> None:
    """A form to change the record shows what it holds (the identity form all of it): a
    consultation, recorded as the record's page records one."""
    services.people_shown(actor=request.user, people=[person], context=form)


@capability_required(VIEW_PERSON)
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """Change the identity of the record (name, date of birth, gender, PNC ID): officers only."""
    person = _person_to_change_or_refuse(request, person_id, CHANGE_PERSON)
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

    def save(data: dict[str, Any]) -> None:
        version = data.pop("version")
        services.person_update(
            actor=request.user, person_id=person.pk, expected_version=version, **data
        )

    return _versioned_change(
        request,
        form,
        person,
        save,
        "people/edit.html",
        _("The details have been saved."),
        shown_in="identity form",
    )


@capability_required(CHANGE_CONTACT_ROUTES)
@require_http_methods(["GET", "POST"])
def contact_route_add(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """One question per page: first how they can be contacted, then those details."""
    person = _person_to_change_or_refuse(request, person_id, CHANGE_CONTACT_ROUTES)
    # Where to go back to afterwards (e.g. the drug test waiting for these details): ours only.
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in ContactRoute.Kind.values:
        # Bound once Continue was pressed (its `asked` field), even with nothing chosen, and
        # when the details came back without a kind Pont knows (a changed page): said, then.
        data: Any = None
        if request.method == "POST":
            data = {"kind": kind}
        elif "kind" in request.GET or "asked" in request.GET:
            data = request.GET
        choice = ContactRouteKindForm(data)
        choice.is_valid()
        _shown_in_form(request, person, "contact details form")
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
    _shown_in_form(request, person, "contact details form")
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


@capability_required(CHANGE_CONTACT_ROUTES)
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


@capability_required(CHANGE_CONTACT_ROUTES)
@require_http_methods(["GET", "POST"])
def person_language_change(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """Set the language to write to the person in: officers and providers alike."""
    person = _person_to_change_or_refuse(request, person_id, CHANGE_CONTACT_ROUTES)
    form = PreferredLanguageForm(
        request.POST or None,
        initial={"preferred_language": person.preferred_language, "version": person.version},
    )

    def save(data: dict[str, Any]) -> None:
        services.person_language_set(
            actor=request.user,
            person_id=person.pk,
            expected_version=data["version"],
            preferred_language=data["preferred_language"],
        )

    return _versioned_change(
        request,
        form,
        person,
        save,
        "people/language.html",
        _("The preferred language has been saved."),
        shown_in="language form",
    )
