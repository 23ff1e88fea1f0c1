"""The dashboard in a real headless Chromium against a gateway with `mock` providers: the
admin key, a rollout started, updates while traffic flows, a roll back clicked and checked
through the admin API, a wrong key, no console errors, no third-party requests.
Screenshots of each view go to docs/screenshots/."""

from __future__ import annotations

import threading
import time

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ADMIN_KEY, SCREENSHOTS

WAIT_S = 30


def wait(driver, seconds: float = WAIT_S) -> WebDriverWait:
    # The page redraws its view on every poll, so an element found a moment ago may be gone.
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,))


def field(browser, name: str) -> str:
    """The text of a figure of the chat rollout's card, read in one step."""
    return browser.execute_script(
        "const e = document.querySelector(`article[data-model='chat'] [data-field='${arguments[0]}']`);"
        "return e ? e.textContent.replace(/\u00a0/g, ' ') : null", name)


def press(browser, css: str, key: str = Keys.ENTER) -> None:
    """Focuses a control and presses a key, as someone using the keyboard would."""
    element = wait(browser).until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
    browser.execute_script("arguments[0].focus()", element)
    ActionChains(browser).send_keys(key).perform()


def text_of_css(browser, css: str) -> str:
    """The visible text of an element, read in one step (the view may be redrawn meanwhile)."""
    return browser.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css)


def text_of(browser, element_id: str) -> str:
    return text_of_css(browser, f"#{element_id}")


def card_text(browser) -> str:
    return text_of_css(browser, "article[data-model='chat']")


def sign_in(browser, gateway, key: str) -> None:
    browser.get(f"{gateway.root}/dashboard?refresh=1")
    field = wait(browser).until(EC.visibility_of_element_located((By.ID, "admin-key")))
    field.send_keys(key)
    field.send_keys(Keys.ENTER)


def console_errors(browser, allowed: tuple[str, ...] = ()) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allowed)]


def foreign_requests(browser, gateway) -> list[str]:
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [url for url in urls if not url.startswith(gateway.root + "/")]


def screenshot(browser, name: str, width: int = 1280) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(height + 120, 700), 4000))
    time.sleep(0.3)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_wrong_admin_key_shows_a_clear_message(browser, gateway):
    sign_in(browser, gateway, "not-the-admin-key")
    error = wait(browser).until(EC.visibility_of_element_located((By.ID, "login-error")))
    assert "Wrong admin key" in error.text
    assert "server.admin_key" in error.text
    assert not browser.find_element(By.ID, "views").is_displayed()
    assert browser.execute_script("return sessionStorage.getItem('shepherd.adminKey')") is None
    screenshot(browser, "wrong-admin-key", width=900)
    # The refused call itself is the only thing Chromium may report.
    assert console_errors(browser, allowed=("401",)) == []


def test_rollout_updates_and_rolls_back(browser, gateway):
    key = gateway.admin("/keys", "POST", {"name": "web-frontend", "budget_usd": 2.0})["key"]
    batch = gateway.admin("/keys", "POST", {"name": "batch-jobs", "budget_usd": 0.05})["key"]
    gateway.chat(key, "chat", 10)

    sign_in(browser, gateway, ADMIN_KEY)
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "article[data-model='chat']")))
    assert "running" in card_text(browser)
    assert "started" in card_text(browser)
    assert field(browser, "share") == "5 %"
    assert browser.execute_script("return sessionStorage.getItem('shepherd.adminKey')") == ADMIN_KEY
    assert ADMIN_KEY not in browser.page_source
    before = int(field(browser, "requests"))

    # Traffic flows; the page follows without a reload: more requests, then a promotion.
    marker = browser.execute_script("window.__sameDocument = true; return 1")
    promoted = threading.Event()

    def drive() -> None:
        # A step is promoted only once its canary has served a request. At 5 % without
        # sticky users, 70 requests miss the canary about 3 % of the time, so the chat
        # traffic goes on until the page shows the promotion (bounded: 600 requests).
        for _ in range(60):
            if promoted.is_set():
                break
            gateway.chat(key, "chat", 10)
        gateway.chat(batch, "chat-cheap", 30)
        gateway.chat(batch, "batch", 12)
        gateway.chat(key, "summarize", 12)

    driver = threading.Thread(target=drive)
    driver.start()
    try:
        wait(browser).until(lambda b: int(field(b, "requests")) > before)
        wait(browser, 60).until(lambda b: field(b, "share") != "5 %")
        wait(browser).until(lambda b: "promoted" in card_text(b))
    finally:
        promoted.set()
        driver.join(timeout=120)
    assert browser.execute_script("return window.__sameDocument === true") == marker
    # A model with a shadow and no rollout has its own card.
    wait(browser).until(lambda b: "Mirrored requests" in text_of_css(b, "article[data-shadow='summarize']"))
    gateway.chat(key, "chat", 20)
    time.sleep(1.5)
    screenshot(browser, "migration")

    # The other views, reached by keyboard-operable links.
    browser.set_window_size(1280, 1000)
    press(browser, "a[data-view='traffic']")
    wait(browser).until(lambda b: "legacy/gpt-4o" in text_of(b, "traffic-body"))
    traffic = text_of(browser, "traffic-body")
    assert "flaky/deepseek-v3.2" in traffic and "Requests per second" in traffic
    assert "Circuit breakers" in traffic and ("closed" in text_of(browser, "breakers") or "open" in text_of(browser, "breakers"))
    screenshot(browser, "traffic")

    browser.set_window_size(1280, 1000)
    press(browser, "a[data-view='spend']")
    wait(browser).until(lambda b: "web-frontend" in text_of(b, "spend-body"))
    spend = text_of(browser, "spend-body")
    assert "Budget use per key" in spend and "batch-jobs" in spend
    assert key not in browser.page_source and batch not in browser.page_source, "a key secret is on the page"
    screenshot(browser, "spend")

    # Roll back by keyboard: the button, then the confirmation that names the effect.
    browser.set_window_size(1280, 1000)
    press(browser, "a[data-view='migration']")
    press(browser, "article[data-model='chat'] button[data-command='rollback']")
    dialog = wait(browser).until(EC.visibility_of_element_located((By.ID, "confirm")))
    assert "all of its traffic returns to legacy/gpt-4o" in dialog.text
    screenshot(browser, "rollback-confirmation")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "confirm-ok"
    ActionChains(browser).send_keys(Keys.ENTER).perform()

    deadline = time.monotonic() + WAIT_S
    while gateway.admin("/rollouts/chat")["rollout"]["phase"] != "rolled_back":
        assert time.monotonic() < deadline, "the rollout was not rolled back"
        time.sleep(0.2)
    state = gateway.admin("/rollouts/chat")["rollout"]
    assert state["share"] == 0
    assert state["history"][-1]["kind"] == "rolled_back" and state["history"][-1]["cause"] == "manual"
    wait(browser).until(lambda b: "rolled back" in card_text(b))

    # A phone-sized screen still shows the rollout and its commands.
    browser.set_window_size(390, 844)
    time.sleep(1.2)
    start = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "article[data-model='chat'] button[data-command='start']")))
    assert start.size["width"] > 0
    screenshot(browser, "migration-phone", width=390)

    assert console_errors(browser) == []
    assert foreign_requests(browser, gateway) == []
