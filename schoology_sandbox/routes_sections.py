"""Sections: one, lookup by section_school_code, the ext redirect, bulk update and delete."""

from __future__ import annotations

from schoology_sandbox.envelopes import bulk_items, id_list, multi_status, page, row_error, to_int
from schoology_sandbox.render import render_section, section_is_past
from schoology_sandbox.routing import Call, Reply, Route, bad_request, no_content, not_found
from schoology_sandbox.sections_write import write_section


def get_section(call: Call) -> Reply:
    section = call.state.sections.get(call.int_param("id"))
    return Reply(200, render_section(call.state, section, call)) if section else not_found()


def list_sections(call: Call) -> Reply:
    codes = id_list(call, "section_school_codes")
    if isinstance(codes, Reply):
        return codes
    state = call.state
    past = call.flag("include_past")
    found = [state.section_by_school_code(c) for c in codes]
    rows = [s for s in found if s is not None and (past or not section_is_past(state, s))]
    return page(call, rows, "section", lambda s: render_section(state, s, call))


def by_school_code(call: Call) -> Reply:
    section = call.state.section_by_school_code(call.params["code"])
    if section is None:
        return not_found()
    return Reply(303, None, {"Location": call.url(f"/sections/{section['id']}")})


def put_sections(call: Call) -> Reply:
    items = bulk_items(call, "sections", "section")
    if isinstance(items, Reply):
        return items
    rows = []
    for item in items:
        sid = to_int(item.get("id")) if isinstance(item, dict) else None
        if sid is None:
            rows.append(row_error(400, "Missing required field: id"))
        elif sid not in call.state.sections:
            rows.append(row_error(404, f"Section {sid} not found", id=sid))
        else:
            rows.append(write_section(call, call.state.sections[sid]["course_id"], item, section_id=sid))
    return multi_status("section", rows)


def put_section(call: Call) -> Reply:
    sid = call.int_param("id")
    if sid not in call.state.sections:
        return not_found()
    if not isinstance(call.body, dict):
        return bad_request("Request body must be a JSON object.")
    row = write_section(call, call.state.sections[sid]["course_id"], call.body, section_id=sid)
    return no_content() if row["response_code"] < 400 else Reply(row["response_code"], row["message"])


def delete_section(call: Call) -> Reply:
    sid = call.int_param("id")
    if sid not in call.state.sections:
        return not_found()
    call.state.remove_section(sid)
    return no_content()


def delete_sections(call: Call) -> Reply:
    ids = id_list(call, "section_ids")
    if isinstance(ids, Reply):
        return ids
    rows = []
    for raw in ids:
        sid = to_int(raw)
        if sid is None or sid not in call.state.sections:
            rows.append(row_error(404, f"Section {raw} not found", id=raw))
        else:
            call.state.remove_section(sid)
            rows.append({"response_code": 200, "id": sid})
    return multi_status("section", rows)


ROUTES = [
    Route("GET", "/sections", list_sections),
    Route("PUT", "/sections", put_sections),
    Route("DELETE", "/sections", delete_sections),
    Route("GET", "/sections/ext/{code}", by_school_code),
    Route("GET", "/sections/{id}", get_section),
    Route("PUT", "/sections/{id}", put_section),
    Route("DELETE", "/sections/{id}", delete_section),
]
