"""The Lambda asset carries the whole `functions` package: modules and the data files they read; the
dependency layer carries every package they import that the runtime does not provide."""

import ast
import importlib.metadata
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _builder():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_lambda_assets", ROOT / "scripts" / "build_lambda_assets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_file_of_the_package_reaches_the_asset(tmp_path: Path) -> None:
    # Given the functions package as it is in the repository
    source = ROOT / "functions"
    files = {p.relative_to(source) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    # When the asset is built
    _builder().build_functions(source, tmp_path)
    # Then every module and data file (rule book, notice templates) is in it, byte for byte
    built = {p.relative_to(tmp_path / "functions") for p in (tmp_path / "functions").rglob("*") if p.is_file()}
    assert built == files
    assert Path("detection/rulebook.json") in built
    for relative in files:
        assert (tmp_path / "functions" / relative).read_bytes() == (source / relative).read_bytes()


def _canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _with_dependencies(names: set[str]) -> set[str]:
    """The distributions and everything they require (without extras), as installed here."""
    found: set[str] = set()
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # required only where a marker applies (an older Python): not installed here
        found.add(name)
        for requirement in requirements:
            if "extra ==" not in requirement:
                todo.append(_canonical(re.split(r"[\s\[<>=!~;(]", requirement, maxsplit=1)[0]))
    return found


def test_every_package_the_functions_import_reaches_the_layer_or_is_provided() -> None:
    # Given what the dependency layer carries, and what the runtime and the Powertools layer provide
    builder = _builder()
    carried = _with_dependencies({r.split("==")[0] for r in builder.layer_requirements()})
    provided = _with_dependencies(set(builder.PROVIDED))
    # When every top-level module the functions package imports is traced to its distribution
    distributions = importlib.metadata.packages_distributions()
    imported: set[str] = set()
    for path in (ROOT / "functions").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m: distributions[m] for m in imported - {"functions"} if m in distributions}
    # Then each is in the layer (phonenumbers, email-validator, ...) or provided (boto3, Powertools)
    missing = {m: d for m, d in third_party.items() if not {_canonical(x) for x in d} & (carried | provided)}
    assert missing == {}
    assert {"phonenumbers", "email-validator", "dnspython", "idna"} <= carried
