"""Policy rows for the shell's own pages: all public."""

from pont.testing.policy import Rule, public_view

RULES = [
    Rule("core:home", public_view()),
    Rule("core:healthz", public_view()),
    Rule("core:readyz", public_view()),
    Rule("core:accessibility", public_view()),
    Rule("core:privacy", public_view()),
    Rule("core:cookies", public_view()),
]
