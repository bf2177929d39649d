#!/usr/bin/env python3
"""Load, database-outage and worker-kill harness: gunicorn on PostgreSQL, patients and staff.

Run by hand (never from the test suite), from the repository root:

    .venv/bin/python bench/load.py                      # 50 patients, 60 s of mixed load
    .venv/bin/python bench/load.py --outage 5           # stop PostgreSQL for 5 s mid-run
    .venv/bin/python bench/load.py --kill-worker        # SIGKILL one gunicorn worker mid-run
    .venv/bin/python bench/load.py --mail-outage 60     # the mail server down for 60 s mid-run

It creates its own database (clinic_load) on 127.0.0.1:5432 (user postgres, trust auth), migrates
it, seeds staff and a chiropractor's hours, starts gunicorn (4 workers as `make serve`, DEBUG off)
on a free loopback port and runs a bounded mixed load: patients completing the intake (some saving
and resuming through the emailed link), front-desk users working the queue and patients booking
consults. It then reports throughput, p50/p95/p99 per request type and errors, and checks the data:
one submission per completed intake, no duplicates, no orphan drafts, no partial writes, no double
bookings, and every reference shown on a confirmation page is in the database.

Email goes as in production: queued in the outbox and sent by one `manage.py run_worker` process
to a local SMTP server that this harness runs (aiosmtpd). After the load, the harness waits for
the outbox to drain and checks that every queued email arrived exactly once (by Message-ID):
with --mail-outage, across the time the mail server refused connections.

Standard library (threads, http.client), plus psycopg and aiosmtpd from the app's requirements.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
WORKERS = 4  # as `make serve`
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
BUSY_PAGE_TEXT = "We are busy for a moment"
SECRET_KEY = "bench-load-secret-key-not-for-production-0123456789abcdef"
REFERENCE_RE = re.compile(r'class="reference-code">([A-Z0-9]{6,12})<')
RESUME_LINK_RE = re.compile(r"https?://[^\s\"'<>]+/intake/resume/[^\s\"'<>/]+/")
# A 503 or a dropped connection this long after a fault window still belongs to the fault.
FAULT_GRACE_SECONDS = 2.0


# --- measurements ------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    status: int  # 0: no HTTP response (refused, reset, timed out)
    started: float  # seconds since the load began
    seconds: float
    busy_page: bool = False  # a 503 that showed the calm outage page
    error: str = ""


@dataclass
class Run:
    base_port: int
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    faults: list[tuple[str, float, float]] = field(default_factory=list)  # (what, start, end)
    down: list[tuple[float, float]] = field(default_factory=list)  # PostgreSQL fully stopped
    acknowledged: dict[str, str] = field(default_factory=dict)  # email -> reference shown
    started_intakes: set[str] = field(default_factory=set)
    abandoned: set[str] = field(default_factory=set)
    gave_up: list[str] = field(default_factory=list)  # journeys that could not finish, and why
    booked: list[str] = field(default_factory=list)
    booking_conflicts: int = 0
    resumed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop_at: float = 0.0  # no new journeys after this (monotonic)
    hard_stop_at: float = 0.0  # journeys in progress give up after this

    def now(self) -> float:
        return time.monotonic() - self.started

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def in_fault(self, sample: Sample) -> bool:
        end = sample.started + sample.seconds
        return any(
            sample.started <= f_end + FAULT_GRACE_SECONDS and end >= f_start
            for _what, f_start, f_end in self.faults
        )


# --- a small browser: cookies, forms, redirects ------------------------------------------


class Page:
    def __init__(self, status: int, headers: dict[str, str], body: str, path: str) -> None:
        self.status, self.headers, self.body, self.path = status, headers, body, path

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path or ""

    def form(self) -> Form:
        parser = FormParser()
        parser.feed(self.body)
        # The page's own form, not the header's language switcher.
        forms = [f for f in parser.forms if f.method == "post" and "/i18n/" not in f.action]
        if not forms:
            raise JourneyError(f"no form on {self.path} (HTTP {self.status})")
        return forms[0]

    def links(self, prefix: str) -> list[str]:
        return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"#?]*)"', self.body)))


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str, bool]] = field(default_factory=list)  # name,type,value,on
    selects: dict[str, list[str]] = field(default_factory=dict)

    def names(self) -> set[str]:
        return {name for name, *_rest in self.fields} | set(self.selects)

    def hidden(self) -> dict[str, str]:
        return {name: value for name, kind, value, _on in self.fields if kind == "hidden"}

    def options(self, name: str) -> list[str]:
        found = [
            value
            for n, kind, value, _on in self.fields
            if n == name and kind in ("radio", "button")
        ]
        return found or self.selects.get(name, [])


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "textarea").lower()
            self.forms[-1].fields.append((a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "button" and a.get("name"):
            self.forms[-1].fields.append((a["name"], "button", a.get("value", ""), False))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1].selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self.forms[-1].selects[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def page_errors(page: Page) -> str:
    """The error summary a form page shows, as plain text (question labels and messages)."""
    summary = re.search(r'class="[^"]*error-summary[^"]*".*?</ul>', page.body, re.S)
    text = re.sub(r"<[^>]+>", " ", summary.group(0)) if summary else page.body[:300]
    return " ".join(text.split())[:400]


class JourneyError(Exception):
    """A page the simulated person cannot get past (not an outage: those are retried)."""


class Outage(Exception):
    """A 503 or a dropped connection: the person waits and tries again."""


class Browser:
    """One person's browser: its own cookies; every request timed and recorded under a kind."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.cookies: dict[str, str] = {}

    def _send(self, kind: str, method: str, path: str, data: Any = None) -> Page:
        body = urlencode(data, doseq=True) if data is not None else None
        headers = {"Host": f"127.0.0.1:{self.run.base_port}", "User-Agent": "clinic-bench/1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = self.run.now()
        t0 = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.run.base_port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode("utf-8", "replace")
            status = response.status
            set_cookies = response.headers.get_all("Set-Cookie") or []
            response_headers = {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            self.run.add(Sample(kind, 0, started, time.perf_counter() - t0, error=repr(exc)))
            raise Outage(f"{kind}: {exc!r}") from exc
        finally:
            connection.close()
        sample = Sample(kind, status, started, time.perf_counter() - t0)
        if status == 503:
            sample.busy_page = (
                BUSY_PAGE_TEXT in content
                and "Traceback" not in content
                and response_headers.get("retry-after") is not None
            )
        elif status >= 400 and status not in (400, 404, 409):
            sample.error = content[:200]
        self.run.add(sample)
        for header in set_cookies:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                # Secure cookies are sent back over plain http too: loopback bench only.
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if status == 503 or status >= 500:
            raise Outage(f"{kind}: HTTP {status}")
        return Page(status, response_headers, content, path)

    def get(self, kind: str, path: str) -> Page:
        return self._send(kind, "GET", path)

    def post(self, kind: str, path: str, data: Any) -> Page:
        return self._send(kind, "POST", path, data)


def patiently(run: Run, action: Callable[[], Any]) -> Any:
    """Do `action`; on a 503 or a dropped connection wait a moment and do it again."""
    delay = 0.5
    while True:
        try:
            return action()
        except Outage:
            if time.monotonic() > run.hard_stop_at:
                raise
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 1.5, 3.0)


def think(args: argparse.Namespace) -> None:
    if args.think > 0:
        time.sleep(random.uniform(args.think * 0.5, args.think * 1.5))


# --- patients ----------------------------------------------------------------------------


def patient_answers(number: int) -> dict[str, Any]:
    """A valid answer set for one synthetic patient (name and email unique to the run)."""
    answers = shared_answer_set()
    answers.update(
        first_name=f"Load{number}",
        last_name="Patient",
        email=f"load{number}@example.com",
        signature=f"Load{number} Patient",
    )
    return answers


def shared_answer_set() -> dict[str, Any]:
    """The intake benchmark's eligible answers (bench/intake_load.py), as a browser posts them."""
    from bench.intake_load import CONSENT, STEPS

    answers: dict[str, Any] = {}
    for _path, step in STEPS:
        answers.update(step)
    answers.update({code: value for code, value in CONSENT.items() if code != "action"})
    return answers


def posted(value: Any) -> list[str]:
    if isinstance(value, list):
        return [posted(v)[0] for v in value]
    if value is True:
        return ["true"]
    if value is False:
        return ["false"]
    return [str(value)]


def fill(form: Form, answers: dict[str, Any], action: str) -> list[tuple[str, str]]:
    data = list(form.hidden().items())
    data += [
        (name, value)
        for name in sorted(form.names() - set(form.hidden()))
        if name in answers
        for value in posted(answers[name])
    ]
    return [*data, ("action", action)]


INTAKE_STEPS = ("who", "about", "pain", "red-flags", "needling")


def submit_step(run: Run, browser: Browser, path: str, answers: dict[str, Any], kind: str) -> str:
    """GET the step, POST its answers; returns where the app sent the patient next."""

    def attempt() -> str:
        page = browser.get(f"{kind} GET", path)
        if page.status != 200:
            return page.location
        response = browser.post(f"{kind} POST", path, fill(page.form(), answers, "next"))
        if response.status != 302:
            raise JourneyError(f"{kind} POST answered {response.status}: {page_errors(response)}")
        return response.location

    return patiently(run, attempt)


def save_and_resume(
    run: Run, args: argparse.Namespace, browser: Browser, path: str, answers: dict[str, Any]
) -> Browser:
    """Save for later at this step, read the emailed link, and resume in a fresh browser."""

    def save() -> None:
        page = browser.get("save-later GET", path)
        browser.post("save-later POST", path, fill(page.form(), answers, "later"))
        page = browser.get("save-later GET", "/intake/later/")
        sent = browser.post(
            "save-later POST", "/intake/later/", fill(page.form(), {"email": answers["email"]}, "")
        )
        if sent.status != 302:
            raise JourneyError(f"save-later email POST answered {sent.status}")

    patiently(run, save)
    link = wait_for_resume_link(args.mail, answers["email"])
    fresh = Browser(run)
    think(args)

    def resume() -> None:
        page = fresh.get("resume GET", link)
        if page.status != 200:
            raise JourneyError(f"resume link answered {page.status}")
        done = fresh.post("resume POST", link, fill(page.form(), {}, ""))
        if done.status != 302:
            raise JourneyError(f"resume POST answered {done.status}")

    patiently(run, resume)
    with run.lock:
        run.resumed += 1
    return fresh


class MailServer:
    """A local SMTP server (aiosmtpd) that keeps what it receives and can be stopped (then
    connections are refused, as when a real mail server is down) and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.received: list[Any] = []  # email.message.Message, in arrival order
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.received.append(message_from_bytes(envelope.content))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[Any]:
        with self.lock:
            return list(self.received)


def wait_for_resume_link(mail: MailServer, email: str) -> str:
    # Sent by the worker: a minute's grace covers its polling, and a retry after an outage.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for message in reversed(mail.messages()):
            if message["To"] != email:
                continue
            for part in message.walk():
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    found = RESUME_LINK_RE.search(payload.decode("utf-8", "replace"))
                    if found:
                        return urlsplit(found.group(0)).path
        time.sleep(0.2)
    raise JourneyError("no resume link arrived by email within 120 s")


def mail_outage(run: Run, mail: MailServer, at: float, seconds: float) -> None:
    """Stop the mail server for `seconds` at `at`: the worker's sends are refused, and retried."""
    time.sleep(max(at - run.now(), 0))
    mail.stop()
    with run.lock:
        run.faults.append(("mail outage", run.now(), run.now() + seconds))
    print(f"mail server stopped at {run.now():.1f} s for {seconds:.0f} s", flush=True)
    time.sleep(seconds)
    mail.start()
    print(f"mail server started again at {run.now():.1f} s", flush=True)


def wait_for_outbox(url: str, timeout: float) -> dict[str, int]:
    """Wait until no email is queued, sending or waiting to retry; the count by status."""
    deadline = time.monotonic() + timeout
    while True:
        with connect(url) as db:
            counts = dict(
                db.execute("SELECT status, count(*) FROM outbox_message GROUP BY status").fetchall()
            )
        pending = sum(
            n for status, n in counts.items() if status in ("queued", "sending", "retrying")
        )
        if not pending or time.monotonic() > deadline:
            return counts
        time.sleep(1)


def check_mail(url: str, mail: MailServer) -> tuple[dict[str, int], list[str]]:
    """Every email the outbox holds as sent arrived exactly once; none arrived that it doesn't."""
    problems = []
    with connect(url) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM outbox_message").fetchall()]
        not_sent = db.execute(
            "SELECT count(*) FROM outbox_message WHERE status <> 'sent'"
        ).fetchone()[0]
    arrived = Counter(message["Message-ID"] for message in mail.messages())
    expected = {message_id_for(key) for key in keys}
    duplicated = sum(1 for mid, n in arrived.items() if n > 1)
    lost = sum(1 for mid in expected if mid not in arrived)
    stray = sum(1 for mid in arrived if mid not in expected)
    figures = {
        "queued": len(keys),
        "arrived": sum(arrived.values()),
        "lost": lost,
        "duplicated": duplicated,
        "not_sent": not_sent,
    }
    if lost:
        problems.append(f"{lost} email(s) queued but never arrived")
    if duplicated:
        problems.append(f"{duplicated} email(s) arrived more than once")
    if stray:
        problems.append(f"{stray} email(s) arrived that the outbox does not hold")
    if not_sent:
        problems.append(f"{not_sent} email(s) not marked sent")
    return figures, problems


def message_id_for(key: str) -> str:
    # The app's header for a message key, as outbox/sending.py message_id_header makes it
    # (a digest of the key; the harness has no Django settings to import that module with).
    import hashlib

    digest = hashlib.sha256(f"message-id:{key}".encode()).hexdigest()[:24]
    return f"<{digest}@example.com>"  # the domain of the default DEFAULT_FROM_EMAIL


def patient_journey(run: Run, args: argparse.Namespace, number: int) -> None:
    answers = patient_answers(number)
    email = answers["email"]
    with run.lock:
        run.started_intakes.add(email)
    browser = Browser(run)
    saves_at = random.choice(INTAKE_STEPS[1:]) if random.random() < args.resume_share else None
    patiently(run, lambda: browser.get("landing", "/"))
    think(args)
    path = patiently(run, lambda: browser.get("intake start", "/intake/")).location
    for slug in INTAKE_STEPS:
        path = f"/intake/{slug}/"
        if slug == saves_at:
            browser = save_and_resume(run, args, browser, path, answers)
        think(args)
        path = submit_step(run, browser, path, answers, f"step {slug}")
    if random.random() < args.abandon_share:
        with run.lock:
            run.abandoned.add(email)
        return
    think(args)

    def sign_and_submit() -> Page:
        page = browser.get("review GET", "/intake/review/")
        if page.status == 302 and page.location == "/intake/done/":
            return browser.get("confirmation", "/intake/done/")
        if page.status != 200:
            raise JourneyError(f"review answered {page.status} -> {page.location}")
        sent = browser.post("submit POST", "/intake/review/", fill(page.form(), answers, "submit"))
        if sent.location != "/intake/done/":
            raise JourneyError(f"submit answered {sent.status} -> {sent.location}")
        return browser.get("confirmation", "/intake/done/")

    done = patiently(run, sign_and_submit)
    found = REFERENCE_RE.search(done.body)
    if not found:
        raise JourneyError("confirmation page without a reference")
    with run.lock:
        run.acknowledged[email] = found.group(1)
    booking = done.links("/consult/book/")
    if booking and random.random() < args.book_share:
        think(args)
        book_consult(run, browser, booking[0], found.group(1))


def book_consult(run: Run, browser: Browser, path: str, reference: str) -> None:
    """Pick one of the first free times (patients compete for the same ones) and book it.

    After the busy page the patient goes back and presses the same time again, as that page
    asks: the app answers a repeated press with the booking the first press made.
    """
    pressed: list[tuple[str, str]] = []

    def attempt() -> bool:
        if not pressed:
            page = browser.get("booking GET", path)
            if page.status != 200:
                raise JourneyError(f"booking page answered {page.status}")
            form = page.form()
            slots = form.options("slot")
            if not slots:
                raise JourneyError("no free consult times offered")
            pressed[:] = [*form.hidden().items(), ("slot", random.choice(slots[:8]))]
        sent = browser.post("booking POST", path, pressed)
        if sent.status == 302 and "/appointment/" in sent.location:
            browser.get("booking confirmation", sent.location)
            return True
        pressed.clear()
        if sent.status == 409:  # someone else took that time a moment ago: choose again
            with run.lock:
                run.booking_conflicts += 1
            return False
        raise JourneyError(f"booking POST answered {sent.status}")

    for _try in range(5):
        if patiently(run, attempt):
            with run.lock:
                run.booked.append(reference)
            return
    raise JourneyError("no consult time could be booked in 5 tries")


# --- front desk --------------------------------------------------------------------------


QUEUE_VIEWS = (
    "/staff/",
    "/staff/?page=2",
    "/staff/?page=3",
    "/staff/?outcome=eligible",
    "/staff/?outcome=urgent",
    "/staff/?status=new",
    "/staff/?overdue=1",
    "/staff/?q=Load1",
    "/staff/?q=Patient&page=2",
)


def health_monitor(run: Run) -> None:
    """What a load balancer sees: /healthz twice a second for the whole run."""
    browser = Browser(run)
    while time.monotonic() < run.stop_at:
        with suppress(Outage):
            browser.get("healthz (monitor)", "/healthz")
        time.sleep(0.5)


def recovery(run: Run) -> list[str]:
    """For each outage: how long after PostgreSQL was back until the app answered again."""
    lines = []
    for _what, _start, ready in [f for f in run.faults if f[0] == "database outage"]:
        checks = sorted(
            (s for s in run.samples if s.kind == "healthz (monitor)" and s.started >= ready),
            key=lambda s: s.started,
        )
        first_ok = next((s for s in checks if s.status == 200), None)
        pages = sorted(
            (s for s in run.samples if s.started >= ready and s.status in (200, 302)),
            key=lambda s: s.started + s.seconds,
        )
        lines.append(
            "recovery after PostgreSQL was ready: /healthz 200 after "
            + (f"{first_ok.started + first_ok.seconds - ready:.2f} s" if first_ok else "never")
            + ", first page served after "
            + (f"{pages[0].started + pages[0].seconds - ready:.2f} s" if pages else "never")
            + " (no gunicorn restart)"
        )
    return lines


def front_desk_shift(run: Run, args: argparse.Namespace, session_key: str) -> None:
    browser = Browser(run)
    browser.cookies["sessionid"] = session_key
    while time.monotonic() < run.stop_at:
        try:
            page = patiently(run, lambda: browser.get("queue", random.choice(QUEUE_VIEWS)))
            if page.status != 200:
                raise JourneyError(f"queue answered {page.status} -> {page.location}")
            opened = page.links("/staff/submissions/")
            if opened and random.random() < 0.5:
                think(args)
                chosen = random.choice(opened)
                patiently(run, lambda: browser.get("submission", chosen))  # noqa: B023
        except (JourneyError, Outage) as exc:
            with run.lock:
                run.gave_up.append(f"front desk: {exc}")
        think(args)


# --- faults ------------------------------------------------------------------------------


def postgres_version() -> str:
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: [int(x) for x in p.name])
    return versions[-1].name


