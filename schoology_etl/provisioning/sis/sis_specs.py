"""The SIS CSV files the jobs read: their columns, keys and the kind of each column.

One :class:`SISFileSpec` per file. The validator (:mod:`.sis_validation`) checks a file
against its spec; the job modules read the same column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schoology_etl.errors import ConfigurationError

#: Column kinds checked by the validator.
KINDS = ("text", "email", "date", "year", "role", "building", "buildings", "grading_periods", "choice", "flag")


@dataclass(frozen=True)
class SISFileSpec:
    """What one SIS file must hold.

    Attributes:
        name: the file's role (``"users"``), also its conventional file stem.
        required: columns that must be present and non-empty in every row.
        optional: columns that may be absent or empty.
        key: columns whose values together must be unique across rows.
        kinds: column -> kind (see :data:`KINDS`); unlisted columns are text.
        choices: column -> allowed values (case-insensitive) for ``choice`` columns.
        one_of: groups of columns of which every row must fill at least one.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    kinds: dict[str, str] = field(default_factory=dict)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def kind(self, column: str) -> str:
        return self.kinds.get(column, "text")


USERS = SISFileSpec(
    "users",
    required=("school_uid", "name_first", "name_last", "role", "building_code"),
    optional=("primary_email", "grad_year", "birthday_date", "additional_building_codes", "name_middle", "username"),
    key=("school_uid",),
    kinds={
        "primary_email": "email",
        "grad_year": "year",
        "birthday_date": "date",
        "role": "role",
        "building_code": "building",
        "additional_building_codes": "buildings",
    },
    one_of=(("primary_email", "username"),),  # Schoology: at least one is required to sign in
)

PARENTS = SISFileSpec(
    "parents",
    required=("student_school_uid", "parent_school_uid"),
    optional=("action",),
    key=("student_school_uid", "parent_school_uid"),
    kinds={"action": "choice"},
    choices={"action": ("link", "unlink")},
)

#: Advisor-advisee links (``POST /users/import/associations/advisors``); like parents, with an action.
ADVISORS = SISFileSpec(
    "advisors",
    required=("student_school_uid", "advisor_school_uid"),
    optional=("action",),
    key=("student_school_uid", "advisor_school_uid"),
    kinds={"action": "choice"},
    choices={"action": ("link", "unlink")},
)

COURSES_SECTIONS = SISFileSpec(
    "courses_sections",
    required=("course_code", "course_title", "section_school_code", "section_title", "grading_periods"),
    optional=("building_code", "department"),
    key=("section_school_code",),
    kinds={"grading_periods": "grading_periods", "building_code": "building"},
)

ENROLLMENTS = SISFileSpec(
    "enrollments",
    required=("school_uid", "role"),
    # A section is named by its section_school_code, or (Schoology's import layout) by course_code + section_code.
    optional=("section_school_code", "course_code", "section_code", "action"),
    key=("section_school_code", "school_uid"),
    kinds={"role": "choice", "action": "choice"},
    choices={"role": ("teacher", "student"), "action": ("enroll", "drop")},
    one_of=(("section_school_code", "course_code"),),
)

GROUP_MEMBERS = SISFileSpec(
    "group_members",
    required=("group_code", "school_uid"),
    optional=("admin",),
    key=("group_code", "school_uid"),
    kinds={"admin": "flag"},
)

#: Groups to create with their first members (job ``create_groups``; see :mod:`.group_creation`).
NEW_GROUPS = SISFileSpec(
    "new_groups",
    required=("group_code", "title"),
    optional=("description", "building_code", "privacy_level", "members", "admins"),
    key=("group_code",),
    kinds={"building_code": "building", "privacy_level": "choice"},
    choices={"privacy_level": ("everyone", "school", "building", "group")},
)

UID_REMAP = SISFileSpec(
    "uid_remap",
    required=("old_school_uid", "new_school_uid"),
    key=("old_school_uid",),
)

ROLE_CHANGES = SISFileSpec("role_changes", required=("school_uid", "role"), key=("school_uid",), kinds={"role": "role"})

SPECS: dict[str, SISFileSpec] = {
    s.name: s for s in (USERS, PARENTS, ADVISORS, COURSES_SECTIONS, ENROLLMENTS, GROUP_MEMBERS, NEW_GROUPS, UID_REMAP,
                        ROLE_CHANGES)
}


def spec_for(name: str) -> SISFileSpec:
    """The spec named ``name`` (``"users"``, ``"enrollments"``...)."""
    try:
        return SPECS[name]
    except KeyError:
        raise ConfigurationError(f"unknown SIS file kind {name!r}; one of {sorted(SPECS)}") from None


def split_list(value: object) -> list[str]:
    """A multi-value cell (``"Q1;Q2"`` or ``"Q1,Q2"``) as a list of stripped values."""
    raw = "" if value is None else str(value)
    return [v.strip() for v in raw.replace(";", ",").split(",") if v.strip()]
