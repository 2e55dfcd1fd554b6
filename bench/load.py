"""gunicorn on loopback, loaded by wrk in interleaved rounds; peak RSS of its workers."""

import os
import re
import shutil
import signal
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.environment import BASE_DIR
from bench.pages import Page, body_for

LUA = Path(__file__).resolve().parent / "lua"
RESULT = re.compile(
    r"RESULT rps=(?P<rps>[\d.]+) p50_ms=(?P<p50>[\d.]+) p95_ms=(?P<p95>[\d.]+) p99_ms=(?P<p99>[\d.]+) "
    r"requests=(?P<requests>\d+) errors=(?P<errors>\d+)"
)


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed for the load (Debian: apt-get install wrk); see bench/README.md.")
    return wrk


class Gunicorn:
    """``gunicorn config.wsgi`` with sync workers, as in production, on a loopback port."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path):
        self.env, self.port, self.workers, self.log = env, port, workers, log
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                str(BASE_DIR / ".venv/bin/gunicorn"),
                "config.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "-k",
                "sync",
                "--max-requests",
                "0",
            ],
            cwd=BASE_DIR,
            env={**os.environ, **self.env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):  # noqa: S310
                    if len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start; see {self.log}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        return max(peak_rss_mb(pid) for pid in self.worker_pids())


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def headers_for(page: Page, cookies: dict) -> dict[str, str]:
    if page.user_id is None:
        return {}
    from django.conf import settings

    jar = cookies[page.user_id]
    cookie = f"{settings.SESSION_COOKIE_NAME}={jar['session']}"
    if page.method == "POST":
        cookie += f"; {settings.CSRF_COOKIE_NAME}={jar['csrf']}"
    return {"Cookie": cookie}


def preflight(port: int, page: Page, cookies: dict) -> None:
    """One request as wrk will send it: it must answer 200 with the page's marker (so a redirect
    to sign-in, an error page or a refused save is never what gets measured)."""
    headers = headers_for(page, cookies)
    data = None
    if page.method == "POST":
        headers |= {
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "X-CSRFToken": cookies[page.user_id]["csrf"],
        }
        data = body_for(page).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{page.url}", data=data, headers=headers, method=page.method
    )  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = response.read().decode()
            status, final = response.status, response.url
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{page.key}: HTTP {error.code}") from None
    if status != 200 or final != f"http://127.0.0.1:{port}{page.url}" or page.marker not in body:
        raise RuntimeError(f"{page.key}: status {status}, url {final}, marker {page.marker!r} missing")


def run_wrk(port: int, page: Page, cookies: dict, *, seconds: float, connections: int) -> dict:
    headers = headers_for(page, cookies)
    env = dict(os.environ)
    if page.method == "POST":
        script = LUA / "post.lua"
        env |= {
            "BENCH_BODY": body_for(page),
            "BENCH_COOKIE": headers["Cookie"],
            "BENCH_CSRF": cookies[page.user_id]["csrf"],
        }
        args = []
    else:
        script = LUA / "report.lua"
        args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    command = [
        require_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        *args,
        f"http://127.0.0.1:{port}{page.url}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout  # noqa: S603
    match = RESULT.search(output)
    if match is None:
        raise RuntimeError(f"wrk printed no result for {page.key}: {output}")
    values = {k: float(v) for k, v in match.groupdict().items()}
    values["non_2xx"] = _non_2xx(output)
    return values


def _non_2xx(output: str) -> int:
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return int(match.group(1)) if match else 0


def rounds(port: int, pages: list[Page], cookies: dict, *, count: int, seconds: float, connections: int, log) -> dict:
    """``count`` rounds; each runs every page once (H first), rotating the order of the others."""
    raw = {page.key: [] for page in pages}
    hello, others = pages[0], pages[1:]
    for number in range(count):
        shift = number % len(others)
        order = [hello, *others[shift:], *others[:shift]]
        for page in order:
            preflight(port, page, cookies)
            result = run_wrk(port, page, cookies, seconds=seconds, connections=connections)
            if result["errors"] or result["non_2xx"]:
                raise RuntimeError(f"{page.key}: {result['errors']:.0f} errors, {result['non_2xx']} non-2xx responses")
            result["round"] = number + 1
            raw[page.key].append(result)
            log(
                f"  round {number + 1} {page.key:<13} {result['rps']:8.1f} req/s  "
                f"p50 {result['p50']:7.2f} ms  p95 {result['p95']:7.2f} ms"
            )
    summary = {}
    for page in pages:
        runs = raw[page.key]
        ratios = [run["rps"] / raw["hello"][i]["rps"] for i, run in enumerate(runs)]
        summary[page.key] = {
            "label": page.label,
            "rps": statistics.median(run["rps"] for run in runs),
            "p50_ms": statistics.median(run["p50"] for run in runs),
            "p95_ms": statistics.median(run["p95"] for run in runs),
            "ratio_to_h": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "target_ratio": page.target,
            "rounds": runs,
        }
    return summary
