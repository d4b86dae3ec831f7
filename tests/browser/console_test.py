#!/usr/bin/python3
"""The console as a city uses it, in Debian's Chromium (python3-selenium), against the collector
tests/browser/run.sh started. Every page visited is screenshotted into --shots. Exits non-zero on
the first failed check, saying which."""
import argparse
import csv
import datetime
import io
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

A = argparse.ArgumentParser(description=__doc__)
A.add_argument("--url", required=True, help="the admin listener, https://127.0.0.1:PORT")
A.add_argument("--terminals", required=True, help="console_seed's output: NAME TERMINAL_ID per line")
A.add_argument("--live", required=True, help="the live agent's terminal id")
A.add_argument("--shots", required=True, help="where screenshots go")
A.add_argument("--axe", required=True, help="axe.min.js")
A.add_argument("--downloads", required=True, help="Chromium's download directory")
A.add_argument("--root", required=True, help="the source tree")
A.add_argument("--ca", required=True,
               help="the collector's ca.pem: a program offering Ed25519 (Python's OpenSSL) gets server.pem, not the browsers' certificate")
A.add_argument("--only", help="run one scenario (idle)")
ARGS = A.parse_args()
TERMINALS = dict(line.split() for line in open(ARGS.terminals) if line.strip())
PASSWORD = lambda user: f"pass-{user}-2026"
FAILURES = []


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"  ok: {what}")


