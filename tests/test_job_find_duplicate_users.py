"""find_duplicate_users: exactly the demo district's known duplicates, active and inactive, each rule in words."""

from __future__ import annotations

import csv

from schoology_etl.provisioning.users.duplicates import RULES


def _groups(run, name):
    with open(run.output(name), newline="") as fh:
        rows = list(csv.DictReader(fh))
    groups: dict[str, dict] = {}
    for row in rows:
        group = groups.setdefault(
            row["group"], {"rule": row["rule"], "why": row["why"], "members": set(), "active": set()}
        )
        group["members"].add(row["school_uid"])
        group["active"].add((row["school_uid"], row["active"]))
    return groups


def test_finds_exactly_the_known_duplicates_active_and_inactive(job_env):
    state = job_env.state()
    every = {**state["users"], **state["inactive_users"]}
    known = state["seeded_duplicates"]
    assert sorted(p["rule"] for p in known) == ["email", "inactive_name", "inactive_school_uid"] + ["name_birthday"] * 3
    expected = {
        (p["rule"], frozenset({every[str(p["keep"])]["school_uid"], every[str(p["other"])]["school_uid"]}))
        for p in known
    }
    near = [(every[str(p["keep"])], every[str(p["other"])]) for p in known if p["rule"] == "name_birthday"]
    same_case = [(a, b) for a, b in near if a["primary_email"].casefold() == b["primary_email"].casefold()]
    dotted = [(a, b) for a, b in near if (a, b) not in same_case]
    assert len(same_case) == 2 and len(dotted) == 1
    assert not dotted[0][0]["primary_email"].endswith("@gmail.com")  # dots count outside Gmail: not one mailbox
    expected |= {("email", frozenset({a["school_uid"], b["school_uid"]})) for a, b in same_case}

    run = job_env.run("find_duplicate_users", output_name="dups.csv")
    groups = _groups(run, "dups.csv")
    assert {(g["rule"], frozenset(g["members"])) for g in groups.values()} == expected
    assert all(g["why"] == RULES[g["rule"]] for g in groups.values())
    inactive = {str(p["other"]) for p in known if p["rule"].startswith("inactive_")}
    flagged = {
        (uid_row, flag) for g in groups.values() if g["rule"].startswith("inactive_") for uid_row, flag in g["active"]
    }
    assert {s for s, flag in flagged if flag == "0"} == {every[u]["school_uid"] for u in inactive}
    assert (
        "active and 7 inactive users; 8 groups" in run.text()
        and "an inactive account has the same full name" in run.text()
    )

    active_only = _groups(job_env.run("find_duplicate_users", include_inactive=False), "duplicates.csv")
    assert {(g["rule"], frozenset(g["members"])) for g in active_only.values()} == {
        e for e in expected if not e[0].startswith("inactive_")
    }
