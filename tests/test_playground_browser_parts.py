"""The playground's parts beyond the TensorFlow Playground, in a real browser (Debian's
chromium, driven by Playwright, as in test_playground_browser.py, whose server and page
fixtures these tests share): the inputs' toggles, the regression and three-class data, the
test-data toggle, a CSV file of one's own (chosen and dropped, and refused), the address that
shares every setting, and the tooltip and editor of a unit's weights."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (test extra)")
pytest.importorskip("uvicorn", reason="the playground's server needs the playground extra")

from playwright.sync_api import expect

import test_playground_browser as base

# the fixtures of test_playground_browser.py: one server and one browser per module
server, browser, page = base.server, base.browser, base.page
CHROMIUM, commit = base.CHROMIUM, base.commit

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: the browser test drives Debian's chromium "
    "(apt-get install -y chromium; .ci/run installs it)",
)


def session_of(p, server):
    """The server's session of page ``p`` (its token is in the download's address)."""
    href = p.get_by_test_id("download-model").get_attribute("href")
    token = re.fullmatch(r"/session/([\w-]+)/playground.safetensors", href).group(1)
    return server.app.state.sessions[token]


def in_worker(session, fn):
    return session.call(fn).result(timeout=30)


def colour_counts(p) -> dict[str, int]:
    """The boundary canvas's pixels that are clearly blue, orange, green or near white."""
    return p.evaluate(
        """() => {
        const c = document.querySelector('[data-testid="boundary"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0, orange = 0, green = 0, white = 0;
        for (let i = 0; i < d.length; i += 4) {
            const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
            if (b > r + 60) blue++;
            if (r > b + 60 && r > g) orange++;
            if (g > r + 40 && g > b + 20) green++;
            if (r > 246 && g > 246 && b > 246) white++;
        }
        return {blue, orange, green, white};
    }"""
    )


def test_feature_crosses_are_the_inputs_of_the_network_and_the_script(page, server):
    p = page.page
    features = p.get_by_test_id("features")
    expect(features).to_contain_text("x1·x2")
    expect(p.get_by_test_id("feature-x1")).to_be_checked()
    expect(p.get_by_test_id("feature-x1^2")).not_to_be_checked()
    p.get_by_test_id("feature-x1^2").check()
    expect(p.get_by_test_id("input-3")).to_be_visible()
    p.get_by_test_id("feature-x1x2").check()
    expect(p.get_by_test_id("input-4")).to_be_visible()
    expect(features).to_contain_text("n[0] = 4")
    equations = p.get_by_test_id("equations")
    expect(equations).to_contain_text("n[0] = 4: x1, x2, x1², x1·x2")
    expect(equations).to_contain_text("(4, 320) = (4, 4)(4, 320) + (4, 1)")
    session = session_of(p, server)
    assert in_worker(session, lambda: session.net.layer_dims) == [4, 4, 1]
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("1")
    p.get_by_text("Show the script that reproduces this run").click()
    script = p.get_by_test_id("script")
    expect(script).to_contain_text("X = np.stack([x1, x2, x1**2, x1 * x2])")
    expect(script).to_contain_text("lw.Network([4, 4, 1]")
    assert page.errors == []


def test_regression_and_three_classes_are_drawn_with_their_outputs(page, server):
    p = page.page
    p.get_by_test_id("dataset").select_option("sine")
    expect(p.get_by_test_id("legend")).to_contain_text("the fitted value")
    expect(p.get_by_test_id("legend").get_by_test_id("colour-scale")).to_be_visible()
    expect(p.get_by_test_id("equations")).to_contain_text("g[2] = linear; loss mse")
    expect(p.get_by_text("R²", exact=True)).to_be_visible()
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("1")
    r2 = float(p.get_by_test_id("accuracy").text_content())
    session = session_of(p, server)
    expected = in_worker(session, lambda: session.net.evaluate(*session.board.train)["r2"])
    assert r2 == pytest.approx(expected, abs=1e-3)

    p.get_by_test_id("dataset").select_option("blobs3")
    expect(p.get_by_test_id("unit-2-3")).to_be_visible()  # three softmax outputs
    expect(p.get_by_test_id("equations")).to_contain_text("g[2] = softmax")
    expect(p.get_by_test_id("legend")).to_contain_text("● 2")
    p.get_by_test_id("speed").select_option("max")
    p.get_by_test_id("learning-rate").fill("0.3")
    p.get_by_test_id("learning-rate").press("Enter")
    p.get_by_test_id("play").click()
    p.wait_for_function(
        "() => Number(document.querySelector('[data-testid=\"epoch\"]').textContent) >= 300"
    )
    p.get_by_test_id("play").click()
    expect(p.get_by_test_id("play")).to_have_text("Play")
    counts = colour_counts(p)
    # a region per class: blue, orange and green all cover a good part of the plane
    assert min(counts["blue"], counts["orange"], counts["green"]) > 5000, counts
    assert float(p.get_by_test_id("accuracy").text_content().rstrip(" %")) > 80
    assert page.errors == []


