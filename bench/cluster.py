"""The targets of `make bench` on PostgreSQL and Redis (issue 18), and what they cost those two.

glmgate-pg: one `glmgate serve` on a fresh schema of the PostgreSQL that scripts/with_postgres.sh
started (GLMGATE_TEST_POSTGRES_URL), with the Redis of scripts/with_redis.sh
(GLMGATE_TEST_REDIS_URL) as its rate limiter; otherwise the SQLite target's configuration, model,
kind of key and load. The pair: two such servers on one port (`reuse_port = true`), for the soak.

Meter: what those servers asked of PostgreSQL and Redis during a measured window, read before and
after it: statements from pg_stat_statements (calls), transactions from pg_stat_database
(xact_commit), commands from Redis's INFO commandstats, and the CPU the two servers spent. What the
reads themselves add is measured once, before any glmgate runs, and taken off.

INFO commandstats counts the commands a Lua script runs as well as the EVALSHA that ran it, so
what glmgate sends (the round trips it can wait for) is counted apart, by a census: Redis's
MONITOR, which marks a script's commands `[db lua]`, over a window of its own (MONITOR makes Redis
format every command for the monitoring client, so it never runs during a timed window).

Passwords stay out of argv and the log: psql and redis-cli get them through their environment.
"""
import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

from common import (BUILD, cpu_seconds, create_bench_key, free_port, glmgate_config, log,
                    serve_glmgate)

# pg_stat_database is flushed by each backend at most once a second (PostgreSQL 15's
# PGSTAT_MIN_INTERVAL), and the batching writer commits a window's last calls a flush interval
# (200 ms) after it or, when its commits lag the load, later: a window's counters are read this
# long after its load ends, and then again until the store holds a usage row for every answer the
# load generator got (DRAIN_SECONDS at most), so that a window is charged its own commits and the
# next window starts without them.
SETTLE_SECONDS = 1.2
DRAIN_SECONDS = 20
SCHEMA = f"bench_{os.getpid()}"
PAIR = "glmgate-pg x2"


def unavailable():
    """Why the PostgreSQL + Redis targets cannot run here, or None when they can."""
    missing = [v for v in ("GLMGATE_TEST_POSTGRES_URL", "GLMGATE_TEST_REDIS_URL")
               if not os.environ.get(v)]
    if not missing:
        return None
    return (f"{' and '.join(missing)} not set (`make bench` runs this script under "
            f"scripts/with_postgres.sh and scripts/with_redis.sh)")


def postmaster(port):
    """The PID of the PostgreSQL server started here with `-p port` (scripts/with_postgres.sh
    starts it so), or None: its process tree's CPU is the database's."""
    for entry in os.listdir("/proc"):
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"postgres") and b"-p" in argv and \
                argv[argv.index(b"-p") + 1:argv.index(b"-p") + 2] == [port.encode()]:
            return int(entry)
    return None


class Postgres:
    # The statements glmgate ran here: this database's, of the URL's role (the superuser's
    # CREATE EXTENSION is not), but for the bench's own reads, which name pg_stat_.
    OURS = ("FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database() AND s.userid = (SELECT oid FROM pg_roles "
            "WHERE rolname = current_user) AND s.query NOT LIKE '%pg_stat_%'")

    def __init__(self, url):
        u = urlsplit(url)
        self.env = {**os.environ, "PGHOST": u.hostname, "PGPORT": str(u.port or 5432),
                    "PGUSER": unquote(u.username or ""), "PGPASSWORD": unquote(u.password or ""),
                    "PGDATABASE": unquote(u.path.lstrip("/"))}
        self.statements = self.query(
            "SELECT to_regclass('pg_stat_statements') IS NOT NULL")[0][0] == "t"
        if not self.statements:
            log("note: no pg_stat_statements in this database (scripts/with_postgres.sh creates "
                "it where the server has the module): statements per request are not counted")
        self.postmaster = postmaster(self.env["PGPORT"])
        if not self.postmaster:
            log("note: no PostgreSQL server process on this machine listens on port "
                f"{self.env['PGPORT']}: its CPU is not counted")

    def query(self, sql):
        """The rows `sql` returns, each a list of its fields as text."""
        out = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-F", "\x1f", "-v",
                              "ON_ERROR_STOP=1", "-c", sql], env=self.env, capture_output=True,
                             text=True)
        if out.returncode:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return [line.split("\x1f") for line in out.stdout.splitlines() if line]

    def counters(self, schema):
        """(statements, transactions committed) in this database so far, and the calls recorded
        in `schema` (its usage rows, one per call); statements None without pg_stat_statements."""
        statements = (f"(SELECT coalesce(sum(s.calls), 0) {self.OURS})" if self.statements
                      else "-1")
        values = self.query(f"SELECT {statements}, (SELECT xact_commit FROM pg_stat_database "
                            f"WHERE datname = current_database()), "
                            f"(SELECT count(*) FROM {schema}.usage)")[0]
        return (int(values[0]) if self.statements else None), int(values[1]), int(values[2])

    def top_statements(self, n):
        """The n statements of this database that took the most time, the bench's own left out:
        [(calls, total ms, rows, text)]."""
        if not self.statements:
            return []
        return [(int(c), float(ms), int(r), q) for c, ms, r, q in self.query(
            "SELECT s.calls, round(s.total_exec_time::numeric, 1), s.rows, "
            f"left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) {self.OURS} "
            f"ORDER BY s.total_exec_time DESC LIMIT {n}")]


