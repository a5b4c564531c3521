"""End-to-end test of the browser tracker (GET /sdk/attune.js) in headless Chromium.

A page on another origin (so CORS is exercised) loads the script from a running `attune serve`;
the test clicks, scrolls, submits a form, plays a video, goes offline and back, reloads while
the API is unreachable, and then reads the stored events back with the admin key: every event
must be there exactly once. Then consent gating, unit behaviour in the browser (session
rollover, the queue bound, the back-off schedule), events sent by beacon as a page closes and
again by the next page, stored once, and two tabs' queues that do not overwrite each other.

    python tracker_e2e.py --api http://127.0.0.1:8080 --page-port 8090 --admin K --write K --read K --artifacts DIR
"""

import argparse
import json
import os
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

PAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pages")
failures = []


def check(condition, message, detail=""):
    print(("ok   " if condition else "FAIL ") + message + ("" if condition or not detail else "\n" + detail), flush=True)
    if not condition:
        failures.append(message)


def serve_pages(port, values):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.split("?")[0].strip("/") or "shop.html"
            path = os.path.join(PAGES, os.path.basename(name))
            if not os.path.isfile(path):
                self.send_error(404)
                return
            text = open(path, encoding="utf-8").read()
            for key, value in values.items():
                text = text.replace("{{" + key + "}}", value)
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stored_events(api, admin, user):
    request = urllib.request.Request(
        f"{api}/v1/users/{user}/events?limit=1000", headers={"Authorization": "Bearer " + admin})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["events"]


def fresh(page, origin):
    """An empty first-party storage for the next scenario."""
    page.goto(origin + "/blank.html")
    page.evaluate("localStorage.clear(); document.cookie.split(';').forEach(c => "
                  "document.cookie = c.split('=')[0].trim() + '=; path=/; max-age=0'); true")


def drained(page, timeout=20):
    page.wait_until("window.attune && attune._debug.queue().length === 0", timeout=timeout)


