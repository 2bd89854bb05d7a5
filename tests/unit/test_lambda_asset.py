"""The Lambda asset carries the whole `functions` package: modules and the data files they read."""

import importlib.util
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
