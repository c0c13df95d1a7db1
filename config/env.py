"""Typed readers for the environment that settings depend on.

Each reader names the variable and the bad value when it refuses, so a
misconfigured server fails at start-up with a sentence, not later with a
traceback. Nothing here guesses: a value that does not parse is an error.
"""

import os
from collections.abc import Mapping
from typing import Final

from django.core.exceptions import ImproperlyConfigured

_MISSING: Final = object()

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class EnvError(ImproperlyConfigured):
    """An environment variable is missing or does not parse."""


def _raw(name: str, default: object, environ: Mapping[str, str] | None) -> str | object:
    source = os.environ if environ is None else environ
    if name in source:
        return source[name]
    if default is _MISSING:
        raise EnvError(f"Environment variable {name} is required but not set.")
    return default


def env_str(
    name: str,
    default: str | object = _MISSING,
    *,
    min_length: int = 0,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Return a string variable; refuse one shorter than min_length."""
    value = _raw(name, default, environ)
    if not isinstance(value, str):
        raise EnvError(f"Environment variable {name} must be text.")
    if len(value) < min_length:
        raise EnvError(
            f"Environment variable {name} must be at least {min_length} characters long "
            f"(it has {len(value)})."
        )
    return value


def env_bool(
    name: str, default: bool | object = _MISSING, *, environ: Mapping[str, str] | None = None
) -> bool:
    """Return a boolean variable written as 1/0, true/false, yes/no or on/off."""
    value = _raw(name, default, environ)
    if isinstance(value, bool):
        return value
    assert isinstance(value, str)  # noqa: S101 - _raw returns str or the default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(
        f"Environment variable {name} must be one of 1/0, true/false, yes/no, on/off "
        f"(got {value!r})."
    )


def env_int(
    name: str,
    default: int | object = _MISSING,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Return an integer variable within [minimum, maximum]."""
    value = _raw(name, default, environ)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise EnvError(
                f"Environment variable {name} must be a whole number (got {value!r})."
            ) from None
    if minimum is not None and number < minimum:
        raise EnvError(f"Environment variable {name} must be at least {minimum} (got {number}).")
    if maximum is not None and number > maximum:
        raise EnvError(f"Environment variable {name} must be at most {maximum} (got {number}).")
    return number


def env_list(
    name: str,
    default: list[str] | object = _MISSING,
    *,
    allow_empty: bool = True,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Return a comma-separated list, with surrounding spaces and empty items removed."""
    value = _raw(name, default, environ)
    if isinstance(value, list):
        items = [str(item) for item in value]
    else:
        items = [part.strip() for part in str(value).split(",") if part.strip()]
    if not items and not allow_empty:
        raise EnvError(f"Environment variable {name} must list at least one value.")
    return items


def env_choice(
    name: str,
    choices: tuple[str, ...],
    default: str | object = _MISSING,
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Return a variable that must be one of choices."""
    value = env_str(name, default, environ=environ)
    if value not in choices:
        raise EnvError(
            f"Environment variable {name} must be one of {', '.join(choices)} (got {value!r})."
        )
    return value