def pg_ctl(action: str) -> None:
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", postgres_version(), "main", action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True)


def wait_for_postgres(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"])
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not come back")


def database_outage(run: Run, at: float, seconds: float) -> None:
    time.sleep(max(0.0, run.started + at - time.monotonic()))
    start = run.now()
    print(f"[{start:6.1f}s] stopping PostgreSQL (fast shutdown)", flush=True)
    try:
        pg_ctl("stop")
        down = run.now()
        print(f"[{down:6.1f}s] PostgreSQL is down; starting it again in {seconds:g} s", flush=True)
        time.sleep(seconds)
    finally:
        restart = run.now()
        pg_ctl("start")
        wait_for_postgres()
    end = run.now()
    print(
        f"[{end:6.1f}s] PostgreSQL accepts connections again: down {restart - down:.1f} s,"
        f" {end - start:.1f} s from the stop command to ready",
        flush=True,
    )
    with run.lock:
        run.faults.append(("database outage", start, end))
        run.down.append((down, restart))


def worker_pids(master: int) -> set[int]:
    pids = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.add(int(status.parent.name))
    return pids


def kill_worker(run: Run, master: int, at: float, report: dict[str, Any]) -> None:
    time.sleep(max(0.0, run.started + at - time.monotonic()))
    before = worker_pids(master)
    victim = random.choice(sorted(before))
    start = run.now()
    os.kill(victim, signal.SIGKILL)
    print(f"[{start:6.1f}s] SIGKILLed gunicorn worker {victim}", flush=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = worker_pids(master)
        if victim not in now and len(now) == len(before):
            end = run.now()
            report.update(victim=victim, replaced_by=sorted(now - before), after=end - start)
            print(f"[{end:6.1f}s] master replaced it: workers {sorted(now)}", flush=True)
            break
        time.sleep(0.05)
    else:
        end = run.now()
        report.update(victim=victim, replaced_by=[], after=None)
    with run.lock:
        run.faults.append(("worker killed", start, end))


# --- set-up: database, seed data, gunicorn -----------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def connect(url: str) -> Any:
    import psycopg  # after main() has taken bench/ off sys.path (see there)

    return psycopg.connect(url, autocommit=True)


def recreate_database(name: str) -> str:
    with connect(f"{PG_SERVER}/postgres") as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


SEED = """
import json, uuid
from datetime import date, time, timedelta
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from intake.models import User
from accounts.roles import CHIROPRACTOR, FRONT_DESK

sessions = []
for n in range({desks}):
    user = User.objects.create_user(f"desk{{n}}", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=FRONT_DESK))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)

chiropractors = 0
if apps.is_installed("consults"):
    from consults.models import Chiropractor, WorkingHours
    user = User.objects.create_user("chiro0", password=None, is_staff=True, first_name="Sam")
    user.groups.add(Group.objects.get(name=CHIROPRACTOR))
    chiro = Chiropractor.objects.create(user=user, display_name="Dr. Sam Load")
    for weekday in range(7):
        WorkingHours.objects.create(
            chiropractor=chiro, weekday=weekday, starts=time(8, 0), ends=time(18, 0)
        )
    chiropractors = 1
print("SEEDED " + json.dumps({{"sessions": sessions, "chiropractors": chiropractors}}))
"""


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args[:1])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, log: Path, threads: int, nice: int = 0
) -> Iterator[subprocess.Popen[bytes]]:
    # A negative nice (root only) gives the app the CPUs ahead of whatever else runs here.
    prefix = ["nice", "-n", str(nice)] if nice else []
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                *prefix,
                GUNICORN,
                "clinic.wsgi",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--access-logfile",
                str(log.with_name("access.log")),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(M)s",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{port}"})
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start; see {log}:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def task_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """One `manage.py run_worker` beside gunicorn, as `make serve` runs it."""
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [PYTHON, "manage.py", "run_worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


# --- the report and the data checks ------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def classify(run: Run, sample: Sample) -> str:
    if sample.kind.startswith("healthz") and sample.status == 503 and run.in_fault(sample):
        return "503 during fault (health check)"
    if sample.status == 503 and sample.busy_page and run.in_fault(sample):
        return "503 during fault"
    if sample.status == 0 and run.in_fault(sample):
        return "dropped during fault"
    if sample.status == 0:
        return "ERROR no response"
    if sample.status == 503:
        return "ERROR 503 outside a fault" if sample.busy_page else "ERROR 503 without the page"
    if sample.status >= 500:
        return f"ERROR {sample.status}"
    if sample.error:
        return f"ERROR {sample.status}"
    return "ok"


def report(run: Run, elapsed: float) -> dict[str, Any]:
    outcomes = Counter(classify(run, s) for s in run.samples)
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in run.samples:
        by_kind[sample.kind].append(sample)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{len(run.samples)} requests in {elapsed:.1f} s: {len(run.samples) / elapsed:.1f}/s")
    print(f"machine: {os.cpu_count()} cores, load average now {load}")
    print(
        f"{'request':<22}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  errors"
    )
    kinds = {}
    for kind in sorted(by_kind):
        # Latency of the answers the app gave normally: fault-window 503s are counted apart.
        ok = [s.seconds * 1000 for s in by_kind[kind] if classify(run, s) == "ok"]
        errors = sum(classify(run, s).startswith("ERROR") for s in by_kind[kind])
        if not ok:
            print(f"{kind:<22}{len(by_kind[kind]):>7}{'-':>9}{'-':>9}{'-':>9}{'-':>9}  {errors}")
            continue
        row = {
            "count": len(by_kind[kind]),
            "p50": percentile(ok, 0.50),
            "p95": percentile(ok, 0.95),
            "p99": percentile(ok, 0.99),
            "max": max(ok),
            "errors": errors,
        }
        kinds[kind] = row
        print(
            f"{kind:<22}{row['count']:>7}{row['p50']:>9.0f}{row['p95']:>9.0f}"
            f"{row['p99']:>9.0f}{row['max']:>9.0f}  {errors}"
        )
    everything = [s.seconds * 1000 for s in run.samples if classify(run, s) == "ok"]
    overall = {
        "p50": percentile(everything, 0.50) if everything else 0.0,
        "p95": percentile(everything, 0.95) if everything else 0.0,
        "p99": percentile(everything, 0.99) if everything else 0.0,
    }
    print(
        f"{'all':<22}{len(run.samples):>7}{overall['p50']:>9.0f}{overall['p95']:>9.0f}"
        f"{overall['p99']:>9.0f}"
    )
    print("\nresponses: " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
    for what, start, end in run.faults:
        in_window = [s for s in run.samples if run.in_fault(s)]
        statuses = Counter(s.status for s in in_window)
        print(
            f"{what} from {start:.1f} s to {end:.1f} s: requests then by status "
            + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        )
    for down, restart in run.down:
        inside = [s for s in run.samples if down <= s.started and s.started + s.seconds <= restart]
        by_status = Counter(s.status for s in inside)
        not_busy = Counter(s.kind for s in inside if s.status != 503)
        print(
            f"sent and answered while PostgreSQL was stopped ({down:.1f} s to {restart:.1f} s):"
            f" {len(inside)} requests, by status "
            + ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items()))
            + (f"; not 503: {dict(not_busy)}" if not_busy else "")
        )
        pages = [s for s in inside if s.status == 503 and not s.kind.startswith("healthz")]
        busy = sum(s.busy_page for s in pages)
        print(
            f"  {len(pages)} were pages (the rest /healthz): {busy} of them the outage page"
            " with Retry-After"
        )
    for line in recovery(run):
        print(line)
    bad = [s for s in run.samples if classify(run, s).startswith("ERROR")]
    for sample in bad[:10]:
        print(
            f"  error: {sample.kind} HTTP {sample.status} at {sample.started:.1f} s {sample.error}"
        )
    return {
        "requests": len(run.samples),
        "seconds": elapsed,
        "per_second": len(run.samples) / elapsed,
        "kinds": kinds,
        "overall": overall,
        "responses": dict(outcomes),
        "errors": len(bad),
    }


