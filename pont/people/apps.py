from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "pont.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from django.urls import reverse_lazy

        from pont.core.navigation import NavItem, register_nav_item

        register_nav_item(
            NavItem(
                key="people",
                label=_("People"),
                url=reverse_lazy("people:search"),
                capability="people.view_person",
                order=20,
                description=_("Find a person, see their contact details, record a new person."),
            )
        )
