"""``python -m bench full`` (make bench) or ``python -m bench smoke`` (make bench-smoke); see README.md.

Creates its own PostgreSQL database, seeds it, measures, prints a table with each target beside its
figure, writes bench/results.json (full) or var/bench-smoke.json (smoke), and drops the database.
Exits non-zero on any error or a query count that differs across N (never on speed in smoke mode).
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import BASE_DIR, drop_database, environment, recreate_database

HERE = Path(__file__).resolve().parent
MODES = {
    "full": {
        "db": "steady_bench",
        "rounds": 5,
        "seconds": 5,
        "n": [1, 10, 100, 1000],
        "rows": 10_000,
        "csv": 5000,
        "pdf_repeats": 5,
        "cpu_requests": 20,
        "out": HERE / "results.json",
    },
    "smoke": {
        "db": "steady_bench_smoke",
        "rounds": 1,
        "seconds": 1,
        "n": [1, 10],
        "rows": 200,
        "csv": 50,
        "pdf_repeats": 1,
        "cpu_requests": 3,
        "out": BASE_DIR / "var" / "bench-smoke.json",
    },
}
PORT = {"full": 8071, "smoke": 8072}
RSS_LIMIT_MB = 250


def log(message: str) -> None:
    print(message, flush=True)


def main() -> int:
    if sys.argv[1:2] == ["profile"]:
        from bench.profile import main as profile

        return profile(sys.argv[2:])
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--keep-db", action="store_true", help="leave the database for a look afterwards")
    parser.add_argument("--note", default="", help="a note stored with the results (e.g. what changed)")
    args = parser.parse_args()
    mode = MODES[args.mode]
    var_dir = Path(tempfile.mkdtemp(prefix="steady-bench-"))
    env = environment(mode["db"], var_dir)
    os.environ.update(env)
    recreate_database(mode["db"])
    try:
        return measure(args, mode, env, var_dir)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(mode["db"])


def measure(args, mode: dict, env: dict, var_dir: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from bench import background, load, pages, seed

    started = time.monotonic()
    results = {
        "mode": args.mode,
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "note": args.note,
    }
    call_command("migrate", verbosity=0)
    log("Seeding ...")
    t = time.monotonic()
    sizes = seed.FULL if args.mode == "full" else seed.SMOKE
    seeder = seed.Seeder(sizes)
    seeded = seeder.run()
    results["seed"] = {"seconds": round(time.monotonic() - t, 1), "sizes": sizes.__dict__, "rows": seeded.counts}
    analyze()
    log(f"  {results['seed']['seconds']} s: {seeded.counts}")

    log("Query counts at N = " + ", ".join(map(str, mode["n"])) + " ...")
    results["queries"] = pages.query_counts(seeder, seeded, mode["n"])

    key = pages.key_pages(seeded)
    results["cpu_ms"] = pages.cpu_ms(key, requests=mode["cpu_requests"])
    log(f"  CPU ms per request, in-process: {results['cpu_ms']}")
    cookies = pages.cookies_for(key)
    log(f"Load: gunicorn -w 2 (sync), wrk -t1 -c4, {mode['rounds']} rounds of {mode['seconds']} s ...")
    with load.Gunicorn(env, PORT[args.mode], workers=2, log=var_dir / "gunicorn.log") as server:
        results["load"] = load.rounds(
            PORT[args.mode], key, cookies, count=mode["rounds"], seconds=mode["seconds"], connections=4, log=log
        )
        results["rss_web_mb"] = round(server.peak_rss_mb(), 1)

    log("Background work ...")
    background.purge_broker()
    results["csv_import"] = background.csv_import(seeder, mode["csv"])
    log(f"  CSV import: {results['csv_import']}")
    results["sweep"] = background.sweep(seeder, mode["rows"])
    log(f"  sweep: {results['sweep']}")
    with background.CeleryWorker(env, var_dir / "celery.log") as worker:
        results["per_task"] = background.per_task(mode["rows"], timeout=1800)
        log(f"  one task per row: {results['per_task']}")
        background.worker_pdf(seeded)
        results["rss_worker_mb"] = round(worker.peak_rss_mb(), 1)
    results["dispatcher"] = background.dispatcher(seeder, mode["rows"])
    log(f"  dispatcher: {results['dispatcher']}")
    results["pdf"] = background.pdfs(seeded, mode["pdf_repeats"])
    log(f"  PDF: {results['pdf']}")
    results["seconds"] = round(time.monotonic() - started, 1)

    checks = evaluate(results)
    results["checks"] = checks
    save(results, mode["out"], full=args.mode == "full")
    print(table(results))
    failed_gates = [c for c in checks if c["gate"] and not c["ok"]]
    for check in failed_gates:
        log(f"FAILED: {check['name']}: {check['value']}")
    return 1 if failed_gates else 0


def analyze() -> None:
    """Planner statistics for the freshly loaded tables, as autovacuum keeps them in production
    (without them PostgreSQL plans for one row where there are thousands)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f'ANALYZE "{table}"')


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "caveat": "Load generator (wrk), gunicorn, PostgreSQL and Redis share the same cores on loopback; "
        "absolute figures drift with whatever else the machine runs, ratios to H less so.",
    }


