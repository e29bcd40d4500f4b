#!/usr/bin/python3
"""make bench: glmgate side by side with its peers, in one run, interleaved.

Targets, all in front of the same tools/fake_provider: direct (the fake itself), nginx (a pure
reverse proxy), glmgate (the full pipeline) and Portkey's gateway (non-streamed work only).
Each figure is the median of repeated rounds; each comparison a ratio taken within one round.
Writes bench/results/latest.md, latest.json and latest.png. BENCH_QUICK=1 shortens everything.
BENCH_BASELINE=<path to another glmgate binary> (`make bench BASELINE=<commit>` builds one) adds it
as the target "baseline" to the non-streamed and first-token rounds, to read a change's cost off
one run.

Everything listens on 127.0.0.1 and is stopped at the end. Runs as a plain script: no state
outside a temporary directory.
"""
import hashlib
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "release"
RESULTS = ROOT / "bench" / "results"
QUICK = os.environ.get("BENCH_QUICK") == "1"
BASELINE = os.environ.get("BENCH_BASELINE") or None
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# The time budget: a full run under 10 minutes, a quick one under 2 (timed with
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
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, headers=None, timeout=20):
    import urllib.request
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


# ---------------------------------------------------------------- targets

class Stack:
    """The fake provider, nginx, Portkey and glmgate, all on loopback."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.fake = Service("fake", [str(BUILD / "fake_provider"), "--port", "0"],
                            r"listening on http://127\.0\.0\.1:(\d+)")
        self.fake_port = int(self.fake.match[1])
        self.nginx = self._start_nginx()
        self.portkey = self._start_portkey()
        self.glmgate = None
        self.key = None
        self.baseline = None
        self.start_glmgate(10)
        if BASELINE:
            self.baseline, self.baseline_port, self.baseline_key = self._start_glmgate_binary(
                Path(BASELINE), "baseline", 10)

    def _start_nginx(self):
        port = free_port()
        conf = self.tmp / "nginx.conf"
        (self.tmp / "nginx").mkdir(exist_ok=True)
        conf.write_text(f"""
worker_processes 2;
pid {self.tmp}/nginx/nginx.pid;
error_log {self.tmp}/nginx/error.log warn;
events {{ worker_connections 40000; }}
worker_rlimit_nofile 65536;
http {{
  access_log off;
  client_body_temp_path {self.tmp}/nginx/body;
  proxy_temp_path {self.tmp}/nginx/proxy;
  client_max_body_size 32m;
  client_body_buffer_size 2m;
  upstream fake {{ server 127.0.0.1:{self.fake_port}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }}
  }}
}}
""")
        proc = subprocess.Popen(["nginx", "-p", str(self.tmp / "nginx"), "-c", str(conf),
                                 "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        self.nginx_port = port
        wait_http(f"http://127.0.0.1:{port}/_fake/stats")
        return proc

    def _start_portkey(self):
        port = free_port()
        pk = ROOT / "bench" / "portkey"
        server = pk / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"
        proc = subprocess.Popen(
            ["node", "--import", str(pk / "bind-loopback.mjs"), str(server), f"--port={port}",
             "--headless"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "NODE_ENV": "production"})
        self.portkey_port = port
        deadline = time.time() + 30
        import socket
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("portkey did not start")

    def start_glmgate(self, keys):
        if self.glmgate:
            self.glmgate.stop()
        self.glmgate, self.glmgate_port, self.key = self._start_glmgate_binary(
            BUILD / "glmgate", "glmgate", keys)

    def _start_glmgate_binary(self, binary, name, keys):
        """Starts `binary` on a store of its own holding `keys` keys: (service, port, secret)."""
        store = self.tmp / f"{name}-keys-{keys}.db"
        secret_file = self.tmp / f"{name}-keys-{keys}.secret"
        if not store.exists():
            secret_file.write_text(make_store(store, keys, binary))
        key = secret_file.read_text()
        conf = self.tmp / f"{name}.toml"
        # The default configuration, as a user runs it (the access log at `info` included), but
        # for the listen address, the store and the catalog.
        conf.write_text(f"""
