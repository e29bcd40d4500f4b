#!/usr/bin/python3
"""The PostgreSQL + Redis target's rps against the SQLite target's, quicker than `make bench`:
wrk -c64 on both, ROUNDS rounds of SECONDS each, interleaved in a random order, with what the
PostgreSQL target cost PostgreSQL and Redis per request (and their CPU). From the repo root,
after `make build`:
  bash scripts/with_postgres.sh bash scripts/with_redis.sh python3 bench/pg_ratio.py [ROUNDS] [SECONDS]
"""
import random, statistics, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run
from common import log

class Small(run.Stack):
    def _start_nginx(self):
        self.nginx_port = 0
        return None
    def _start_portkey(self):
        self.portkey_port = 0
        return None
    def targets(self, streaming):
        t = {"glmgate": (f"http://127.0.0.1:{self.glmgate_port}/v1/chat/completions",
                         {"Authorization": f"Bearer {self.key}"}, self.glmgate.pid)}
        c = self.cluster
        t["glmgate-pg"] = (f"http://127.0.0.1:{c.port}/v1/chat/completions",
                           {"Authorization": f"Bearer {c.key}"}, c.single.pid)
        return t

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
secs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
tmp = Path(tempfile.mkdtemp())
stack = Small(tmp)
try:
    body = run.chat_body(tmp / "small.json", "Say hello.")
    run.warm_up(stack, tmp, body)
    rps = {}
    for rnd in range(rounds):
        items = list(stack.targets(False).items())
        random.shuffle(items)
        for name, (url, headers, pid) in items:
            r = run.metered(stack, name, lambda: run.run_wrk(tmp, url, headers, body, 64, secs, pid),
                            run.wrk_answers)
            rps.setdefault(name, []).append(r["rps"])
            if name == "glmgate-pg":
                log(f"  pg cpu {r.get('pg_cpu_us_per_req')} us/req, redis cpu {r.get('redis_cpu_us_per_req')} us/req")
            log(f"round {rnd} {name}: {r['rps']:.0f} rps, {r['cpu_us_per_req']:.1f} us CPU/req, "
                f"p50 {r['p50']} us, errors {r['errors']}+{r['non2xx']}")
    a, b = statistics.median(rps["glmgate"]), statistics.median(rps["glmgate-pg"])
    # make bench's budget figure: each round's two targets ran back to back, so their ratio is
    # taken within the round, where the machine's speed moved least.
    per_round = statistics.median(p / s for s, p in zip(rps["glmgate"], rps["glmgate-pg"]))
    log(f"median: sqlite {a:.0f} rps, pg+redis {b:.0f} rps, ratio of medians {b / a:.3f}, "
        f"median of per-round ratios {per_round:.3f}")
    calls = int(stack.cluster.pg.query(f"SELECT count(*) FROM {run.cluster.SCHEMA}.usage")[0][0]) or 1
    log(f"where PostgreSQL's time went over the {calls} calls stored (us per call):")
    for n, ms, rows, text in stack.cluster.pg.top_statements(8):
        log(f"  {ms * 1000 / calls:7.2f}  x{n:<6} {text}")
finally:
    stack.stop()