class Redis:
    def __init__(self, url):
        u = urlsplit(url)
        self.argv = ["redis-cli", "--no-auth-warning", "-h", u.hostname, "-p", str(u.port or 6379)]
        if u.username:
            self.argv += ["--user", unquote(u.username)]
        self.env = {**os.environ, "REDISCLI_AUTH": unquote(u.password or "")}

    def counters(self):
        """(commands served so far but this script's INFO and AUTH, CPU seconds of the server)."""
        out = subprocess.run(self.argv + ["INFO", "commandstats", "cpu"], env=self.env,
                             capture_output=True, text=True, check=True).stdout
        commands = sum(int(calls) for name, calls in
                       re.findall(r"^cmdstat_([^:]+):calls=(\d+)", out, re.M)
                       if name not in ("info", "auth"))
        cpu = sum(float(v) for v in re.findall(r"^used_cpu_(?:sys|user):([\d.]+)", out, re.M))
        return commands, cpu

    def census(self, run):
        """run() -> a result, under MONITOR: (result, Counter of the commands clients sent, by
        name, Counter of those scripts ran). The bench's own AUTH and INFO are not shown."""
        monitor = subprocess.Popen(self.argv + ["MONITOR"], env=self.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
        if monitor.stdout.readline().strip() != "OK":
            raise RuntimeError("redis-cli MONITOR did not start")
        sent, scripted = Counter(), Counter()

        def count():
            for line in monitor.stdout:
                m = re.match(r'[\d.]+ \[\d+ ([^\]]+)\] "([^"]+)"', line)
                if m:
                    (scripted if m[1] == "lua" else sent)[m[2].upper()] += 1

        counter = threading.Thread(target=count)
        counter.start()
        try:
            result = run()
            time.sleep(0.3)  # what is in flight reaches the monitor
        finally:
            monitor.terminate()
            counter.join()
            monitor.wait()
        return result, sent, scripted


class Meter:
    """Reads before and after a window; per call, the calls being the usage rows the window added
    (a load generator counts only the answers it got, not the requests still in flight when it
    stopped, which the servers served too)."""

    def __init__(self, pg, redis, schema):
        self.pg, self.redis, self.schema = pg, redis, schema
        first = self.read()
        self.own = {k: v2 - v1 for (k, v1), v2 in zip(first.items(), self.read().values())
                    if v1 is not None and not k.endswith("cpu")}
        self.own["calls"] = 0

    def read(self):
        statements, xacts, calls = self.pg.counters(self.schema)
        commands, redis_cpu = self.redis.counters()
        return {"calls": calls, "pg_statements": statements, "pg_xacts": xacts,
                "redis_commands": commands,
                "pg_cpu": cpu_seconds(self.pg.postmaster) if self.pg.postmaster else None,
                "redis_cpu": redis_cpu}

    def deltas(self, before, after, reads=1):
        """after - before, less what `reads` reads of this meter added."""
        return {k: (None if v is None or before[k] is None
                    else v - before[k] - reads * self.own.get(k, 0)) for k, v in after.items()}

    def settled(self, before, answered):
        """The counters once the calls of a window that got `answered` answers are committed:
        (counters, reads made since `before`, seconds from the end of the load to that read)."""
        ended = time.time()
        time.sleep(SETTLE_SECONDS)
        deadline = time.time() + DRAIN_SECONDS
        after, reads = self.read(), 1
        while after["calls"] - before["calls"] < answered:
            if time.time() > deadline:
                log(f"note: the store holds {after['calls'] - before['calls']} calls of "
                    f"{answered} answered {SETTLE_SECONDS + DRAIN_SECONDS:.0f} s after the load")
                break
            time.sleep(0.2)
            after, reads = self.read(), reads + 1
        else:
            if reads > 1:  # it lagged: the requests in flight at the end may come a commit later
                time.sleep(0.3)
                after, reads = self.read(), reads + 1
        return after, reads, time.time() - ended

    def measure(self, run, answered):
        """run() -> a result that got answered(result) answers; adds to it the calls the servers
        recorded meanwhile, what they asked of PostgreSQL and Redis per call, and the CPU the two
        spent per call."""
        before = self.read()
        result = run()
        after, reads, result["settled_s"] = self.settled(before, answered(result))
        d = self.deltas(before, after, reads)
        calls = result["calls"] = d.pop("calls")
        for k, v in d.items():
            if k.endswith("cpu"):
                result[f"{k}_us_per_req"] = v * 1e6 / calls if v is not None and calls else None
            else:
                result[f"{k}_per_req"] = v / calls if v is not None and calls else None
        return result

    def idle(self, seconds):
        """What the servers ask of PostgreSQL and Redis per second with no load."""
        before = self.read()
        time.sleep(seconds)
        d = self.deltas(before, self.read())
        return {k: (v / seconds if v is not None else None) for k, v in d.items()}

    def census(self, run, answered):
        """run() under Redis's MONITOR: (result, calls, commands sent by name, commands run by
        scripts by name)."""
        before = self.read()
        result, sent, scripted = self.redis.census(run)
        after, _, _ = self.settled(before, answered(result))
        return result, after["calls"] - before["calls"], sent, scripted


class Cluster:
    """glmgate-pg, and later the pair, on one fresh schema with one account and key."""

    def __init__(self, tmp, fake_port, binary=BUILD / "glmgate"):
        self.tmp, self.fake_port, self.binary = tmp, fake_port, binary
        base = os.environ["GLMGATE_TEST_POSTGRES_URL"]
        self.redis_url = os.environ["GLMGATE_TEST_REDIS_URL"]
        self.pg = Postgres(base)
        self.pg.query(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        self.redis = Redis(self.redis_url)
        # The schema reaches every connection of the store through libpq's `options`.
        self.store = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}"
        conf = tmp / "glmgate-pg.toml"
        conf.write_text(glmgate_config(self.store, fake_port,
                                       extra=f'redis = "{self.redis_url}"'))
        self.single, self.pair = None, []
        try:
            self.key = create_bench_key(binary, conf)  # the first command migrates the schema
            self.meter = Meter(self.pg, self.redis, SCHEMA)
            self.single, self.port = serve_glmgate(binary, "glmgate-pg", conf,
                                                   tmp / "glmgate-pg.log", self.key)
        except BaseException:
            self.stop()
            raise

    def start_pair(self):
        """Stops glmgate-pg and starts two servers on one port with `reuse_port = true`: returns
        the port, or None (with a note in the log) when this binary does not know the key."""
        self.single.stop()
        port = free_port()
        conf = self.tmp / "glmgate-pg-pair.toml"
        conf.write_text(glmgate_config(self.store, self.fake_port, listen=f"127.0.0.1:{port}",
                                       extra=f'redis = "{self.redis_url}"\nreuse_port = true'))
        for i in (1, 2):
            log_path = self.tmp / f"glmgate-pg-pair-{i}.log"
            try:
                self.pair.append(serve_glmgate(self.binary, f"{PAIR} #{i}", conf, log_path,
                                               self.key)[0])
            except RuntimeError:
                text = log_path.read_text()
                if re.search(r"\breuse_port: unknown key", text):
                    log(f"note: {self.binary} has no `reuse_port` (its config error names the "
                        f"key): the soak through two instances on one port is skipped")
                    return None
                last = (text.strip().splitlines() or ["(nothing in its log)"])[-1]
                raise RuntimeError(f"{PAIR} #{i} did not start: {last}") from None
        return port

    def stop(self):
        for service in [self.single, *self.pair]:
            if service:
                service.stop()
        self.pg.query(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
