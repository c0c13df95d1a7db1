"""Authentication backend whose permissions are the capabilities of the user's roles."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .roles import capabilities_for_roles

_CACHE_ATTR = "_pont_capabilities"


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


def forget_capabilities(user_obj: Any) -> None:
    """Drop the per-request cache after a membership changes within the same request."""
    if hasattr(user_obj, _CACHE_ATTR):
        delattr(user_obj, _CACHE_ATTR)
