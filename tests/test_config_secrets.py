"""No output shows a secret, and a config others may write is refused as ssh refuses such a key."""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from faults_helpers import assert_no_traceback, cli_command, cli_env

import ttalertd.logsetup
import ttalertd.notify.notifier
from ttalertd.config import secrets
from ttalertd.config.loader import load_config
from ttalertd.config.records import ConfigError

TOKEN = "ntfy-tk-93f1c0de"  # ntfy's ?auth= token
HEADER = "hdr-5ecret-77aa"
PASSWORD = "am-pa55word"
CHECK_ID = "0f7b5c2e-1d9a-4c3b-8e2f-6a1b2c3d4e5f"  # healthchecks.io: the path is the secret
ALL = (TOKEN, HEADER, PASSWORD, CHECK_ID)


def write(directory, text: str, mode: int = 0o600) -> str:
    path = os.path.join(str(directory), "credentials.yml")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(cli_command(*args), cwd=str(cwd), env=cli_env(), capture_output=True,
                          text=True, timeout=120, check=False)


def secret_config(webhook_url: str) -> str:
    return (f"webhook:\n  url: '{webhook_url}?auth={TOKEN}'\n"
            f"  headers: {{Authorization: 'Bearer {HEADER}'}}\n"
            f"alertmanager:\n  urls: ['http://ops:{PASSWORD}@127.0.0.1:9/']\n"
            f"heartbeat:\n  url: 'https://hc-ping.com/{CHECK_ID}'\n"
            f"  fail_url: 'https://hc-ping.com/{CHECK_ID}/fail'\n")


def test_check_config_shows_no_url_query_user_info_or_heartbeat_path(tmp_path):
    result = cli("check-config", "--config", write(tmp_path, secret_config("https://ntfy.sh/ops")),
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "webhook to https://ntfy.sh/ops" in output
    for secret in ALL:
        assert secret not in output


@pytest.mark.parametrize("broken", [
    ("  fail_url: 'https://hc-ping.com/", "  fail_url: 'ftp://hc-ping.com/"),
    ("url: 'https://ntfy.sh/ops?", "url: 'ntfy.sh/ops?"),
    ("urls: ['http://ops:", "urls: ['gopher://ops:"),
])
def test_config_errors_show_no_secret_either(tmp_path, broken):
    text = secret_config("https://ntfy.sh/ops").replace(*broken)
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    for secret in ALL:
        assert secret not in str(caught.value)


class EchoingRefusal(BaseHTTPRequestHandler):
    """A webhook endpoint that refuses, quoting the credentials it was sent (some do)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        token = self.headers.get("Authorization", "").split()[-1]
        body = f"forbidden: token {token} unknown (query {self.path})".encode()
        self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_test_sms_never_prints_a_secret_a_refusal_echoes(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingRefusal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ops"
        result = cli("test-sms", "--config", write(tmp_path, secret_config(url)), cwd=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert_no_traceback(result)
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "forbidden: token" in result.stdout
    for secret in ALL:
        assert secret not in result.stdout + result.stderr


def test_one_module_knows_the_secret_fields():
    assert ttalertd.notify.notifier.redact is secrets.redact
    assert not hasattr(ttalertd.logsetup, "config_secrets")
    document = {"twilio": ["AC" + "0" * 32, "tok-en-1234", "+15551234567", "+18885551234"],
                "webhook": {"url": f"https://u:{PASSWORD}@h/x?auth={TOKEN}",
                            "headers": {"X-Key": HEADER}},
                "heartbeat": {"url": f"https://hc-ping.com/{CHECK_ID}"}}
    found = secrets.config_secrets(document, {"TWILIO_AUTH_TOKEN": "env-tok-5678"})
    for secret in ("tok-en-1234", PASSWORD, f"auth={TOKEN}", HEADER, CHECK_ID, "env-tok-5678"):
        assert secret in found
    assert secrets.display_url(f"https://u:{PASSWORD}@h:8/x?auth={TOKEN}#f") == "https://h:8/x"
    assert secrets.display_url(f"https://hc-ping.com/{CHECK_ID}",
                               path_secret=True) == "https://hc-ping.com"


TWILIO = ('twilio:\n  account_sid: "AC0123456789abcdef0123456789abcdef"\n'
          '  auth_token: "f00dfeedcafe0123456789abcdef0123"\n  to: "+15551234567"\n'
          '  from: "+18885551234"\n')


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666, 0o660])
def test_a_config_with_a_secret_that_others_may_write_is_refused(tmp_path, mode):
    path = write(tmp_path, TWILIO, mode)
    result = cli("check-config", "--config", path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        (f"ttalertd: {path}: holds a secret but group or others may write it (mode {mode:04o}); "
        f"fix it with: chmod go-w {path}")]


def test_a_config_with_a_secret_in_a_world_writable_directory_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    path = write(shared, TWILIO)
    result = cli("check-config", "--config", path, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        (f"ttalertd: {path}: holds a secret but sits in {shared}, which anyone may write (mode "
        f"0777, no sticky bit); fix it with: chmod o-w {shared}")]
    shared.chmod(0o1777)  # /tmp's way: only the owner may replace the file
    assert cli("check-config", "--config", path, cwd=tmp_path).returncode == 0


def test_a_config_without_a_secret_may_be_shared(tmp_path):
    path = write(tmp_path, "defaults:\n  LOAD_AVG_MAX: 3\n", 0o666)
    assert load_config(path, env={}).load_avg_max == 3.0


def test_the_environments_token_counts_as_the_configs_secret(tmp_path):
    text = TWILIO.replace('  auth_token: "f00dfeedcafe0123456789abcdef0123"\n', "")
    path = write(tmp_path, text, 0o664)
    with pytest.raises(ConfigError, match="chmod go-w"):
        load_config(path, env={"TWILIO_AUTH_TOKEN": "from-the-env-1234"})
