#!/usr/bin/env python3
"""List pinned packages that have a newer release in the same minor series.

No vulnerability database can be reached from where BackCare is built, so every pin is kept on
the newest patch release of its series instead. For each `name==version` line in
requirements*.txt this asks the package index (`pip index versions NAME`) and prints the pins
that are behind. Run it before a release (`make outdated`); it exits 1 when something is behind.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
AVAILABLE = re.compile(r"^Available versions:\s*(.+)$", re.M)


def pins(files: list[Path]) -> dict[str, str]:
    found = {}
    for path in files:
        for line in path.read_text().splitlines():
            match = PIN.match(line)
            if match:
                found[match.group(1)] = match.group(2)
    return found


def release_key(version: str) -> tuple[int, ...] | None:
    """(major, minor, patch, ...) for a final release; None for pre-releases and odd versions."""
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        return None
    return tuple(int(part) for part in version.split("."))


def newer_in_series(pinned: str, available: list[str]) -> str | None:
    current = release_key(pinned)
    if current is None:
        return None
    series = current[:2]
    candidates = [key for v in available if (key := release_key(v)) and key[:2] == series and key > current]
    if not candidates:
        return None
    return ".".join(str(part) for part in max(candidates))


def available_versions(name: str, python: str) -> list[str] | None:
    result = subprocess.run(  # noqa: S603 (fixed command, name from our own requirements files)
        [python, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    match = AVAILABLE.search(result.stdout)
    if result.returncode != 0 or not match:
        return None
    return [v.strip() for v in match.group(1).split(",")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="requirements files (default: requirements*.txt)")
    parser.add_argument("--python", default=sys.executable, help="the Python whose pip asks the index")
    args = parser.parse_args(argv)
    files = args.files or sorted(ROOT.glob("requirements*.txt"))

    behind, unknown = [], []
    for name, version in sorted(pins(files).items(), key=lambda item: item[0].lower()):
        versions = available_versions(name, args.python)
        if versions is None:
            unknown.append(name)
            continue
        newer = newer_in_series(version, versions)
        if newer:
            behind.append((name, version, newer))

    for name, version, newer in behind:
        print(f"{name}=={version} -> {newer}")
    for name in unknown:
        print(f"{name}: could not ask the package index", file=sys.stderr)
    if not behind:
        print(f"All {len(pins(files))} pins are on the newest release of their minor series.")
    return 1 if behind or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
