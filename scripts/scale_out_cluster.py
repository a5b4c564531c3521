"""Processes of a scale-out deployment for the scale-out test and benchmark (standard library only).

A cluster is `attune serve --role api` replicas beside `attune worker` processes on one store:
either one SQLite data directory shared by every process, or a PostgreSQL URL (`--store`), each
process then keeping its own data directory as a local model cache. The shared secrets (admin and
write keys, personal-data keys, text and dashboard secrets: what `attune keys generate` prints) are
given to every process through the environment, as a deployment of several machines must.
"""

import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

LISTENING = re.compile(r"attune listening on https?://[^:\s]+:(\d+)")
VERSION = re.compile(r"\bmodel\.version=(\d+)")
ACQUIRED = "leadership acquired"


def _die_with_parent():
    """Linux: the child gets SIGKILL when this script dies, even by SIGKILL (no orphan servers)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Process:
    """One attune process, its output in two files that are read as it runs."""

    def __init__(self, name, argv, env, folder):
        self.name = name
        self.argv = argv
        self.stdout_path = os.path.join(folder, f"{name}.out")
        self.stderr_path = os.path.join(folder, f"{name}.err")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.popen = subprocess.Popen(
                argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.pid = self.popen.pid
        self.started = time.monotonic()
        self.port = None

    def output(self):
        text = ""
        for path in (self.stdout_path, self.stderr_path):
            try:
                with open(path, "r", encoding="utf-8", errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def stderr(self):
        try:
            with open(self.stderr_path, "r", encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.popen.poll() is None

    def wait_for(self, predicate, timeout, what):
        """Polls the output until `predicate(text)` is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self.output())
            if value:
                return value
            if not self.alive():
                raise ClusterError(f"{self.name} exited ({self.popen.returncode}) before {what}\n{self.tail()}")
            if time.monotonic() > deadline:
                raise ClusterError(f"{self.name}: no {what} within {timeout:.0f} s\n{self.tail()}")
            time.sleep(0.05)

    def retrained_versions(self):
        """The version of each 'retraining finished' line (the log puts metadata before the message)."""
        versions = []
        for line in self.stderr().splitlines():
            match = VERSION.search(line) if "retraining finished" in line else None
            if match:
                versions.append(int(match.group(1)))
        return versions

    def leads(self):
        return ACQUIRED in self.stderr()

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, grace=5.0):
        """SIGTERM (a graceful shutdown), then SIGKILL after `grace` seconds."""
        if not self.alive():
            return
        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines=25):
        text = self.output().splitlines()
        return "\n".join(f"    [{self.name}] {line}" for line in text[-lines:])


class ClusterError(Exception):
    pass


def generated_keys(attune):
    """The shared secrets of one deployment, as `attune keys generate` prints them (KEY=value lines,
    the key set single-quoted for a shell): every variable it prints, so that a process on
    PostgreSQL is given each secret that replicas must share."""
    try:
        output = subprocess.run([attune, "keys", "generate"], capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise ClusterError(f"`{attune} keys generate` failed: {error}")
    keys = {}
    for line in output.splitlines():
        name, sep, value = line.partition("=")
        if not sep or not name.startswith("ATTUNE_"):
            continue
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        keys[name] = value
    for wanted in ("ATTUNE_ADMIN_KEY", "ATTUNE_WRITE_KEY", "ATTUNE_PII_KEYS"):
        if not keys.get(wanted):
            raise ClusterError(f"`{attune} keys generate` printed no {wanted}:\n{output}")
    return keys


class Cluster:
    """Replicas and workers on one store; `close()` ends every process and removes the folders."""

    def __init__(self, attune, store=None, keep=False, extra_serve=(), extra_worker=()):
        if not os.access(attune, os.X_OK):
            raise ClusterError(f"{attune} is not an executable: build it first (swift build --product attune)")
        self.attune = os.path.abspath(attune)
        self.store = store
        self.keep = keep
        self.extra_serve = list(extra_serve)
        self.extra_worker = list(extra_worker)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
        self.env.update(generated_keys(self.attune))
        self.admin_key = self.env["ATTUNE_ADMIN_KEY"]
        self.write_key = self.env["ATTUNE_WRITE_KEY"]
        self.folder = tempfile.mkdtemp(prefix="attune-scale-out-")
        self.shared_data = os.path.join(self.folder, "data")
        self.processes = []

    @property
    def mode(self):
        return "postgresql" if self.store else "sqlite"

    def store_flags(self, name):
        """SQLite: the one shared data directory. PostgreSQL: the URL, and a directory of its own."""
        if not self.store:
            return ["--data-dir", self.shared_data]
        own = os.path.join(self.folder, f"{name}-data")
        os.makedirs(own, exist_ok=True)
        return ["--store", self.store, "--data-dir", own]

    def start_replica(self, name, extra=()):
        argv = [self.attune, "serve", "--role", "api", "--port", "0", *self.store_flags(name), *self.extra_serve, *extra]
        process = Process(name, argv, self.env, self.folder)
        self.processes.append(process)
        return process

    def start_worker(self, name, extra=()):
        argv = [self.attune, "worker", *self.store_flags(name), *self.extra_worker, *extra]
        process = Process(name, argv, self.env, self.folder)
        self.processes.append(process)
        return process

    def wait_listening(self, replica, timeout=120):
        def port(text):
            match = LISTENING.search(text)
            return int(match.group(1)) if match else None

        replica.port = replica.wait_for(port, timeout, "'attune listening on' line")
        return replica.port

    def wait_worker_started(self, worker, timeout=120):
        worker.wait_for(lambda t: "attune worker on" in t or ACQUIRED in t, timeout, "start-up line")

    def close(self):
        for process in self.processes:
            process.kill(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill(signal.SIGKILL)
                process.popen.wait()
        if self.keep:
            print(f"kept {self.folder} (logs: *.out, *.err)")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    def dump_logs(self, lines=25):
        for process in self.processes:
            print(process.tail(lines))


class Client:
    """A keep-alive HTTP/1.1 connection to one replica (one per thread)."""

    def __init__(self, port, key, timeout=30):
        self.port = port
        self.key = key
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None):
        """Returns (status, parsed JSON or None). Raises OSError/HTTPException on a broken connection."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Authorization": f"Bearer {self.key}"}
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, bytearray)) else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def load_average():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"
