"""Web UI load benchmark: N concurrent logged-in sessions for S seconds against loopback.

Builds the demo store in a temporary directory (``mailagent demo --no-ui``: the bundled
mailbox, archive, drafts), starts ``mailagent web --port 0`` on it in a child process (its
own interpreter, as in production), logs every session in through the real form (CSRF
token included; the demo users rotate over sales, supervisor and admin), then each session
browses for the duration: inbox (with filters and pages), a message, drafts, a draft,
customers, the dashboard for supervisors. It reports requests, throughput, p50/p95/p99
latency per page kind and overall, and errors (any 5xx, any transport error, any page that
unexpectedly redirected to the log-in page). Bounded: at most ``--sessions`` requests are
in flight at once. Nothing leaves 127.0.0.1.

Usage: python bench/webload.py [--sessions 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_store(tmp: Path) -> tuple[Path, str, list[str]]:
    """The demo store, its config file, the demo password and the demo log-ins."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    store = tmp / "demo"
    subprocess.run(
        [sys.executable, "-m", "mailagent", "demo", "--no-ui", "--store", str(store)],
        cwd=tmp, env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    config = store / "config.toml"
    sys.path.insert(0, str(ROOT))
    from mailagent import config as cfg
    from mailagent.app import open_app
    from mailagent.demo.web import DEMO_USERS, demo_password, ensure_demo_users

    app = open_app(cfg.load(config), with_model=False)
    password = demo_password(app)
    ensure_demo_users(app, password)
    app.close()
    return config, password, [email for email, *_ in DEMO_USERS]


def start_server(config: Path, tmp: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailagent", "--config", str(config), "web", "--port", "0"],
        cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"web UI on (http://\S+)", line)
        if found:
            return proc, found.group(1).rstrip("/")
    raise RuntimeError("the web UI did not start")


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.logins: list[float] = []

    def record(self, kind: str, seconds: float) -> None:
        self.latency[kind].append(seconds)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def log_in(
    base: str, email: str, password: str, slots: asyncio.Semaphore, stats: Stats
) -> httpx.AsyncClient | None:
    client = httpx.AsyncClient(base_url=base, timeout=120.0, follow_redirects=False)
    async with slots:
        started = time.perf_counter()
        try:
            page = await client.get("/login")
            token = CSRF.search(page.text)
            data = {
                "email": email,
                "password": password,
                "csrf_token": token.group(1) if token else "",
            }
            response = await client.post("/login", data=data)
        except httpx.HTTPError as exc:
            stats.errors[f"login {type(exc).__name__}"] += 1
            await client.aclose()
            return None
        stats.logins.append(time.perf_counter() - started)
    if response.status_code != 303:
        stats.errors[f"login {response.status_code}"] += 1
        await client.aclose()
        return None
    return client


async def browse(
    client: httpx.AsyncClient, email: str, deadline: float, stats: Stats, rng: random.Random
) -> None:
    admin = email.startswith("admin@")
    supervisor = email.startswith("grace.")
    ids: list[str] = []
    drafts: list[str] = []
    while time.monotonic() < deadline:
        if admin:
            kind, path = "admin", "/admin"
        else:
            choices = [("inbox", "/inbox"), ("inbox-filter", "/inbox?intent=inquiry&page=1"),
                       ("drafts", "/drafts"), ("customers", "/customers")]  # fmt: skip
            if ids:
                choices.append(("message", f"/messages/{rng.choice(ids)}"))
            if drafts:
                choices.append(("draft", f"/drafts/{rng.choice(drafts)}"))
            if supervisor:
                choices.append(("dashboard", "/dashboard"))
            kind, path = rng.choice(choices)
        started = time.perf_counter()
        try:
            response = await client.get(path)
        except httpx.HTTPError as exc:
            stats.errors[f"{kind} {type(exc).__name__}"] += 1
            continue
        stats.record(kind, time.perf_counter() - started)
        if response.status_code >= 500 or response.status_code == 303:
            stats.errors[f"{kind} {response.status_code}"] += 1
        elif kind.startswith("inbox"):
            ids = re.findall(r'href="/messages/(\d+)"', response.text)[:50] or ids
        elif kind == "drafts":
            drafts = re.findall(r'href="/drafts/(\d+)"', response.text)[:50] or drafts
    await client.aclose()


async def run_load(
    base: str, users: list[str], password: str, sessions: int, seconds: float
) -> tuple[Stats, float]:
    """Log every session in first (a few at a time), then browse for ``seconds``."""
    stats = Stats()
    slots = asyncio.Semaphore(4)
    emails = [users[i % len(users)] for i in range(sessions)]
    clients = await asyncio.gather(*(log_in(base, e, password, slots, stats) for e in emails))
    rng = random.Random(17)
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(
        browse(client, email, deadline, stats, random.Random(rng.random()))
        for client, email in zip(clients, emails, strict=True) if client is not None
    ))  # fmt: skip
    return stats, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="webload-") as name:
        tmp = Path(name)
        print("building the demo store ...", flush=True)
        config, password, users = build_store(tmp)
        proc, base = start_server(config, tmp)
        try:
            print(f"{args.sessions} sessions x {args.seconds:.0f} s against {base}", flush=True)
            stats, elapsed = asyncio.run(
                run_load(base, users, password, args.sessions, args.seconds)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    every = [v for values in stats.latency.values() for v in values]
    errors = sum(stats.errors.values())
    print(f"\n{'page':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for kind in sorted(stats.latency):
        values = stats.latency[kind]
        print(f"{kind:<14}{len(values):>9}{pct(values, .5):>9.0f}{pct(values, .95):>9.0f}"
              f"{pct(values, .99):>9.0f}")  # fmt: skip
    if every:
        print(f"{'all':<14}{len(every):>9}{pct(every, .5):>9.0f}{pct(every, .95):>9.0f}"
              f"{pct(every, .99):>9.0f}")  # fmt: skip
        print(f"\nthroughput {len(every) / elapsed:.1f} requests/s, mean "
              f"{statistics.mean(every) * 1000:.0f} ms; errors: {errors}")  # fmt: skip
    if stats.logins:
        print(f"log-ins: {len(stats.logins)}, p50 {pct(stats.logins, .5):.0f} ms, "
              f"p95 {pct(stats.logins, .95):.0f} ms (argon2id, 4 at a time)")  # fmt: skip
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for what, count in sorted(stats.errors.items()):
        print(f"  {what}: {count}")
    sys.exit(1 if errors or not every else 0)


if __name__ == "__main__":
    main()
