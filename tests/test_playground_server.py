"""The playground's server without a browser: the page and its files, the guards on Host and
Origin, the WebSocket protocol (hello, reset, frames that wait for the page's ack, refused
values), the downloads, and the end of a session with its socket."""

from __future__ import annotations

import base64
import queue
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the playground's server needs the playground extra")
pytest.importorskip("uvicorn", reason="the playground's server needs the playground extra")
pytest.importorskip("websockets", reason="the playground's server needs the playground extra")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the test extra)")
pytest.importorskip("safetensors", reason="the model download needs the io extra")

from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import layerwise as lw
from layerwise.playground import create_app, server
from layerwise.playground.protocol import Outbox
from layerwise.playground.server import STATIC, loopback_hosts

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
#: what a browser on the page sends with its WebSocket
ORIGIN = {"host": f"127.0.0.1:{PORT}", "origin": BASE}
TEST_IDS = [
    "dataset",
    "hidden",
    "activation",
    "learning-rate",
    "play",
    "step",
    "reset",
    "epoch",
    "cost",
    "boundary",
    "equations",
    "download-model",
]


@pytest.fixture
def app():
    return create_app("127.0.0.1", PORT)


@pytest.fixture
def client(app):
    with TestClient(app, base_url=BASE) as c:
        yield c


