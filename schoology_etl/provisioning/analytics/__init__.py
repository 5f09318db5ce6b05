"""Analytics: the warehouse map per client and the reports read from the warehouse through it.

Modules:

- ``license_adoption``: Licence adoption: active accounts by role and building against licensed seats, and who
  signed in.
- ``report_periods``: The days a usage report covers, from a job's ``days`` / ``weeks`` and ``as_of``
  parameters.
- ``usage_charts``: The charts of the usage jobs, each a matplotlib ``Figure`` drawn from a report's rows.
- ``usage_reports``: Report rows for the usage jobs: analytics rows joined with the API's users, counts by
  building.
- ``warehouse``: A client's analytics warehouse: which tables and columns hold users, logins and activity.
- ``warehouse_queries``: Usage analytics as SQLAlchemy Core queries that run on SQLite, PostgreSQL (Redshift)
  and MariaDB.

The names of ``warehouse_queries`` are re-exported here, so ``analytics.<name>`` reads as the domain's own.
"""

from __future__ import annotations

from schoology_etl.provisioning.analytics.warehouse_queries import (
    inactive_users,
    logins_per_building_per_week,
    signed_in_users,
    usage_summary,
    week_start,
)

__all__ = [
    "inactive_users",
    "license_adoption",
    "logins_per_building_per_week",
    "report_periods",
    "signed_in_users",
    "usage_charts",
    "usage_reports",
    "usage_summary",
    "warehouse",
    "warehouse_queries",
    "week_start",
]
