#!/usr/bin/python3
"""First contentful paint of a console page in Debian's headless Chromium, against the sign-in page
(the same frame, stylesheet and script, no data) as the baseline of the same run.
Run by query_bench --browser; alone: console_paint.py --url https://127.0.0.1:PORT --session VALUE."""
import argparse
import json
import statistics

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

a = argparse.ArgumentParser(description=__doc__)
a.add_argument("--url", required=True, help="the admin listener, https://HOST:PORT")
a.add_argument("--session", required=True, help="a live console session's cookie value")
a.add_argument("--path", default="/console/today", help="the page to paint (default /console/today)")
a.add_argument("--loads", type=int, default=20, help="loads of each page (default 20)")
args = a.parse_args()

o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--ignore-certificate-errors", "--disable-dev-shm-usage",
             "--window-size=1400,1000"):
    o.add_argument(flag)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def paint(path):
    d.get(args.url + path)
    # The entry may be recorded a moment after the load returns: waited for, at most 5 s.
    fcp = d.execute_async_script("""
        const done = arguments[arguments.length - 1];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') done(e.startTime);
        }).observe({type: 'paint', buffered: true});
        setTimeout(() => done(null), 5000);""")
    if fcp is None:
        raise SystemExit(f"no first contentful paint recorded for {path}")
    return fcp


try:
    d.get(args.url + "/console/login")
    d.add_cookie({"name": "mamori_session", "value": args.session, "path": "/console", "secure": True})
    if "/console/login" in (d.get(args.url + args.path) or d.current_url):
        raise SystemExit("the session was not accepted")
    results = {}
    for name, path in (("page", args.path), ("baseline", "/console/login")):
        paint(path)  # one unmeasured load: the connection and the stylesheet are cached as in use
        results[name] = [paint(path) for _ in range(args.loads)]
finally:
    d.quit()


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))]


print(json.dumps({k: {"p50": statistics.median(v), "p99": p(v, 99)} for k, v in results.items()}))
