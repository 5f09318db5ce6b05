"""Pure provisioning logic behind the job catalog.

Each module owns one concern and works on plain dicts shaped like the API's records
(``users``, ``sections``, ``gradingperiods``...) or like rows of an SIS CSV file. Nothing
here talks to the network or mutates its input: functions return new records, lists of
records or small reports, and bad input raises an error from :mod:`schoology_etl.errors`
naming the row (file line), the field and the value.

Modules: ``rows`` (reading cells with errors naming line and column), ``lookups``
(title/code -> id), ``families`` (parent buildings), ``users`` (SIS row <-> user payload,
role changes), ``lifecycle`` (deactivate missing, reactivate), ``moves`` (building moves),
``associations`` (parent links), ``duplicates``, ``uids`` (school_uid remap), ``sis`` (SIS
file specs), ``sis_validation`` (row-level report), ``reconcile`` (desired vs current
diff), ``courses`` (courses with nested sections), ``grading_periods``, ``sections``,
``enrollments``, ``groups`` (membership sync), ``analytics`` (portable SQL).
"""

from __future__ import annotations
