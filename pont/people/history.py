"""What happened to a person later, as other modules record it: a small registry.

A module that records events in people's lives that an outcome measure may
count (an arrest in custody, a later out-of-court disposal) registers, when it
starts, a function that finds them: `fn(person_ids, since)` returns
`{person_id: [moment, ...]}`, the aware datetimes of that kind of event at or
after `since` for those people. A module that measures outcomes (the
disposals dashboard's reoffending within 12 months) reads every kind through
`later_events` without importing the modules that record them, so source
modules never import each other.
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django_stubs_ext import StrOrPromise

LaterEvents = Callable[[Collection[int], datetime], Mapping[int, Sequence[datetime]]]

# People asked about in one call of a registered function: `IN` lists stay well below the
# databases' limits on query parameters however many people a measure covers.
BATCH = 500


@dataclass(frozen=True)
class EventKind:
    kind: str
    find: LaterEvents
    label: StrOrPromise


_kinds: dict[str, EventKind] = {}


def _name(fn: LaterEvents) -> tuple[str, str]:
    return (getattr(fn, "__module__", ""), getattr(fn, "__qualname__", repr(fn)))


def register_later_events(kind: str, fn: LaterEvents, *, label: StrOrPromise = "") -> None:
    """Register how to find events of `kind` (once, when the recording module starts).

    Registering the same function again (a second start-up) replaces it; a different
    function for a kind already registered is a mistake and raises.
    """
    known = _kinds.get(kind)
    if known is not None and _name(known.find) != _name(fn):
        raise RuntimeError(f"Later events of kind {kind!r} are already registered.")
    _kinds[kind] = EventKind(kind=kind, find=fn, label=label or kind)


def unregister_later_events(kind: str) -> None:
    """Forget a kind (for tests that register their own)."""
    _kinds.pop(kind, None)


def registered_kinds() -> list[EventKind]:
    """The kinds registered, in the order they were registered."""
    return list(_kinds.values())


def later_events(
    person_ids: Iterable[int], since: datetime, *, kinds: Iterable[str] | None = None
) -> dict[str, dict[int, list[datetime]]]:
    """Every registered kind's events for these people at or after `since`, sorted:
    `{kind: {person_id: [moment, ...]}}`. People with none are left out; no people, no
    queries. `kinds` limits the kinds asked (unknown ones are ignored)."""
    ids = sorted(set(person_ids))
    wanted = [k for k in _kinds.values() if kinds is None or k.kind in set(kinds)]
    found: dict[str, dict[int, list[datetime]]] = {k.kind: {} for k in wanted}
    if not ids:
        return found
    for event_kind in wanted:
        by_person = found[event_kind.kind]
        for start in range(0, len(ids), BATCH):
            for person_id, moments in event_kind.find(ids[start : start + BATCH], since).items():
                by_person.setdefault(person_id, []).extend(m for m in moments if m >= since)
        for person_id in [p for p, moments in by_person.items() if not moments]:
            del by_person[person_id]
        for moments in by_person.values():
            moments.sort()
    return found
