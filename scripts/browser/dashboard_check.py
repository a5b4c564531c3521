"""Loads every dashboard page in headless Chromium against a running `attune serve` on demo data.

Signs in through the form as a person would (the write key first, which must be refused), then
opens each page and checks: HTTP 200, no console error or uncaught exception, and the page's key
figures present in the visible text. A screenshot of each page is kept in the artifact folder.
Finally signs out with the page's own button and checks the session is gone.

    python dashboard_check.py --api http://127.0.0.1:8080 --admin K --write K --artifacts DIR
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

# Each page with the text that shows it rendered its data, on `attune demo` data.
PAGES = [
    ("overview", "/dashboard",
     ["Overview", "live model", "Events per minute, last hour", "Top items, last 24 hours",
      "Ingestion since the server started"]),
    ("users", "/dashboard/users", ["Recently active users", "user-"]),
    ("user", "/dashboard/users?id=user-7",
     ["User user-7", "Declared attributes", "Computed traits", "Recommendations", "Latest events", "Profile history"]),
    ("segments", "/dashboard/segments",
     ["Frequent shoppers", "Buyers", "Big spenders", "Sizes over the last 30 days"]),
    ("models", "/dashboard/models", ["Versions", "knn", "Online click-through by version"]),
    ("experiments", "/dashboard/experiments", ["demo-rec-strategy", "running"]),
    ("experiment", "/dashboard/experiments?key=demo-rec-strategy",
     ["Power and run time", "Traffic split", "best-sellers", "model"]),
]

failures = []


def check(condition, message, detail=""):
    print(("ok   " if condition else "FAIL ") + message + ("" if condition or not detail else "\n" + detail), flush=True)
    if not condition:
        failures.append(message)


def sign_in(page, api, key):
    """Types `key` into the sign-in form and submits it; returns the resulting document's status."""
    page.goto(api + "/dashboard/login")
    page.type_text("#key", key)
    since = len(page.events)
    page.evaluate("document.querySelector('form').requestSubmit()")
    page.wait_for_event("Page.loadEventFired", since=since)
    statuses = [m["params"]["response"]["status"] for m in page.events[since:]
                if m["method"] == "Network.responseReceived" and m["params"].get("type") == "Document"]
    return statuses[-1] if statuses else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--write", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    with Browser() as browser:
        page = browser.new_page()

        status = page.goto(args.api + "/dashboard")
        check("Admin API key" in page.text(), "signed out, /dashboard shows the sign-in form", page.text()[:300])
        page.screenshot(os.path.join(args.artifacts, "dashboard-login.png"))

        status = sign_in(page, args.api, args.write)
        check(status == 403 and "Admin API key" in page.text(), "the public write key cannot open the dashboard",
              f"status {status}: {page.text()[:300]}")

        status = sign_in(page, args.api, args.admin)
        check(status == 200 and "Overview" in page.text(), "the admin key signs in and lands on the overview",
              f"status {status}: {page.text()[:300]}")

        for name, path, figures in PAGES:
            errors_before = len(page.errors)
            status = page.goto(args.api + path)
            page.pump(0.3)
            text = page.text()
            missing = [f for f in figures if f not in text]
            check(status == 200, f"{path}: HTTP 200", f"status {status}")
            check(not missing, f"{path}: key figures present", f"missing {missing}\n{text[:600]}")
            errors = page.errors[errors_before:]
            check(not errors, f"{path}: no console errors", "\n".join(errors))
            svg = page.evaluate("document.querySelectorAll('svg').length")
            print(f"     {path}: {len(text)} characters of text, {svg} charts")
            page.screenshot(os.path.join(args.artifacts, f"dashboard-{name}.png"))

        since = len(page.events)
        page.click("form.signout button")
        page.wait_for_event("Page.loadEventFired", since=since)
        page.goto(args.api + "/dashboard/models")
        check("Admin API key" in page.text(), "after signing out, pages ask for the key again", page.text()[:300])

    print(f"dashboard check: {len(failures)} failed" if failures else f"dashboard check: all {len(PAGES)} pages passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
