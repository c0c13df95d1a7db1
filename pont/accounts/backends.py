"""Authentication backend whose permissions are the capabilities of the user's roles."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .roles import capabilities_for_roles

# Per-request caches kept on the user object start with this prefix, so one
# call can drop them all when a membership changes within the request.
CACHE_PREFIX = "_pont_cache_"
_CACHE_ATTR = f"{CACHE_PREFIX}capabilities"


class RoleCapabilityBackend(ModelBackend):
    """Password sign-in as Django's ModelBackend; permissions only from active memberships.

    Capabilities are computed once per request (the user object is fetched
    afresh on every request), so ending a membership removes its
    capabilities from the user's very next request (ASVS 8.3.2).
    """

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        cached = getattr(user_obj, _CACHE_ATTR, None)
        if cached is None:
            roles = set(user_obj.active_memberships().values_list("role", flat=True))
            cached = capabilities_for_roles(roles)
            setattr(user_obj, _CACHE_ATTR, cached)
        return set(cached)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))


def forget_cached_access(user_obj: Any) -> None:
    """Drop every per-request cache on the user after a membership changes in this request."""
    for name in [n for n in vars(user_obj) if n.startswith(CACHE_PREFIX)]:
        delattr(user_obj, name)
