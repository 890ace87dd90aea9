"""The playground in a real browser: Debian's chromium, driven by Playwright, clicks through
the page's test hooks (its ``data-testid`` attributes) as a person would, against a real
server on the loopback interface. Each run saves one screenshot (``build/playground.png``,
or the path in LAYERWISE_PLAYGROUND_SCREENSHOT)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (test extra)")
pytest.importorskip("uvicorn", reason="the playground's server needs the playground extra")
pytest.importorskip("starlette", reason="the playground's server needs the playground extra")
pytest.importorskip("websockets", reason="the playground's server needs the playground extra")
pytest.importorskip("safetensors", reason="the model download needs the io extra")

import uvicorn
from playwright.sync_api import expect, sync_playwright

import layerwise as lw
from layerwise.playground import create_app
from layerwise.playground.server import MAX_MESSAGE, listen

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: the browser test drives Debian's chromium "
    "(apt-get install -y chromium; .ci/run installs it)",
)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = Path(
    os.environ.get("LAYERWISE_PLAYGROUND_SCREENSHOT", ROOT / "build" / "playground.png")
)
#: headless, as root, on a machine whose only network is the loopback interface
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: a generous wait for anything the page must do (a loaded machine is slow, never wrong)
WAIT_MS = 60_000
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def server():
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app("127.0.0.1", port)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_MESSAGE, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the playground server did not start"
        time.sleep(0.02)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", app=app)
    server.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh page on the playground, its first frame drawn; ``page.errors`` collects every
    JavaScript error and console error."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and errors.append(f"console error: {msg.text}"),
    )
    page.goto(server.url)
    expect(page.get_by_test_id("status")).to_contain_text("frames/s")  # a frame was drawn
    expect(page.get_by_test_id("epoch")).to_have_text("0")
    yield SimpleNamespace(page=page, errors=errors)
    context.close()


def epoch(page) -> int:
    return int(page.get_by_test_id("epoch").text_content())


def cost(page) -> float:
    return float(page.get_by_test_id("cost").text_content())


def commit(page, test_id: str, text: str) -> None:
    """Type into a text control and press Enter, as a person does."""
    field = page.get_by_test_id(test_id)
    field.fill(text)
    field.press("Enter")


def boundary_pixels(page) -> dict[str, int]:
    """How many of the boundary canvas's pixels are painted, and how many are clearly blue
    or orange."""
    return page.evaluate(
        """() => {
        const canvas = document.querySelector('[data-testid="boundary"]');
        const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0, blue = 0, orange = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] > 0) painted++;
            if (d[i + 2] > d[i] + 60) blue++;
            if (d[i] > d[i + 2] + 60) orange++;
        }
        return {painted, blue, orange, total: d.length / 4};
    }"""
    )


def test_the_page_trains_a_network(page, tmp_path):
    p = page.page
    pixels = boundary_pixels(p)
    assert pixels["painted"] == pixels["total"] == 360 * 360
    assert pixels["blue"] > 1000 and pixels["orange"] > 1000  # the two classes' points
    equations = p.get_by_test_id("equations")
    expect(equations).to_contain_text("Z[1] = W[1] A[0] + b[1]")
    expect(equations).to_contain_text("(4, 320) = (4, 2)(2, 320) + (4, 1)")
    start = cost(p)
    assert 0.69 < start < 0.70  # log 2: the notes' small initial weights

    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("1")
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("2")
    p.wait_for_timeout(300)
    assert epoch(p) == 2  # a step is one epoch, then the network waits

    p.get_by_test_id("speed").select_option("max")
    p.get_by_test_id("play").click()
    expect(p.get_by_test_id("play")).to_have_text("Pause")
    p.wait_for_function(
        "() => Number(document.querySelector('[data-testid=\"epoch\"]').textContent) >= 1000",
        timeout=WAIT_MS,
    )
    p.get_by_test_id("play").click()
    expect(p.get_by_test_id("play")).to_have_text("Play")
    trained = cost(p)
    assert trained < start - 0.2, (start, trained)

    p.get_by_test_id("unit-1-2").click()
    unit = p.get_by_test_id("unit")
    expect(unit).to_contain_text("row 2 of W[1], the weights from x1, x2:")
    expect(unit).to_contain_text("b[1]_2 = ")

    with p.expect_download() as download:
        p.get_by_test_id("download-model").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "playground.safetensors"
    net = lw.Network.load(path)
    assert net.layer_dims == [2, 4, 1]
    # the page shows the epoch of the paused network that was downloaded
    epochs_run = net.metadata["training"]["epochs_run"]
    assert epochs_run >= 1000
    expect(p.get_by_test_id("epoch")).to_have_text(str(epochs_run))

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    assert page.errors == []


def test_a_new_data_set_with_reset_starts_again_at_epoch_0(page):
    p = page.page
    p.get_by_test_id("step").click()
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("2")
    p.get_by_test_id("dataset").select_option("moons")
    expect(p.get_by_test_id("noise")).to_have_value("0.1")  # moons' own noise
    p.get_by_test_id("reset").click()
    expect(p.get_by_test_id("epoch")).to_have_text("0")
    expect(p.get_by_test_id("equations")).to_contain_text("n = [2, 4, 1]")
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("1")
    assert page.errors == []


def test_an_absurd_size_is_refused_and_the_server_stays_up(page):
    p = page.page
    commit(p, "hidden", "100000,100000")
    message = p.get_by_test_id("message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("hidden layer 1 has 100000")
    expect(p.get_by_test_id("hidden")).to_have_class("invalid")
    commit(p, "learning-rate", "NaN")
    expect(message).to_contain_text("the learning rate α is a number > 0")
    # the server is up, with the network it had
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("1")
    expect(p.get_by_test_id("unit-1-4")).to_be_visible()
    assert p.get_by_test_id("unit-1-5").count() == 0
    commit(p, "hidden", "3")  # a size it takes
    expect(p.get_by_test_id("epoch")).to_have_text("0")
    expect(p.get_by_test_id("unit-1-3")).to_be_visible()
    assert page.errors == []


def test_frames_keep_coming_for_a_2_8_8_1_network(page):
    p = page.page
    p.get_by_test_id("dataset").select_option("moons")
    commit(p, "hidden", "8,8")
    expect(p.get_by_test_id("unit-2-8")).to_be_visible()
    p.get_by_test_id("speed").select_option("max")
    p.get_by_test_id("play").click()
    expect(p.get_by_test_id("play")).to_have_text("Pause")

    def frames() -> int:
        return int(p.get_by_test_id("status").get_attribute("data-frames"))

    # frames keep coming while it trains: wait for 30 more, and time them
    before, epochs_before, t0 = frames(), epoch(p), time.monotonic()
    p.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=\"status\"]').dataset.frames)"
        f" >= {before + 30}",
        timeout=WAIT_MS,
    )
    after, epochs_after, t1 = frames(), epoch(p), time.monotonic()
    p.get_by_test_id("play").click()
    assert epochs_after > epochs_before
    rate = (after - before) / (t1 - t0)
    report = SCREENSHOT.with_name("playground-frame-rate.txt")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        f"2-8-8-1 on moons (400 points, 320 training), speed max: {rate:.1f} frames/s, "
        f"{(epochs_after - epochs_before) / (t1 - t0):.0f} epochs/s\n"
    )
    print(report.read_text())
    assert page.errors == []


def test_on_every_interface_the_printed_address_opens_and_strangers_take_no_slot(browser):
    """A server on 0.0.0.0 with its token: sockets that send the loopback Host and Origin but
    no token are refused, as many as there are page slots and more; the address with the
    token then opens a working page (its cookie goes with the page's WebSocket)."""
    from websockets.sync.client import connect

    from layerwise.playground import server as playground_server

    sock = listen("0.0.0.0", 0)
    port = sock.getsockname()[1]
    app = create_app("0.0.0.0", port, token="printed-token")
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_MESSAGE, lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not running.started:
            assert time.monotonic() < deadline, "the playground server did not start"
            time.sleep(0.02)
        origin = f"http://127.0.0.1:{port}"
        for _ in range(playground_server.MAX_SESSIONS + 2):
            with pytest.raises(Exception, match="403"):
                connect(f"ws://127.0.0.1:{port}/ws", origin=origin, open_timeout=30).close()
        assert app.state.sessions == {}
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{origin}/?token=printed-token")
        expect(page.get_by_test_id("status")).to_contain_text("frames/s")
        expect(page.get_by_test_id("epoch")).to_have_text("0")
        page.get_by_test_id("step").click()
        expect(page.get_by_test_id("epoch")).to_have_text("1")
        assert len(app.state.sessions) == 1
        context.close()
    finally:
        running.should_exit = True
        thread.join(30)
