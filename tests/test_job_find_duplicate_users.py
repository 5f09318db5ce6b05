"""find_duplicate_users: the seeded near-duplicates are found exactly, by both rules."""

from __future__ import annotations

import csv


def test_finds_exactly_the_seeded_near_duplicates(job_env):
    users = list(job_env.state()["users"].values())
    copies = [u for u in users if u.get("synced") == 0 and u["school_uid"].startswith("S")]
    assert len(copies) == 3
    expected = set()
    for copy in copies:
        (original,) = [u for u in users if u is not copy and all(
            u.get(f) == copy.get(f) for f in ("name_first", "name_middle", "name_last", "birthday_date"))]
        expected.add(frozenset({original["school_uid"], copy["school_uid"]}))

    run = job_env.run("find_duplicate_users", output_name="dups.csv")
    with open(run.output("dups.csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    groups: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        groups.setdefault((row["rule"], row["group"]), set()).add(row["school_uid"])
    for rule in ("name_birthday", "email"):
        assert {frozenset(g) for (r, _), g in groups.items() if r == rule} == expected, rule
    assert "name_birthday" in run.text()
