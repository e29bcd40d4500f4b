"""The PostgreSQL + Redis part of the `make bench` report: glmgate-pg beside glmgate (SQLite) in
the same rounds, what a request cost PostgreSQL and Redis, the soak through two instances on one
port, and their budget rows. Every figure is None (n/a) when those targets did not run."""
from cluster import PAIR
from common import (CONNECTIONS, fmt, med, per_round_diff_rows, per_round_ratio_rows, verdict)

PG = "glmgate-pg"
COSTS = ("pg_statements_per_req", "pg_xacts_per_req", "redis_commands_per_req",
         "pg_cpu_us_per_req", "redis_cpu_us_per_req")
# A statement per request would make this 1 or more; the batching writer's commits (BEGIN, a
# 32-row INSERT per kind of row, the balance and lease updates, COMMIT every 200 ms) make a few
# hundredths at the loads measured.
MAX_PG_STATEMENTS_PER_REQ = 0.25
MAX_REDIS_COMMANDS_PER_REQ = 1.0
MIN_RPS_RATIO = 0.85


def cluster_figures(results):
    """Per connection count: glmgate-pg's req/s over glmgate's (median of per-round ratios) and
    the medians of its per-request costs; the same costs for streamed requests; the added p50 and
    p99 at one connection and the added time to first token of both, per round."""
    rows = results.get("wrk", [])
    if not any(r["target"] == PG for r in rows):
        return None

    def costs(rows):
        return {k: med([r.get(k) for r in rows if r["target"] == PG]) for k in COSTS}

    f = {"by_connections": {}}
    for c in CONNECTIONS:
        at_c = [r for r in rows if r["connections"] == c]
        f["by_connections"][c] = {
            "rps_glmgate": med([r["rps"] for r in at_c if r["target"] == "glmgate"]),
            "rps_pg": med([r["rps"] for r in at_c if r["target"] == PG]),
            "rps_ratio": per_round_ratio_rows(at_c, PG, "glmgate", "rps"), **costs(at_c)}
    ttft = [{**r, "p50": r["ttft_us"]["p50"]} for r in results.get("ttft", [])]
    f["streamed"] = costs(ttft)
    f["census"] = results.get("redis_census", [])
    f["idle"] = results.get("cluster_idle")
    f["top"] = results.get("pg_top_statements", [])
    rows1 = [r for r in rows if r["connections"] == 1]
    for t in ("glmgate", PG):
        f[t] = {"p50": per_round_diff_rows(rows1, t, "direct", "p50"),
                "p99": per_round_diff_rows(rows1, t, "direct", "p99"),
                "ttft_p50": per_round_diff_rows(ttft, t, "direct", "p50")}
    return f


def per_request(counts, requests):
    return sum(counts.values()) / max(1, requests)


def worst(f, key):
    values = [v[key] for v in f["by_connections"].values() if v[key] is not None]
    return max(values) if values else None


def cluster_budget_rows(f, soak, skipped, error):
    rows = []
    ratio = f and f["by_connections"][64]["rps_ratio"]
    rows.append((f"PostgreSQL + Redis rps at 64 connections >= {MIN_RPS_RATIO}x SQLite (one "
                 f"instance each)", fmt(ratio, 2, "x"),
                 verdict(None if ratio is None else ratio >= MIN_RPS_RATIO)))
    sent = [per_request(c["sent"], c["requests"]) for c in (f["census"] if f else [])]
    most = max(sent) if sent else None
    rows.append(("PostgreSQL + Redis: <= 1 Redis round trip per request (commands glmgate sends "
                 "per request, the more of non-streamed and streamed work)",
                 f"{fmt(most, 3)} (with what its scripts run: "
                 f"{fmt(f and worst(f, 'redis_commands_per_req'), 2)})",
                 verdict(None if most is None else round(most, 3) <= MAX_REDIS_COMMANDS_PER_REQ)))
    statements = f and worst(f, "pg_statements_per_req")
    xacts = f and worst(f, "pg_xacts_per_req")
    rows.append(("PostgreSQL + Redis: no synchronous PostgreSQL round trip per request "
                 f"(statements per request < {MAX_PG_STATEMENTS_PER_REQ}, the most at 1/64/256 "
                 "connections)",
                 f"{fmt(statements, 4)} statements, {fmt(xacts, 4)} transactions",
                 verdict(None if statements is None else statements < MAX_PG_STATEMENTS_PER_REQ)))
    pair = soak.get((PAIR, 10000))
    if pair:
        rows.append(("10,000 streams through two instances on one port: no errors",
                     f"{pair['errors']} errors", verdict(pair["errors"] == 0)))
    elif error:
        rows.append(("10,000 streams through two instances on one port: no errors",
                     f"did not start: {error}", verdict(False)))
    else:
        rows.append(("10,000 streams through two instances on one port: no errors",
                     f"not run: {skipped or 'no PostgreSQL + Redis targets'}", verdict(None)))
    return rows


