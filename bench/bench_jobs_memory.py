"""Benchmark: peak memory of each whole-district job at two district sizes.

Each job notebook runs under the ``papermill`` CLI against a sandbox (its own process,
no rate limit, ``--sizes`` students; parents, staff and the rest come on top) and the
peak resident memory of the job's kernel is read from the kernel's own
``resource.getrusage`` at the end of the run (a last cell the bench appends), so the
figure is the job's alone. The growth between the two sizes is what the target
(at most 50 MB from 20,000 to 100,000 users) speaks of.

SIS files for ``reconcile_sis_with_schoology`` and ``deactivate_missing_users`` are
written from the sandbox's own users (every active user listed: nothing to deactivate,
a realistic reconcile); ``reconcile_sis_with_schoology:enrollments`` reconciles a file of
every section enrollment (no action column: a file of everything), with every 50th left
out and every 97th in the other role; ``:parents`` a file of every parent link but every
50th. The analytics jobs (``usage_summary``, ``license_adoption_report``)
read a SQLite warehouse in today's layout written from the same users: every fifth user
never signs in, the others once in the last 30 days (one activity row each), so what the
jobs keep of the warehouse grows with the district as a real one's would.

    .venv/bin/python bench/bench_jobs_memory.py [--sizes 20000 100000] [--jobs update_parent_buildings ...]

Measured in one run (2 shared cores, load average 1.8; 40,861 and 203,768 users), peak MB
of the job's kernel, growth in brackets: update_parent_buildings 108 -> 134 (+26);
export_users 93 -> 94 (+1); export_enrollments 132 -> 142 (+10, from +561 before it
streamed); reconcile_sis_with_schoology, kind users 182 -> 192 (+10, from +332 when it
held the file, the users and the diff in lists), kind enrollments 177 -> 198 (+21; +55
while it still kept a dict of users and whole sections), kind parents 175 -> 192 (+17;
+140 while it kept a record per user); deactivate_missing_users 138 -> 157 (+20, from +416);
find_duplicate_users 146 -> 190 (+44); usage_summary 175 -> 185 (+11, from +138);
license_adoption_report 172 -> 187 (+15).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
JOBS = ["update_parent_buildings", "export_users", "export_enrollments", "reconcile_sis_with_schoology",
        "reconcile_sis_with_schoology:enrollments", "reconcile_sis_with_schoology:parents",
        "deactivate_missing_users", "find_duplicate_users", "usage_summary", "license_adoption_report"]
PEAK_CELL = ("import resource as _r, json as _j\n"
             "print('BENCH_PEAK_MB', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss / 1024)")

SANDBOX = textwrap.dedent("""
    import json, sys, time
    from schoology_sandbox import SandboxConfig, SandboxServer
    srv = SandboxServer(SandboxConfig(users=int(sys.argv[1]), rate_limit=None)).start()
    state = srv.app.state
    import datetime as dt
    import sqlalchemy as sa
    from schoology_sandbox.analytics import demo_tables
    tables, today = demo_tables(), dt.date.today()
    engine = sa.create_engine(sys.argv[2])
    tables["users"].metadata.create_all(engine)
    with engine.begin() as conn:
        people = [u for u in state.users.values() if u.get("school_uid")]
        for n in range(0, len(people), 5000):
            chunk = people[n:n + 5000]
            conn.execute(tables["users"].insert(), [
                {"school_uid": u["school_uid"], "uid": str(u["uid"]), "name_first": u["name_first"],
                 "name_last": u["name_last"], "role_title": "", "building_id": str(u["building_id"]), "active": True}
                for u in chunk])
            seen = [(i, u) for i, u in enumerate(chunk, start=n) if i % 5]
            day = lambda i: today - dt.timedelta(days=i % 30)  # noqa: E731
            conn.execute(tables["logins"].insert(), [
                {"school_uid": u["school_uid"], "building_id": str(u["building_id"]),
                 "ts": dt.datetime.combine(day(i), dt.time(9))} for i, u in seen])
            conn.execute(tables["activity"].insert(), [
                {"school_uid": u["school_uid"], "day": day(i), "building_id": str(u["building_id"]),
                 "events": 5, "minutes": 20} for i, u in seen])
    engine.dispose()
    roles = {r["id"]: r["title"] for r in state.roles.values()}
    codes = {b["id"]: b.get("building_code", "") for b in state.buildings.values()}
    users = [u for u in state.users.values() if u.get("school_uid") and u.get("building_id") in codes]
    school_uid_of = {u["uid"]: u["school_uid"] for u in state.users.values() if u.get("school_uid")}
    section_code = {sid: s.get("section_school_code", "") for sid, s in state.sections.items()}
    with open(sys.argv[3], "w", newline="") as fh:  # every section enrollment, a few dropped and a few roles changed
        fh.write("section_school_code,school_uid,role\\n")
        for n, e in enumerate(state.enrollments.values()):
            if e["realm"] == "section" and n % 50 and e["uid"] in school_uid_of and section_code.get(e["realm_id"]):
                role = "teacher" if bool(e["admin"]) != (n % 97 == 0) else "student"
                fh.write(f"{section_code[e['realm_id']]},{school_uid_of[e['uid']]},{role}\\n")
    with open(sys.argv[3].replace("enrollments", "parents"), "w", newline="") as fh:  # every link, a few left out
        fh.write("student_school_uid,parent_school_uid\\n")
        for n, (student, parent) in enumerate(sorted(state.parent_links)):
            if n % 50 and student in school_uid_of and parent in school_uid_of:
                fh.write(f"{school_uid_of[student]},{school_uid_of[parent]}\\n")
    del school_uid_of, section_code
    print(json.dumps({"base_url": srv.base_url, "key": srv.key, "secret": srv.secret, "users": len(state.users),
                      "sis": [{"school_uid": u["school_uid"], "name_first": u["name_first"],
                               "name_last": u["name_last"], "username": u.get("username", ""),
                               "primary_email": u.get("primary_email", ""),
                               "role": roles.get(u["role_id"], ""), "building_code": codes[u["building_id"]]}
                              for u in users]}), flush=True)
    time.sleep(10**6)
