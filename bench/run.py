"""Koop's benchmark: throughput, latency, SQL statements and worker memory of the hot pages, in one command.

    .venv/bin/python bench/run.py --db sqlite|postgresql [--preset germany] [--compare saarland]
                                  [--duration 10] [--connections 4] [--reseed] [--no-write]

1. Seeds the bench databases (`flask seed-scale`) unless they hold the data already: the preset measured
   (germany) and the one its statement counts are compared with (saarland). SQLite files live in
   instance/bench/, PostgreSQL databases are koop_bench_<preset> at BENCH_PG_SERVER (postgres@127.0.0.1).
2. Counts the SQL statements of each page in-process (Flask test client and a before_cursor_execute listener)
   at both sizes.
3. Starts gunicorn with 2 sync workers on a free loopback port (KOOP_ENV=production with a throwaway
   SECRET_KEY; FORCE_HTTPS and secure cookies off, since the bench speaks plain HTTP on loopback), logs in
   the bench account through the login form, and drives each page with wrk (Debian package `wrk`): the
   hello-world ceiling (bench/hello_wsgi.py adds it to the same app; measured first and last), the dashboard,
   a body page, a meeting page, the decision register with a search term, and the personal feed with about
   500 meetings cold (200) and revalidated (304 with If-None-Match).
4. Reads each worker's resident memory from /proc after the load, stops gunicorn, and writes the figures to
   bench/results-<db>.json and the tables of bench/RESULTS.md (the text outside its markers is kept).

The load generator shares the machine's cores with the server: compare figures as shares of the ceiling
measured in the same run, not as absolute numbers. Benchmarks never run in CI.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import DATA, HELLO_PATH, ROOT, count_statements, database_url, find_target, in_process_app, prepare

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "RESULTS.md"
START_MARK = "<!-- figures:start (bench/run.py writes from here to the end mark; edit outside) -->"
END_MARK = "<!-- figures:end -->"
USER_AGENT = "koop-bench"
LOAD_ORDER = (
    "hello world",
    "dashboard",
    "body page",
    "meeting page",
    "decision register",
    "feed (200)",
    "feed (304)",
    "hello world (again)",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--preset", default="germany", help="the size measured (default germany)")
    parser.add_argument("--compare", default="saarland", help="the size whose statement counts stand beside it")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4: 2 per worker)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--reseed", action="store_true", help="seed the databases again even if they hold data")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    parser.add_argument("--render", action="store_true", help="only rewrite RESULTS.md from bench/results-*.json")
    options = parser.parse_args()
    if options.render:
        write_results_md()
        return

    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (Debian), then run this again.")

    results: dict[str, Any] = {"db": options.db, "preset": options.preset, "compare": options.compare}
    seed_seconds = {}
    for preset in (options.preset, options.compare):
        seed_seconds[preset] = prepare_timed(options.db, preset, options.reseed)
    results["seed_seconds"] = seed_seconds

    print("counting statements ...", flush=True)
    results["statements"] = {
        options.preset: count_statements(database_url(options.db, options.preset)),
        options.compare: count_statements(database_url(options.db, options.compare)),
    }
    url = database_url(options.db, options.preset)
    target = find_target(in_process_app(url))
    results["target"] = {"body": target.body_code, "meeting": target.meeting_id, "search": target.search_term}
    results["machine"] = machine(url)

    port = free_port()
    server = start_gunicorn(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        cookie = log_in(base)
        results["load"], results["feed"] = load(wrk, base, cookie, target, options)
        results["memory"] = worker_memory(server.pid)
    finally:
        stop(server)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    print_summary(results)
    if not options.no_write:
        (BENCH / f"results-{options.db}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        write_results_md()
        print(f"wrote {RESULTS.relative_to(ROOT)}")


# Databases


def prepare_timed(db: str, preset: str, reseed: bool) -> float | None:
    """Seed if needed; the seconds seed-scale reported, or those of an earlier run when the data was reused."""
    seconds = prepare(db, preset, reseed)
    if seconds is not None:
        return seconds
    earlier = BENCH / f"results-{db}.json"
    if earlier.exists():
        return (json.loads(earlier.read_text(encoding="utf-8")).get("seed_seconds") or {}).get(preset)
    return None


# The server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "KOOP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "FORCE_HTTPS": "0",
        "SESSION_COOKIE_SECURE": "0",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    DATA.mkdir(parents=True, exist_ok=True)
    log = open(DATA / "gunicorn.log", "w", encoding="utf-8")  # noqa: SIM115 -- closed with the process
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", "2",
        "--bind", f"127.0.0.1:{port}",
        "--chdir", str(ROOT),
        "--pythonpath", f"{ROOT},{BENCH}",
        "hello_wsgi:app",
    ]
    print(f"starting gunicorn on port {port} (log: instance/bench/gunicorn.log) ...", flush=True)
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310 -- loopback
                if response.status == 200:
                    return
        except OSError:  # not listening yet, or busy starting (URLError and timeouts are OSErrors)
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz; see instance/bench/gunicorn.log")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_memory(master_pid: int) -> dict[str, Any]:
    """Resident memory (VmRSS, MiB) of gunicorn's master and of each worker, from /proc."""
    children_file = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    workers = [int(pid) for pid in children_file.read_text().split()] if children_file.exists() else []

    def rss(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    return {"master_mib": rss(master_pid), "workers_mib": [rss(pid) for pid in workers]}


# Logging in and loading


def log_in(base: str) -> str:
    """Log the bench account in through the form (with its CSRF token); returns the Cookie header for wrk."""
    from app.scale import SCALE_PASSWORD
    from app.scale.generator import Bench

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/auth/login").read().decode("utf-8")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page
    )
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": Bench.email, "password": SCALE_PASSWORD}
    ).encode()
    answer = opener.open(base + "/auth/login", data=form)
    if "/auth/login" in answer.geturl():
        raise SystemExit("the bench account could not log in")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def request(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    call = urllib.request.Request(base + path, headers={"User-Agent": USER_AGENT, **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=60) as response:  # noqa: S310 -- loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def load(wrk: str, base: str, cookie: str, target: Any, options: argparse.Namespace) -> tuple[dict, dict]:
    session = {"Cookie": cookie}
    status, headers, body = request(base, target.feed_path, {})
    if status != 200:
        raise SystemExit(f"the personal feed answered {status}")
    etag = headers.get("ETag", "")
    feed = {"bytes": len(body), "events": body.count(b"BEGIN:VEVENT"), "meetings": meetings_in(body), "etag": etag}
    plans = {
        "hello world": (HELLO_PATH, {}, 200),
        "dashboard": ("/", session, 200),
        "body page": (target.pages["body page"], session, 200),
        "meeting page": (target.pages["meeting page"], session, 200),
        "decision register": (target.pages["decision register"], session, 200),
        "feed (200)": (target.feed_path, {}, 200),
        "feed (304)": (target.feed_path, {"If-None-Match": etag}, 304),
        "hello world (again)": (HELLO_PATH, {}, 200),
    }
    figures: dict[str, Any] = {}
    for name in LOAD_ORDER:
        path, headers, expected = plans[name]
        status, _headers, body = request(base, path, headers)  # warm-up, and the answer must be right
        if status != expected:
            print(f"  {name}: GET {path} answered {status}, not {expected}; skipped", flush=True)
            figures[name] = {"path": path, "status": status, "skipped": True}
            continue
        print(f"  {name}: {options.duration} s of load on {path} ...", flush=True)
        measured = run_wrk(wrk, base + path, headers, options)
        figures[name] = {"path": path, "status": status, "size": len(body), **measured}
    return figures, feed


def meetings_in(calendar: bytes) -> int:
    """The meetings a feed covers: single events, plus each series' COUNT less its EXDATEs (overrides replace an
    occurrence already counted)."""
    total = 0
    for block in calendar.decode("utf-8").replace("\r\n ", "").split("BEGIN:VEVENT")[1:]:
        if "\nRECURRENCE-ID" in block:
            continue
        rule = re.search(r"\nRRULE:[^\r\n]*COUNT=(\d+)", block)
        if rule is None:
            total += 1
            continue
        exdates = [line.split(":", 1)[1] for line in block.splitlines() if line.startswith("EXDATE")]
        excluded = sum(len(line.split(",")) for line in exdates)
        total += int(rule.group(1)) - excluded
    return total


def run_wrk(wrk: str, url: str, headers: dict[str, str], options: argparse.Namespace) -> dict[str, Any]:
    command = [
        wrk, f"-t{options.threads}", f"-c{options.connections}", f"-d{options.duration}s", "--timeout", "30s",
        "-s", str(BENCH / "report.lua"), "-H", f"User-Agent: {USER_AGENT}",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    summary = json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))
    seconds = summary["duration_us"] / 1e6
    return {
        "rps": round(summary["requests"] / seconds, 1),
        "requests": summary["requests"],
        "p50_ms": summary["p50_us"] / 1000,
        "p95_ms": summary["p95_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "errors": summary["connect_errors"] + summary["read_errors"] + summary["write_errors"]
        + summary["status_errors"] + summary["timeouts"],
    }


# Describing the run


def machine(url: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    engine = create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            database = "SQLite " + connection.execute(text("select sqlite_version()")).scalar()
        else:
            database = connection.execute(text("select version()")).scalar().split(" on ")[0]
    engine.dispose()
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain"):
        commit += " with uncommitted changes"
    wrk_banner = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout  # noqa: S607
    wrk_version = re.search(r"(\d+\.\d+\.\d+)", wrk_banner)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(memory_kib / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": database,
        "commit": commit,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "wrk": f"wrk {wrk_version.group(1)}" if wrk_version else "wrk",
    }


def _git(*args: str) -> str:
    git = ["git", *args]
    return subprocess.run(git, cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: S603, S607


def ceiling(load_figures: dict[str, Any]) -> float:
    runs = [load_figures.get(name, {}).get("rps") for name in ("hello world", "hello world (again)")]
    runs = [value for value in runs if value]
    return sum(runs) / len(runs) if runs else 0.0


def print_summary(results: dict[str, Any]) -> None:
    top = ceiling(results["load"])
    print(f"\n{results['db']} at {results['preset']} size; ceiling {top:.0f} req/s")
    for name, figures in results["load"].items():
        if figures.get("skipped"):
            print(f"  {name:<22} skipped (answered {figures['status']})")
            continue
        print(f"  {name:<22} {figures['rps']:>8.1f} req/s  {figures['rps'] / top:>6.1%}  "
              f"p50 {figures['p50_ms']:.1f}  p95 {figures['p95_ms']:.1f}  p99 {figures['p99_ms']:.1f} ms")
    print(f"  worker memory: {results['memory']}")


# RESULTS.md


def write_results_md() -> None:
    runs = [json.loads((BENCH / f"results-{db}.json").read_text(encoding="utf-8"))
            for db in ("sqlite", "postgresql") if (BENCH / f"results-{db}.json").exists()]
    figures = render(runs)
    empty = f"# Benchmark results\n\n{START_MARK}\n{END_MARK}\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else empty
    if START_MARK not in text:
        text += f"\n{START_MARK}\n{END_MARK}\n"
    before, _start, rest = text.partition(START_MARK)
    _old, _end, after = rest.partition(END_MARK)
    RESULTS.write_text(f"{before}{START_MARK}\n{figures}\n{END_MARK}{after}", encoding="utf-8")


PAGES = ("hello world", "dashboard", "body page", "meeting page", "decision register", "feed (200)", "feed (304)")


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return "–" if value is None else pattern.format(value)


def render(runs: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    if not runs:
        return "(no runs yet)"
    lines.append("## Figures\n")
    lines.append("Throughput as a share of the hello-world ceiling of the same run, and p95 latency, "
                 "under gunicorn with 2 sync workers and wrk on loopback.\n")
    head = "| page |" + "".join(f" {run['db']}: req/s | share | p95 ms |" for run in runs)
    lines.append(head)
    lines.append("|---|" + "---:|---:|---:|" * len(runs))
    for page in PAGES:
        row = f"| {page} |"
        for run in runs:
            top = ceiling(run["load"])
            figures = run["load"].get(page, {})
            if not figures or figures.get("skipped"):
                row += f" (answered {figures.get('status', '–')}) | | |"
                continue
            row += f" {figures['rps']:.0f} | {figures['rps'] / top:.1%} | {figures['p95_ms']:.0f} |"
        lines.append(row)
    for run in runs:
        machine_ = run["machine"]
        top = ceiling(run["load"])
        lines.append(f"\n### {run['db']} at {run['preset']} size\n")
        lines.append(f"{machine_['date']}, commit {machine_['commit']}; {machine_['database']}; "
                     f"{machine_['cpu']}, {machine_['cores']} cores, {machine_['ram_gib']} GiB RAM; "
                     f"{machine_['os']}, Python {machine_['python']}, {machine_['wrk']}.")
        seeds = ", ".join(f"{preset} {_fmt(seconds, '{:.0f} s')}" for preset, seconds in run["seed_seconds"].items())
        lines.append(f"Seeding (`flask seed-scale --force`, as it reported): {seeds}. "
                     f"Bench body {run['target']['body']}, meeting {run['target']['meeting']}, "
                     f"search term “{run['target']['search']}”; personal feed {run['feed']['bytes'] // 1024} KiB, "
                     f"{run['feed']['events']} VEVENTs covering {run['feed'].get('meetings', '?')} meetings.\n")
        lines.append("| page | path | req/s | share of ceiling | p50 ms | p95 ms | p99 ms | errors |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for page, figures in run["load"].items():
            if figures.get("skipped"):
                lines.append(f"| {page} | `{figures['path']}` | answered {figures['status']} | | | | | |")
                continue
            lines.append(
                f"| {page} | `{figures['path']}` | {figures['rps']:.1f} | {figures['rps'] / top:.1%} | "
                f"{figures['p50_ms']:.1f} | {figures['p95_ms']:.1f} | {figures['p99_ms']:.1f} | {figures['errors']} |"
            )
        memory = run["memory"]
        workers = ", ".join(f"{value:.0f} MiB" for value in memory["workers_mib"])
        lines.append(f"\nResident memory after the load: workers {workers}; master {memory['master_mib']:.0f} MiB.")
    lines.append("\n### SQL statements per request\n")
    lines.append("Counted in-process (Flask test client, a `before_cursor_execute` listener) after one warm-up "
                 "request, as the bench account.\n")
    columns = [(run["db"], preset) for run in runs for preset in (run["compare"], run["preset"])]
    lines.append("| page |" + "".join(f" {db} {preset} |" for db, preset in columns))
    lines.append("|---|" + "---:|" * len(columns))
    names: list[str] = []
    for run in runs:
        for counts in run["statements"].values():
            names += [name for name in counts if name not in names]
    for name in names:
        row = f"| {name} |"
        for run in runs:
            for preset in (run["compare"], run["preset"]):
                value = run["statements"].get(preset, {}).get(name)
                row += f" {'–' if value is None else (value if value >= 0 else f'HTTP {-value}')} |"
        lines.append(row)
    return "\n".join(lines)


if __name__ == "__main__":
    main()
