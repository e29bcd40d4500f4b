"""The cost of routing and metrics in `make bench`: glmgate as configured by default (one
deployment, no /metrics reader) against glmgate-routed, the same model on two deployments (two
providers, weighted) with metrics_listen on and /metrics scraped every second (as a Prometheus
would, at fifteen times its default rate), in interleaved rounds at 64 connections. Budget: the
routed target keeps at least 0.95x the rps of the plain one."""
import threading
import time
import urllib.request

from common import MODEL, SIDE_ROUNDS, SIDE_WRK_SECONDS, free_port, log, serve_glmgate

ROUTED_CATALOG = """
[[providers]]
name = "fake-a"
base_url = "http://127.0.0.1:{port}/v1"
[[providers]]
name = "fake-b"
base_url = "http://127.0.0.1:{port}/v1"
[[models]]
id = "{model}"
max_output_tokens = 8192
input_price_per_mtok = 1
output_price_per_mtok = 2
  [[models.deployments]]
  provider = "fake-a"
  upstream_model = "fake-model"
  weight = 3
  [[models.deployments]]
  provider = "fake-b"
  upstream_model = "fake-model"
  weight = 1
"""


class Scraper:
    """Reads /metrics every second until stopped; counts the scrapes that answered."""

    def __init__(self, url):
        self.url, self.ok, self.stopping = url, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping.wait(1.0):
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    r.read()
                    self.ok += 1
            except OSError:
                pass

    def stop(self):
        self.stopping.set()
        self.thread.join()


def routing_cost(stack, tmp, results, binary, make_store, run_wrk, chat_body):
    metrics_port = free_port()
    store = tmp / "routed-store.db"
    key = make_store(store, 10, binary)
    conf = tmp / "routed.toml"
    conf.write_text(f'listen = "127.0.0.1:0"\nstore = "sqlite:{store}"\n'
                    f'metrics_listen = "127.0.0.1:{metrics_port}"\n'
                    + ROUTED_CATALOG.format(port=stack.fake_port, model=MODEL))
    service, port = serve_glmgate(binary, "glmgate-routed", conf, tmp / "routed.log", key)
    scraper = Scraper(f"http://127.0.0.1:{metrics_port}/metrics")
    body = chat_body(tmp / "small.json", "Say hello.")
    try:
        for rnd in range(SIDE_ROUNDS):
            plain = stack.targets(False)["glmgate"]
            routed = (f"http://127.0.0.1:{port}/v1/chat/completions",
                      {"Authorization": f"Bearer {key}"}, service.pid)
            pair = [("glmgate", plain), ("glmgate-routed", routed)]
            if rnd % 2:
                pair.reverse()
            for name, (url, headers, pid) in pair:
                r = run_wrk(tmp, url, headers, body, 64, SIDE_WRK_SECONDS * 2, pid)
                results.setdefault("routing", []).append({"target": name, "round": rnd, **r})
                log(f"routing round {rnd} {name}: {r['rps']:.0f} rps p99 {r['p99']} us "
                    f"errors {r['errors']}+{r['non2xx']}")
    finally:
        scraper.stop()
        service.stop()
    results["routing_scrapes"] = scraper.ok
    time.sleep(0.2)


def main():
    """Runs this target alone beside a plain glmgate and the fake (no nginx, Portkey or
    PostgreSQL): `python3 bench/routing_bench.py [ROUNDS]`; prints each round and the median
    ratio. Needs build/release and wrk."""
    import shutil
    import sys
    import tempfile
    from pathlib import Path

    import routing_bench
    from common import BUILD, Service, glmgate_config, med
    from run import chat_body, make_store, run_wrk

    routing_bench.SIDE_ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    tmp = Path(tempfile.mkdtemp(prefix="glmgate-routing-"))
    fake = Service("fake", [str(BUILD / "fake_provider"), "--port", "0"],
                   r"listening on http://127\.0\.0\.1:(\d+)")
    plain = None
    try:
        fake_port = int(fake.match[1])
        store = tmp / "plain.db"
        key = make_store(store, 10, BUILD / "glmgate")
        conf = tmp / "plain.toml"
        conf.write_text(glmgate_config(f"sqlite:{store}", fake_port))
        plain, port = serve_glmgate(BUILD / "glmgate", "glmgate", conf, tmp / "plain.log", key)

        class Stack:
            def __init__(self):
                self.fake_port = fake_port

            def targets(self, streaming):
                return {"glmgate": (f"http://127.0.0.1:{port}/v1/chat/completions",
                                    {"Authorization": f"Bearer {key}"}, plain.pid)}

        results = {}
        routing_bench.routing_cost(Stack(), tmp, results, BUILD / "glmgate", make_store, run_wrk,
                                   chat_body)
    finally:
        if plain:
            plain.stop()
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    by_round = {}
    for r in results["routing"]:
        by_round.setdefault(r["round"], {})[r["target"]] = r
    ratios = []
    for rnd, v in sorted(by_round.items()):
        ratio = v["glmgate-routed"]["rps"] / v["glmgate"]["rps"]
        ratios.append(ratio)
        print(f"round {rnd}: glmgate {v['glmgate']['rps']:.0f} rps, "
              f"{v['glmgate']['cpu_us_per_req']:.1f} us CPU/req; glmgate-routed "
              f"{v['glmgate-routed']['rps']:.0f} rps, "
              f"{v['glmgate-routed']['cpu_us_per_req']:.1f} us CPU/req; ratio {ratio:.3f}")
    print(f"median ratio {med(ratios):.3f}; /metrics scrapes {results['routing_scrapes']}")


if __name__ == "__main__":
    main()