def shop_scenario(page, args, origin):
    user = "e2e-" + uuid.uuid4().hex[:12]
    fresh(page, origin)
    page.goto(f"{origin}/shop.html?user={user}")
    drained(page)

    page.click("#product")
    page.click("#buy")
    page.click("#plain")  # unmarked: no event
    page.type_text("#email", "someone@example.com")
    page.click("#submit")
    for fraction in (0.3, 0.55, 0.8, 1.0):
        page.scroll_to_fraction(fraction)
        page.pump(0.4)
    drained(page)

    page.wait_until("window.videoReady", timeout=20)
    page.click("#play")
    page.wait_until("!document.getElementById('clip').paused && document.getElementById('clip').currentTime > 0.1")
    page.click("#pause")
    page.wait_until("document.getElementById('clip').paused")
    page.click("#play")
    page.wait_until("document.getElementById('clip').ended", timeout=20)
    drained(page)

    # Offline: the event waits, then goes when the network is back.
    page.set_offline(True)
    page.evaluate("attune.track('offline_event', {n: 1}); true")
    page.pump(1.0)
    check(len(page.evaluate("attune._debug.queue()")) == 1, "offline: the event waits in the queue")
    page.set_offline(False)
    drained(page)
    check(True, "back online: the queue drained")

    # The API unreachable across a reload: the queue in localStorage survives it.
    page.block_urls(["*/v1/events*", "*/v1/identify*"])
    page.evaluate("window.scrollTo(0, 0); [2, 3, 4].forEach(n => attune.track('before_reload', {n: n})); true")
    page.wait_until("attune._debug.stats.attempts.length >= 2", timeout=10)
    before = [item["id"] for item in page.evaluate("attune._debug.queue()")]
    check(len(before) == 3, f"blocked: three events queued ({len(before)})")
    page.reload()
    after = [item["id"] for item in page.evaluate("attune._debug.queue()")]
    check(all(i in after for i in before), "the queued events survived the reload")
    page.block_urls([])
    drained(page)

    # The recommendation widget: one impression per list, a click carrying its id.
    page.evaluate(f"attune.recommend('#recs', {{count: 3, readKey: '{args.read}'}}).then(() => true)")
    page.wait_until("document.querySelectorAll('#recs li').length > 0")
    list_id = page.evaluate("document.querySelector('#recs li').getAttribute('data-attune-recommendation')")
    first_item = page.evaluate("document.querySelector('#recs li').getAttribute('data-attune-item')")
    page.click("#recs li")
    drained(page)

    errors = [e for e in page.errors if "ERR_BLOCKED_BY_CLIENT" not in e and "ERR_INTERNET_DISCONNECTED" not in e]
    check(not errors, f"no console errors on the shop page: {errors}")
    page.screenshot(os.path.join(args.artifacts, "tracker-shop.png"))

    events = stored_events(args.api, args.admin, user)
    summary = []
    for e in events:
        props = e.get("properties") or {}
        summary.append((e["type"], e.get("itemId"), props.get("depth") or props.get("n")))
    expected = [
        ("page_view", None, None), ("click", "item-3", None), ("add_to_cart", "item-7", None),
        ("form_submit", None, None), ("scroll", None, 25), ("scroll", None, 50), ("scroll", None, 75),
        ("scroll", None, 100), ("video_play", "video-1", None), ("video_pause", "video-1", None),
        ("video_play", "video-1", None), ("video_complete", "video-1", None), ("offline_event", None, 1),
        ("before_reload", None, 2), ("before_reload", None, 3), ("before_reload", None, 4),
        ("page_view", None, None), ("impression", None, None), ("click", first_item, None),
    ]
    check(sorted(summary, key=repr) == sorted(expected, key=repr), f"the {len(expected)} expected events are stored, no more",
          f"  stored:   {summary}\n  expected: {expected}")
    check(len({e["id"] for e in events}) == len(events), "no event stored twice")
    form = next((e for e in events if e["type"] == "form_submit"), {})
    check((form.get("properties") or {}).get("fields") == {"plan": "pro"},
          f"the form sent only its marked, non-password field: {form.get('properties')}")
    check("someone@example.com" not in json.dumps(events), "an unmarked field's value never left the page")
    impression = next((e for e in events if e["type"] == "impression"), {})
    click = [e for e in events if e["type"] == "click" and e.get("itemId") == first_item][-1:] or [{}]
    check((impression.get("properties") or {}).get("recommendationId") == list_id
          and (click[0].get("properties") or {}).get("recommendationId") == list_id,
          "impression and click carry the list's recommendationId")
    sessions = {e.get("sessionId") for e in events}
    check(len(sessions) == 1 and None not in sessions, f"one session throughout ({len(sessions)})")
    check(all((e.get("context") or {}).get("pageUrl", "").startswith(origin) for e in events), "events carry the page URL")


def consent_scenario(page, args, origin):
    user = "e2e-consent-" + uuid.uuid4().hex[:8]
    fresh(page, origin)
    since = len(page.events)
    page.goto(origin + "/consent.html")
    page.evaluate("attune.track('before_consent'); attune.identify('" + user + "'); true")
    page.pump(0.8)
    check(page.evaluate("attune._debug.queue().length") == 0, "before consent nothing is queued")
    check(page.evaluate("attune._debug.anonymousId()") is None, "before consent no id is stored")
    check(page.evaluate("Object.keys(localStorage).concat(Object.keys(sessionStorage), document.cookie ? [document.cookie] : [])") == [],
          "before consent nothing at all is stored in the browser")
    sent = [m for m in page.events[since:] if m["method"] == "Network.requestWillBeSent"
            and "/v1/" in m["params"]["request"]["url"]]
    check(not sent, f"before consent no request reaches the API ({len(sent)})")

    since = len(page.events)
    page.evaluate("attune.consent({analytics: true, personalization: true, marketing: false}); true")
    page.evaluate("attune.track('after_consent'); true")
    drained(page)
    puts = [m["params"]["request"] for m in page.events[since:] if m["method"] == "Network.requestWillBeSent"
            and m["params"]["request"]["method"] == "PUT"]
    check(any(r["url"].endswith(f"/v1/users/{user}/consent") for r in puts), "consent is PUT under the user id")
    body = json.loads(puts[0].get("postData", "{}")) if puts else {}
    check(body == {"analytics": True, "personalization": True, "marketing": False, "source": "tracker"},
          f"the consent body: {body}")

    page.evaluate("attune.consent({analytics: false, personalization: false, marketing: false}); true")
    check(page.evaluate("attune.track('after_withdrawal')") is None, "after withdrawal track sends nothing")
    drained(page)
    types = sorted(e["type"] for e in stored_events(args.api, args.admin, user))
    check(types == ["after_consent", "page_view"], f"only what followed consent is stored: {types}")


