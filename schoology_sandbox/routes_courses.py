"""Courses: list, one, bulk create with nested sections, bulk update and delete, a course's sections."""

from __future__ import annotations

from schoology_sandbox.envelopes import bulk_items, id_list, multi_status, page, row_error, to_int
from schoology_sandbox.render import render_course, render_section, section_is_past
from schoology_sandbox.routing import Call, Reply, Route, bad_request, no_content, not_found
from schoology_sandbox.sections_write import write_course, write_section


def list_courses(call: Call) -> Reply:
    state = call.state
    building = to_int(call.query.get("building_id")) if call.query.get("building_id") else None
    rows = state.cached(
        ("courses", building),
        lambda: [c for c in state.courses.values() if building is None or c["building_id"] == building],
    )
    return page(call, rows, "course", lambda c: render_course(c, call))


def get_course(call: Call) -> Reply:
    course = call.state.courses.get(call.int_param("id"))
    return Reply(200, render_course(course, call)) if course else not_found()


def post_courses(call: Call) -> Reply:
    single = isinstance(call.body, dict) and "courses" not in call.body
    items = bulk_items(call, "courses", "course")
    if isinstance(items, Reply):
        return items
    rows = [write_course(call, item) for item in items]
    if single:
        row = rows[0]
        if row["response_code"] >= 400:
            return Reply(row["response_code"], row["message"])
        return Reply(row["response_code"], render_course(call.state.courses[row["id"]], call))
    return multi_status("course", rows)


def put_courses(call: Call) -> Reply:
    items = bulk_items(call, "courses", "course")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        cid = to_int(item.get("id")) if isinstance(item, dict) else None
        rows.append(
            row_error(400, "Missing required field: id") if cid is None else write_course(call, item, course_id=cid)
        )
    return multi_status("course", rows)


def put_course(call: Call) -> Reply:
    cid = call.int_param("id")
    if cid not in call.state.courses:
        return not_found()
    if not isinstance(call.body, dict):
        return bad_request("Request body must be a JSON object.")
    row = write_course(call, call.body, course_id=cid)
    return no_content() if row["response_code"] < 400 else Reply(row["response_code"], row["message"])


def delete_course(call: Call) -> Reply:
    cid = call.int_param("id")
    if cid not in call.state.courses:
        return not_found()
    call.state.remove_course(cid)
    return no_content()


def delete_courses(call: Call) -> Reply:
    ids = id_list(call, "course_ids")
    if isinstance(ids, Reply):
        return ids
    rows = []
    for raw in ids:
        cid = to_int(raw)
        if cid is None or cid not in call.state.courses:
            rows.append(row_error(404, f"Course {raw} not found", id=raw))
        else:
            call.state.remove_course(cid)
            rows.append({"response_code": 200, "id": cid})
    return multi_status("course", rows)


def course_sections(call: Call) -> Reply:
    cid = call.int_param("id")
    state = call.state
    if cid not in state.courses:
        return not_found()
    past = call.flag("include_past")
    rows = [s for s in state.sections.values() if s["course_id"] == cid and (past or not section_is_past(state, s))]
    return page(call, rows, "section", lambda s: render_section(state, s, call))


def post_course_sections(call: Call) -> Reply:
    cid = call.int_param("id")
    if cid not in call.state.courses:
        return not_found()
    single = isinstance(call.body, dict) and "sections" not in call.body
    items = bulk_items(call, "sections", "section")
    if isinstance(items, Reply):
        return items
    rows = [write_section(call, cid, item) for item in items]
    if single:
        row = rows[0]
        if row["response_code"] >= 400:
            return Reply(row["response_code"], row["message"])
        return Reply(row["response_code"], render_section(call.state, call.state.sections[row["id"]], call))
    return multi_status("section", rows)


ROUTES = [
    Route("GET", "/courses", list_courses),
    Route("POST", "/courses", post_courses),
    Route("PUT", "/courses", put_courses),
    Route("DELETE", "/courses", delete_courses),
    Route("GET", "/courses/{id}", get_course),
    Route("PUT", "/courses/{id}", put_course),
    Route("DELETE", "/courses/{id}", delete_course),
    Route("GET", "/courses/{id}/sections", course_sections),
    Route("POST", "/courses/{id}/sections", post_course_sections),
]