def browser():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    # No --ignore-certificate-errors: the console's certificate is verified against console-ca.pem,
    # which run.sh put in the NSS database Chromium reads.
    for a in ("--headless=new", "--no-sandbox", "--lang=ja", "--window-size=1400,1000",
              "--disable-dev-shm-usage"):
        o.add_argument(a)
    os.makedirs(ARGS.downloads, exist_ok=True)
    o.add_experimental_option("prefs", {"download.default_directory": ARGS.downloads,
                                        "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


class Session:
    """One browser, one person."""

    def __init__(self, scenario):
        self.d = browser()
        self.scenario = scenario
        self.shot = 0

    def go(self, path):
        self.d.get(ARGS.url + path)
        self.snap()

    def snap(self):
        self.shot += 1
        name = f"{self.scenario}-{self.shot:02d}-{self.d.current_url.split('/console/')[-1].split('?')[0] or 'root'}.png"
        self.d.save_screenshot(os.path.join(ARGS.shots, name.replace("/", "_")))

    def login(self, user, password=None, expect_ok=True):
        self.go("/console/login")
        self.d.find_element(By.ID, "user").send_keys(user)
        self.d.find_element(By.ID, "password").send_keys(password or PASSWORD(user))
        self.d.find_element(By.ID, "login").click()
        self.snap()
        if expect_ok:
            check("/console/today" in self.d.current_url, f"{user} signs in and lands on today's violations")

    def text(self, css="main"):
        return self.d.find_element(By.CSS_SELECTOR, css).text

    def accessible(self):
        """Japanese first, every field labelled, and axe-core's rules (contrast AA among them)."""
        check(self.d.find_element(By.TAG_NAME, "html").get_attribute("lang") in ("ja", "en"), "the page says its language")
        unlabelled = self.d.execute_script(
            "return [...document.querySelectorAll('input:not([type=hidden]),select,textarea')]"
            ".filter(e => !e.hidden && e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.id || e.name)")
        check(unlabelled == [], f"every form field of {self.d.current_url} has a label {unlabelled}")
        self.d.execute_script(open(ARGS.axe).read())
        result = self.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => done(r.violations.map(v => v.id + ': ' + "
            "v.nodes.length)))")
        check(result == [], f"axe-core finds no WCAG 2 A/AA violation on {self.d.current_url} {result}")

    def post_without_csrf(self, path, fields):
        """A form another site could forge: the session's cookie, no token."""
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in self.d.get_cookies())
        req = urllib.request.Request(ARGS.url + path, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        ctx = ssl.create_default_context(cafile=ARGS.ca)
        try:
            with urllib.request.urlopen(req, context=ctx) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def close(self):
        self.d.quit()


def scenario(fn):
    # The idle scenario needs a collector with a short idle time: run.sh runs it alone, after.
    wanted = fn.__name__ == ARGS.only if ARGS.only else fn.__name__ != "idle"
    if not wanted:
        return fn
    print(f"scenario: {fn.__name__}")
    s = Session(fn.__name__)
    try:
        fn(s)
    except Exception as e:  # noqa: BLE001 - every failure is reported with its scenario
        s.snap()
        FAILURES.append(f"{fn.__name__}: {e}")
        print(f"  FAILED: {e}")
    finally:
        s.close()
    return fn


import urllib.parse  # noqa: E402


def until(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def set_date(s, element_id, iso):
    s.d.execute_script("document.getElementById(arguments[0]).value = arguments[1]", element_id, iso)


@scenario
def today_by_section(s):
    s.login("admin")
    check(s.d.find_element(By.TAG_NAME, "h1").text == "今日の違反", "the page is in Japanese")
    check(s.d.execute_script("return document.fonts.check('16px \"Noto Sans CJK JP\"')"), "a Japanese font renders it")
    Select(s.d.find_element(By.ID, "section")).select_by_visible_text("市民課")
    s.d.find_element(By.CSS_SELECTOR, "form.filters button").click()
    s.snap()
    rows = s.d.find_elements(By.CSS_SELECTOR, "#violations tbody tr")
    sections = {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows}
    check(sections == {"市民課"}, f"only 市民課 is listed ({sections})")
    text = s.text("#violations")
    check(TERMINALS["shimin-01"] in text and "usb" in text, "shimin-01's refused stick is a violation today")
    check("新規" in text, "a violation of today is marked new")
    check(int(s.text("#count-violating .n")) >= 1, "the counts at the top count it")
    s.accessible()
    # English, switchable on any page, and back.
    s.d.find_element(By.CSS_SELECTOR, "a.lang").click()
    s.snap()
    check(s.d.find_element(By.TAG_NAME, "h1").text == "Today's violations", "the page switches to English")
    check(s.d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "and says so")
    s.d.find_element(By.CSS_SELECTOR, "a.lang").click()
    check(s.d.find_element(By.TAG_NAME, "h1").text == "今日の違反", "and back to Japanese")


@scenario
def terminal_timeline(s):
    s.login("admin")
    s.d.find_element(By.LINK_TEXT, TERMINALS["shimin-01"]).click()
    s.snap()
    check("USB_BLOCKED" in s.text("#timeline"), "the timeline shows the refused stick")
    check("検証済み" in s.text("#chain"), "the chain is verified")
    check("市民課" in s.text("dl.identity"), "the terminal's section is shown")
    s.go(f"/console/terminal?id={TERMINALS['zeimu-02']}")
    check("SOFTWARE_UNAPPROVED_EXEC" in s.text("#timeline"), "another terminal's timeline shows its unapproved program")
    s.go(f"/console/terminal?id={ARGS.live}")
    check(len(s.d.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")) >= 1, "the live agent's events are there")
    s.accessible()


@scenario
def exception_two_people(s):
    s.login("ciso1")
    s.go("/console/exceptions")
    Select(s.d.find_element(By.ID, "scope")).select_by_value("terminal")
    s.d.find_element(By.ID, "target").send_keys(TERMINALS["shimin-02"])
    Select(s.d.find_element(By.ID, "control")).select_by_value("software")
    s.d.find_element(By.ID, "path").send_keys("/opt/zeimu/bin/calc")
    s.d.find_element(By.ID, "reason").send_keys("税額計算ソフトの更新作業")
    set_date(s, "until", until(14))
    s.accessible()
    s.d.find_element(By.ID, "request-submit").click()
    s.snap()
    done = s.text("#done")
    exception_id = done.split(":")[-1].strip()
    check(exception_id.startswith("ex-"), f"the request is made ({done})")
    check(not s.d.find_elements(By.ID, f"approve-{exception_id}"), "its requester is not offered to approve it")
    # Nor can the requester approve it by sending the form the page did not offer.
    s.d.execute_script("""
        const f = document.createElement('form'); f.method = 'post'; f.action = '/console/exceptions/approve';
        const csrf = document.querySelector('input[name=csrf]').cloneNode();
        const id = document.createElement('input'); id.type = 'hidden'; id.name = 'id'; id.value = arguments[0];
        f.append(csrf, id); document.body.append(f); f.submit();""", exception_id)
    time.sleep(0.5)
    s.snap()
    check("別の利用者が承認" in s.text("#error"), "the requester's own approval is refused")
    s.go("/console/exceptions")
    s.d.find_element(By.CSS_SELECTOR, "form[action='/console/logout'] button").click()

    # Another account with the right (the CISO granted admin 'approve') approves it, by keyboard alone.
    s.login("admin")
    s.go("/console/exceptions")
    target = f"approve-{exception_id}"
    s.d.find_element(By.TAG_NAME, "body").click()
    for _ in range(300):
        if s.d.switch_to.active_element.get_attribute("id") == target:
            break
        webdriver.ActionChains(s.d).send_keys(Keys.TAB).perform()
    check(s.d.switch_to.active_element.get_attribute("id") == target, "the approve button is reached by Tab")
    webdriver.ActionChains(s.d).send_keys(Keys.ENTER).perform()
    time.sleep(0.5)
    s.snap()
    row = [r for r in s.d.find_elements(By.CSS_SELECTOR, "#exception-list tbody tr") if exception_id in r.text][0]
    check("active" in row.text and "admin" in row.text, "approved by another account, it is active")
    check("approved" in s.text("#exception-history"), "the history records the approval")


@scenario
def register_refused_stick(s):
    s.login("admin")
    s.go(f"/console/terminal?id={TERMINALS['shimin-01']}")
    s.d.find_element(By.CSS_SELECTOR, "#timeline a.register").click()
    s.snap()
    check(s.d.find_element(By.ID, "from_event").get_attribute("value").startswith(TERMINALS["shimin-01"] + ":"),
          "the register form names the refused stick's event")
    s.d.find_element(By.ID, "purpose").send_keys("選挙事務のデータ受け渡し")
    set_date(s, "until", until(60))
    s.accessible()
    s.d.find_element(By.ID, "register-submit").click()
    s.snap()
    ledger = s.text("#ledger")
    check("0781:5567:4C5300011" in ledger and "requested" in ledger, "the stick is in the ledger, awaiting approval")
    check("SanDisk" in ledger, "its description comes from the event")


@scenario
def profile_with_error(s):
    s.login("admin")
    s.go("/console/policies")
    Select(s.d.find_element(By.ID, "group")).select_by_visible_text("市民課")
    wrong = "name: 市民課\nusb:\n  storage: allow-all\n"
    s.d.find_element(By.ID, "yaml").send_keys(wrong)
    s.d.find_element(By.ID, "check").click()
    s.snap()
    errors = s.text("#policy-errors")
    check("3 行" in errors, f"the error is shown at its line, in Japanese ({errors})")
    check(s.d.find_element(By.ID, "line-3").get_attribute("class") == "marked", "the line is marked in the profile")
    # A valid one: what it changes, then pushed.
    yaml = s.d.find_element(By.ID, "yaml")
    yaml.clear()
    yaml.send_keys("name: 市民課の標準\nusb:\n  mode: enforce\n  default: block\nscreen_lock:\n  idle_minutes: 10\n")
    s.d.find_element(By.ID, "check").click()
    s.snap()
    check(s.d.find_elements(By.CSS_SELECTOR, "#policy-diff .added"), "the changes against the version in force are shown")
    s.d.find_element(By.ID, "push").click()
    s.snap()
    check("市民課" in s.text("#done"), "the profile is pushed")
    check("市民課" in s.text("#policy-status"), "the section's version in force is listed")


@scenario
def monthly_csv(s):
    s.login("admin")
    s.go("/console/report")
    check("月次点検" in s.d.find_element(By.TAG_NAME, "h1").text, "the monthly report is shown")
    check(s.d.find_elements(By.ID, "seals"), "with boxes for the seals")
    for f in os.listdir(ARGS.downloads):
        os.remove(os.path.join(ARGS.downloads, f))
    s.d.find_element(By.ID, "report-csv").click()
    # Downloaded means whole: the file named, not empty, and the same size twice in a row.
    files, raw, last = [], b"", None
    for _ in range(100):
        files = [f for f in os.listdir(ARGS.downloads) if f.endswith(".csv")]
        if files:
            raw = open(os.path.join(ARGS.downloads, files[0]), "rb").read()
            if raw and len(raw) == last:
                break
            last = len(raw)
        time.sleep(0.1)
    check(files and raw, "the CSV is downloaded")
    check(raw.startswith(b"\xef\xbb\xbf"), f"it starts with a BOM, for Excel ({raw[:16]!r})")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    check(rows[0][0] == "所属", f"its heading is Japanese ({rows[0]})")
    check(any("市民課" in r for r in rows[1:]), "it has 市民課's rows")
    s.accessible()


@scenario
def other_section_refused(s):
    s.login("zeimu_mgr")
    text = s.text("main")
    check(TERMINALS["shimin-01"] not in text, "税務課's officer does not see 市民課's terminals")
    s.go(f"/console/terminal?id={TERMINALS['shimin-01']}")
    check("所管外" in s.text("#error"), "nor by typing its URL")
    check(TERMINALS["shimin-01"] not in s.text("main").replace(TERMINALS["shimin-01"] + " ", ""), "nothing of it is shown")


@scenario
def csrf_refused(s):
    s.login("admin")
    s.go("/console/exceptions")
    status = s.post_without_csrf("/console/exceptions/request",
                                 {"scope": "terminal", "target": TERMINALS["shimin-03"], "control": "hours",
                                  "reason": "x", "until": until(3)})
    check(status == 403, f"a POST without the CSRF token is refused ({status})")
    s.go("/console/exceptions")
    check(TERMINALS["shimin-03"] not in s.text("#exception-list"), "and changed nothing")


@scenario
def lockout_shown_to_ciso(s):
    for _ in range(5):
        s.login("auditor1", "wrong password", expect_ok=False)
    s.login("auditor1", expect_ok=False)
    check("ロック" in s.text("#message"), "after 5 failures even the right password is refused")
    s.login("ciso1")
    s.go("/console/access-log")
    log = s.text("#access-log")
    check("console account locked" in log, "the CISO sees the lockout in the access log")
    check("events" in log, "and who read which terminal's events")
    check("(refused)" in log, "and the refused read by another section")
    s.accessible()


@scenario
def idle(s):
    s.login("admin")
    time.sleep(11)
    s.go("/console/today")
    check("/console/login" in s.d.current_url, "after the idle time the session has ended")
    check("ログアウト" in s.text("#message"), "and the sign-in page says why")


if FAILURES:
    print("FAILED:\n  " + "\n  ".join(FAILURES))
    sys.exit(1)
print("all console scenarios passed")
