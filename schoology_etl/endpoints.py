"""The endpoint table: data, not methods.

Each :class:`Endpoint` names a path template (``{field}`` placeholders filled from
keyword arguments), the list wrapper key, the bulk body keys, where bulk result rows
live, the batch cap, the allowed methods, the id field, the bulk-delete query parameter
and the lookup parameter that takes at most 50 values (``school_uids=``). A caller may also pass a
plain path (``"users/123"``) where an endpoint name is expected.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from schoology_etl.errors import ConfigurationError

MAX_BATCH = 50


@dataclass(frozen=True)
class Endpoint:
    """One API resource as data."""

    name: str
    path: str
    list_key: str | None = None
    bulk_plural: str | None = None
    bulk_singular: str | None = None
    result_path: tuple[str, ...] = ()
    max_batch: int = MAX_BATCH
    methods: frozenset[str] = frozenset({"GET"})
    id_field: str = "id"
    delete_param: str | None = None
    redirects: bool = False
    format: str = "json"
    lookup_param: str | None = None

    @property
    def fields(self) -> list[str]:
        """The placeholders of the path template."""
        return [f for _, f, _, _ in string.Formatter().parse(self.path) if f]

    def render(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Fill the path template; return ``(path, remaining_params)``."""
        fields = self.fields
        missing = [f for f in fields if params.get(f) in (None, "")]
        if missing:
            raise ConfigurationError(f"endpoint {self.name!r} ({self.path}) needs {', '.join(missing)}")
        path = self.path.format(**{f: quote(str(params[f]), safe=",") for f in fields})
        rest = {k: v for k, v in params.items() if k not in fields}
        return path, rest

    def check_method(self, method: str) -> None:
        if method.upper() not in self.methods:
            raise ConfigurationError(
                f"endpoint {self.name!r} does not allow {method.upper()} "
                f"(allowed: {', '.join(sorted(self.methods))})"
            )


def _e(name: str, path: str, **kw: Any) -> Endpoint:
    kw["methods"] = frozenset(kw.get("methods", {"GET"}))
    return Endpoint(name=name, path=path, **kw)


_USERS_BULK = dict(bulk_plural="users", bulk_singular="user", result_path=("user",))
_ENROLL_BULK = dict(bulk_plural="enrollments", bulk_singular="enrollment", result_path=("enrollments", "enrollment"))
_ASSOC_BULK = dict(bulk_plural="associations", bulk_singular="association", result_path=("association",))
_SECTION_BULK = dict(bulk_plural="sections", bulk_singular="section", result_path=("section",))

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in [
        # users
        _e("users", "users", list_key="user", methods={"GET", "POST", "PUT", "DELETE"},
           delete_param="uids", lookup_param="school_uids", **_USERS_BULK),
        _e("users_inactive", "users/inactive", list_key="user"),
        _e("user_inactive", "users/inactive/{id}"),
        _e("user", "users/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("user_ext", "users/ext/{school_uid}", redirects=True),
        _e("me", "users/me", redirects=True),
        _e("app_user_info", "app-user-info"),
        # documented body {"user": [{uid, option_reenroll}]}: no "users" wrapper
        _e("users_reactivate", "users/reactivate", methods={"PUT"}, id_field="uid", bulk_singular="user",
           result_path=("user",)),
        _e("parent_associations", "users/import/associations/parents", methods={"POST"},
           id_field="student_school_uid", **_ASSOC_BULK),
        _e("advisor_associations", "users/import/associations/advisors", methods={"POST"},
           id_field="student_school_uid", **_ASSOC_BULK),
        _e("csvexport_users", "csvexport/users", format="csv"),
        _e("user_sections", "users/{id}/sections", list_key="section"),
        _e("user_groups", "users/{id}/groups", list_key="group"),
        # schools and buildings
        _e("schools", "schools", list_key="school", methods={"GET", "POST"}),
        _e("school", "schools/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("buildings", "schools/{school_id}/buildings", list_key="building", methods={"GET", "POST"}),
        _e("roles", "roles", list_key="role"),
        _e("role", "roles/{id}"),
        # courses and sections
        _e("courses", "courses", list_key="course", methods={"GET", "POST", "PUT", "DELETE"},
           bulk_plural="courses", bulk_singular="course", result_path=("course",), delete_param="course_ids"),
        _e("course", "courses/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("course_sections", "courses/{course_id}/sections", list_key="section",
           methods={"GET", "POST"}, **_SECTION_BULK),
        _e("sections", "sections", list_key="section", methods={"GET", "PUT", "DELETE"},
           delete_param="section_ids", lookup_param="section_school_codes", **_SECTION_BULK),
        _e("section", "sections/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("section_ext", "sections/ext/{section_school_code}", redirects=True),
        _e("section_grading_periods", "sections/{section_id}/grading_periods", list_key="grading_period"),
        # enrollments
        _e("section_enrollments", "sections/{section_id}/enrollments", list_key="enrollment",
           methods={"GET", "POST", "PUT"}, **_ENROLL_BULK),
        _e("group_enrollments", "groups/{group_id}/enrollments", list_key="enrollment",
           methods={"GET", "POST", "PUT"}, **_ENROLL_BULK),
        _e("section_enrollment", "sections/{section_id}/enrollments/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("group_enrollment", "groups/{group_id}/enrollments/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("enrollments", "enrollments", methods={"POST", "DELETE"}, delete_param="enrollment_ids",
           **_ENROLL_BULK),
        _e("enrollments_import", "enrollments/import/course", methods={"POST"},
           id_field="school_uid", **_ENROLL_BULK),
        _e("enrollments_import_periods", "enrollments/import/course/{grading_period_ids}", methods={"POST"},
           id_field="school_uid", **_ENROLL_BULK),
        # groups, grading periods, multiget
        _e("groups", "groups", list_key="group", methods={"GET", "POST"}),
        _e("group", "groups/{id}", methods={"GET", "PUT", "DELETE"}),
        _e("grading_periods", "gradingperiods", list_key="gradingperiods", methods={"GET", "POST"}),
        _e("grading_period", "gradingperiods/{id}", methods={"GET", "PUT"}),
        _e("multiget", "multiget", methods={"POST"}),
    ]
}


def get_endpoint(name: str) -> Endpoint:
    """The endpoint called ``name``; raises ``ConfigurationError`` naming the known ones."""
    try:
        return ENDPOINTS[name]
    except KeyError:
        raise ConfigurationError(f"unknown endpoint {name!r}; known: {', '.join(sorted(ENDPOINTS))}") from None


def resolve(name_or_path: str, params: Mapping[str, Any] | None = None) -> tuple[Endpoint, str, dict[str, Any]]:
    """Find the endpoint for a name or a literal path; return ``(endpoint, path, query)``.

    A literal path that matches no table entry gets an ad-hoc GET endpoint whose list key
    is guessed from the envelope at read time.
    """
    params = dict(params or {})
    if name_or_path in ENDPOINTS:
        ep = ENDPOINTS[name_or_path]
        path, rest = ep.render(params)
        return ep, path, rest
    path = name_or_path.strip("/")
    if path.startswith("v1/"):
        path = path[3:]
    for ep in ENDPOINTS.values():
        if not ep.fields and ep.path == path:
            return ep, path, params
    return Endpoint(name=path, path=path, methods=frozenset({"GET", "POST", "PUT", "DELETE"})), path, params
