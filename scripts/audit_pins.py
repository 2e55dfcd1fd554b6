"""Known vulnerabilities in the pinned dependencies, from PyPI's JSON API (stdlib only).

`make audit-deps` runs pip-audit, which asks PyPI about each pinned *version*
(/pypi/<name>/<version>/json). Where only the project pages (/pypi/<name>/json) are reachable, as
on Steady's build machines, this script is the closest check: a project page lists the known
vulnerabilities of the project's newest release, so a pin that *is* the newest release is checked
exactly, and a pin behind it is reported as not checked (never as clean).

Usage: python scripts/audit_pins.py requirements.txt [requirements-dev.txt ...]
Exit status 1 if any checked pin has a known vulnerability or a project page cannot be read.
"""

import concurrent.futures
import json
import re
import sys
import urllib.request

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)")


def pins(paths: list[str]) -> list[tuple[str, str]]:
    found = {}
    for path in paths:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                match = PIN.match(line.strip())
                if match:
                    found[match.group(1).lower()] = (match.group(1), match.group(2))
    return sorted(found.values(), key=lambda pin: pin[0].lower())


def check(pin: tuple[str, str]) -> tuple[str, str, str, list[str] | None, str]:
    name, version = pin
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=30) as response:  # noqa: S310
            page = json.load(response)
    except Exception as error:  # noqa: BLE001 - reported per package, the run fails below
        return name, version, "", None, f"unreadable: {type(error).__name__}"
    newest = page["info"]["version"]
    if newest != version:
        return name, version, newest, None, "not checked: older than the newest release"
    ids = [vulnerability.get("id", "?") for vulnerability in page.get("vulnerabilities") or []]
    return name, version, newest, ids, "VULNERABLE" if ids else "no known vulnerability"


def main(paths: list[str]) -> int:
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, pins(paths)))
    width = max(len(name) for name, *_ in results)
    for name, version, newest, ids, verdict in results:
        detail = f" ({', '.join(ids)})" if ids else ""
        print(f"{name:<{width}}  {version:<14} newest {newest or '?':<14} {verdict}{detail}")
    checked = [r for r in results if r[3] is not None]
    vulnerable = [r for r in checked if r[3]]
    unreadable = [r for r in results if r[4].startswith("unreadable")]
    print(
        f"\n{len(results)} pins: {len(checked)} checked, {len(vulnerable)} with known vulnerabilities, "
        f"{len(results) - len(checked) - len(unreadable)} not checked (older than the newest release), "
        f"{len(unreadable)} unreadable"
    )
    return 1 if vulnerable or unreadable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.txt"]))
