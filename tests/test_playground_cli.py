"""``layerwise playground`` on the command line: its options, its errors, and a real server
started as a user would start it, then stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys

import pytest

from layerwise.cli import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_playground_has_help(capsys):
    code, out, _ = run(capsys, "playground", "--help")
    assert code == 0
    assert "usage: layerwise playground [-h] [--port N] [--host HOST] [--no-browser]" in out
    assert "pip install 'layerwise[playground]'" in out


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_bad_port_is_a_usage_error(capsys, port):
    code, _, err = run(capsys, "playground", "--port", port)
    assert code == 2
    assert f"expected a port number from 0 to 65535; got '{port}'" in err


def test_a_missing_extra_is_named(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "starlette", None)  # as if it were not installed
    code, _, err = run(capsys, "playground", "--no-browser")
    assert code == 1
    assert "starlette is needed for the playground: pip install 'layerwise[playground]'" in err


def test_a_taken_port_is_one_line(capsys):
    pytest.importorskip("uvicorn", reason="the playground's server needs the playground extra")
    pytest.importorskip("starlette", reason="the playground's server needs the playground extra")
    pytest.importorskip("websockets", reason="the playground's server needs the playground extra")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, _, err = run(capsys, "playground", "--port", port, "--no-browser")
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err


def test_no_display_means_no_browser(monkeypatch):
    from layerwise.playground.server import has_display

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not has_display()
    monkeypatch.setenv("DISPLAY", ":0")
    assert has_display()


def test_the_server_starts_on_a_free_port_and_stops_on_ctrl_c():
    """Ctrl-C with a page connected and training: the server and the training stop."""
    httpx = pytest.importorskip("httpx2", reason="the request to the server uses httpx2")
    pytest.importorskip("uvicorn", reason="the playground's server needs the playground extra")
    pytest.importorskip("starlette", reason="the playground's server needs the playground extra")
    ws_client = pytest.importorskip(
        "websockets.sync.client", reason="the playground's server needs the playground extra"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "layerwise", "playground", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        assert "Ctrl-C stops it" in line
        url = match.group(0)
        response = httpx.get(url, timeout=30)
        assert response.status_code == 200 and 'data-testid="boundary"' in response.text
        origin = url.rstrip("/")
        with ws_client.connect(origin.replace("http", "ws") + "/ws", origin=origin) as page:
            assert json.loads(page.recv(timeout=30))["type"] == "hello"
            page.send(json.dumps({"type": "play"}))
            while json.loads(page.recv(timeout=30))["type"] != "frame":
                pass
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "The playground has stopped." in out
    assert "Traceback" not in err
