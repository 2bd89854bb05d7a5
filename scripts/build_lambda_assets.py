"""Build the two Lambda assets the CDK app deploys, without Docker.

- `build/lambda/functions/`: the `functions` package as it is in the repository (`*.py` and the `*.json`
  data it reads: rule book, notice templates), so
  Lambda imports the same absolute handler paths the tests and the CLI import.
- `build/layer/python/`: the runtime dependencies the public Powertools layer and the Lambda
  runtime do not give (pydantic, httpx, rfc8785, cryptography and what they pull in), installed
  from manylinux aarch64 wheels for CPython 3.13 with pip's `--platform`, so no container is needed.

Both steps are incremental: the function copy is rewritten only when a source file changed, and
the layer is reinstalled only when the requirement list (or the target platform) changed, keyed by
a hash stored next to it.

    python scripts/build_lambda_assets.py            # both assets
    python scripts/build_lambda_assets.py --functions-only
"""

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
FUNCTIONS_SOURCE = ROOT / "functions"
FUNCTIONS_ASSET = BUILD / "lambda"
LAYER_ASSET = BUILD / "layer"
# Kept outside the layer so it never becomes part of the deployed asset.
LAYER_STAMP = BUILD / "layer.requirements-hash"

# Modules, and the data the code reads at run time (rule book, notice templates).
PACKAGED_SUFFIXES = {".py", ".json"}

# The Lambda runtime the function factory deploys (infra/constructs/functions.py): keep in step.
PYTHON_VERSION = "3.13"
# Lambda's arm64 Python 3.13 runtime is Amazon Linux 2023 (glibc 2.34): manylinux2014 wheels run on
# it, and so do manylinux_2_28 ones, which is all some projects (cryptography) publish for aarch64.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")

# Provided at run time, so not packaged: boto3 by the Lambda runtime, Powertools (with the X-Ray
# SDK its tracer extra names) by the public Powertools layer. typer and rich serve only the CLI.
PROVIDED = frozenset({"aws-lambda-powertools", "boto3", "typer", "rich"})
# `name[extras]==version ; marker`: pyproject pins every runtime dependency with `==`.
REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<rest>.*)$")


def layer_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The pinned `[project].dependencies` the layer must carry, without extras or provided ones."""
    project = tomllib.loads(pyproject.read_text())["project"]
    wanted: list[str] = []
    for line in project["dependencies"]:
        match = REQUIREMENT.match(line)
        if match is None:
            raise ValueError(f"cannot read the requirement {line!r} in {pyproject}")
        name = match["name"].lower().replace("_", "-")
        if name in PROVIDED:
            continue
        wanted.append(f"{name}{match['rest'].replace(' ', '')}")
    return sorted(wanted)


def requirements_key(requirements: list[str]) -> str:
    material = json.dumps({"requirements": requirements, "python": PYTHON_VERSION, "platforms": PLATFORMS})
    return hashlib.sha256(material.encode()).hexdigest()


def build_functions(source: Path = FUNCTIONS_SOURCE, target: Path = FUNCTIONS_ASSET) -> bool:
    """Mirror the package (modules and the data files they read) into `build/lambda/functions/`.

    True when something changed.
    """
    destination = target / source.name
    wanted = {
        p.relative_to(source)
        for p in source.rglob("*")
        if p.is_file() and p.suffix in PACKAGED_SUFFIXES and "__pycache__" not in p.parts
    }
    present = (
        {p.relative_to(destination) for p in destination.rglob("*") if p.is_file()} if destination.exists() else set()
    )
    changed = False
    for stale in present - wanted:
        (destination / stale).unlink()
        changed = True
    for relative in sorted(wanted):
        src, dst = source / relative, destination / relative
        if dst.exists() and dst.read_bytes() == src.read_bytes():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        changed = True
    # Directories left empty by removed modules would still change the asset hash.
    for directory in sorted((d for d in destination.rglob("*") if d.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return changed


def build_layer(requirements: list[str], target: Path = LAYER_ASSET, stamp: Path = LAYER_STAMP) -> bool:
    """pip-install the requirements as aarch64 cp313 wheels into `target/python`; True when rebuilt."""
    key = requirements_key(requirements)
    if target.exists() and stamp.exists() and stamp.read_text().strip() == key:
        return False
    if target.exists():
        shutil.rmtree(target)
    site = target / "python"
    platform_flags = [flag for platform in PLATFORMS for flag in ("--platform", platform)]
    command = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-compile",
        *platform_flags,
        "--only-binary=:all:",
        "--python-version", PYTHON_VERSION,
        "--implementation", "cp",
        "--target", str(site),
        *requirements,
    ]  # fmt: skip
    subprocess.run(command, check=True)
    # Metadata pip leaves that Lambda never reads; dropping it keeps the asset (and its hash) lean.
    for cache in site.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(site / "bin", ignore_errors=True)
    stamp.write_text(key + "\n")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions-only", action="store_true", help="copy the functions package; skip the layer")
    args = parser.parse_args(argv)
    copied = build_functions()
    print(f"functions asset: {'updated' if copied else 'up to date'} ({FUNCTIONS_ASSET.relative_to(ROOT)})")
    if not args.functions_only:
        requirements = layer_requirements()
        rebuilt = build_layer(requirements)
        state = "rebuilt" if rebuilt else "up to date"
        print(f"dependency layer: {state} ({LAYER_ASSET.relative_to(ROOT)}: {', '.join(requirements)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
