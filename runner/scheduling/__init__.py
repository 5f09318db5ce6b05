"""Schedules: jobs that start themselves on a cron-like schedule.

- :mod:`runner.scheduling.cron`: cron expressions read in a time zone, next due times.
- :mod:`runner.scheduling.schedules`: add, list, pause, resume, remove (checked server-side).
- :mod:`runner.scheduling.firing`: workers start due runs, once per due time across every
  host, and skip (and record) a due time while the schedule's previous run still goes.
"""
