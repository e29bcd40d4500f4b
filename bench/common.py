"""Shared by the `make bench` modules: settings, logging, processes and what they use."""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "release"
RESULTS = ROOT / "bench" / "results"
QUICK = os.environ.get("BENCH_QUICK") == "1"
BASELINE = os.environ.get("BENCH_BASELINE") or None
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# The time budget: a full run under 15 minutes, a quick one under 3 (timed with
# `time make bench`, build and npm install included). The core comparisons (non-streamed work and
# time to first token) keep every round; the cost-as-work-grows phases, which compare glmgate
# with direct only, take one round in a quick run.
ROUNDS = 2 if QUICK else 3
SIDE_ROUNDS = 1 if QUICK else ROUNDS
WRK_SECONDS = 1 if QUICK else 3
SIDE_WRK_SECONDS = 1 if QUICK else 2
CONNECTIONS = [1, 64, 256]
TTFT_REQUESTS = 100 if QUICK else 500
SOAK_SECONDS = 5 if QUICK else 60
SOAK_STREAMS = [1000, 10000]
BODY_SIZES = {"1KB": 1024, "64KB": 64 * 1024, "1MB": 1024 * 1024}
KEY_COUNTS = [10, 100_000, 1_000_000]
MODEL = "bench-model"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- processes and measurements

def proc_tree(pid):
    """pid and all its descendants (nginx workers, node children)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid):
    total = 0
    for p in proc_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / CLK_TCK


def rss_mb(pid):
    total = 0
    for p in proc_tree(pid):
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        except OSError:
            pass
    return total / (1024 * 1024)


class Service:
    def __init__(self, name, argv, ready, env=None, cwd=None, log_path=None):
        """`log_path`: the child's standard error goes to this file (as a service's log would),
        not through this script."""
        self.name = name
        self.log = open(log_path, "w") if log_path else None
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=self.log or subprocess.STDOUT,
                                     text=True, env={**os.environ, **(env or {})}, cwd=cwd)
        self.lines = []
        deadline = time.time() + 30
        self.match = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            self.lines.append(line.rstrip())
            m = re.search(ready, line)
            if m:
                self.match = m
                break
        if not self.match:
            self.stop()
            raise RuntimeError(f"{name} did not start:\n" + "\n".join(self.lines[-20:]))
        # Keep draining output so the child never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            del self.lines[:-200]

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, headers=None, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError(f"{url} never answered 200")



def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def glmgate_config(store, fake_port, listen="127.0.0.1:0", extra=""):
    """The default configuration, as a user runs it (the access log at `info` included), but for
    the listen address, the store, the catalog and `extra` (top-level keys)."""
    return f"""
listen = "{listen}"
store = "{store}"
{extra}
[[providers]]
name = "fake"
base_url = "http://127.0.0.1:{fake_port}/v1"
[[models]]
id = "{MODEL}"
provider = "fake"
upstream_model = "fake-model"
max_output_tokens = 8192
# Priced, so that every request is billed: a reservation, a settlement and a charge in the ledger.
input_price_per_mtok = 1
output_price_per_mtok = 2
"""


def serve_glmgate(binary, name, conf, log_path, key):
    """`binary serve` on the config file `conf`, its log in `log_path`: (service, port) once it
    answers `key`. Raises RuntimeError when it does not start (its log says why)."""
    service = Service(name, [str(binary), "serve", "--config", str(conf)],
                      r"glmgate listening on http://127\.0\.0\.1:(\d+)", log_path=log_path)
    port = int(service.match[1])
    wait_http(f"http://127.0.0.1:{port}/v1/models", {"Authorization": f"Bearer {key}"})
    return service, port


def create_bench_key(binary, conf):
    """The bench's account (1M USD of credits) and key, through the CLI on the store of the
    config file `conf`: returns the key's secret. The full pipeline runs (limit, reservation,
    settlement, usage record); the limit is high enough that the benchmark measures the gateway,
    not the limiter refusing it."""
    def cli(*args):
        out = subprocess.run([str(binary), *args, "--config", str(conf)], capture_output=True,
                             text=True)
        if out.returncode:
            raise RuntimeError(f"glmgate {' '.join(args[:2])} failed: {out.stderr.strip()}")
        return out

    cli("accounts", "create", "bench")
    cli("credits", "grant", "bench", "1000000")
    out = cli("keys", "create", "--account", "bench", "--rpm", "100000000", "--json")
    return json.loads(out.stdout)["key"]


def per_round_ratio_rows(rows, a, b, metric):
    by_round = {}
    for row in rows:
        by_round.setdefault(row["round"], {})[row["target"]] = row[metric]
    return med([v[a] / v[b] for v in by_round.values() if a in v and b in v and v[b]])


def per_round_diff_rows(rows, a, b, metric):
    by_round = {}
    for row in rows:
        by_round.setdefault(row["round"], {})[row["target"]] = row[metric]
    return med([v[a] - v[b] for v in by_round.values() if a in v and b in v])


def fmt(v, digits=0, unit=""):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{unit}"


def verdict(ok):
    """A budget row's verdict: None when it could not be measured."""
    return "n/a" if ok is None else ("**pass**" if ok else "**MISS**")
