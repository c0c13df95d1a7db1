"""Production settings: the deploy check is clean, and bad configuration fails loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "9f3c1e7a5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a" + "z" * 10,
    "DJANGO_ALLOWED_HOSTS": "pont.dyfed-powys.police.example",
    "DATABASE_URL": "postgres://pont:secret@db.internal.example:5432/pont",
    "PONT_AUDIT_CHECKPOINT_KEY": "c" * 48,
    "PONT_BASE_URL": "https://pont.dyfed-powys.police.example",
    "PONT_STATIC_ROOT": str(ROOT / "var" / "staticfiles-check"),
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "PONT_"))
    }
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_reports_nothing_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "PONT_AUDIT_CHECKPOINT_KEY"],
)
def test_production_refuses_to_start_without_required_settings(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "too-short"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be at least 50 characters" in result.stderr


def test_demo_tools_cannot_be_switched_on_in_production():
    result = _manage("demo-otp", "anyone", env={**PRODUCTION_ENV, "PONT_DEMO_TOOLS": "1"})
    assert result.returncode != 0
    assert "disabled" in result.stderr
    demo = _manage("demo", env={**PRODUCTION_ENV, "PONT_DEMO_TOOLS": "1"})
    assert demo.returncode != 0
    assert "cannot be loaded" in demo.stderr
