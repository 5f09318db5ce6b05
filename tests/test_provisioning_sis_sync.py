"""Streaming comparison of an SIS snapshot with Schoology: external sort, merge diff, snapshot files, the sync."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
from pathlib import Path

import pytest

from schoology_etl.client import SchoologyClient
from schoology_etl.credentials import Credentials
from schoology_etl.errors import ConfigurationError, SourceFormatError
from schoology_etl.provisioning import lookups
from schoology_etl.provisioning.sis import sis_snapshot, sis_sync
from schoology_etl.provisioning.sis.stream_diff import DiffCounts, ExternalSorter, merge_diff, merge_groups
from schoology_sandbox.sis_files import write_demo_sis_files


def test_external_sorter_spills_chunks_and_merges_them_in_order(tmp_path):
    keys = [f"k{n:05d}" for n in range(1000)]
    random.Random(3).shuffle(keys)
    with ExternalSorter(chunk_size=64, tmpdir=str(tmp_path)) as sorter:
        for k in keys:
            sorter.add(k, {"k": k})
        assert sorter.spilled == 1000 // 64 and len(list(tmp_path.iterdir())) == sorter.spilled
        assert [k for k, _ in sorter] == sorted(keys)
    assert not list(tmp_path.iterdir()), "temporary files are removed"


def test_merge_diff_sides_repeats_and_compared_fields():
    left = [("a", {"role": "student"}), ("b", {"role": "teacher"}), ("b", {"role": "x"}), ("d", {"role": "student"})]
    right = [("b", {"role": "student"}), ("c", {}), ("d", {"role": "Student "})]
    counts = DiffCounts()
    rows = list(merge_diff(left, right, compare=("role",), counts=counts))
    assert [(r.key, r.side, r.changed) for r in rows] == [
        ("a", "left", ()), ("b", "both", ("role",)), ("c", "right", ()), ("d", "both", ("role",))]
    assert (counts.left, counts.right, counts.both, counts.left_only, counts.right_only, counts.differs,
            counts.left_repeated) == (3, 3, 2, 1, 1, 2, 1)
    with pytest.raises(ValueError, match="left stream is not sorted"):
        list(merge_diff([("b", {}), ("a", {})], []))


def test_snapshot_files_need_one_file_per_domain(tmp_path):
    for name in ("users.csv", "courses_sections.csv", "enrollments_2026.csv", "group_members.csv"):
        (tmp_path / name).write_text("x\n")
    with pytest.raises(ConfigurationError, match=r"no parents\*\.csv file"):
        sis_snapshot.snapshot_files(tmp_path)
    (tmp_path / "parents.csv").write_text("x\n")
    assert sis_snapshot.snapshot_files(tmp_path)["enrollments"].name == "enrollments_2026.csv"
    (tmp_path / "users_old.csv").write_text("x\n")
    with pytest.raises(ConfigurationError, match="users: users.csv, users_old.csv"):
        sis_snapshot.snapshot_files(tmp_path)


def test_file_freshness_marks_files_older_than_the_limit(tmp_path):
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    files = {"users": tmp_path / "users.csv", "parents": tmp_path / "parents.csv"}
    for path, hours in ((files["users"], 2), (files["parents"], 50)):
        path.write_text("x\n")
        stamp = (now - dt.timedelta(hours=hours)).timestamp()
        os.utime(path, (stamp, stamp))
    rows = sis_snapshot.file_freshness(files, now=now, max_age_hours=36)
    assert [(r["file"], r["age_hours"], r["stale"]) for r in rows] == [
        ("users.csv", 2.0, False), ("parents.csv", 50.0, True)]
    assert not any(r["stale"] for r in sis_snapshot.file_freshness(files, now=now, max_age_hours=0))
    with pytest.raises(ConfigurationError, match="max_age_hours"):
        sis_snapshot.file_freshness(files, now=now, max_age_hours=-1)


def test_sis_pairs_name_the_file_and_line(tmp_path):
    path = tmp_path / "enrollments.csv"
    path.write_text("course_code,section_code,school_uid,role,action\nMATH,01,S1,student,\nMATH,02,S2,student,drop\n"
                    ",,S3,student,\n")
    pairs = sis_snapshot.sis_pairs("enrollments", path, section_codes={("math", "01"): "LES-MATH-01"})
    assert next(pairs) == ("les-math-01|s1",
                           {"section_school_code": "LES-MATH-01", "school_uid": "S1", "role": "student"})
    with pytest.raises(SourceFormatError, match=r"enrollments.csv, line 4: no section"):
        next(pairs)
    missing = tmp_path / "users.csv"
    missing.write_text("school_uid,name_first\nS1,Ann\n")
    with pytest.raises(SourceFormatError, match="users.csv, line 1"):
        list(sis_snapshot.sis_pairs("users", missing))


def _keys(path: Path, domain: str) -> dict[str, list]:
    fields = {"users": 1, "courses_sections": 1, "enrollments": 2, "parents": 2}[domain]
    found: dict[str, list] = {"sis_only": [], "schoology_only": [], "differs": []}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            key = [row[f] for f in sis_snapshot.FIELDS[domain][:fields]]
            found[row["direction"]].append(key if fields > 1 else key[0])
    return {d: sorted(v) for d, v in found.items()}


def test_sync_health_in_small_chunks_finds_the_demo_differences(sandbox, tmp_path):
    """chunk_size 7: every side spills to many files, and the result is still exact."""
    manifest = write_demo_sis_files(tmp_path / "sis", seed=1, users=60, today=sandbox.app.state.today)
    client = SchoologyClient(Credentials(base_url=sandbox.base_url, key=sandbox.key, secret=sandbox.secret))
    look = lookups.ClientLookups(client)
    folder = tmp_path / "export"
    shutil.copytree(tmp_path / "sis" / "snapshot", folder)
    files = sis_snapshot.snapshot_files(folder)
    out = tmp_path / "out"
    out.mkdir()
    summary = sis_sync.sync_health(client, files, role_names=look.role_names,
                                   building_codes=sis_sync.building_codes(look.places),
                                   detail_path=lambda d: out / f"{d}.csv", chunk_size=7, tmpdir=str(tmp_path))
    for row in summary:
        domain = row["domain"]
        assert _keys(out / f"{domain}.csv", domain) == {d: sorted(manifest["snapshot"][domain][d])
                                                        for d in ("sis_only", "schoology_only", "differs")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "out", "sis"], "sorter files are removed"


def test_merge_groups_keeps_every_payload_of_a_key_from_each_side_and_refuses_unsorted_streams():
    left = [("a", 1), ("b", 2), ("b", 3), ("d", 4)]
    right = [("b", "x"), ("c", "y"), ("c", "z")]
    assert list(merge_groups(left, right)) == [("a", [1], []), ("b", [2, 3], ["x"]), ("c", [], ["y", "z"]),
                                               ("d", [4], [])]
    with pytest.raises(ValueError, match="the right stream is not sorted"):
        list(merge_groups(left, [("c", 1), ("a", 2)]))