TOKEN_SEGMENT = re.compile(r"/(resume|book|appointment|submissions)/[^/]+/")


def server_side(access_log: Path) -> dict[str, Any]:
    """gunicorn's own timing of each request (ms), by method and path with tokens masked."""
    by_route: dict[str, list[float]] = defaultdict(list)
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        method, path, _status, ms = parts
        masked = TOKEN_SEGMENT.sub(r"/\1/<token>/", path)
        route = f"{method} {masked}"
        by_route[route].append(float(ms))
    everything = [ms for values in by_route.values() for ms in values]
    print("\nserver side (gunicorn's request time, excluding queueing in the listen backlog):")
    print(f"{'route':<40}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    rows = {}
    for route, values in sorted(by_route.items(), key=lambda kv: -len(kv[1])):
        rows[route] = {
            "count": len(values),
            "p50": percentile(values, 0.5),
            "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99),
        }
        if len(values) >= 10:
            r = rows[route]
            print(
                f"{route[:39]:<40}{r['count']:>7}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['p99']:>9.0f}"
            )
    if everything:
        print(
            f"{'all':<40}{len(everything):>7}{percentile(everything, 0.5):>9.0f}"
            f"{percentile(everything, 0.95):>9.0f}{percentile(everything, 0.99):>9.0f}"
        )
    return rows


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes (those still alive)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def check_data(run: Run, url: str) -> list[str]:
    """The data after the run; each problem found is one line."""
    problems: list[str] = []
    with connect(url) as db:

        def rows(sql: str, *params: Any) -> list[tuple[Any, ...]]:
            return db.execute(sql, params).fetchall()

        per_email = dict(
            rows(
                "SELECT email, count(*) FROM intake_submission"
                " WHERE email LIKE 'load%%@example.com' GROUP BY email"
            )
        )
        references = dict(rows("SELECT reference, email FROM intake_submission"))
        for email, reference in run.acknowledged.items():
            if references.get(reference) != email:
                problems.append(f"acknowledged reference {reference} is missing")
        duplicates = {e: n for e, n in per_email.items() if n > 1}
        if duplicates:
            problems.append(f"{len(duplicates)} patients have more than one submission")
        never_submitted = set(per_email) - set(run.acknowledged) - run.abandoned
        if never_submitted:
            # Submitted, but the confirmation page never reached the patient (a fault hit it).
            print(f"note: {len(never_submitted)} submissions stored but not acknowledged")
        lost = [e for e in run.acknowledged if per_email.get(e, 0) != 1]
        if lost:
            problems.append(f"{len(lost)} completed intakes without exactly one submission")
        abandoned_submitted = run.abandoned & set(per_email)
        if abandoned_submitted:
            problems.append(f"{len(abandoned_submitted)} abandoned intakes were submitted")
        orphans = rows(
            "SELECT count(*) FROM intake_draft d JOIN intake_submission s ON s.draft_key = d.id"
        )[0][0]
        if orphans:
            problems.append(f"{orphans} drafts left behind by submitted intakes")
        drafts = rows("SELECT count(*) FROM intake_draft")[0][0]
        unfinished = len(run.started_intakes) - len(run.acknowledged)
        print(f"drafts left: {drafts} (unfinished or abandoned intakes: {unfinished})")
        if drafts > unfinished:
            problems.append(f"{drafts} drafts but only {unfinished} unfinished intakes")
        partial = rows(
            "SELECT count(*) FROM intake_submission s WHERE NOT EXISTS"
            " (SELECT 1 FROM intake_screeningrecord r WHERE r.submission_id = s.id)"
            " OR NOT EXISTS (SELECT 1 FROM intake_auditevent a"
            "  WHERE a.submission_id = s.id AND a.action = 'intake.submission.submitted')"
        )[0][0]
        if partial:
            problems.append(f"{partial} submissions without their screening record or audit entry")
        tables = {row[0] for row in rows("SELECT tablename FROM pg_tables")}
        if "consults_consult" in tables:
            doubled = rows(
                "SELECT count(*) FROM consults_consult a JOIN consults_consult b"
                " ON a.chiropractor_id = b.chiropractor_id AND a.id < b.id"
                " AND a.status = 'active' AND b.status = 'active'"
                " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
            )[0][0]
            if doubled:
                problems.append(f"{doubled} pairs of active consults overlap (double booking)")
            twice = rows(
                "SELECT count(*) FROM (SELECT submission_id FROM consults_consult"
                " WHERE status = 'active' GROUP BY 1 HAVING count(*) > 1) d"
            )[0][0]
            if twice:
                problems.append(f"{twice} patients hold two active consults")
            active = "AND status = 'active'"
            consults = rows(f"SELECT count(*) FROM consults_consult WHERE true {active}")[0][0]
            print(f"consults booked: {consults} (booking pages confirmed: {len(run.booked)})")
            with_consult = {
                row[0]
                for row in rows(
                    "SELECT s.reference FROM consults_consult c JOIN intake_submission s"
                    " ON s.id = c.submission_id WHERE c.status = 'active'"
                )
            }
            missing = [r for r in run.booked if r not in with_consult]
            if missing:
                problems.append(f"{len(missing)} consults confirmed to patients are missing")
    return problems


# --- main --------------------------------------------------------------------------------


def main() -> int:
    # Run as a script, bench/ comes first on sys.path, and bench/queue.py would shadow the
    # standard library's queue module (psycopg imports it). Import from the repository root.
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != here]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50, help="concurrent patients")
    parser.add_argument("--desk", type=int, default=4, help="concurrent front-desk users")
    parser.add_argument("--duration", type=float, default=60, help="seconds of new journeys")
    parser.add_argument("--intakes", type=int, default=1000, help="most journeys to start")
    parser.add_argument("--think", type=float, default=1.5, help="mean seconds between pages")
    parser.add_argument("--resume-share", type=float, default=0.2, help="share saving for later")
    parser.add_argument("--abandon-share", type=float, default=0.05, help="share never signing")
    parser.add_argument("--book-share", type=float, default=0.5, help="share booking a consult")
    parser.add_argument("--outage", type=float, default=0, help="stop PostgreSQL this many s")
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL a gunicorn worker")
    parser.add_argument(
        "--mail-outage", type=float, default=0, help="stop the mail server this many s"
    )
    parser.add_argument("--fault-at", type=float, default=None, help="when (s) the fault starts")
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (make serve uses 1)"
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="run gunicorn at this nice level (e.g. -10 as root)"
    )
    parser.add_argument("--database", default="clinic_load")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.outage and args.outage > 30:
        parser.error("--outage is capped at 30 s: others share this PostgreSQL server")

    work = Path(tempfile.mkdtemp(prefix="clinic-load-"))
    url = recreate_database(args.database)
    port = free_port()
    mail = args.mail = MailServer(free_port())
    mail.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": url,
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail.port),
        # Retries every few seconds rather than every minute, so the run drains in minutes.
        "CLINIC_MESSAGE_RETRY_SECONDS": "5",
        "CLINIC_MESSAGE_RETRY_MAX_SECONDS": "20",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CLINIC_RATE_LIMITS_ENABLED": "0",
        "CLINIC_REQUIRE_2FA": "0",
    }
    print(f"database {args.database}, work files in {work}", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    seeded = json.loads(
        manage(env, "shell", "-c", SEED.format(desks=args.desk)).split("SEEDED ")[1]
    )

    with (
        task_worker(env, work / "worker.log"),
        gunicorn(env, port, work / "gunicorn.log", args.threads, args.nice) as server,
    ):
        print(
            f"gunicorn ({WORKERS} workers x {args.threads} threads, nice {args.nice}) on"
            f" 127.0.0.1:{port}, master pid {server.pid}",
            flush=True,
        )
        run = Run(base_port=port)
        run.stop_at = run.started + args.duration
        run.hard_stop_at = run.stop_at + 90
        counter = iter(range(1, args.intakes + 1))
        counter_lock = threading.Lock()

        def patient_loop() -> None:
            while time.monotonic() < run.stop_at:
                with counter_lock:
                    number = next(counter, None)
                if number is None:
                    return
                try:
                    patient_journey(run, args, number)
                except (JourneyError, Outage) as exc:
                    with run.lock:
                        run.gave_up.append(f"patient {number}: {exc}")

        threads = [threading.Thread(target=patient_loop) for _ in range(args.patients)]
        threads += [
            threading.Thread(target=front_desk_shift, args=(run, args, key))
            for key in seeded["sessions"]
        ]
        threads.append(threading.Thread(target=health_monitor, args=(run,)))
        fault_at = args.fault_at if args.fault_at is not None else args.duration * 0.4
        kill_report: dict[str, Any] = {}
        faults = []
        if args.outage:
            faults.append(
                threading.Thread(target=database_outage, args=(run, fault_at, args.outage))
            )
        if args.mail_outage:
            faults.append(
                threading.Thread(target=mail_outage, args=(run, mail, fault_at, args.mail_outage))
            )
        if args.kill_worker:
            faults.append(
                threading.Thread(target=kill_worker, args=(run, server.pid, fault_at, kill_report))
            )
        harness_cpu_before = cpu_seconds([os.getpid()])
        for thread in threads + faults:
            thread.start()
        for thread in threads + faults:
            thread.join()
        elapsed = run.now()
        master_alive = server.poll() is None
        workers_now = sorted(worker_pids(server.pid))
        server_cpu = cpu_seconds(workers_now)
        harness_cpu = cpu_seconds([os.getpid()]) - harness_cpu_before
        with connect(url) as db:
            backends = db.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (args.database,),
            ).fetchall()
        database_cpu = cpu_seconds([row[0] for row in backends])
        healthy = Browser(run).get("healthz", "/healthz").status == 200
        outbox_counts = wait_for_outbox(url, timeout=180)
    mail_figures, mail_problems = check_mail(url, mail)
    mail.stop()
    print(
        f"email: {mail_figures['queued']} queued, {mail_figures['arrived']} arrived,"
        f" {mail_figures['lost']} lost, {mail_figures['duplicated']} duplicated"
        f" (outbox at the end: {outbox_counts})"
    )

    figures = report(run, elapsed)
    figures["server"] = server_side(work / "access.log")
    per_request = (server_cpu + database_cpu) / max(len(run.samples), 1) * 1000
    print(
        f"CPU used in {elapsed:.1f} s: gunicorn workers {server_cpu:.1f} s, their PostgreSQL"
        f" backends {database_cpu:.1f} s ({per_request:.1f} ms a request together), this"
        f" harness {harness_cpu:.1f} s (workers or connections replaced during the run count"
        " only from their start)"
    )
    figures["cpu"] = {
        "gunicorn": server_cpu,
        "postgresql": database_cpu,
        "harness": harness_cpu,
        "ms_per_request": per_request,
    }
    started = len(run.started_intakes)
    print(
        f"\nintakes: {started} started, {len(run.acknowledged)} confirmed"
        f" ({len(run.acknowledged) / elapsed:.2f}/s), {len(run.abandoned)} abandoned on purpose,"
        f" {run.resumed} resumed from the emailed link, {len(run.gave_up)} gave up"
    )
    for reason in run.gave_up[:10]:
        print(f"  gave up: {reason}")
    print(f"consults: {len(run.booked)} booked, {run.booking_conflicts} slot already taken")
    if kill_report:
        print(
            f"worker {kill_report['victim']} killed; replaced by {kill_report['replaced_by']}"
            f" after {kill_report['after'] or 0:.2f} s"
        )
    print(f"gunicorn master still running: {master_alive}; workers at the end: {workers_now}")
    print(f"/healthz after the run: {'200' if healthy else 'not 200'}")
    problems = check_data(run, url) + mail_problems
    print("\ndata checks: " + ("all passed" if not problems else f"{len(problems)} FAILED"))
    for problem in problems:
        print(f"  FAILED: {problem}")
    if args.json:
        figures.update(
            intakes_started=started,
            intakes_confirmed=len(run.acknowledged),
            gave_up=len(run.gave_up),
            problems=problems,
            kill=kill_report,
            faults=run.faults,
            mail=mail_figures,
        )
        args.json.write_text(json.dumps(figures, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    failed = problems or figures["errors"] or run.gave_up or not master_alive or not healthy
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
