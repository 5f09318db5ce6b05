"""Families and advisors: parents' buildings from their children's; parent and advisor links from a file.

Modules:

- ``advisors``: Advisor-advisee links from a file -> plan changes (job ``import_advisor_associations``).
- ``associations``: Association rows -> ``POST /users/import/associations/parents`` (or ``/advisors``) items.
- ``parent_buildings``: Give parents the buildings of their children (job ``update_parent_buildings``).

The names of ``parent_buildings`` are re-exported here, so ``families.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.families.parent_buildings import (
    BEHAVIORS,
    PLAN_FIELDS,
    FamilyIndex,
    children_by_parent,
    iter_parent_building_updates,
    parent_building_changes,
    parent_building_updates,
    read_families,
    user_buildings,
    with_child_uids,
)

__all__ = [
    "BEHAVIORS",
    "FamilyIndex",
    "PLAN_FIELDS",
    "advisors",
    "associations",
    "children_by_parent",
    "iter_parent_building_updates",
    "parent_building_changes",
    "parent_building_updates",
    "parent_buildings",
    "read_families",
    "user_buildings",
    "with_child_uids",
]
