"""SFTP through paramiko: the public names of the SFTP connector.

::

    with SFTPConnection.from_profile(profile) as sftp:
        names = [e.name for e in sftp.listdir("/outgoing")]
        sftp.upload("roster.csv", "/incoming/roster.csv")   # temp name, then rename
    rows = read_sftp_csv(profile, "/outgoing/students.csv")
    with write_sftp_csv(profile, "/incoming/result.csv") as sink:
        sink.write_many(rows)

Host keys are checked against the key stored in the client profile, never learned;
transient drops are retried; every error names ``host:port`` and the path.
"""

from __future__ import annotations

from .sftp_auth import HostKeyMismatchError, fingerprint, load_private_key, parse_host_key
from .sftp_connection import RemoteEntry, SFTPConnection
from .sftp_csv import SFTPCSVSink, SFTPCSVSource, read_sftp_csv, write_sftp_csv

__all__ = [
    "HostKeyMismatchError",
    "RemoteEntry",
    "SFTPCSVSink",
    "SFTPCSVSource",
    "SFTPConnection",
    "fingerprint",
    "load_private_key",
    "parse_host_key",
    "read_sftp_csv",
    "write_sftp_csv",
]
