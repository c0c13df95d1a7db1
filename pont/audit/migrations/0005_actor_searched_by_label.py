"""The log's search by member of staff gets an index it can use: their username lowered, then
the sequence (newest first). Until now it compared the label with iexact, which no index
served: the search read the whole log. The index on (actor, occurred_at) goes: nothing
searches by the actor's user id, and the only look-up by it, the check before a user is
deleted, does not happen (Pont deactivates users). Indexes only: no table is rebuilt, and
the log's triggers stay as they are."""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0004_actor_index_served_by_actor_time"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_actor_time",
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                django.db.models.functions.text.Lower("actor_label"),
                models.F("sequence"),
                name="audit_actor_sequence",
            ),
        ),
    ]
