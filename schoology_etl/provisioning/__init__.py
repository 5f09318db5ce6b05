"""Pure provisioning logic behind the job catalog.

Each module owns one concern and works on plain dicts shaped like the API's records
(``users``, ``sections``, ``gradingperiods``...) or like rows of an SIS CSV file. Nothing
here talks to the network or mutates its input: functions return new records, lists of
records or small reports, and bad input raises an error from :mod:`schoology_etl.errors`
naming the row (file line), the field and the value.

Modules: ``lookups`` (title/code -> id), ``families`` (parent buildings), ``users`` (SIS
row -> user payload), ``duplicates``, ``uids`` (school_uid remap), ``sis`` (SIS file
specs), ``sis_validation`` (row-level report), ``reconcile`` (desired vs current diff),
``grading_periods``, ``sections``, ``enrollments``, ``groups``, ``analytics`` (SQL).
"""

from __future__ import annotations