""")


def start_sandbox(students: int, warehouse_url: str, enrollments: Path) -> tuple[subprocess.Popen[str], dict]:
    proc = subprocess.Popen([sys.executable, "-c", SANDBOX, str(students), warehouse_url, str(enrollments)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    return proc, info


def write_sis(info: dict, folder: Path) -> Path:
    """A users SIS file listing every user the sandbox has (roles and buildings by id)."""
    path = folder / "sis_users.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["school_uid", "name_first", "name_last", "username", "primary_email",
                                           "role", "building_code"])
        w.writeheader()
        w.writerows(info["sis"])
    return path


def run_job(name: str, folder: Path, env: dict[str, str], sis: Path) -> tuple[float | None, float, str]:
    """Run one job (``job`` or ``job:kind``) on the bench client; its kernel's peak memory, time, error."""
    job, _, kind = name.partition(":")
    nb = nbformat.read(ROOT / "notebooks" / "jobs" / f"{job}.ipynb", as_version=4)
    nb.cells.append(new_code_cell(PEAK_CELL))
    src = folder / f"{job}.ipynb"
    nbformat.write(nb, src)
    params = ["-p", "client", "bench"]
    if job == "reconcile_sis_with_schoology":
        params += ["-p", "kind", kind or "users", "-p", "sis_file", str(folder / f"sis_{kind or 'users'}.csv")]
    if job == "deactivate_missing_users":
        params += ["-p", "users_csv", str(sis)]
    if job == "license_adoption_report":
        params += ["-p", "licensed_seats", "Student=1000, Teacher=100"]
    out = folder / f"{job}{kind}.out.ipynb"
    start = time.perf_counter()
    command = [str(BIN / "papermill"), str(src), str(out), *params, "--no-progress-bar", "--cwd", str(folder)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        return None, elapsed, proc.stderr.strip().splitlines()[-1][:160] if proc.stderr.strip() else "failed"
    done = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") for o in done.cells[-1].get("outputs", []))
    peak = float(text.split("BENCH_PEAK_MB")[1].split()[0])
    return peak, elapsed, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=[20000, 100000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--jobs", nargs="*", default=JOBS)
    args = parser.parse_args()
    results: dict[str, list[tuple[float | None, float, str]]] = {j: [] for j in args.jobs}
    users_at: list[int] = []
    with tempfile.TemporaryDirectory(prefix="bench-jobs-mem-") as tmp:
        for size in args.sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir()
            t0 = time.perf_counter()
            warehouse = f"sqlite:///{folder / 'warehouse.db'}"
            proc, info = start_sandbox(size, warehouse, folder / "sis_enrollments.csv")
            users_at.append(info["users"])
            up = time.perf_counter() - t0
            print(f"sandbox: {size} students, {info['users']} users, up in {up:.1f} s", flush=True)
            env = {**os.environ, "TOOLBELT_HOME": str(folder / "home"), "TOOLBELT_OUTPUT_DIR": str(folder),
                   "TOOLBELT_CLIENT_BENCH_BASE_URL": info["base_url"], "TOOLBELT_CLIENT_BENCH_KEY": info["key"],
                   "TOOLBELT_CLIENT_BENCH_SECRET": info["secret"], "TOOLBELT_CLIENT_BENCH_RATE_LIMIT": "100000",
                   "TOOLBELT_CLIENT_BENCH_RATE_WINDOW": "1", "TOOLBELT_CLIENT_BENCH_SQL_URL": warehouse}
            env.pop("TOOLBELT_DB", None)
            sis = write_sis(info, folder)
            try:
                for job in args.jobs:
                    results[job].append(run_job(job, folder, env, sis))
                    peak, secs, err = results[job][-1]
                    shown = peak if peak is None else round(peak)
                    print(f"  {job:<32} peak {shown} MB in {secs:.0f} s {err}", flush=True)
            finally:
                proc.terminate()
                proc.wait()
    small, large = users_at
    print(f"\npeak resident memory of the job's kernel (MB); load average {os.getloadavg()[0]:.1f}")
    print(f"{'job':<32}{f'{small} users':>14}{f'{large} users':>14}{'growth':>10}")
    for job, rows in results.items():
        a, b = rows[0][0], rows[1][0]
        growth = f"{b - a:+.0f}" if a is not None and b is not None else "-"
        fmt = lambda v: "failed" if v is None else f"{v:.0f}"  # noqa: E731
        print(f"{job:<32}{fmt(a):>14}{fmt(b):>14}{growth:>10}")


if __name__ == "__main__":
    main()