listen = "127.0.0.1:0"
store = "sqlite:{store}"
[[providers]]
name = "fake"
base_url = "http://127.0.0.1:{self.fake_port}/v1"
[[models]]
id = "{MODEL}"
provider = "fake"
upstream_model = "fake-model"
max_output_tokens = 8192
# Priced, so that every request is billed: a reservation, a settlement and a charge in the ledger.
input_price_per_mtok = 1
output_price_per_mtok = 2
""")
        service = Service(name, [str(binary), "serve", "--config", str(conf)],
                          r"glmgate listening on http://127\.0\.0\.1:(\d+)",
                          log_path=self.tmp / f"{name}-{keys}.log")
        port = int(service.match[1])
        wait_http(f"http://127.0.0.1:{port}/v1/models", {"Authorization": f"Bearer {key}"})
        return service, port, key

    def targets(self, streaming):
        t = {
            "direct": (f"http://127.0.0.1:{self.fake_port}/v1/chat/completions", {}, self.fake.pid),
            "nginx": (f"http://127.0.0.1:{self.nginx_port}/v1/chat/completions", {},
                      self.nginx.pid),
            "glmgate": (f"http://127.0.0.1:{self.glmgate_port}/v1/chat/completions",
                        {"Authorization": f"Bearer {self.key}"}, self.glmgate.pid),
        }
        if self.baseline:
            t["baseline"] = (f"http://127.0.0.1:{self.baseline_port}/v1/chat/completions",
                             {"Authorization": f"Bearer {self.baseline_key}"}, self.baseline.pid)
        if not streaming:
            t["portkey"] = (f"http://127.0.0.1:{self.portkey_port}/v1/chat/completions",
                            {"x-portkey-provider": "openai",
                             "x-portkey-custom-host": f"http://127.0.0.1:{self.fake_port}/v1",
                             "Authorization": "Bearer sk-bench"}, self.portkey.pid)
        return t

    def stop(self):
        for service in (self.glmgate, self.baseline):
            if service:
                service.stop()
        for p in (self.portkey, self.nginx):
            p.send_signal(signal.SIGTERM if p is self.portkey else signal.SIGQUIT)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.fake.stop()


def make_store(path, count, binary=BUILD / "glmgate"):
    """A glmgate store holding `count` active keys; returns one usable secret. Written straight
    into the schema of src/store/sqlite_store.cpp because creating a million keys one CLI call at
    a time would take hours."""
    cfg = path.with_suffix(".toml")
    cfg.write_text(f'store = "sqlite:{path}"\n')
    cli = lambda *args: subprocess.run([str(binary), *args, "--config", str(cfg)],
                                       capture_output=True, text=True, check=True)
    cli("accounts", "create", "bench")
    cli("credits", "grant", "bench", "1000000")
    # The full pipeline runs (limit, reservation, settlement, usage record); the limit is set
    # high enough that the benchmark measures the gateway, not the limiter refusing it.
    out = cli("keys", "create", "--account", "bench", "--rpm", "100000000", "--json")
    secret = json.loads(out.stdout)["key"]
    db = sqlite3.connect(path)
    # Each key takes the next change position, as the store's own inserts do: a store whose
    # change counter lags its rows would have every server re-read those keys on every sync
    # (schema 8 on; older schemas took the cursor from MAX(rev)).
    counter = db.execute("SELECT name FROM sqlite_master WHERE name = 'change_counter'").fetchone()
    first = (db.execute("SELECT position FROM change_counter").fetchone()[0] if counter
             else db.execute("SELECT MAX(rev) FROM api_keys").fetchone()[0]) + 1
    rows = []
    now = int(time.time())
    for i in range(count - 1):
        s = "sk-glm-" + secrets.token_urlsafe(32).replace("-", "a").replace("_", "b")[:43]
        rows.append((f"key_bench{i:09d}", f"k{i}", s[:12], hashlib.sha256(s.encode()).hexdigest(),
                     now, first + i))
    db.executemany("INSERT INTO api_keys (id, name, prefix, hash, created_at, rev) "
                   "VALUES (?, ?, ?, ?, ?, ?)", rows)
    if counter:
        db.execute("UPDATE change_counter SET position = ?", (first + count - 1,))
    db.commit()
    db.close()
    return secret


# ---------------------------------------------------------------- workloads

WRK_LUA = r'''
local f = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
for k, v in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^|:]+):([^|]+)") do
  wrk.headers[k] = v
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\"requests\":%d,\"errors\":%d,\"non2xx\":%d,\"duration_us\":%d," ..
    "\"p50\":%d,\"p99\":%d,\"p999\":%d}\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
'''


def chat_body(path, content, stream=False, pad=0):
    body = {"model": MODEL, "messages": [{"role": "user", "content": content + "x" * pad}],
            "max_tokens": 64}
    if stream:
        body["stream"] = True
    path.write_text(json.dumps(body))
    return path


def run_wrk(tmp, url, headers, body, connections, seconds, pid, threads=None):
    """wrk with `threads` load threads (default: 1 for one connection, else 2)."""
    script = tmp / "post.lua"
    script.write_text(WRK_LUA)
    env = {"BENCH_BODY": str(body),
           "BENCH_HEADERS": "|".join(f"{k}:{v}" for k, v in headers.items())}
    threads = threads or (1 if connections == 1 else 2)
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d",
                          f"{seconds}s", "--timeout", "10s", "-s", str(script), url],
                         capture_output=True, text=True, env={**os.environ, **env})
    cpu = cpu_seconds(pid) - cpu0
    m = re.search(r"^JSON (.*)$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    r = json.loads(m[1])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["cpu_us_per_req"] = cpu * 1e6 / max(1, r["requests"])
    r["rss_mb"] = rss_mb(pid)
    return r


def run_sse(url, headers, body, extra):
    argv = [str(BUILD / "sse_load"), "--url", url, "--body-file", str(body)]
    for k, v in headers.items():
        argv += ["--header", f"{k}:{v}"]
    out = subprocess.run(argv + extra, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def non_streaming(stack, tmp, results):
    body = chat_body(tmp / "small.json", "Say hello.")
    for conns in CONNECTIONS:
        for rnd in range(ROUNDS):
            targets = list(stack.targets(False).items())
            random.shuffle(targets)
            for name, (url, headers, pid) in targets:
                r = run_wrk(tmp, url, headers, body, conns, WRK_SECONDS, pid)
                results.setdefault("wrk", []).append({"target": name, "connections": conns,
                                                      "round": rnd, **r})
                log(f"non-stream c={conns} round {rnd} {name}: {r['rps']:.0f} rps "
                    f"p50 {r['p50']} us p99 {r['p99']} us errors {r['errors']}+{r['non2xx']}")


def one_thread_harness(stack, tmp, results):
    """The 64-connection load again from one wrk thread (`wrk -t1`), as an outside harness may
    run it: with one load thread the client takes less of the two cores, so the ratio moves."""
    body = chat_body(tmp / "small.json", "Say hello.")
    for rnd in range(ROUNDS):
        targets = [(n, t) for n, t in stack.targets(False).items() if n != "portkey"]
        random.shuffle(targets)
        for name, (url, headers, pid) in targets:
            r = run_wrk(tmp, url, headers, body, 64, WRK_SECONDS, pid, threads=1)
            results.setdefault("wrk_t1", []).append({"target": name, "connections": 64,
                                                     "round": rnd, **r})
            log(f"non-stream c=64 -t1 round {rnd} {name}: {r['rps']:.0f} rps "
                f"p99 {r['p99']} us errors {r['errors']}+{r['non2xx']}")


def ttft(stack, tmp, results):
    body = chat_body(tmp / "stream.json", "Hi fake: chunks=4", stream=True)
    for rnd in range(ROUNDS):
        targets = list(stack.targets(True).items())
        random.shuffle(targets)
        for name, (url, headers, pid) in targets:
            r = run_sse(url, headers, body, ["--sequential", str(TTFT_REQUESTS)])
            results.setdefault("ttft", []).append({"target": name, "round": rnd, **r})
            log(f"ttft round {rnd} {name}: p50 {r['ttft_us']['p50']:.0f} us "
                f"p99 {r['ttft_us']['p99']:.0f} us errors {r['errors']}")


def soak(stack, tmp, results):
    # One character per event, so the stream really lasts SOAK_SECONDS (the fake splits its
    # text into at most one piece per character).
    body = chat_body(tmp / "soak.json", f"Slow fake: chunks={SOAK_SECONDS} delay_ms=1000 "
                     f"text={'s' * SOAK_SECONDS}", stream=True)
    for n in SOAK_STREAMS:
        for name in ("direct", "glmgate"):
            url, headers, pid = stack.targets(True)[name]
            samples = []
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append((time.time(), rss_mb(pid)))
                    stop.wait(1)

            sampler = threading.Thread(target=sample)
            cpu0 = cpu_seconds(pid)
            sampler.start()
            r = run_sse(url, headers, body, ["--streams", str(n), "--interval-ms", "1000"])
            stop.set()
            sampler.join()
            r["cpu_seconds"] = cpu_seconds(pid) - cpu0
            r["rss_peak_mb"] = max(s[1] for s in samples)
            t0 = samples[0][0]
            r["rss_series"] = [(round(t - t0, 1), round(m, 1)) for t, m in samples]
            results.setdefault("soak", []).append({"target": name, "n": n, **r})
            log(f"soak n={n} {name}: errors {r['errors']} rss peak {r['rss_peak_mb']:.0f} MB "
                f"gap p99 {r['gap_excess_ms']['p99']:.2f} ms cpu {r['cpu_seconds']:.1f} s")


def body_sizes(stack, tmp, results):
    for label, size in BODY_SIZES.items():
        body = chat_body(tmp / f"body-{label}.json", "Echo.", pad=size)
        for rnd in range(SIDE_ROUNDS):
            for name in random.sample(["direct", "glmgate"], 2):
                url, headers, pid = stack.targets(False)[name]
                r = run_wrk(tmp, url, headers, body, 1, SIDE_WRK_SECONDS, pid)
                results.setdefault("body", []).append({"target": name, "size": label,
                                                       "round": rnd, **r})
            log(f"body {label} round {rnd} done")


def key_counts(stack, tmp, results):
    body = chat_body(tmp / "small.json", "Say hello.")
    for count in KEY_COUNTS:
        stack.start_glmgate(count)
        time.sleep(0.5)
        for rnd in range(SIDE_ROUNDS):
            for name in random.sample(["direct", "glmgate"], 2):
                url, headers, pid = stack.targets(False)[name]
                one = run_wrk(tmp, url, headers, body, 1, SIDE_WRK_SECONDS, pid)
                many = run_wrk(tmp, url, headers, body, 64, SIDE_WRK_SECONDS, pid)
                results.setdefault("keys", []).append(
                    {"target": name, "keys": count, "round": rnd, "p50_c1": one["p50"],
                     "rps_c64": many["rps"], "rss_mb": many["rss_mb"]})
        log(f"keys {count}: done (glmgate rss {rss_mb(stack.glmgate.pid):.0f} MB)")
    stack.start_glmgate(10)


# ---------------------------------------------------------------- report

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(results):
    s = {"wrk": {}, "ratios": {}, "ttft": {}, "soak": {}, "body": {}, "keys": {}}
    for row in results.get("wrk", []):
        s["wrk"].setdefault((row["target"], row["connections"]), []).append(row)
    wrk = {k: {m: med([r[m] for r in rows]) for m in
               ("rps", "p50", "p99", "p999", "cpu_us_per_req", "rss_mb", "errors", "non2xx")}
           for k, rows in s["wrk"].items()}

    def per_round_diff(section, key_fn, a, b, metric, sub=None):
        by_round = {}
        for row in results.get(section, []):
            val = row[metric][sub] if sub else row[metric]
            by_round.setdefault((row["round"], key_fn(row)), {})[row["target"]] = val
        return med([v[a] - v[b] for v in by_round.values() if a in v and b in v])

    ratios = {}
    # Ratios at 64 connections only.
    rows64 = [r for r in results.get("wrk", []) if r["connections"] == 64]
    rows1 = [r for r in results.get("wrk", []) if r["connections"] == 1]
    ratios["rps64_glmgate_over_nginx"] = per_round_ratio_rows(rows64, "glmgate", "nginx", "rps")
    ratios["rps64_glmgate_over_portkey"] = per_round_ratio_rows(rows64, "glmgate", "portkey",
                                                                "rps")
    ratios["cpu64_glmgate_over_nginx"] = per_round_ratio_rows(rows64, "glmgate", "nginx",
                                                              "cpu_us_per_req")
    rows64_t1 = results.get("wrk_t1", [])
    ratios["rps64_t1_glmgate_over_nginx"] = per_round_ratio_rows(rows64_t1, "glmgate", "nginx",
                                                                 "rps")
    ratios["added_p999_c1_us"] = per_round_diff_rows(rows1, "glmgate", "direct", "p999")
    ratios["added_p50_c1_us"] = per_round_diff_rows(rows1, "glmgate", "direct", "p50")
    ratios["added_p99_c1_us"] = per_round_diff_rows(rows1, "glmgate", "direct", "p99")
    ratios["added_ttft_p50_us"] = per_round_diff("ttft", lambda r: 0, "glmgate", "direct",
                                                 "ttft_us", "p50")
    # This tree against the baseline binary, when one ran (BENCH_BASELINE), per round.
    ratios["rps64_glmgate_over_baseline"] = per_round_ratio_rows(rows64, "glmgate", "baseline",
                                                                 "rps")
    ratios["rps64_t1_glmgate_over_baseline"] = per_round_ratio_rows(rows64_t1, "glmgate",
                                                                    "baseline", "rps")
    ratios["cpu64_glmgate_over_baseline"] = per_round_ratio_rows(rows64, "glmgate", "baseline",
                                                                 "cpu_us_per_req")
    ratios["baseline_added_p50_c1_us"] = per_round_diff_rows(rows1, "baseline", "direct", "p50")
    ratios["baseline_added_p99_c1_us"] = per_round_diff_rows(rows1, "baseline", "direct", "p99")
    ratios["baseline_added_ttft_p50_us"] = per_round_diff("ttft", lambda r: 0, "baseline",
                                                          "direct", "ttft_us", "p50")
    ratios["nginx_added_ttft_p50_us"] = per_round_diff("ttft", lambda r: 0, "nginx", "direct",
                                                       "ttft_us", "p50")
    ttft = {}
    for row in results.get("ttft", []):
        ttft.setdefault(row["target"], []).append(row)
    ttft = {t: {"p50": med([r["ttft_us"]["p50"] for r in rows]),
                "p99": med([r["ttft_us"]["p99"] for r in rows]),
                "errors": sum(r["errors"] for r in rows)} for t, rows in ttft.items()}
    soak = {(r["target"], r["n"]): r for r in results.get("soak", [])}
    body = {}
    for row in results.get("body", []):
        body.setdefault((row["target"], row["size"]), []).append(row["p50"])
    body = {k: med(v) for k, v in body.items()}
    keys = {}
    for row in results.get("keys", []):
        keys.setdefault((row["target"], row["keys"]), []).append(row)
    keys = {k: {"p50_c1": med([r["p50_c1"] for r in v]), "rps_c64": med([r["rps_c64"] for r in v]),
                "rss_mb": med([r["rss_mb"] for r in v])} for k, v in keys.items()}
    return wrk, ratios, ttft, soak, body, keys


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


def budget_rows(ratios, soak, keys, idle_rss):
    def check(ok):
        return "n/a" if ok is None else ("**pass**" if ok else "**MISS**")
    rows = []
    r = ratios
    rows.append(("Non-streaming rps at 64 connections >= 0.8x nginx",
                 fmt(r["rps64_glmgate_over_nginx"], 2, "x"),
                 check(None if r["rps64_glmgate_over_nginx"] is None
                       else r["rps64_glmgate_over_nginx"] >= 0.8)))
    rows.append(("Non-streaming rps at 64 connections >= 10x Portkey",
                 fmt(r["rps64_glmgate_over_portkey"], 1, "x"),
                 check(None if r["rps64_glmgate_over_portkey"] is None
                       else r["rps64_glmgate_over_portkey"] >= 10)))
    rows.append(("Added p50 latency at 1 connection <= 100 us", fmt(r["added_p50_c1_us"], 0, " us"),
                 check(None if r["added_p50_c1_us"] is None else r["added_p50_c1_us"] <= 100)))
    rows.append(("Added p99 latency at 1 connection <= 300 us", fmt(r["added_p99_c1_us"], 0, " us"),
                 check(None if r["added_p99_c1_us"] is None else r["added_p99_c1_us"] <= 300)))
    rows.append(("CPU per request <= 1.5x nginx", fmt(r["cpu64_glmgate_over_nginx"], 2, "x"),
                 check(None if r["cpu64_glmgate_over_nginx"] is None
                       else r["cpu64_glmgate_over_nginx"] <= 1.5)))
    rows.append(("Added time to first token p50 <= 200 us", fmt(r["added_ttft_p50_us"], 0, " us"),
                 check(None if r["added_ttft_p50_us"] is None else r["added_ttft_p50_us"] <= 200)))
    g, d = soak.get(("glmgate", 10000)), soak.get(("direct", 10000))
    if g:
        rows.append(("10,000 streams: no errors", f"{g['errors']} errors", check(g["errors"] == 0)))
        rows.append(("10,000 streams: RSS <= 200 MB", fmt(g["rss_peak_mb"], 0, " MB"),
                     check(g["rss_peak_mb"] <= 200)))
        added = g["gap_excess_ms"]["p99"] - (d["gap_excess_ms"]["p99"] if d else 0)
        rows.append(("10,000 streams: p99 added chunk delay < 5 ms", fmt(added, 2, " ms"),
                     check(added < 5)))
    rows.append(("Idle RSS <= 30 MB", fmt(idle_rss, 1, " MB"), check(idle_rss <= 30)))
    added = {}
    for (t, n), v in keys.items():
        if t == "glmgate" and ("direct", n) in keys:
            added[n] = v["p50_c1"] - keys[("direct", n)]["p50_c1"]
    if len(added) >= 2:
        base = added[min(added)]
        worst = max(added.values())
        flat = worst <= max(base * 1.2, base + 20)
        rows.append(("Overhead flat (within 20%) from 10 to 1,000,000 keys",
                     " / ".join(f"{n:,}: {fmt(v, 0, ' us')}" for n, v in sorted(added.items())),
                     check(flat)))
    return rows


def write_report(results, meta):
    wrk, ratios, ttft, soak, body, keys = summarize(results)
    idle_rss = meta["idle_rss_mb"]
    lines = [f"# glmgate benchmark results", "",
             f"Run {meta['date']} on {meta['machine']}; {'QUICK ' if QUICK else ''}{ROUNDS} rounds "
             f"per figure (medians), targets interleaved in random order each round. "
             f"Command: `{'BENCH_QUICK=1 ' if QUICK else ''}make bench`.", "",
             "## Budget", "", "| budget | measured | verdict |", "|---|---|---|"]
    for name, value, verdict in budget_rows(ratios, soak, keys, idle_rss):
        lines.append(f"| {name} | {value} | {verdict} |")
    lines += ["", "## Non-streaming chat completions (wrk, closed loop)", "",
              "| target | connections | req/s | p50 | p99 | p99.9 | CPU/req | RSS | errors |",
              "|---|---|---|---|---|---|---|---|---|"]
    for (t, c), v in sorted(wrk.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"| {t} | {c} | {fmt(v['rps'])} | {fmt(v['p50'])} us | {fmt(v['p99'])} us | "
                     f"{fmt(v['p999'])} us | {fmt(v['cpu_us_per_req'], 1)} us | "
                     f"{fmt(v['rss_mb'], 1)} MB | {fmt(v['errors'])}+{fmt(v['non2xx'])} |")
    t1 = {}
    for row in results.get("wrk_t1", []):
        t1.setdefault(row["target"], []).append(row)
    lines += ["", "The same 64 connections from one wrk thread (`wrk -t1 -c64`; the rows above use "
              "`-t2`, and `-t1` at one connection):", "",
              "| target | req/s | p50 | p99 | CPU/req |", "|---|---|---|---|---|"]
    for t, rows in sorted(t1.items()):
        lines.append(f"| {t} | {fmt(med([r['rps'] for r in rows]))} | "
                     f"{fmt(med([r['p50'] for r in rows]))} us | "
                     f"{fmt(med([r['p99'] for r in rows]))} us | "
                     f"{fmt(med([r['cpu_us_per_req'] for r in rows]), 1)} us |")
    lines += ["", f"glmgate over nginx at 64 connections: "
              f"{fmt(ratios['rps64_glmgate_over_nginx'], 2, 'x')} (`-t2`), "
              f"{fmt(ratios['rps64_t1_glmgate_over_nginx'], 2, 'x')} (`-t1`). Added latency at one "
              f"connection (glmgate minus direct, per round): p50 "
              f"{fmt(ratios['added_p50_c1_us'], 0, ' us')}, p99 "
              f"{fmt(ratios['added_p99_c1_us'], 0, ' us')}, p99.9 "
              f"{fmt(ratios['added_p999_c1_us'], 0, ' us')}."]
    if BASELINE:
        r = ratios
        lines += ["", f"## This tree against the baseline (`{BASELINE}`)", "",
                  "Both binaries ran in the same rounds, in random order with the others, each on "
                  "its own store made by its own CLI.", "",
                  "| figure | this tree | baseline | ratio |", "|---|---|---|---|",
                  f"| req/s at 64 connections (`-t2`), per-round ratio | | | "
                  f"{fmt(r['rps64_glmgate_over_baseline'], 3, 'x')} |",
                  f"| req/s at 64 connections (`-t1`), per-round ratio | | | "
                  f"{fmt(r['rps64_t1_glmgate_over_baseline'], 3, 'x')} |",
                  f"| CPU per request at 64 connections, per-round ratio | | | "
                  f"{fmt(r['cpu64_glmgate_over_baseline'], 3, 'x')} |",
                  f"| added p50 at 1 connection | {fmt(r['added_p50_c1_us'], 0, ' us')} | "
                  f"{fmt(r['baseline_added_p50_c1_us'], 0, ' us')} | |",
                  f"| added p99 at 1 connection | {fmt(r['added_p99_c1_us'], 0, ' us')} | "
                  f"{fmt(r['baseline_added_p99_c1_us'], 0, ' us')} | |",
                  f"| added time to first token p50 | {fmt(r['added_ttft_p50_us'], 0, ' us')} | "
                  f"{fmt(r['baseline_added_ttft_p50_us'], 0, ' us')} | |"]
    lines += ["", "CPU/req and RSS are of the target process tree (for direct: the fake provider "
              "itself). errors = socket errors + non-2xx answers.", "",
              "## Streaming: time to first token (sequential)", "",
              "| target | p50 | p99 | errors |", "|---|---|---|---|"]
    for t, v in sorted(ttft.items()):
        lines.append(f"| {t} | {fmt(v['p50'])} us | {fmt(v['p99'])} us | {v['errors']} |")
    lines += ["", "Portkey 1.15.2 is left out of streamed work: its streamed requests fail on Node "
              "(its issues #1389 and #1550).", "",
              f"## Streaming soak: N concurrent streams, 1 event per second for {SOAK_SECONDS} s", "",
              "| target | N | errors | completed | peak RSS | CPU | gap excess p50 / p99 / max |",
              "|---|---|---|---|---|---|---|"]
    for (t, n), v in sorted(soak.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        g = v["gap_excess_ms"]
        lines.append(f"| {t} | {n:,} | {v['errors']} | {v['completed']} | "
                     f"{fmt(v['rss_peak_mb'], 0)} MB | {fmt(v['cpu_seconds'], 1)} s | "
                     f"{g['p50']:.2f} / {g['p99']:.2f} / {g['max']:.2f} ms |")
    lines += ["", "Gap excess: time between two events of a stream minus the 1 s the fake waits; "
              "what glmgate adds is its row minus direct's.", "",
              "## Cost as work grows", "", "p50 latency at 1 connection by request body size:", "",
              "| target | " + " | ".join(BODY_SIZES) + " |",
              "|---|" + "---|" * len(BODY_SIZES)]
    for t in ("direct", "glmgate"):
        lines.append(f"| {t} | " + " | ".join(f"{fmt(body.get((t, s)))} us" for s in BODY_SIZES)
                     + " |")
    lines += ["", "glmgate by number of keys in the store:", "",
              "| keys | p50 at 1 connection | added over direct | req/s at 64 | RSS |",
              "|---|---|---|---|---|"]
    for n in KEY_COUNTS:
        g, d = keys.get(("glmgate", n)), keys.get(("direct", n))
        if g and d:
            lines.append(f"| {n:,} | {fmt(g['p50_c1'])} us | {fmt(g['p50_c1'] - d['p50_c1'])} us | "
                         f"{fmt(g['rps_c64'])} | {fmt(g['rss_mb'], 0)} MB |")
    lines += ["", f"Idle RSS of glmgate (10 keys, before load): {idle_rss:.1f} MB.", ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text("\n".join(lines))
    (RESULTS / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    plot(wrk, soak)


def plot(wrk, soak):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    targets = ["direct", "nginx", "glmgate", "portkey"]
    colors = {"direct": "#888888", "nginx": "#2a9d8f", "glmgate": "#e76f51", "portkey": "#264653"}
    width = 0.2
    for ax, metric, title in ((axes[0], "p50", "p50 latency"), (axes[1], "p99", "p99 latency")):
        for i, t in enumerate(targets):
            xs, ys = [], []
            for j, c in enumerate(CONNECTIONS):
                v = wrk.get((t, c))
                if v and v[metric]:
                    xs.append(j + (i - 1.5) * width)
                    ys.append(v[metric])
            ax.bar(xs, ys, width, label=t, color=colors[t])
        ax.set_xticks(range(len(CONNECTIONS)), [f"{c} conn" for c in CONNECTIONS])
        ax.set_yscale("log")
        ax.set_ylabel("microseconds (log)")
        ax.set_title(f"Non-streaming {title}")
        ax.legend()
    ax = axes[2]
    for (t, n), v in sorted(soak.items()):
        series = v.get("rss_series", [])
        ax.plot([s[0] for s in series], [s[1] for s in series],
                label=f"{t}, {n:,} streams", linestyle="-" if t == "glmgate" else "--")
    ax.axhline(200, color="red", linewidth=0.8, linestyle=":", label="200 MB budget")
    ax.set_xlabel("seconds")
    ax.set_ylabel("RSS (MB)")
    ax.set_title("Stream soak: memory")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "latest.png", dpi=110)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, max(hard, 65536)))
    except (ValueError, PermissionError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        log(f"file-descriptor limit stays at {hard}; 10,000 streams need about 20,000")
    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="glmgate-bench-"))
    stack = None
    results = {}
    try:
        stack = Stack(tmp)
        time.sleep(0.5)
        meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": f"{os.cpu_count()} cores, "
                           f"{os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB",
                "idle_rss_mb": rss_mb(stack.glmgate.pid), "quick": QUICK}
        log(f"idle glmgate RSS {meta['idle_rss_mb']:.1f} MB")
        non_streaming(stack, tmp, results)
        one_thread_harness(stack, tmp, results)
        ttft(stack, tmp, results)
        body_sizes(stack, tmp, results)
        key_counts(stack, tmp, results)
        soak(stack, tmp, results)
        meta["seconds"] = round(time.time() - started)
        write_report(results, meta)
        log(f"done in {meta['seconds']} s: {RESULTS / 'latest.md'}")
        print((RESULTS / "latest.md").read_text())
    finally:
        if stack:
            stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
