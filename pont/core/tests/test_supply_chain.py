"""The supply chain (T24): the bill of materials says exactly what the lock files pin, and no
secret is committed. (Known vulnerabilities are not checked: this machine cannot reach a
vulnerability database; docs/security.md.)"""

import re
import secrets
import subprocess
import uuid
from pathlib import Path

import pyrage
import pytest
from django.conf import settings
from django.core.management import call_command

from pont.core.supply_chain import ALLOW, SHIPPED_NPM, _python_pins, sbom, secrets_in

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def bom():
    return sbom(ROOT)


def test_the_bill_of_materials_is_cyclonedx_with_the_project_at_its_head(bom):
    assert (bom["bomFormat"], bom["specVersion"], bom["version"]) == ("CycloneDX", "1.6", 1)
    assert uuid.UUID(bom["serialNumber"].removeprefix("urn:uuid:"))
    assert bom["metadata"]["component"]["name"] == "pont"
    refs = [component["bom-ref"] for component in bom["components"]]
    assert len(refs) == len(set(refs))
    (head,) = bom["dependencies"]
    assert head["ref"] == "pont"
    assert set(head["dependsOn"]) <= set(refs)


def test_every_python_package_pinned_for_production_is_listed_with_its_hashes(bom):
    pins = _python_pins(ROOT / "requirements" / "prod.lock")
    assert len(pins) > 40
    python = {c["purl"]: c for c in bom["components"] if c["purl"].startswith("pkg:pypi/")}
    assert len(python) == len(pins)
    for name, version, hashes in pins:
        component = python[f"pkg:pypi/{re.sub(r'[-_.]+', '-', name).lower()}@{version}"]
        assert [h["content"] for h in component["hashes"]] == hashes != []
        assert component["scope"] == "required"
        assert component["licenses"], f"{name} declares no licence"
    depends_on = bom["dependencies"][0]["dependsOn"]
    assert "pkg:pypi/django@" + next(v for n, v, _h in pins if n.lower() == "django") in depends_on


def test_the_front_end_packages_that_ship_are_required_and_the_tools_excluded(bom):
    npm = {c["name"]: c for c in bom["components"] if c["purl"].startswith("pkg:npm/")}
    # What `make assets` copies into the static files is what the list says ships.
    makefile = (ROOT / "Makefile").read_text()
    copied = set(re.findall(r"cp node_modules/((?:@[^/]+/)?[^/]+)/", makefile))
    assert copied == set(SHIPPED_NPM)
    for name, component in npm.items():
        assert component["scope"] == ("required" if name in SHIPPED_NPM else "excluded")
        assert component["hashes"][0]["alg"] == "SHA-512"
        assert len(component["hashes"][0]["content"]) == 128
    assert npm["@ministryofjustice/frontend"]["purl"].startswith("pkg:npm/%40ministryofjustice/")
    assert {"sass", "axe-core"} <= set(npm)


def test_pont_sbom_writes_the_file(tmp_path):
    out = tmp_path / "sbom.cdx.json"
    call_command("sbom", "--output", str(out))
    assert '"bomFormat": "CycloneDX"' in out.read_text()


def _planted(tmp_path: Path) -> Path:
    """A file holding one of each kind of secret, made now (none is written in this test)."""
    token = secrets.token_urlsafe(32)
    lines = [
        "-----BEGIN " + "RSA PRIVATE KEY-----",
        "aws = 'AKIA" + secrets.token_hex(8).upper() + "'",
        "gh = 'ghp_" + secrets.token_hex(18) + "'",
        "slack = 'xoxb-" + secrets.token_hex(8) + "'",
        f"key = 'pont_{secrets.token_hex(6)}_{token}'",
        f"hook = 'whsec_{token}'",
        f"backups = '{pyrage.x25519.Identity.generate()}'",
        f"shown = 'whsec_{token}'  # {ALLOW}",
        "nothing = 'whsec_' + 'short'",
    ]
    path = tmp_path / "config.py"
    path.write_text("\n".join(lines) + "\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + b"AKIA" * 10)
    return path


def test_each_kind_of_secret_is_found_and_reported_without_itself(tmp_path):
    path = _planted(tmp_path)
    findings = secrets_in([path, tmp_path / "image.png"], tmp_path)
    assert [(f.line, f.kind) for f in findings] == [
        (1, "private key"),
        (2, "AWS access key"),
        (3, "GitHub token"),
        (4, "Slack token"),
        (5, "Pont API key"),
        (6, "Pont webhook secret"),
        (7, "age secret key"),
    ]
    text = path.read_text()
    for finding in findings:
        assert str(finding).startswith("config.py:")
        assert not any(part in str(finding) for part in re.findall(r"'([^']{20,})'", text))


def test_no_secret_is_committed():
    try:
        listed = subprocess.run(  # noqa: S603 - git, fixed arguments
            ["git", "ls-files", "-z"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    paths = [ROOT / name for name in listed.decode().split("\0") if name]
    assert len(paths) > 500
    assert [str(finding) for finding in secrets_in(paths, ROOT)] == []