def unit_scenario(page, args, origin):
    fresh(page, origin)
    page.goto(origin + "/unit.html")
    page.block_urls(["*/v1/*"])

    # Sessions: 29 minutes of quiet keep the session, 31 start a new one.
    first = page.evaluate("attune.track('s1'); attune._debug.session().id")
    page.evaluate("(() => { const s = attune._debug.session(); s.last = Date.now() - 29 * 60000;"
                  " localStorage.setItem('attune.session', JSON.stringify(s)); })()")
    same = page.evaluate("attune.track('s2'); attune._debug.session().id")
    page.evaluate("(() => { const s = attune._debug.session(); s.last = Date.now() - 31 * 60000;"
                  " localStorage.setItem('attune.session', JSON.stringify(s)); })()")
    rolled = page.evaluate("attune.track('s3'); attune._debug.session().id")
    check(first == same, "29 minutes of inactivity keep the session")
    check(rolled != first, "31 minutes of inactivity start a new session")
    queued = page.evaluate("attune._debug.queue().map(x => x.b.sessionId)")
    check(queued == [first, first, rolled], "each event carries its session id")

    # The queue holds at most maxQueue (10) items, dropping the oldest.
    page.evaluate("for (let i = 0; i < 25; i++) attune.track('q' + i); true")
    names = page.evaluate("attune._debug.queue().map(x => x.b.type)")
    check(names == [f"q{i}" for i in range(15, 25)], f"the queue keeps the newest 10: {names}")
    check(page.evaluate("attune._debug.stats.dropped") == 18, "18 items were dropped")
    stored = json.loads(page.evaluate("localStorage.getItem(attune._debug.queueKey())"))
    check(len(stored) == 10, "the stored queue is bounded too")

    # Back-off: 100, 200, 400, 800, 800 ms (retryBase 100, retryMax 800, no jitter).
    check(page.evaluate("[1, 2, 3, 4, 5, 6].map(n => attune._debug.backoff(n))") == [100, 200, 400, 800, 800, 800],
          "the back-off schedule doubles up to the cap")
    page.evaluate("attune._debug.stats.attempts.length = 0; attune.flush(); true")
    page.wait_until("attune._debug.stats.attempts.length >= 6", timeout=15)
    times = page.evaluate("attune._debug.stats.attempts.slice(0, 6)")
    gaps = [b - a for a, b in zip(times, times[1:])]
    expected = [100, 200, 400, 800, 800]
    # Timers never fire early; a loaded machine may make them late.
    check(all(g >= e * 0.95 for g, e in zip(gaps, expected)), f"retries wait at least the back-off: gaps {gaps}")
    check(all(g < e * 2 + 500 for g, e in zip(gaps, expected)), f"retries follow the schedule: gaps {gaps}")

    # Identifying again as the same user sends nothing new; a lone surrogate (invalid UTF-16,
    # which the server refuses) in the title does not break tracking.
    page.evaluate("attune.identify('same-user'); attune.identify('same-user'); true")
    check(page.evaluate("attune._debug.queue().filter(x => x.k === 'i').length") == 1, "a repeated identify is sent once")
    title = page.evaluate(r"document.title = 'T\uD800'; attune.page(); attune._debug.queue().pop().b.properties.title")
    check(title == "T\ufffd", f"a lone surrogate is replaced: {title!r}")
    page.block_urls([])


