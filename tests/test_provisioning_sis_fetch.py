"""sis_fetch against a loopback SFTP site: download, freshness, check, stage all or nothing."""

from __future__ import annotations

import os
import time

import pytest

from schoology_etl.errors import ConnectorError, SourceFormatError
from schoology_etl.io.sftp import SFTPConnection
from schoology_etl.provisioning.sis.sis_fetch import MANIFEST_COLUMNS, download_export, stage_export
from schoology_sandbox.sftp_server import SandboxSFTPServer

USERS = "school_uid,name_first,name_last,role,building_code,primary_email\nS1,Ann,Lee,Student,HS,a@x.org\n"
ENROLLMENTS = "section_school_code,school_uid,role\nA-01,S1,student\n"


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "outgoing" / "old").mkdir(parents=True)
    (root / "outgoing" / "users.csv").write_text(USERS)
    (root / "outgoing" / "enrollments.csv").write_text(ENROLLMENTS)
    (root / "outgoing" / "notes.txt").write_text("not a csv\n")
    server = SandboxSFTPServer(root, demo_files=False).start()
    try:
        yield server
    finally:
        server.stop()


def _sftp(site):
    return SFTPConnection(**site.settings(), timeout=5.0, retries=0)


def test_downloads_the_matching_files_then_stages_them_with_a_manifest(site, tmp_path):
    fetched = download_export(_sftp(site), "outgoing", "*.csv", max_age_hours=36)
    assert fetched.names == ["enrollments.csv", "users.csv"]
    assert all(f.local.parent == fetched.staging and f.age["age_hours"] < 1 for f in fetched.files)
    assert fetched.files[1].remote == f"sftp://{site.username}@127.0.0.1:{site.port}/outgoing/users.csv"
    out = tmp_path / "out"
    out.mkdir()
    manifest = stage_export(fetched, stage=lambda name: out / name)
    assert [(m["file"], m["kind"], m["rows"], m["checked"]) for m in manifest] == [
        ("enrollments.csv", "enrollments", 1, True), ("users.csv", "users", 1, True)]
    assert set(MANIFEST_COLUMNS) <= set(manifest[0])
    assert (out / "users.csv").read_text() == USERS and not fetched.staging.exists()


def test_nothing_matching_a_stale_file_and_a_bad_file_are_refused(site, tmp_path):
    with pytest.raises(ConnectorError, match=rf"no file matching 'pupils.csv' at sftp://\S+:{site.port}/outgoing/pupils.csv"):
        download_export(_sftp(site), "outgoing", "pupils.csv", max_age_hours=36)
    stale = site.root / "outgoing" / "enrollments.csv"
    three_days_ago = time.time() - 72 * 3600
    os.utime(stale, (three_days_ago, three_days_ago))
    with pytest.raises(SourceFormatError, match="the SIS export looks stale"):
        download_export(_sftp(site), "outgoing", "*.csv", max_age_hours=36)
    stale.write_text("section_school_code,school_uid\nA-01,S1\n")  # fresh again, but without its role column
    fetched = download_export(_sftp(site), "outgoing", "*.csv", max_age_hours=36)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SourceFormatError, match=r"/outgoing/enrollments.csv, line 1: .*role"):
        stage_export(fetched, stage=lambda name: out / name)
    assert list(out.iterdir()) == [] and not fetched.staging.exists(), "nothing is staged when a file is bad"
