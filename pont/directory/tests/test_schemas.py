"""The copies of the official HSDS 3.0 schemas are unchanged, and they catch what they should."""

import hashlib
import re

from pont.directory import hsds


def test_the_schema_files_are_byte_for_byte_those_recorded_in_sources():
    recorded = dict(
        re.findall(
            r"^\| `([\w.]+\.json)` \| \d+ \| `([0-9a-f]{64})` \|$",
            (hsds.SCHEMA_DIR / "SOURCES.md").read_text(encoding="utf-8"),
            re.M,
        )
    )
    present = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in hsds.SCHEMA_DIR.glob("*.json")
    }
    assert present == recorded
    assert "service.json" in present


def test_the_schemas_resolve_their_relative_references_offline():
    service = {
        "id": "5e7a1c00-0000-4000-8000-000000000001",
        "name": "S",
        "status": "active",
        "service_at_locations": [
            {"id": "5e7a1c00-0000-4000-8000-000000000002", "location": {"id": "x"}}
        ],
    }
    problems = {(p.path, p.reason) for p in hsds.schema_problems(service, "service")}
    assert problems == {
        ("$.service_at_locations[0].location", "'location_type' is a required property"),
        ("$.service_at_locations[0].location.id", "'x' is not a 'uuid'"),
    }


def test_each_kind_of_document_is_recognised():
    assert hsds.document_kind({"contents": []}) == "page"
    assert hsds.document_kind({"id": "x", "name": "S", "status": "active"}) == "service"
    assert hsds.document_kind({"id": "x", "name": "O", "description": ""}) == "organization"
    assert hsds.document_kind([]) is None