def cluster_section(f):
    if not f:
        return ["", "## glmgate on PostgreSQL + Redis", "",
                "Not run: no GLMGATE_TEST_POSTGRES_URL / GLMGATE_TEST_REDIS_URL (`make bench` "
                "runs under scripts/with_postgres.sh and scripts/with_redis.sh)."]
    lines = ["", "## glmgate on PostgreSQL + Redis (glmgate-pg)", "",
             "One glmgate on a fresh schema of a throwaway PostgreSQL (scripts/with_postgres.sh: "
             "fsync, synchronous_commit and full_page_writes off) with its limits in a throwaway "
             "Redis, beside glmgate on SQLite in the same rounds, same key, model and load. Per "
             "request: PostgreSQL statements (pg_stat_statements calls, BEGIN and COMMIT "
             "included) and transactions (pg_stat_database xact_commit), Redis commands (INFO "
             "commandstats), and the CPU the two servers spent, over each window and after it "
             "until the store held every answered call (1.2 s at least), divided by the calls the "
             "window added to the store's usage rows; medians of the rounds. PostgreSQL and Redis "
             "run on the same two cores as the rest.", "",
             "| work | glmgate req/s | glmgate-pg req/s | ratio (per round) | PG statements/req | "
             "PG transactions/req | Redis commands/req | PG + Redis CPU/req |",
             "|---|---|---|---|---|---|---|---|"]

    def cpu(v):
        parts = [v["pg_cpu_us_per_req"], v["redis_cpu_us_per_req"]]
        return "n/a" if None in parts else f"{parts[0]:.1f} + {parts[1]:.1f} us"

    for c, v in f["by_connections"].items():
        lines.append(f"| {c} connection{'s' if c > 1 else ''} | {fmt(v['rps_glmgate'])} | "
                     f"{fmt(v['rps_pg'])} | {fmt(v['rps_ratio'], 2, 'x')} | "
                     f"{fmt(v['pg_statements_per_req'], 4)} | {fmt(v['pg_xacts_per_req'], 4)} | "
                     f"{fmt(v['redis_commands_per_req'], 3)} | {cpu(v)} |")
    s = f["streamed"]
    lines.append(f"| streamed, one at a time | | | | {fmt(s['pg_statements_per_req'], 4)} | "
                 f"{fmt(s['pg_xacts_per_req'], 4)} | {fmt(s['redis_commands_per_req'], 3)} | "
                 f"{cpu(s)} |")
    idle = f["idle"]
    if idle:
        lines += ["", f"With no load glmgate-pg asks, per second: {fmt(idle['pg_statements'], 1)} "
                  f"PostgreSQL statements in {fmt(idle['pg_xacts'], 1)} transactions (the "
                  f"change-feed poll, lease renewals) and {fmt(idle['redis_commands'], 1)} Redis "
                  "commands; a window of few calls (the streamed row: calls one at a time) carries "
                  "more of them per call."]
    g, p = f["glmgate"], f[PG]
    lines += ["", f"Added over direct at one connection (per round): glmgate p50 "
              f"{fmt(g['p50'], 0, ' us')}, p99 {fmt(g['p99'], 0, ' us')}; glmgate-pg p50 "
              f"{fmt(p['p50'], 0, ' us')}, p99 {fmt(p['p99'], 0, ' us')}. Time to first token "
              f"p50 over direct: glmgate {fmt(g['ttft_p50'], 0, ' us')}, glmgate-pg "
              f"{fmt(p['ttft_p50'], 0, ' us')}."]
    if f["census"]:
        lines += ["", "Redis counts a script's commands in INFO commandstats beside the EVALSHA "
                  "that ran it. What glmgate sends, told apart by MONITOR in an untimed window of "
                  "its own, per request:", "",
                  "| work | calls | sent by glmgate | run by its scripts |", "|---|---|---|---|"]
        for c in f["census"]:
            n = max(1, c["requests"])
            each = lambda counts: ", ".join(f"{k} {v / n:.3f}" for k, v in sorted(
                counts.items(), key=lambda kv: -kv[1])) or "none"
            lines.append(f"| {c['work']} | {c['requests']:,} | {each(c['sent'])} | "
                         f"{each(c['scripted'])} |")
    if f["top"]:
        lines += ["", "Where PostgreSQL's time went (pg_stat_statements, glmgate-pg's whole run so "
                  "far, the most first):", "",
                  "| calls | total | rows | statement |", "|---|---|---|---|"]
        for calls, ms, rows, text in f["top"]:
            text = text.replace("|", "\\|")
            lines.append(f"| {calls:,} | {ms:,.0f} ms | {rows:,} | `{text}` |")
    return lines


def pair_lines(soak, skipped):
    """What the soak table cannot show of the two instances sharing a port."""
    pair = soak.get((PAIR, 10000))
    if pair:
        return ["", f"{PAIR}: two glmgate-pg on one port (`reuse_port = true`); the row's RSS and "
                "CPU are both processes'. Peak RSS " +
                " + ".join(f"{m:.0f}" for m in pair["rss_peak_each_mb"]) +
                " MB, peak open descriptors " +
                " / ".join(f"{n:,}" for n in pair["fds_peak_each"]) + "."]
    if skipped:
        return ["", f"Two instances on one port: not run ({skipped})."]
    return []