def test_the_test_data_toggle_draws_the_held_out_points_and_their_cost(page):
    p = page.page
    toggle = p.get_by_test_id("show-test")
    expect(toggle).to_be_checked()
    expect(p.get_by_test_id("val-cost")).to_have_text(re.compile(r"^0\.69\d\d$"))
    expect(p.get_by_test_id("test-accuracy")).to_have_text(re.compile(r"%$"))
    counts = colour_counts(p)
    shown = counts["blue"] + counts["orange"]  # with the held-out points' rings
    toggle.uncheck()
    expect(p.get_by_test_id("val-cost")).to_have_text("–")
    expect(p.get_by_test_id("test-accuracy")).to_have_text("–")
    expect(p.get_by_test_id("legend")).to_contain_text("test data hidden")
    counts = colour_counts(p)
    hidden = counts["blue"] + counts["orange"]
    assert hidden < shown - 500, (shown, hidden)  # 80 rings of about 20 pixels
    toggle.check()
    expect(p.get_by_test_id("val-cost")).not_to_have_text("–")
    expect(p.get_by_test_id("epoch")).to_have_text("0")  # the run went on, unchanged
    assert page.errors == []


def own_csv(rows: int, label=lambda i: "ab"[(i // 5) % 2]) -> str:
    lines = ["height,weight,age,kind"]
    lines += [f"{i % 10},{i // 10},{(i * 7) % 11},{label(i)}" for i in range(rows)]
    return "\n".join(lines) + "\n"


def test_a_csv_file_of_ones_own_is_chosen_dropped_and_refused_when_it_does_not_fit(page, tmp_path):
    p = page.page
    message = p.get_by_test_id("message")
    p.get_by_test_id("dataset").select_option("upload")  # no file yet
    expect(message).to_contain_text("the data set 'upload' is a CSV file of one's own")
    expect(p.get_by_test_id("dataset")).to_have_value("planar")  # the server's, again
    bad = {
        "few.csv": (own_csv(4), "4 rows of data; the playground takes 10 to 2000"),
        "words.csv": ("a,b,c\n" + "1,x,0\n" * 20, "not numeric: 'b' (row 2: 'x')"),
        "ids.csv": (own_csv(40, label=lambda i: f"id{i}"), "holds 40 different texts"),
        "big.csv": ("1,2,3\n" * 40_000, "it has 240000 bytes"),
    }
    for name, (text, expected) in bad.items():
        (tmp_path / name).write_text(text)
        p.get_by_test_id("upload").set_input_files(tmp_path / name)
        expect(message).to_contain_text(expected)
        expect(message).to_contain_text(f"{name} cannot be used")
    expect(p.get_by_test_id("dataset")).to_have_value("planar")  # nothing changed

    (tmp_path / "mine.csv").write_text(own_csv(60))
    p.get_by_test_id("upload").set_input_files(tmp_path / "mine.csv")
    expect(message).to_contain_text("mine.csv: 60 rows, columns height, weight, age, kind")
    expect(p.get_by_test_id("dataset")).to_have_value("upload")
    expect(p.get_by_test_id("column-x1")).to_have_value("height")
    expect(p.get_by_test_id("column-x2")).to_have_value("weight")
    expect(p.get_by_test_id("label-column")).to_have_value("kind")
    expect(p.get_by_test_id("equations")).to_contain_text("m = 48 examples")  # 80 % of 60
    p.get_by_test_id("column-x2").select_option("age")
    expect(p.get_by_test_id("equations")).to_contain_text("m = 48 examples")
    expect(p.get_by_test_id("column-x2")).to_have_value("age")
    p.get_by_test_id("label-column").select_option("weight")  # six whole values: 6 classes
    expect(p.get_by_test_id("unit-2-6")).to_be_visible()

    # dropped on the page, as from a file manager
    text = own_csv(30).replace("kind", "sort")
    transfer = p.evaluate_handle(
        """(text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], 'dropped.csv', {type: 'text/csv'}));
        return dt;
    }""",
        text,
    )
    p.get_by_test_id("drop").dispatch_event("drop", {"dataTransfer": transfer})
    expect(message).to_contain_text("dropped.csv: 30 rows")
    expect(p.get_by_test_id("label-column")).to_have_value("sort")
    expect(p.get_by_test_id("equations")).to_contain_text("m = 24 examples")
    assert page.errors == []


def test_the_shared_address_restores_every_setting(page, browser):
    p = page.page
    p.get_by_test_id("dataset").select_option("moons")
    choices = {
        "noise": "0.3",
        "seed": "7",
        "hidden": "5,3",
        "learning-rate": "0.05",
        "batch-size": "32",
        "l2": "0.01",
        "keep-prob": "0.9",
    }
    for test_id, text in choices.items():
        commit(p, test_id, text)
    selects = {
        "validation": "0.3",
        "activation": "relu",
        "init": "he",
        "optimizer": "adam",
        "speed": "10",
    }
    for test_id, value in selects.items():
        p.get_by_test_id(test_id).select_option(value)
    p.get_by_test_id("show-test").uncheck()
    p.get_by_test_id("feature-sin_x1").check()
    expect(p.get_by_test_id("input-3")).to_be_visible()
    expect(p.get_by_test_id("equations")).to_contain_text("n = [3, 5, 3, 1]")
    p.get_by_test_id("share").click()
    url = p.get_by_test_id("share-url").input_value()
    assert url.startswith(page.page.url.split("#")[0]) and "#" in url

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = context.new_page()
    errors: list[str] = []
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    other.goto(url)
    expect(other.get_by_test_id("equations")).to_contain_text("n = [3, 5, 3, 1]")
    expect(other.get_by_test_id("dataset")).to_have_value("moons")
    for test_id, text in {**choices, **selects}.items():
        expect(other.get_by_test_id(test_id)).to_have_value(text)
    expect(other.get_by_test_id("show-test")).not_to_be_checked()
    expect(other.get_by_test_id("feature-sin_x1")).to_be_checked()
    expect(other.get_by_test_id("feature-x1^2")).not_to_be_checked()
    expect(other.get_by_test_id("input-3")).to_be_visible()
    context.close()
    assert errors == [] and page.errors == []


def test_hovering_a_unit_shows_its_numbers_and_a_weight_can_be_edited(page, server):
    p = page.page
    session = session_of(p, server)
    W1, b1 = in_worker(session, lambda: (session.net.layer(1).W.copy(), session.net.layer(1).b))
    p.get_by_test_id("unit-1-2").hover()
    tooltip = p.get_by_test_id("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("unit 2 of layer 1: tanh")
    expect(tooltip).to_contain_text(f"W[1]_2,1 = {W1[1, 0]:.4f}   (from x1)")
    expect(tooltip).to_contain_text(f"W[1]_2,2 = {W1[1, 1]:.4f}   (from x2)")
    expect(tooltip).to_contain_text(f"b[1]_2 = {b1[1, 0]:.4f}")
    expect(tooltip).to_contain_text("A[1]_2 over the plane: ")
    p.get_by_test_id("boundary").hover()
    expect(tooltip).to_be_hidden()

    p.get_by_test_id("unit-1-2").click()
    weight = p.get_by_test_id("weight-1-2-1")
    expect(weight).to_have_value(f"{W1[1, 0]:.4f}")
    weight.fill("2.5")
    weight.press("Enter")
    expect(weight).to_have_value("2.5000")
    assert in_worker(session, lambda: session.net.layer(1).W[1, 0]) == 2.5
    bias = p.get_by_test_id("bias-1-2")
    bias.fill("nonsense")
    bias.press("Enter")
    expect(p.get_by_test_id("message")).to_contain_text("a weight is a finite number")
    p.get_by_test_id("unit-1-2").hover()
    expect(tooltip).to_contain_text("W[1]_2,1 = 2.5000")
    p.get_by_test_id("step").click()
    expect(p.get_by_test_id("epoch")).to_have_text("1")
    p.get_by_text("Show the script that reproduces this run").click()
    expect(p.get_by_test_id("script")).to_contain_text("net.layer(1).W[1, 0] = 2.5")
    assert page.errors == []
