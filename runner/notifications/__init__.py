"""Notifications: tell people when a run finished, failed, or has a plan waiting for review.

- :mod:`runner.notifications.rules`: who hears about which runs (per user, per schedule),
  by e-mail or webhook; webhook URLs are stored encrypted.
- :mod:`runner.notifications.messages`: the words, and the link to the run.
- :mod:`runner.notifications.email`: SMTP settings and sending (``smtplib``).
- :mod:`runner.notifications.webhook`: one JSON POST (Slack and Teams read its ``text``).
- :mod:`runner.notifications.dispatch`: once per run and status, whichever process gets there first.
"""
