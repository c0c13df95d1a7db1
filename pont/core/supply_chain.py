"""The supply chain (T24): what Pont is built from, and no secret in what it is built from.

`pont sbom` writes a CycloneDX 1.6 software bill of materials from the lock files, the
versions and hashes that `make install` and `make assets` check: every Python package of
`requirements/prod.lock` (what runs in production) and every front-end package of
`package-lock.json`, those copied into the static files marked required, the rest (the
stylesheet compiler, the accessibility checker the tests run) excluded from what ships.

`secrets_in(paths)` looks for credentials committed by mistake: private keys, cloud and
chat tokens, and Pont's own API keys and webhook secrets, whose shapes are known. A line
may carry `pragma: allowlist secret` when what it holds only looks like one.
"""

import base64
import json
import re
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings

# The front-end packages `make assets` copies into the static files (Makefile): what ships.
SHIPPED_NPM = ("govuk-frontend", "@ministryofjustice/frontend", "htmx.org")

_PIN = re.compile(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s\\;]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def _python_pins(lock: Path) -> list[tuple[str, str, list[str]]]:
    """(name, version, sha256 hashes) of every package pinned in a pip lock file."""
    pins: list[tuple[str, str, list[str]]] = []
    for line in lock.read_text().splitlines():
        pin = _PIN.match(line)
        if pin:
            name = re.sub(r"\[.*\]", "", pin.group(1))
            pins.append((name, pin.group(2), []))
        elif pins:
            pins[-1][2].extend(_HASH.findall(line))
    return pins


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _header(meta: Any, name: str) -> str | None:
    """One header of a package's metadata, or None (a missing one raises on newer Pythons)."""
    return (meta.get_all(name) or [None])[0]


# Packages whose metadata names no licence, with the licence of the LICENSE file they ship
# (read by hand; the pin in requirements/prod.lock is the version read).
LICENCE_FILES_READ = {"pyrage": "MIT"}


def _python_licence(name: str) -> list[dict[str, Any]]:
    """The licence the installed package declares (an SPDX expression where it gives one)."""
    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return []
    expression = _header(meta, "License-Expression") or LICENCE_FILES_READ.get(name.lower(), "")
    if expression:
        return [{"expression": expression}]
    named = [
        classifier.rsplit(" :: ", 1)[-1]
        for classifier in meta.get_all("Classifier") or []
        if classifier.startswith("License :: ")
    ]
    licence = _header(meta, "License")
    if not named and licence and len(licence) <= 80:
        named = [licence]
    return [{"license": {"name": licence}} for licence in named]


def _python_component(name: str, version: str, hashes: list[str]) -> dict[str, Any]:
    purl = f"pkg:pypi/{_normalised(name)}@{version}"
    return {
        "type": "library",
        "bom-ref": purl,
        "name": _normalised(name),
        "version": version,
        "purl": purl,
        "scope": "required",
        "hashes": [{"alg": "SHA-256", "content": digest} for digest in hashes],
        "licenses": _python_licence(name),
    }


def _npm_components(lock: Path) -> list[dict[str, Any]]:
    packages = json.loads(lock.read_text())["packages"]
    components = []
    for path, package in sorted(packages.items()):
        if not path.startswith("node_modules/"):
            continue  # the project itself
        name = path.rsplit("node_modules/", 1)[1]
        purl = f"pkg:npm/{name.replace('@', '%40')}@{package['version']}"
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": purl,
            "name": name,
            "version": package["version"],
            "purl": purl,
            "scope": "required" if name in SHIPPED_NPM else "excluded",
        }
        integrity = package.get("integrity", "")
        if integrity.startswith("sha512-"):
            digest = base64.b64decode(integrity.removeprefix("sha512-")).hex()
            component["hashes"] = [{"alg": "SHA-512", "content": digest}]
        if package.get("license"):
            component["licenses"] = [{"license": {"name": package["license"]}}]
        components.append(component)
    return components


def sbom(root: Path | None = None) -> dict[str, Any]:
    """The bill of materials of the checkout at `root` (CycloneDX 1.6, JSON)."""
    root = root or Path(settings.BASE_DIR)
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    python = [_python_component(*pin) for pin in _python_pins(root / "requirements" / "prod.lock")]
    npm = _npm_components(root / "package-lock.json")
    components = python + npm
    direct = {
        _normalised(re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0])
        for requirement in project["dependencies"]
    }
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "tools": {"components": [{"type": "application", "name": "pont sbom"}]},
            "component": {
                "type": "application",
                "bom-ref": "pont",
                "name": project["name"],
                "version": project["version"],
            },
        },
        "components": components,
        "dependencies": [
            {
                "ref": "pont",
                "dependsOn": sorted(
                    [c["bom-ref"] for c in python if c["name"] in direct]
                    + [c["bom-ref"] for c in npm if c["name"] in SHIPPED_NPM]
                ),
            }
        ],
    }


# Secrets committed by mistake

_SECRET_SHAPES = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Pont API key": re.compile(r"\bpont_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}"),
    "Pont webhook secret": re.compile(r"\bwhsec_[A-Za-z0-9_-]{40,}"),
    # age's secret keys (a backup's, `pont backup-keygen`): Bech32, upper case.
    "age secret key": re.compile(r"\bAGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\b"),
}
ALLOW = "pragma: allowlist secret"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:  # never the secret itself
        return f"{self.path}:{self.line}: {self.kind}"


def secrets_in(paths: Iterable[Path], root: Path) -> list[Finding]:
    findings = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary (images, fonts, PDFs) or gone
        for number, line in enumerate(text.splitlines(), start=1):
            if ALLOW in line:
                continue
            for kind, shape in _SECRET_SHAPES.items():
                if shape.search(line):
                    findings.append(Finding(str(path.relative_to(root)), number, kind))
    return findings
