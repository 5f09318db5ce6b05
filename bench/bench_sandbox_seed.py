"""Benchmark: the sandbox's peak resident memory and time to come up, by district size.

Each size runs in a process of its own: ``SandboxServer(SandboxConfig(users=N)).start()``
(seeding the demo district and serving it on a loopback port), then one page of
``GET /users`` through the library's client to show it answers; the figure is the process's resident-memory high-water
mark (``ru_maxrss``), so it includes the interpreter and the server (about 40 MB before
seeding). ``N`` is the number of students; parents, teachers and the rest come on top
(about 2 users a student). Target: 200,000 students in well under 650 MB.

    .venv/bin/python bench/bench_sandbox_seed.py [--sizes 100000 200000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

WORKER = textwrap.dedent("""
    import json, resource, sys, time
    from schoology_etl.client import SchoologyClient
    from schoology_etl.credentials import Credentials
    from schoology_sandbox import SandboxConfig, SandboxServer
    t0 = time.perf_counter()
    srv = SandboxServer(SandboxConfig(users=int(sys.argv[1]), rate_limit=None)).start()
    up = time.perf_counter() - t0
    state = srv.app.state
    with SchoologyClient(Credentials(base_url=srv.base_url, key=srv.key, secret=srv.secret)) as api:
        page = api.get("users", limit=5)
    print(json.dumps({"users": len(state.users) + len(state.inactive_users), "enrollments": len(state.enrollments),
                      "sections": len(state.sections), "seconds": up, "answered": len(page["user"]),
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    srv.stop()
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 200_000])
    args = parser.parse_args()
    print(f"{'students':>10}{'users':>10}{'enrollments':>13}{'sections':>10}{'up in s':>9}{'peak RSS MB':>13}")
    for size in args.sizes:
        out = subprocess.run([sys.executable, "-c", WORKER, str(size)], capture_output=True, text=True, check=False)
        if out.returncode:
            raise SystemExit(f"sandbox of {size} students failed: {out.stderr[-2000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{size:>10}{r['users']:>10}{r['enrollments']:>13}{r['sections']:>10}{r['seconds']:>9.1f}"
              f"{r['peak_mb']:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