def evaluate(results: dict) -> list[dict]:
    """Every target beside its figure. ``gate``: fails the run (query counts are deterministic);
    speed targets are reported, never gated, since machines vary."""
    checks = []
    load = results["load"]
    for page in load.values():
        if page["target_ratio"] is not None:
            checks.append(
                {
                    "name": f"{page['label']} / H",
                    "value": round(page["ratio_to_h"], 3),
                    "target": f">= {page['target_ratio']}",
                    "ok": page["ratio_to_h"] >= page["target_ratio"],
                    "gate": False,
                }
            )
    own = load["report_big"]["rps"] / load["report_small"]["rps"]
    checks.append(
        {
            "name": "cohort report 5,000 / its rate at 100",
            "value": round(own, 3),
            "target": ">= 0.8",
            "ok": own >= 0.8,
            "gate": False,
        }
    )
    for page, by_n in results["queries"].items():
        counts = {n: v["queries"] for n, v in by_n.items()}
        statuses = {v["status"] for v in by_n.values()}
        checks.append(
            {
                "name": f"queries, {page}, N = {', '.join(counts)}",
                "value": "/".join(map(str, counts.values())),
                "target": "identical",
                "ok": len(set(counts.values())) == 1 and statuses == {200},
                "gate": True,
            }
        )
    ratio = results["dispatcher"]["per_s"] / results["per_task"]["per_s"]
    checks.append(
        {
            "name": "dispatcher / one task per row",
            "value": round(ratio, 1),
            "target": ">= 20",
            "ok": ratio >= 20,
            "gate": False,
        }
    )
    pdf = results["pdf"]["first_week"]
    checks.append(
        {
            "name": f"patient PDF ({pdf['pages']} page) / trivial PDF",
            "value": pdf["ratio"],
            "target": "<= 2 (1 page)",
            "ok": pdf["ratio"] <= 2 and pdf["pages"] == 1,
            "gate": False,
        }
    )
    for name, key in (("web worker peak RSS (MB)", "rss_web_mb"), ("Celery worker peak RSS (MB)", "rss_worker_mb")):
        checks.append(
            {
                "name": name,
                "value": results[key],
                "target": f"<= {RSS_LIMIT_MB}",
                "ok": results[key] <= RSS_LIMIT_MB,
                "gate": False,
            }
        )
    return checks


def save(results: dict, path: Path, *, full: bool) -> None:
    """Write the results; the full run keeps the earlier runs' key figures in ``history``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    history = []
    if full and path.exists():
        previous = json.loads(path.read_text())
        history = previous.get("history", [])
        history.append(summary_of(previous))
    if full:
        results["history"] = history
    results["commit"] = git_commit()
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")


def summary_of(results: dict) -> dict:
    return {
        "started_at": results.get("started_at"),
        "commit": results.get("commit"),
        "note": results.get("note", ""),
        "figures": {check["name"]: check["value"] for check in results.get("checks", [])},
        "rps": {key: round(page["rps"], 1) for key, page in results.get("load", {}).items()},
        "cpu_ms": results.get("cpu_ms", {}),
    }


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True)  # noqa: S607
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=BASE_DIR, capture_output=True, text=True)  # noqa: S607
    except OSError:
        return ""
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def table(results: dict) -> str:
    lines = [
        "",
        f"Steady benchmark ({results['mode']}), {results['started_at']}, {results['machine']['cpus']} cores, "
        f"{results['seconds']} s. {results['machine']['caveat']}",
        "",
        "| page | req/s | p50 ms | p95 ms | / H (min-max) | target | CPU ms | CPU H / CPU page |",
        "|---|---:|---:|---:|---|---|---:|---:|",
    ]
    cpu = results.get("cpu_ms", {})
    for key, page in results["load"].items():
        target = f">= {page['target_ratio']}" if page["target_ratio"] is not None else ""
        lines.append(
            f"| {page['label']} | {page['rps']:.1f} | {page['p50_ms']:.1f} | {page['p95_ms']:.1f} | "
            f"{page['ratio_to_h']:.3f} ({page['ratio_min']:.3f}-{page['ratio_max']:.3f}) | {target} | "
            f"{cpu.get(key, '')} | {cpu['hello'] / cpu[key]:.3f} |"
            if cpu
            else f"{page['ratio_to_h']:.3f} ({page['ratio_min']:.3f}-{page['ratio_max']:.3f}) | {target} | | |"
        )
    lines += ["", "| check | value | target | met |", "|---|---|---|---|"]
    for check in results["checks"]:
        lines.append(f"| {check['name']} | {check['value']} | {check['target']} | {'yes' if check['ok'] else 'NO'} |")
    sweep, csv, dispatch, per_task, pdf = (results[k] for k in ("sweep", "csv_import", "dispatcher", "per_task", "pdf"))
    lines += [
        "",
        f"- dispatcher: {dispatch['rows']} rows in {dispatch['seconds']} s ({dispatch['per_s']}/s, "
        f"{dispatch['queries_per_row']} statements per row); one Celery task per row: {per_task['per_s']}/s",
        f"- scheduling sweep over {sweep['enrolments']} enrolments: plans made at {sweep['reconcile_per_s']}/s "
        f"({sweep['reconcile_plans_s']} s), first modules opened at {sweep['unlock_per_s']}/s "
        f"({sweep['unlock_due_s']} s)",
        f"- CSV import of {csv['rows']} rows: {csv['total_s']} s ({csv['rows_per_s']} rows/s; upload check "
        f"{csv['upload_check_s']} s, job {csv['job_s']} s)",
        f"- PDF (warm, median): trivial {pdf['trivial_ms']} ms; progress report in the first week "
        f"{pdf['first_week']['ms']} ms ({pdf['first_week']['pages']} page), after 12 weeks "
        f"{pdf['twelve_weeks']['ms']} ms ({pdf['twelve_weeks']['pages']} pages, "
        f"{pdf['twelve_weeks']['ratio']} x trivial)",
        f"- seed: {results['seed']['seconds']} s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
