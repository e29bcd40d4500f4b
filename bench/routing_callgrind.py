"""Instructions per request (callgrind) of glmgate with the bench model on one deployment and on
two (routing_bench.py's catalog, metrics_listen on), over N sequential requests after 200 to
warm up: `python3 bench/routing_callgrind.py [N]`. Counts are immune to the machine's noise; the
I/O threads' share is the request path's cost (the background threads' depends on wall time)."""
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import routing_bench
from common import BUILD, MODEL, Service, free_port, glmgate_config
from run import make_store


def measure(tmp, name, catalog, n):
    store = tmp / f"{name}.db"
    key = make_store(store, 10, BUILD / "glmgate")
    conf = tmp / f"{name}.toml"
    conf.write_text(f'listen = "127.0.0.1:0"\nstore = "sqlite:{store}"\n' + catalog)
    out = tmp / f"{name}.cg"
    svc = Service(name, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                         str(BUILD / "glmgate"), "serve", "--config", str(conf)],
                  r"glmgate listening on http://127\.0\.0\.1:(\d+)")
    port = int(svc.match[1])
    body = json.dumps({"model": MODEL,
                       "messages": [{"role": "user", "content": "Say hello."}]}).encode()

    def one():
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", body,
                                     {"Authorization": f"Bearer {key}",
                                      "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()

    try:
        for _ in range(200):
            one()
        subprocess.run(["callgrind_control", "-z", str(svc.proc.pid)], capture_output=True)
        for _ in range(n):
            one()
        subprocess.run(["callgrind_control", "-d", str(svc.proc.pid)], capture_output=True)
        time.sleep(1)
    finally:
        svc.stop()
    dump = tmp / f"{name}.cg.1"
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dump)],
                          capture_output=True, text=True).stdout
    total = int(re.search(r"^([\d,]+) +\(100\.0%\) +PROGRAM TOTALS", text, re.M)[1]
                .replace(",", ""))
    io = re.search(r"^ *([\d,]+) .*Server::run\(\)::\{lambda\(\)#2\}", text, re.M)
    io = int(io[1].replace(",", "")) if io else 0
    return total / n, io / n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    tmp = Path(tempfile.mkdtemp(prefix="glmgate-callgrind-"))
    fake = Service("fake", [str(BUILD / "fake_provider"), "--port", "0"],
                   r"listening on http://127\.0\.0\.1:(\d+)")
    try:
        fport = int(fake.match[1])
        plain = glmgate_config("unused", fport).split("\n", 3)[3]  # its catalog part
        routed = (f'metrics_listen = "127.0.0.1:{free_port()}"\n'
                  + routing_bench.ROUTED_CATALOG.format(port=fport, model=MODEL))
        for name, catalog in (("one deployment", plain), ("two deployments", routed)):
            total, io = measure(tmp, name.replace(" ", "-"), catalog, n)
            print(f"{name}: {total:,.0f} instructions per request, {io:,.0f} on the I/O threads "
                  f"({n} requests)", flush=True)
    finally:
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
