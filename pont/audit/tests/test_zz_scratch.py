import datetime
from django.urls import reverse
from pont.people.services import person_create


def test_scratch(world, as_persona):
    person = person_create(actor=world.users["custody"], given_name="Ann", family_name="Jones", date_of_birth=datetime.date(1990,1,1), gender="female", confirmed_new=True)
    c = as_persona("dpo")
    r = c.get(reverse("audit:search"), {"person": f"P{person.pk:06d}"})
    print([(e.sequence, e.operation) for e in r.context["page"]])
    print(r.content.decode()[r.content.decode().find("<table"):][:3000])