def beacon_scenario(page, args, origin):
    """Events still queued when the page goes away leave with navigator.sendBeacon; they stay
    queued, so the next page sends them again, and the server stores them once."""
    user = "e2e-beacon-" + uuid.uuid4().hex[:8]
    fresh(page, origin)
    page.goto(origin + "/unit.html")
    page.evaluate(f"attune.identify('{user}'); true")
    drained(page)
    page.evaluate("[1, 2, 3].forEach(n => attune.track('beacon_' + n)); true")
    # Nothing else sends them before the next page loads (no flush is due): only the beacon can.
    # (Chromium does not report a beacon sent during unload to the page's DevTools session.)
    page.goto(origin + "/blank.html")
    deadline = time.time() + 10
    while len(stored_events(args.api, args.admin, user)) < 3 and time.time() < deadline:
        page.pump(0.2)
    check(len(stored_events(args.api, args.admin, user)) == 3, "leaving the page, the beacon delivered the events")
    # The next page finds them still queued and sends them at once.
    since = len(page.events)
    page.goto(origin + "/unit.html")
    drained(page)
    resent = [m for m in page.events[since:] if m["method"] == "Network.requestWillBeSent"
              and m["params"]["request"]["url"].endswith("/v1/events") and "beacon_1" in m["params"]["request"].get("postData", "")]
    check(len(resent) == 1, f"the next page sent the beaconed events again ({len(resent)})")
    types = sorted(e["type"] for e in stored_events(args.api, args.admin, user))
    check(types == ["beacon_1", "beacon_2", "beacon_3"], f"sent twice, stored once: {types}")


def tabs_scenario(browser, page, args, origin):
    """Two tabs queue events while the API is unreachable and close; the next tab sends them
    all, once: neither tab's queue overwrote the other's."""
    user = "e2e-tabs-" + uuid.uuid4().hex[:8]
    fresh(page, origin)
    first = browser.new_page()
    second = browser.new_page()
    try:
        for tab in (first, second):
            tab.block_urls(["*/v1/*"])
        first.goto(origin + "/unit.html")
        first.evaluate(f"attune.identify('{user}'); attune.track('tab_a1'); attune.track('tab_a2'); true")
        second.goto(origin + "/unit.html")
        second.evaluate("attune.track('tab_b1'); true")
        first.evaluate("attune.track('tab_a3'); true")
        # Tabs in other renderer processes see each other's localStorage writes a moment later.
        count = "Object.keys(localStorage).filter(k => k.indexOf('attune.queue') === 0).length"
        try:
            page.wait_until(count + " === 2", timeout=5)
        except Exception:
            pass
        keys = page.evaluate(count)
        check(keys == 2, f"each open tab keeps its own queue ({keys} keys)")
    finally:
        first.close()
        second.close()
    page.goto(origin + "/unit.html")
    drained(page)
    types = sorted(e["type"] for e in stored_events(args.api, args.admin, user))
    check(types == ["tab_a1", "tab_a2", "tab_a3", "tab_b1"], f"the next tab sent both tabs' events, once: {types}")
    left = page.evaluate("Object.keys(localStorage).filter(k => k.indexOf('attune.queue') === 0)")
    check(left == [], f"no queue is left behind: {left}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--page-port", type=int, required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--write", required=True)
    parser.add_argument("--read", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    origin = f"http://127.0.0.1:{args.page_port}"
    pages = serve_pages(args.page_port, {"API": args.api, "WRITE": args.write})
    started = time.time()
    with Browser() as browser:
        scenarios = [shop_scenario, consent_scenario, unit_scenario, beacon_scenario,
                     lambda page, args, origin: tabs_scenario(browser, page, args, origin)]
        names = ["shop", "consent", "unit", "beacon", "tabs"]
        for name, scenario in zip(names, scenarios):
            page = browser.new_page()
            print(f"--- {name}", flush=True)
            try:
                scenario(page, args, origin)
            except Exception as error:  # a scenario that cannot finish is a failure, not a crash
                check(False, f"{name} stopped: {error!r}")
                try:
                    page.screenshot(os.path.join(args.artifacts, f"tracker-{name}-failure.png"))
                except Exception:
                    pass
            finally:
                page.close()
    pages.shutdown()
    print(f"tracker e2e: {len(failures)} failed checks in {time.time() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
