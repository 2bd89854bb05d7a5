"""docs/evidence-format.md is exact: its known-answer example is what Bulkhead's code writes, and a
verifier written from the page alone (scripts/verify_from_spec.py) verifies that example and
refuses it once tampered. (The same verifier on a real pack: tests/e2e/test_evidence_tampering.py.)"""

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "evidence-format.md"


def script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_section() -> str:
    text = DOC.read_text()
    return text.split("<!-- example:begin -->\n", 1)[1].split("<!-- example:end -->", 1)[0]


def pack_from_doc(root: Path) -> tuple[Path, str]:
    """Lay out the doc's example as a pack, from the page's own blocks, and its key fingerprint."""
    section = example_section()
    blocks = re.findall(r"(?:`([^`\n]+)`:?[^\n]*\n\n)?```(?:json)?\n(.*?)\n```", section, flags=re.S)
    pack = root / "pack"
    (pack / "anchors").mkdir(parents=True)
    files: dict[str, Any] = {}
    chain: dict[str, Any] = {}
    for label, content in blocks:
        if label == "public_key.pem":
            files["public_key.pem"] = content + "\n"
        elif label.startswith("entries.jsonl"):
            files["entries.jsonl"] = content + "\n"
        elif label.startswith("anchors/"):
            files[label] = content + "\n"
        elif '"last_entry"' in content:
            chain = json.loads(content)
    for name, content in files.items():
        (pack / name).write_text(content)
    incident = re.search(r"Incident `([^`]+)`", section)
    fingerprint = re.search(r"SubjectPublicKeyInfo \(91 bytes\): `([0-9a-f]{64})`", section)
    assert incident and fingerprint and chain and len(files) == 4
    manifest = {
        "format": "bulkhead-evidence/3",
        "incident_id": incident.group(1),
        "chain": chain,
        "files": {name: hashlib.sha256(c.encode()).hexdigest() for name, c in files.items()},
    }
    (pack / "manifest.json").write_text(json.dumps(manifest))
    return pack, fingerprint.group(1)


def test_the_known_answer_example_is_what_the_code_writes() -> None:
    assert example_section() == script("evidence_example").example()


def test_a_verifier_written_from_the_page_verifies_the_example(tmp_path: Path) -> None:
    pack, fingerprint = pack_from_doc(tmp_path)

    assert script("verify_from_spec").check(pack, fingerprint) == []


def test_the_page_verifier_refuses_the_example_tampered(tmp_path: Path) -> None:
    verify = script("verify_from_spec").check
    pack, fingerprint = pack_from_doc(tmp_path)
    entries = (pack / "entries.jsonl").read_text().replace("critical", "low")
    (pack / "entries.jsonl").write_text(entries)
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["files"]["entries.jsonl"] = hashlib.sha256(entries.encode()).hexdigest()
    (pack / "manifest.json").write_text(json.dumps(manifest))

    assert verify(pack, fingerprint) == ["rule 2 seq 1: incident, prev_hash or hash does not hold"]
    assert verify(pack, "0" * 64)[-1] == "section 4: public_key.pem is not the pinned key"
