"""`keras-mimo serve` in a real browser: headless Chromium driven by Selenium."""

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import keras
import numpy as np
import pytest

from tests.batch.conftest import CROP, GOPRO, visible_tiny_model
from tests.conftest import ROOT, requires_shared

pytestmark = pytest.mark.once  # the page is backend-independent

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# Flags for a closed network: no background fetches, no first-run work.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`(url, preset)`: `keras-mimo serve` on a free port with a tiny preset."""
    preset = tmp_path_factory.mktemp("serve") / "tiny"
    visible_tiny_model().save_to_preset(preset)
    port = _free_port()
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    log = open(preset.parent / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keras_mimo.cli",
            "serve",
            "--preset",
            str(preset),
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"

    def up():
        assert process.poll() is None, (preset.parent / "server.log").read_text()
        try:
            return urllib.request.urlopen(url, timeout=2).status == 200
        except OSError:
            return False

    try:
        _wait(up, 120, "the server")
        yield url, preset
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        message = (
            "needs Debian's chromium and chromium-driver (make test installs them)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="keras_mimo_chromium_")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _upload_and_run(driver, url: str, path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url)
    field = _wait(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#upload input[type=file]"),
        60,
        "the upload field",
    )
    field[0].send_keys(str(path))
    # The page shows the name's stem and extension in separate elements.
    _wait(lambda: path.stem in driver.find_element(By.ID, "upload").text, 30, "upload")
    driver.find_element(By.ID, "deblur").click()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@requires_shared
def test_upload_shows_the_deblurred_image_in_the_slider(server, browser, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    from keras_mimo import MIMOUNet
    from keras_mimo.inference import Deblurrer, read_image

    url, preset = server
    photo = tmp_path / "street.png"
    source = sorted((GOPRO / "blur").glob("*.png"))[0]
    Image.open(source).convert("RGB").crop(
        (CROP[1].start, CROP[0].start, CROP[1].stop, CROP[0].stop)
    ).save(photo)
    _upload_and_run(browser, url, photo)

    def slider_sources():
        images = browser.find_elements(By.CSS_SELECTOR, "#slider img")
        sources = [image.get_attribute("src") or "" for image in images]
        return sources if len(set(sources)) == 2 else None

    before_url, after_url = _wait(slider_sources, 120, "the slider's two images")
    before = np.asarray(Image.open(io.BytesIO(_fetch(before_url))))
    after = np.asarray(Image.open(io.BytesIO(_fetch(after_url))))

    # The page names the path the server chose ("on tensorflow graph,
    # bfloat16"); a probe here could time it differently, so reproduce it.
    match = _wait(
        lambda: re.search(
            r"Deblurred in [\d.]+ s on (\w+) (\w+), (\w+) ",
            browser.find_element(By.ID, "status").text,
        ),
        30,
        "the status line",
    )
    assert match[1] == keras.backend.backend()
    blurry = read_image(photo).pixels
    expected = Deblurrer(
        MIMOUNet.from_preset(preset),
        precision=match[3],
        jit_compile=match[2] == "XLA",
    )(blurry)
    assert np.abs(expected.astype(int) - blurry).mean() > 2  # a visible change
    np.testing.assert_array_equal(before, blurry)
    np.testing.assert_array_equal(after, expected)

    # The download is the full-resolution result in the upload's format.
    link = _wait(
        lambda: [
            a.get_attribute("href")
            for a in browser.find_elements(By.CSS_SELECTOR, "#download a")
            if a.get_attribute("href")
        ],
        30,
        "the download link",
    )[0]
    assert link.endswith("street_deblurred.png")
    download = tmp_path / "download.png"
    download.write_bytes(_fetch(link))
    np.testing.assert_array_equal(read_image(download).pixels, expected)
    if os.environ.get("KERAS_MIMO_SCREENSHOT"):
        browser.save_screenshot(os.environ["KERAS_MIMO_SCREENSHOT"])


@requires_shared
def test_corrupt_upload_shows_an_error_not_a_traceback(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, _ = server
    good = sorted((GOPRO / "blur").glob("*.png"))[0].read_bytes()
    broken = tmp_path / "broken.png"
    broken.write_bytes(good[:2000])
    _upload_and_run(browser, url, broken)

    def error_shown():
        body = browser.find_element(By.TAG_NAME, "body").text
        return body if "corrupt or truncated PNG" in body else None

    text = _wait(error_shown, 60, "the error message")
    assert "broken.png: corrupt or truncated PNG" in text
    assert "Traceback" not in text and 'File "' not in text
