"""Pure provisioning logic behind the job catalog.

Each module owns one concern and works on plain dicts shaped like the API's records
(``users``, ``sections``, ``gradingperiods``...) or like rows of an SIS CSV file. Nothing
here talks to the network or mutates its input: functions return new records, lists of
records or small reports, and bad input raises an error from :mod:`schoology_etl.errors`
naming the row (file line), the field and the value.

Modules: ``rows`` (reading cells with errors naming line and column), ``lookups``
(title/code -> id), ``families`` (parent buildings), ``users`` (SIS row <-> user payload,
role changes), ``lifecycle`` (deactivate missing, reactivate), ``moves`` (building moves),
``associations`` (parent and advisor links), ``advisors`` (advisor links), ``identity_keys``,
``duplicates``, ``merges``, ``uids`` (school_uid remap), ``sis`` (SIS file specs),
``sis_validation`` (row-level report), ``reconcile`` (desired vs current
diff), ``courses`` (courses with nested sections), ``grading_periods``, ``sections``,
``enrollments``, ``groups`` (membership sync), ``analytics`` (portable SQL), ``usage_reports``
and ``license_adoption`` (the usage jobs' reports), ``report_periods`` (their date windows),
``usage_charts`` (their figures).

Which job calls what (each result is fed to ``schoology_etl.plan_changes`` or written
as a report)::

    update_parent_buildings     families.parent_building_updates(users, behavior=, allowed_buildings=)
    import_users                user_imports.read_user_rows(path, ...) -> plan_user_import(client, rows, ...)
    deactivate_missing_users    lifecycle.missing_users(users, rows, max_share=) + lifecycle.DEACTIVATE_PARAMS
    export_users                users.sis_user_row(user, roles=, buildings=)
    change_user_roles           users.role_change_updates(rows, users, roles=)
    move_users_building         moves.select_users(...) -> moves.building_move_updates(users, building_id=, mode=)
    import_parent_associations  associations.association_items(
                                    rows, current_links=user_changes.parent_links(users, client=))
    import_advisor_associations advisors.advisor_changes(rows, users, max_unlinks=)
    create_groups               group_creation.group_changes(rows, groups=, users=, buildings=)
    end_of_year_cleanup         year_end.find_parts(chosen, users, roles, grad_year=, ...)
                                    -> year_end.cleanup_changes(...)
    find_duplicate_users        duplicates.scan_client(client, include_inactive=) (keys: identity_keys)
    merge_duplicate_users       merges.choose_pairs(rows, users, inactive, ...) -> merges.merge_changes(...)
    remap_school_uids           uids.school_uid_remap_updates(users, rows)
    reactivate_users            lifecycle.reactivation_items(inactive_users, rows, reenroll=)
    import_courses_sections     course_imports.read_course_rows(path, ...) -> course_changes.course_section_changes(...)
    import_enrollments          enrollment_imports.read_enrollment_targets(client, rows) -> enrollment_changes
    export_enrollments          enrollments.enrollment_export_rows(enrollments, sections)
    sections_without_teachers   teaching_gaps.read_teaching_gaps(client, buildings=, teacher_roles=)
    archive_past_sections       grading_periods.past_sections(...) -> section_archive.archive_changes(past, action=)
    drop_enrollments_of_inactive  enrollments.inactive_user_drops(enrollments, inactive_users)
    sync_group_members          groups.group_member_changes(rows, members, groups=, users=)
    grading_period_audit        grading_periods.audit_grading_periods(periods, sections, today=)
    login_activity_report       analytics.logins_per_building_per_week(start, end, buildings=, warehouse=)
    inactive_users_report       analytics.inactive_users(as_of, days, warehouse=)
    usage_summary               analytics.usage_summary(as_of, days, warehouse=)
    license_adoption_report     license_adoption.count_adoption(users, signed_in) -> adoption_by_role(counts, seats)
    (analytics jobs)            warehouse.job_warehouse(profile, warehouse_map) -> WarehouseMap, checked
    validate_sis_files          sis_validation.validate_sis_file(
                                    path, sis.spec_for(kind), roles=, buildings=, grading_periods=)
    reconcile_sis_with_schoology  sis_reconcile.reconcile_file(client, kind, rows, columns=, file_holds=)
    sis_sync_health             sis_sync.sync_health(client, sis_snapshot.snapshot_files(folder), ...) (stream_diff)

Lookups come from the API's lists: ``lookups.role_lookup(client.iter_records("roles"))``,
``building_lookup(...)``, ``grading_period_lookup(...)``.
"""

from __future__ import annotations
