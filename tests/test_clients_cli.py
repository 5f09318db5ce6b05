"""``toolbelt clients`` and ``toolbelt users``: secrets only from env or stdin, never shown."""

from __future__ import annotations

import getpass
import json
import os
import secrets as pysecrets
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli
from runner.cli.users import users
from runner.profile_store import get_profile


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOOLBELT_HOME", str(tmp_path))
    monkeypatch.delenv("TOOLBELT_DB", raising=False)
    monkeypatch.delenv("TOOLBELT_SECRET_KEY", raising=False)
    return tmp_path


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # noqa: A002
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def test_add_from_stdin_list_remove(home: Path) -> None:
    secret = pysecrets.token_hex(16)
    added = run("clients", "add", "district", "--base-url", "http://127.0.0.1:9/v1", "--key", "key123",
                "--signature-method", "plaintext", input=secret + "\n")
    assert added.exit_code == 0, added.output
    assert get_profile("district").secret == secret and get_profile("district").signature_method == "PLAINTEXT"
    listed = run("clients", "list")
    assert "district  http://127.0.0.1:9/v1  key key…  PLAINTEXT" in listed.output and secret not in listed.output
    data = json.loads(run("clients", "list", "--json").output)
    assert data[0]["name"] == "district" and secret not in json.dumps(data)
    assert run("clients", "remove", "district").exit_code == 0
    gone = run("clients", "remove", "district")
    assert gone.exit_code == 1 and "no client profile named 'district'" in gone.output


def test_add_from_env_with_sql_and_sftp(home: Path) -> None:
    secret, sql, sftp_pw = pysecrets.token_hex(16), f"postgresql://u:{pysecrets.token_hex(6)}@127.0.0.1/db", pysecrets.token_hex(6)
    result = run("clients", "add", "c1", "--base-url", "http://127.0.0.1:9/v1", "--key", "k", "--secret-env", "S",
                 "--sql-url-env", "SQL", "--sftp-host", "127.0.0.1", "--sftp-port", "2222", "--sftp-user", "sis",
                 "--sftp-password-env", "PW", env={"S": secret, "SQL": sql, "PW": sftp_pw})
    assert result.exit_code == 0, result.output
    p = get_profile("c1")
    assert (p.secret, p.sql_url, p.sftp.password, p.sftp.port, p.sftp.username) == (secret, sql, sftp_pw, 2222, "sis")
    assert "(sql, sftp 127.0.0.1)" in run("clients", "list").output


def test_add_refuses_missing_env_and_duplicates(home: Path) -> None:
    missing = run("clients", "add", "c", "--base-url", "https://x.example/v1", "--key", "k", "--secret-env", "NOPE_NOT_SET")
    assert missing.exit_code == 2 and "NOPE_NOT_SET" in missing.output
    assert run("clients", "add", "c", "--base-url", "https://x.example/v1", "--key", "k", input="s3cret99\n").exit_code == 0
    dup = run("clients", "add", "c", "--base-url", "https://x.example/v1", "--key", "k", input="s3cret99\n")
    assert dup.exit_code == 1 and "already exists" in dup.output
    assert run("clients", "add", "c", "--base-url", "https://x.example/v1", "--key", "k", "--replace", input="other999\n").exit_code == 0
    empty = run("clients", "add", "d", "--base-url", "https://x.example/v1", "--key", "k", input="\n")
    assert empty.exit_code == 2 and "no secret on stdin" in empty.output


def test_no_secret_option_exists() -> None:
    result = CliRunner().invoke(cli, ["clients", "add", "--help"])
    assert "--secret-env" in result.output and "--secret " not in result.output and "--secret\n" not in result.output


def test_clients_test_against_the_sandbox(home: Path, sandbox) -> None:  # noqa: ANN001
    run("clients", "add", "sbx", "--base-url", sandbox.base_url, "--key", sandbox.key, input=sandbox.secret + "\n")
    ok = run("clients", "test", "sbx")
    assert ok.exit_code == 0 and ok.output.startswith("client sbx: ok")
    run("clients", "add", "wrong", "--base-url", sandbox.base_url, "--key", sandbox.key, input="wrong-secret\n")
    bad = run("clients", "test", "wrong")
    assert bad.exit_code == 1 and "AuthenticationError" in bad.output and sandbox.secret not in bad.output


def test_real_subprocess_secret_never_in_db_file(home: Path) -> None:
    secret = pysecrets.token_hex(20)
    toolbelt = str(Path(sys.executable).parent / "toolbelt")
    env = {**os.environ, "TOOLBELT_HOME": str(home), "MY_SECRET": secret}
    add = subprocess.run([toolbelt, "clients", "add", "real", "--base-url", "http://127.0.0.1:9/v1", "--key", "kk",
                          "--secret-env", "MY_SECRET"], capture_output=True, text=True, env=env, timeout=60)
    assert add.returncode == 0, add.stderr
    assert "stored client real" in add.stdout and secret not in add.stdout + add.stderr
    raw = b"".join(p.read_bytes() for p in home.glob("toolbelt.db*"))
    assert b"real" in raw and secret.encode() not in raw
    assert oct((home / "secret.key").stat().st_mode & 0o777) == "0o600"


def test_users_commands(home: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(users, ["add", "ann", "--group", "provisioners", "--group", "support"]).exit_code == 0
    # the first user of the store (this OS user) became its admin
    assert runner.invoke(users, ["list"]).output == f"ann: provisioners, support\n{getpass.getuser()}: admins\n"
    assert runner.invoke(users, ["remove", "ann", "--group", "support"]).exit_code == 0
    again = runner.invoke(users, ["remove", "ann", "--group", "support"])
    assert again.exit_code == 1 and "not a member" in again.output
