"""Policy rows for the audit log: the data protection officer alone (DPA 2018 s.62(4))."""

from pont.testing.personas import DPO
from pont.testing.policy import Rule, staff_view

RULES = [
    Rule("audit:search", staff_view(get={DPO: 200}, capable={DPO})),
    # An empty export request is refused as incomplete (400), never half-written.
    Rule("audit:export", staff_view(post={DPO: 400}, capable={DPO})),
]