class Socket:
    """A page's side of the WebSocket, with reads that give up instead of hanging."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                self.inbox.put(self.ws.receive_json())
        except Exception as exc:  # the socket closed
            self.inbox.put(exc)

    def send(self, **message: Any) -> None:
        self.ws.send_json(message)

    def next(self, timeout: float = 30.0) -> dict[str, Any]:
        try:
            item = self.inbox.get(timeout=timeout)
        except queue.Empty:
            seen = [(m["type"], m.get("epoch"), m.get("playing")) for m in self.seen]
            raise AssertionError(f"no message in {timeout} s; so far: {seen}") from None
        if isinstance(item, Exception):
            raise item
        self.seen.append(item)
        return item

    def until(
        self, predicate: Callable[[dict[str, Any]], bool], ack: bool = True
    ) -> dict[str, Any]:
        """Read (acknowledging frames, as the page does) until a message matches."""
        while True:
            message = self.next()
            if ack and message["type"] == "frame":
                self.send(type="ack")
            if predicate(message):
                return message


def kind(name: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m["type"] == name and all(m.get(k) == v for k, v in fields.items())


@pytest.fixture
def page(client):
    """A connected page that has had its hello, its reset and its first frame."""
    with client.websocket_connect("/ws", headers=ORIGIN) as ws:
        socket = Socket(ws)
        socket.hello = socket.until(kind("hello"))
        socket.reset = socket.until(kind("reset"))
        socket.first = socket.until(kind("frame", epoch=0))
        yield socket


# --------------------------------------------------------------------------- the page


def test_the_page_has_every_test_hook(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for test_id in TEST_IDS:
        assert f'data-testid="{test_id}"' in response.text, test_id
    assert re.search(r'<select id="dataset" data-testid="dataset"', response.text)
    assert re.search(r'<canvas id="boundary" data-testid="boundary"', response.text)
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert f"ws://127.0.0.1:{PORT}" in csp
    assert response.headers["x-frame-options"] == "DENY"


def test_the_page_fetches_nothing_from_elsewhere():
    for path in STATIC.iterdir():
        text = path.read_text()
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path.name
        assert "https://" not in text and "cdn" not in text.lower(), path.name
    assert {p.name for p in STATIC.iterdir()} == {
        *("index.html", "playground.css", "playground.js"),
        *("common.js", "draw.js", "diagram.js", "controls.js"),
    }


@pytest.mark.parametrize("path", ["/static/playground.js", "/static/playground.css"])
def test_static_files_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 200 and len(response.content) > 1000


@pytest.mark.parametrize(
    "path",
    [
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/static/%2e%2e/%2e%2e/__init__.py",
        "/static//etc/passwd",
        "/session/x/../../etc/passwd",
        "/server.py",
        "/etc/passwd",
    ],
)
def test_no_file_but_the_static_ones(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text and "root:" not in response.text


# --------------------------------------------------------------------------- Host and Origin


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", f"[::1]:{PORT}"])
def test_loopback_names_with_the_port_are_accepted(client, host):
    assert client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1", "127.0.0.1:9999", ""]
)
def test_a_foreign_host_header_is_refused(client, host):
    response = client.get("/", headers={"host": host})
    assert response.status_code == 400
    assert "Host header" in response.text
    assert client.get("/").status_code == 200  # and the server is still there


@pytest.mark.parametrize(
    "headers",
    [
        {"host": f"127.0.0.1:{PORT}"},
        {"host": f"127.0.0.1:{PORT}", "origin": "http://evil.example"},
        {"host": f"127.0.0.1:{PORT}", "origin": f"http://evil.example:{PORT}"},
        {"host": f"evil.example:{PORT}", "origin": f"http://evil.example:{PORT}"},
    ],
    ids=["no Origin", "foreign Origin", "foreign Origin, same port", "rebound host name"],
)
def test_a_websocket_from_elsewhere_is_refused(client, headers):
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/ws", headers=headers) as ws,
    ):
        ws.receive_json()
    assert info.value.code == 1008


def test_the_hosts_follow_the_address_listened_on():
    assert loopback_hosts("127.0.0.1", 80) == ["127.0.0.1:80", "localhost:80", "[::1]:80"]
    assert loopback_hosts("192.0.2.7", 9) == [
        "192.0.2.7:9",
        "127.0.0.1:9",
        "localhost:9",
        "[::1]:9",
    ]


# --------------------------------------------------------------------------- the protocol


def test_hello_reset_and_the_first_frame(page):
    hello, reset, frame = page.hello, page.reset, page.first
    assert re.fullmatch(r"[\w-]{16,}", hello["token"])
    assert hello["version"] == lw.__version__
    assert hello["choices"]["dataset"] == [
        *("planar", "moons", "circles", "xor", "spiral", "blobs"),  # two classes
        *("blobs3", "spiral3", "plane", "sine", "upload"),  # three classes, surfaces, a file
    ]
    assert hello["defaults"]["hidden"] == "4" and hello["defaults"]["learning_rate"] == 1.2
    assert reset["layer_dims"] == [2, 4, 1] and reset["grid"] == 64
    assert len(base64.b64decode(reset["points"]["x1"])) == 4 * 400
    equations = next(m for m in page.seen if m["type"] == "equations")
    assert "dW[1] = 1/m dZ[1] A[0]ᵀ" in equations["text"]
    assert frame["epoch"] == 0 and frame["id"] == 1
    assert len(base64.b64decode(frame["boundary"])) == 64 * 64
    assert len(frame["units"]) == 1 and len(frame["units"][0]) == 4
    assert 0.69 < frame["cost"] < 0.7  # the notes' small weights: J ≈ log 2


def test_step_advances_one_epoch(page):
    page.send(type="step")
    frame = page.until(kind("frame"))
    assert frame["epoch"] == 1
    page.send(type="step")
    assert page.until(kind("frame"))["epoch"] == 2


def test_play_and_pause_announce_the_state(page):
    page.send(type="settings", settings={"speed": "max"})
    page.until(kind("settings"))
    page.send(type="play")
    assert page.until(kind("state"))["playing"] is True
    frame = page.until(lambda m: m["type"] == "frame" and m["epoch"] >= 100)
    page.send(type="pause")
    page.until(kind("state", playing=False))
    assert frame["cost"] < page.first["cost"]


def test_a_frame_waits_for_the_ack_and_only_the_newest_is_sent(page, app):
    (session,) = app.state.sessions.values()
    page.send(type="settings", settings={"speed": "max"})
    page.until(kind("settings"))
    page.send(type="play")
    in_flight = page.until(kind("frame"), ack=False)  # not acknowledged
    # the network trains on, well past that frame, but no frame is sent until the ack
    while session.call(lambda: session.epochs).result(timeout=30) < in_flight["epoch"] + 100:
        pass
    page.send(type="pause")
    page.until(kind("state", playing=False), ack=False)
    page.send(type="settings", settings={"l2": "0.001"})  # other messages still come
    assert page.until(kind("settings"), ack=False)["settings"]["l2"] == 0.001
    frames = [m for m in page.seen if m["type"] == "frame"]
    assert frames[-1] is in_flight
    final = session.call(lambda: session.epochs).result(timeout=30)
    page.send(type="ack")
    newest = page.until(kind("frame"), ack=False)
    # one frame, the newest: those of the epochs in between were never sent
    assert newest["id"] == in_flight["id"] + 1
    assert newest["epoch"] == final >= in_flight["epoch"] + 100


@pytest.mark.parametrize(
    ("settings", "field", "expected"),
    [
        ({"hidden": "100000,100000"}, "hidden", "hidden layer 1 has 100000"),
        ({"learning_rate": "NaN"}, "learning_rate", "learning rate α is a number > 0"),
        ({"learning_rate": None}, "learning_rate", "learning rate α is a number > 0"),
        ({"batch_size": "-3"}, "batch_size", "batch_size is"),
        ({"nonsense": 1}, "nonsense", "unknown control nonsense"),
        ("hidden=8", "", "settings are an object"),
    ],
)
def test_a_refused_value_gets_a_message_and_changes_nothing(page, settings, field, expected):
    page.send(type="settings", settings=settings)
    error = page.until(kind("error"))
    assert error["field"] == field and expected in error["message"]
    page.send(type="step")  # the server is up, with the network it had
    frame = page.until(kind("frame"))
    assert frame["epoch"] == 1 and frame["run"] == page.reset["run"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not json", "messages are JSON"),
        ("[1, 2]", "unknown message type"),
        ('{"type": "explode"}', "unknown message type 'explode'"),
    ],
)
def test_a_malformed_message_gets_a_message(page, raw, expected):
    page.ws.send_text(raw)
    assert expected in page.until(kind("error"))["message"]
    page.ws.send_bytes(b"\x00\x01")
    assert "not binary" in page.until(kind("error"))["message"]
    page.send(type="step")
    assert page.until(kind("frame"))["epoch"] == 1


HUGE = "1" + "0" * 400  # an integer literal beyond the largest float (about 1.8e308)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[" * 30000 + "]" * 30000, "nested too deeply"),
        ('{"type": "settings", "settings": ' + '{"a": ' * 5000 + "1" + "}" * 5001, "too deeply"),
        ('{"type": "settings", "settings": {"hidden": ' + "[" * 900 + "]" * 900 + "}}", "deeply"),
        ('{"type": "settings", "settings": {"learning_rate": ' + HUGE + "}}", "401 digits"),
        ('{"type": "settings", "settings": {"hidden": ' + HUGE + "}}", "too large for a number"),
        ('{"type": "settings", "settings": {"seed": -' + HUGE + "}}", "too large for a number"),
        ('{"type": ' + HUGE + "}", "too large for a number"),
        ('{"type": "step", "extra": [' + HUGE + "]}", "too large for a number"),
        ('{"type": "settings", "settings": {"l2": NaN}}', "NaN, which is not a JSON number"),
        ('{"type": "settings", "settings": {"learning_rate": -Infinity}}', "-Infinity"),
    ],
    ids=[
        *("deep-array", "deep-object", "deep-in-reach", "lr", "hidden", "seed", "type"),
        *("list", "nan", "inf"),
    ],
)
def test_a_hostile_message_gets_a_message_and_the_server_goes_on(page, raw, expected):
    assert len(raw) < server.MAX_MESSAGE
    page.ws.send_text(raw)
    assert expected in page.until(kind("error"))["message"]
    page.send(type="step")
    assert page.until(kind("frame"))["epoch"] == 1


def test_a_new_data_set_starts_again_at_epoch_0(page):
    page.send(type="step")
    page.until(kind("frame", epoch=1))
    page.send(type="settings", settings={"dataset": "circles", "hidden": "3"})
    settings = page.until(kind("settings"))
    assert settings["restart"] is True and settings["settings"]["noise"] == 0.05
    reset = page.until(kind("reset"))
    assert reset["run"] == page.reset["run"] + 1 and reset["layer_dims"] == [2, 3, 1]
    assert reset["data"] == "lw.datasets.circles(m=400, noise=0.05, seed=1)"
    frame = page.until(kind("frame", run=reset["run"]))
    assert frame["epoch"] == 0
    page.send(type="reset")
    assert page.until(kind("frame", run=reset["run"] + 1))["epoch"] == 0


# --------------------------------------------------------------------------- downloads


def test_the_model_and_the_script_download(page, client, tmp_path):
    for _ in range(3):
        page.send(type="step")
    page.until(kind("frame", epoch=3))
    token = page.hello["token"]
    response = client.get(f"/session/{token}/playground.safetensors")
    assert response.status_code == 200
    assert 'filename="playground.safetensors"' in response.headers["content-disposition"]
    (tmp_path / "m.safetensors").write_bytes(response.content)
    net = lw.Network.load(tmp_path / "m.safetensors")
    assert net.layer_dims == [2, 4, 1] and net.metadata["training"]["epochs_run"] == 3
    frame = page.seen[-1]
    W1 = np.frombuffer(base64.b64decode(frame["W"][0]), "<f4").reshape(4, 2)
    np.testing.assert_array_equal(W1, np.float32(net.params["W1"]))
    script = client.get(f"/session/{token}/playground_run.py")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/x-python")
    assert "X_train, Y_train, epochs=3, learning_rate=1.2, validation_data=(X_val, Y_val)," in (
        script.text
    )
    compile(script.text, "playground_run.py", "exec")  # Python, ready to run


def test_no_download_without_a_live_session(client):
    assert client.get("/session/not-a-token/playground.safetensors").status_code == 404
    assert client.get("/session/not-a-token/other.bin").status_code == 404


def test_closing_the_page_ends_its_training(client, app):
    with client.websocket_connect("/ws", headers=ORIGIN) as ws:
        socket = Socket(ws)
        token = socket.until(kind("hello"))["token"]
        socket.until(kind("frame"))
        (session,) = app.state.sessions.values()
        socket.send(type="settings", settings={"speed": "max"})
        socket.send(type="play")
        socket.until(kind("state", playing=True))
        assert session.alive
    # the server ended the session when the socket closed
    session._thread.join(10)
    assert not session.alive
    assert token not in app.state.sessions
    assert client.get(f"/session/{token}/playground.safetensors").status_code == 404


def test_pages_beyond_the_limit_are_turned_away(client, app, monkeypatch):
    monkeypatch.setattr(server, "MAX_SESSIONS", 1)
    with client.websocket_connect("/ws", headers=ORIGIN) as first:
        Socket(first).until(kind("hello"))
        with (
            client.websocket_connect("/ws", headers=ORIGIN) as second,
            pytest.raises(WebSocketDisconnect) as info,
        ):
            second.receive_json()
        assert info.value.code == 1013 and "1 playground pages are open" in info.value.reason
        assert len(app.state.sessions) == 1


def test_on_every_interface_nothing_opens_without_the_token(monkeypatch):
    """A server on 0.0.0.0 with a token: a client that sends the loopback Host and Origin but
    not the token gets no page, no download and no WebSocket, so its idle sockets take none
    of the page slots; the address with the token sets a cookie that opens everything."""
    monkeypatch.setattr(server, "MAX_SESSIONS", 2)
    app = create_app("0.0.0.0", PORT, token="s3cret-token")
    with TestClient(app, base_url=BASE) as stranger:
        for path in ("/", "/?token=wrong", "/session/x/playground_run.py"):
            response = stranger.get(path)
            assert response.status_code == 403 and "token" in response.text
            assert "set-cookie" not in response.headers
        for _ in range(server.MAX_SESSIONS + 3):
            with (
                pytest.raises(WebSocketDisconnect) as info,
                stranger.websocket_connect("/ws", headers=ORIGIN) as ws,
            ):
                ws.receive_json()
            assert info.value.code == 1008 and "no token" in info.value.reason
        stranger.cookies.set(server.COOKIE, "guessed")
        with (
            pytest.raises(WebSocketDisconnect),
            stranger.websocket_connect("/ws", headers=ORIGIN) as ws,
        ):
            ws.receive_json()
        assert app.state.sessions == {}
        assert stranger.get("/static/playground.js").status_code == 200  # the package's own files
    with TestClient(app, base_url=BASE) as user:
        response = user.get("/?token=s3cret-token")
        assert response.status_code == 200 and 'data-testid="boundary"' in response.text
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{server.COOKIE}=s3cret-token;")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert user.get("/").status_code == 200  # the cookie, after the first visit
        # the browser sends the page's cookie with its WebSocket (TestClient does not)
        with pytest.raises(WebSocketDisconnect), user.websocket_connect("/ws", headers=ORIGIN):
            pass
        with_cookie = {**ORIGIN, "cookie": f"{server.COOKIE}={user.cookies[server.COOKIE]}"}
        with user.websocket_connect("/ws", headers=with_cookie) as ws:
            socket = Socket(ws)
            socket.until(kind("hello"))
            socket.send(type="step")
            assert socket.until(kind("frame", epoch=1))["epoch"] == 1


def test_only_the_loopback_interface_goes_without_a_token(monkeypatch):
    printed = []
    calls = {}

    class Server:  # uvicorn's server, replaced: what serve() gives it is all that counts
        started, should_exit = True, False

        def __init__(self, config):
            calls["app"] = config.app

        def run(self, sockets):
            calls["sockets"] = sockets

    import uvicorn

    monkeypatch.setattr(uvicorn, "Server", Server)
    server.serve("0.0.0.0", 0, open_browser=False, echo=printed.append)
    match = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{20,})", printed[0])
    assert match, printed
    assert "opens only at the address above, with its token" in printed[1]
    server.serve("127.0.0.1", 0, open_browser=False, echo=printed.append)
    assert "?token=" not in printed[-2]


def test_the_outbox_replaces_an_unsent_frame():
    class Loop:  # runs at once what the worker thread hands over
        def call_soon_threadsafe(self, fn, value):
            fn(value)

    outbox = Outbox(Loop())
    outbox._in_flight = True
    outbox.put_frame({"epoch": 1})
    outbox.put_frame({"epoch": 2})
    assert outbox._frame == {"epoch": 2} and outbox.dropped == 1
    outbox.put({"type": "reset"})  # a frame of the old network is not sent after a reset
    assert outbox._frame is None and outbox.dropped == 2


def test_static_folder_is_inside_the_package():
    assert STATIC.parent == Path(lw.__file__).parent / "playground"


# --------------------------------------------------------------------------- own data, edits


def own_csv(rows: int, label: Callable[[int], str] = lambda i: "ab"[i % 2]) -> str:
    lines = ["x,y,z,group"] + [f"{i / 10},{i % 3},{(i * 7) % 11},{label(i)}" for i in range(rows)]
    return "\n".join(lines)


def test_an_uploaded_file_becomes_the_data_set(page):
    page.send(type="upload", name="mine.csv", text=own_csv(50))
    upload = page.until(kind("upload"))
    assert upload["columns"] == ["x", "y", "z", "group"] and upload["numeric"] == ["x", "y", "z"]
    assert upload["rows"] == 50 and upload["name"] == "mine.csv"
    settings = page.until(kind("settings"))
    assert settings["restart"] is True and settings["settings"]["dataset"] == "upload"
    assert settings["settings"]["columns"] == "x,y" and settings["settings"]["label"] == "group"
    reset = page.until(kind("reset", run=page.reset["run"] + 1))
    assert reset["layer_dims"] == [2, 4, 1] and reset["task"] == "binary"
    assert reset["classes"] == ["a", "b"] and reset["m"] == 50
    x1 = np.frombuffer(base64.b64decode(reset["points"]["x1"]), "<f4")
    x = np.arange(50) / 10
    np.testing.assert_allclose(x1, (x - x.mean()) / x.std(), rtol=1e-6)  # standardized
    page.send(type="settings", settings={"label": "z"})  # 11 whole values: a regression
    reset = page.until(kind("reset", run=reset["run"] + 1))
    assert reset["task"] == "regression" and reset["activations"][-1] == "linear"
    assert reset["value_range"] == [0.0, 10.0]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"text": own_csv(5)}, "5 rows of data; the playground takes 10 to 2000"),
        ({"text": own_csv(30, lambda i: f"g{i}")}, "holds 30 different texts"),
        ({"text": "a,b,c\n" + "1,x,y\n" * 20}, "not numeric: 'b' (row 2: 'x'), 'c' (row 2: 'y')"),
        ({"text": "9" * 300_000}, "the playground takes CSV files up to 200000 bytes"),
        ({"text": 12}, "the file's text is a string; got int"),
        ({"text": ["a"]}, "the file's text is a string; got list"),
    ],
    ids=["rows", "classes", "not numeric", "too big", "a number", "a list"],
)
def test_a_file_that_does_not_fit_gets_a_message_and_changes_nothing(page, message, expected):
    page.send(type="upload", name="bad.csv", **message)
    error = page.until(kind("error"))
    assert error["field"] == "upload" and expected in error["message"]
    assert error["message"].startswith("bad.csv cannot be used: ")
    page.send(type="step")
    frame = page.until(kind("frame"))
    assert frame["epoch"] == 1 and frame["run"] == page.reset["run"]


def test_the_data_set_upload_needs_a_file(page):
    page.send(type="settings", settings={"dataset": "upload"})
    error = page.until(kind("error"))
    assert error["field"] == "dataset" and "choose the file" in error["message"]


def test_an_edit_sets_a_weight_and_a_bad_one_gets_a_message(page):
    page.send(type="edit", run=page.reset["run"], param="W", l=1, i=3, j=2, value="-1.25")
    frame = page.until(lambda m: m["type"] == "frame" and m["id"] > page.first["id"])
    W1 = np.frombuffer(base64.b64decode(frame["W"][0]), "<f4").reshape(4, 2)
    assert W1[2, 1] == np.float32(-1.25) and frame["epoch"] == 0
    for fields, expected in [
        ({"param": "W", "l": 1, "i": 3, "j": 2, "value": "NaN"}, "a weight is a finite number"),
        ({"param": "W", "l": 1, "i": 3, "j": 2, "value": 1e300}, "from -1000 to 1000"),
        ({"param": "W", "l": "1", "i": 3, "j": 2, "value": 1}, "l is a whole number"),
        ({"param": "W", "l": 1, "i": 3, "j": 99, "value": 1}, "j is a whole number"),
        ({"param": "Z", "l": 1, "i": 3, "j": 2, "value": 1}, "param is 'W' or 'b'"),
        ({"param": "W", "l": 1, "i": 3, "j": 2, "value": 1, "run": "x"}, "run is a whole"),
        ({"param": "W", "l": 2, "i": 2, "j": 1, "value": 1}, "layer 2 has units 1 to 1"),
    ]:
        page.send(type="edit", **fields)
        error = page.until(kind("error"))
        assert error["field"] == "edit" and expected in error["message"], fields
    page.send(type="step")
    assert page.until(kind("frame"))["epoch"] == 1
