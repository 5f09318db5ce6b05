"""The demo SIS files differ from the seeded district in exactly the ways their manifest lists.

Each test runs the provisioning logic a job would run on the files and the seeded state
and checks it finds those differences and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import json
from pathlib import Path

import pytest

from schoology_etl.errors import ConfigurationError, RecordError
from schoology_etl.provisioning.courses.course_mapping import course_payloads
from schoology_etl.provisioning.courses.grading_periods import audit_grading_periods, past_sections
from schoology_etl.provisioning.courses.sections import sections_without_teachers
from schoology_etl.provisioning.enrollments.enrollment_items import enrollment_import_items
from schoology_etl.provisioning.families.associations import association_items
from schoology_etl.provisioning.families.parent_buildings import parent_building_updates
from schoology_etl.provisioning.groups.group_members import member_differences
from schoology_etl.provisioning.lookups import building_lookup, grading_period_lookup, role_lookup
from schoology_etl.provisioning.sis.reconcile import diff_records
from schoology_etl.provisioning.sis.sis_cross_checks import cross_file_problems
from schoology_etl.provisioning.sis.sis_specs import SPECS
from schoology_etl.provisioning.sis.sis_validation import validate_sis_file
from schoology_etl.provisioning.users.duplicates import find_duplicate_users
from schoology_etl.provisioning.users.lifecycle import missing_users
from schoology_etl.provisioning.users.uids import school_uid_remap_updates
from schoology_etl.provisioning.users.user_mapping import SIS_USER_FIELDS, role_change_updates, user_payloads
from schoology_sandbox.seed import seed_district
from schoology_sandbox.sis_files import DIFFERENCE_COUNTS, write_demo_sis_files
from schoology_sandbox.sis_snapshot import SNAPSHOT_COUNTS

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="module", params=[(5, 120), (2, 30)], ids=["seed5-120", "seed2-30"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    seed, users = request.param
    state = seed_district(seed, users, today=TODAY)
    folder = tmp_path_factory.mktemp("sis")
    manifest = write_demo_sis_files(folder, seed=seed, users=users, today=TODAY, state=state)
    return state, folder, manifest


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def api_users(state) -> list[dict]:
    return [dict(u, parent_uids=",".join(map(str, state.parents_of(u["uid"])))) for u in state.users.values()]


def lookups(state) -> dict:
    return {
        "roles": role_lookup(state.roles.values()),
        "buildings": building_lookup(state.buildings.values()),
        "grading_periods": grading_period_lookup(state.grading_periods.values()),
    }


def test_files_are_deterministic_and_manifest_is_written(demo, tmp_path: Path) -> None:
    _, folder, manifest = demo
    again = write_demo_sis_files(tmp_path, seed=manifest["seed"], users=manifest["users"], today=TODAY)
    assert again == manifest == json.loads((folder / "manifest.json").read_text())
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.csv"))
    assert names == sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv"))
    assert all(filecmp.cmp(folder / n, tmp_path / n, shallow=False) for n in names)


def test_valid_files_pass_the_validator(demo) -> None:
    state, folder, _ = demo
    for name in ("users", "parents", "courses_sections", "enrollments", "group_members", "uid_remap", "role_changes",
                 "advisors", "new_groups"):
        assert validate_sis_file(folder / f"{name}.csv", SPECS[name], **lookups(state)) == [], name


def test_invalid_files_report_exactly_the_listed_problems(demo) -> None:
    state, folder, manifest = demo
    specs = {"users_invalid.csv": "users", "users_missing_columns.csv": "users", "courses_sections_invalid.csv": "courses_sections"}
    cross = folder / "invalid" / "cross_file"
    cross_files = [(cross / f"{kind}_cross_file.csv", kind) for kind in ("users", "enrollments", "parents")]
    for path, kind in cross_files:  # each file of the cross-file export is valid alone
        assert validate_sis_file(path, SPECS[kind], **lookups(state)) == [], path.name
    cross_report = cross_file_problems(cross_files)
    assert {p["file"] for p in cross_report} == {name for name in manifest["invalid"] if name not in specs}
    for name, expected in manifest["invalid"].items():
        if name not in specs:
            report = [p for p in cross_report if p["file"] == name]
        else:
            report = validate_sis_file(folder / "invalid" / name, SPECS[specs[name]], **lookups(state))
        assert [(p["line"], p["column"]) for p in report] == [(e["line"], e["column"]) for e in expected], name
        for problem, wanted in zip(report, expected, strict=True):
            assert wanted["problem"] in problem["problem"], (name, problem)


def test_users_file_reconciles_to_exactly_the_listed_changes(demo) -> None:
    state, folder, manifest = demo
    listed = manifest["files"]["users.csv"]
    desired = user_payloads(read(folder / "users.csv"), roles=lookups(state)["roles"], buildings=lookups(state)["buildings"])
    diff = diff_records(desired, api_users(state), key="school_uid", fields=SIS_USER_FIELDS)
    updates = {c["key"]: {f: {k: str(v) for k, v in ch.items()} for f, ch in c["changes"].items()} for c in diff if c["op"] == "update"}
    assert updates == listed["updates"]
    assert [c["key"] for c in diff if c["op"] == "add"] == listed["new_users"]
    assert sorted(c["key"] for c in diff if c["op"] == "remove") == listed["missing_users"]
    gone = missing_users(api_users(state), read(folder / "users.csv"), max_share=0.05)
    assert sorted(u["school_uid"] for u in gone) == listed["missing_users"]
    conflict = next(r for r in desired if r["school_uid"] in listed["email_conflicts"])
    assert conflict["primary_email"].lower() in state.external_emails


def test_parents_file(demo) -> None:
    state, folder, manifest = demo
    listed = manifest["files"]["parents.csv"]
    uid = {str(u["school_uid"]): u["uid"] for u in state.users.values()}
    rows = read(folder / "parents.csv")
    linked = {(r["student_school_uid"], r["parent_school_uid"]):
              (uid[r["student_school_uid"]], uid[r["parent_school_uid"]]) in state.parent_links for r in rows}
    assert {k for k, v in linked.items() if not v} == {tuple(p) for p in listed["link"]}
    assert [[r["student_school_uid"], r["parent_school_uid"]] for r in rows if r["action"] == "unlink"] == listed["unlink"]
    assert all(linked[tuple(p)] for p in listed["unlink"] + listed["already_linked"])
    code = {u["uid"]: str(u["school_uid"]) for u in state.users.values()}
    current = [(code[s], code[p]) for s, p in state.parent_links if s in code and p in code]
    items = association_items(rows, current_links=current)
    assert [[i["student_school_uid"], i["parent_school_uid"]] for i in items if not i.get("delete")] == listed["link"]
    assert [[i["student_school_uid"], i["parent_school_uid"]] for i in items if i.get("delete")] == listed["unlink"]


def test_courses_sections_file(demo) -> None:
    state, folder, manifest = demo
    listed = manifest["files"]["courses_sections.csv"]
    titles = {p["id"]: p["title"] for p in state.grading_periods.values()}
    current = [
        {"section_school_code": s["section_school_code"], "section_title": s["section_title"],
         "grading_periods": ";".join(titles[g] for g in s["grading_periods"])}
        for s in state.sections.values()
    ]
    diff = diff_records(read(folder / "courses_sections.csv"), current, key="section_school_code",
                        fields=["section_title", "grading_periods"], removes=False)
    assert {c["key"]: c["changes"] for c in diff if c["op"] == "update"} == listed["updates"]
    assert [c["key"] for c in diff if c["op"] == "add"] == listed["new_sections"]
    payloads = course_payloads(read(folder / "courses_sections.csv"), grading_periods=lookups(state)["grading_periods"],
                               buildings=lookups(state)["buildings"])
    assert [c["course_code"] for c in payloads if not state.course_by_code(c["course_code"])] == listed["new_courses"]


def test_enrollments_file(demo) -> None:
    state, folder, manifest = demo
    listed = manifest["files"]["enrollments.csv"]
    items = enrollment_import_items(read(folder / "enrollments.csv"))
    uid = {str(u["school_uid"]): u["uid"] for u in state.users.values()}

    def enrolled(item: dict) -> bool:
        section = state.section_by_school_code(item["section_school_code"])
        return state.find_enrollment("section", section["id"], uid[item["school_uid"]]) is not None

    role = {"1": "teacher", "0": "student"}
    assert [[i["section_school_code"], i["school_uid"], role[i["admin"]]] for i in items if not i.get("delete")] == listed["enroll"]
    assert [[i["section_school_code"], i["school_uid"], role[i["admin"]]] for i in items if i.get("delete")] == listed["drop"]
    assert not any(enrolled(i) for i in items if not i.get("delete"))
    assert all(enrolled(i) for i in items if i.get("delete"))
    sections = list(state.sections.values())
    enrollments = [dict(e, section_id=e["realm_id"]) for e in state.enrollments.values() if e["realm"] == "section"]
    untaught = {s["section_school_code"] for s in sections_without_teachers(sections, enrollments)}
    assert [c for c, _, r in listed["enroll"] if r == "teacher"][0] in untaught


def test_group_members_file(demo) -> None:
    state, folder, manifest = demo
    listed = manifest["files"]["group_members.csv"]
    current = [
        dict(e, group_id=e["realm_id"], school_uid=state.users[e["uid"]]["school_uid"])
        for e in state.enrollments.values() if e["realm"] == "group" and e["uid"] in state.users
    ]
    changes = member_differences(read(folder / "group_members.csv"), current, groups=state.groups.values(), users=state.users.values())
    assert [[c["group_code"], c["school_uid"]] for c in changes if c["op"] == "add"] == listed["add"]
    assert sorted([c["group_code"], c["school_uid"]] for c in changes if c["op"] == "remove") == sorted(listed["remove"])
    assert not [c for c in changes if c["op"] == "update"]


def test_uid_remap_and_role_change_files(demo) -> None:
    state, folder, manifest = demo
    listed = manifest["files"]["uid_remap.csv"]
    updates = school_uid_remap_updates(state.users.values(), read(folder / "uid_remap.csv"))
    assert {u["old_school_uid"]: u["school_uid"] for u in updates} == listed["remap"]
    with pytest.raises(RecordError) as info:
        school_uid_remap_updates(state.users.values(), read(folder / "uid_remap_collisions.csv"))
    for refused in listed["refused"]["uid_remap_collisions.csv"]:
        assert f"line {refused['line']}: " in str(info.value) and refused["problem"] in str(info.value)
    changes = role_change_updates(read(folder / "role_changes.csv"), state.users.values(), roles=lookups(state)["roles"])
    assert {c["school_uid"] for c in changes} == set(manifest["files"]["role_changes.csv"]["changes"])


def test_seeded_district_gives_every_job_something_to_find(demo) -> None:
    state, _, _ = demo
    users = api_users(state)
    duplicates = find_duplicate_users(users)
    assert sum(g["rule"] == "name_birthday" for g in duplicates) >= 3 and any(g["rule"] == "email" for g in duplicates)
    assert parent_building_updates(users)
    kinds = {f["kind"] for f in audit_grading_periods(state.grading_periods.values(), state.sections.values(), today=TODAY)}
    assert {"overlap", "gap", "section_no_current_period"} <= kinds
    assert past_sections(state.sections.values(), state.grading_periods.values(), TODAY)


def test_too_small_a_district_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="users >= 30"):
        write_demo_sis_files(tmp_path, seed=1, users=20, today=TODAY)
    assert not list(tmp_path.iterdir())


def test_manifest_holds_the_documented_counts(demo) -> None:
    _, _, manifest = demo
    counts = {f: {k: len(manifest["files"][f][k]) for k in kinds} for f, kinds in DIFFERENCE_COUNTS.items()}
    assert counts == DIFFERENCE_COUNTS


def test_writers_leave_the_district_untouched(tmp_path: Path) -> None:
    from schoology_sandbox.analytics import demo_analytics_rows

    state = seed_district(4, 40, today=TODAY)
    before = state.to_dict()
    write_demo_sis_files(tmp_path, seed=4, users=40, today=TODAY, state=state)
    demo_analytics_rows(state, seed=4, as_of=TODAY)
    assert state.to_dict() == before


def _snapshot_keys(folder: Path) -> dict[str, set]:
    snap = folder / "snapshot"
    return {
        "users": {r["school_uid"] for r in read(snap / "users.csv")},
        "courses_sections": {r["section_school_code"] for r in read(snap / "courses_sections.csv")},
        "enrollments": {(r["section_school_code"], r["school_uid"]) for r in read(snap / "enrollments.csv")},
        "parents": {(r["student_school_uid"], r["parent_school_uid"]) for r in read(snap / "parents.csv")},
    }


def _district_keys(state) -> dict[str, set]:
    from schoology_sandbox.render import section_is_past

    code = {u: str(x["school_uid"]) for u, x in [*state.users.items(), *state.inactive_users.items()]}
    live = [s for s in state.sections.values() if s.get("section_school_code") and not section_is_past(state, s)]
    return {
        "users": {str(u["school_uid"]) for u in state.users.values() if u.get("school_uid")},
        "courses_sections": {s["section_school_code"] for s in live},
        "enrollments": {(s["section_school_code"], code[e["uid"]]) for s in live
                        for e in state.enrollments_in("section", s["id"]) if code.get(e["uid"])},
        "parents": {(code[s], code[p]) for s, p in state.parent_links if s in state.users and p in state.users},
    }


def test_snapshot_differs_from_the_district_exactly_as_listed(demo) -> None:
    state, folder, manifest = demo
    sis, district = _snapshot_keys(folder), _district_keys(state)
    known = manifest["snapshot"]

    def listed(domain: str, direction: str) -> set:
        return {tuple(k) if isinstance(k, list) else k for k in known[domain][direction]}

    for domain in ("users", "courses_sections", "enrollments", "parents"):
        assert sis[domain] - district[domain] == listed(domain, "sis_only"), domain
        assert district[domain] - sis[domain] == listed(domain, "schoology_only"), domain
        assert listed(domain, "sis_only") and listed(domain, "schoology_only"), f"{domain}: both directions"
    snap = folder / "snapshot"
    teachers = {(r["section_school_code"], r["school_uid"])
                for r in read(snap / "enrollments.csv") if r["role"] == "teacher"}
    admins = {(s["section_school_code"], str(state.users[e["uid"]]["school_uid"])) for s in state.sections.values()
              for e in state.enrollments_in("section", s["id"]) if e["admin"] and e["uid"] in state.users}
    assert teachers - admins == listed("enrollments", "differs")
    for domain, count in SNAPSHOT_COUNTS.items():
        for direction, n in count.items():
            assert len(known[domain][direction]) == n, (domain, direction)
    assert known["stale"] == ["parents.csv"]
    age = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC).timestamp() - (snap / "parents.csv").stat().st_mtime
    assert age == 2 * 24 * 3600


def test_snapshot_files_pass_the_validator_alone_and_together(demo) -> None:
    state, folder, _ = demo
    snap = folder / "snapshot"
    for name in ("users", "parents", "courses_sections", "enrollments"):
        assert validate_sis_file(snap / f"{name}.csv", SPECS[name], **lookups(state)) == [], name
    paths = sorted(snap.glob("*.csv"))
    assert cross_file_problems((p, p.stem) for p in paths) == []


def test_advisor_and_new_group_files_hold_exactly_the_listed_differences(demo) -> None:
    state, folder, manifest = demo
    code = {u["uid"]: str(u["school_uid"]) for u in state.users.values()}
    linked = {(code[s], code[a]) for s, a in state.advisor_links}
    advisors = manifest["files"]["advisors.csv"]
    rows = list(csv.DictReader((folder / "advisors.csv").open()))
    assert {(r["student_school_uid"], r["advisor_school_uid"], r["action"]) for r in rows} == {
        *((s, a, "link") for s, a in advisors["link"]), *((s, a, "unlink") for s, a in advisors["unlink"])}
    assert {tuple(p) for p in advisors["unlink"]} <= linked and not {tuple(p) for p in advisors["link"]} & linked
    new = manifest["files"]["new_groups.csv"]
    assert not set(new["groups"]) & {g["group_code"] for g in state.groups.values()}
    rows = {r["group_code"]: r for r in csv.DictReader((folder / "new_groups.csv").open())}
    assert sorted(rows) == sorted(new["groups"])
    for group_code, row in rows.items():
        assert [[group_code, m] for m in row["members"].split(";")] == [m for m in new["members"] if m[0] == group_code]
        assert [[group_code, row["admins"]]] == [a for a in new["admins"] if a[0] == group_code]
        assert {k: row[k] for k in new["fields"][group_code]} == new["fields"][group_code]
    active = set(code.values())
    assert {uid for _, uid in new["members"] + new["admins"]} <= active
