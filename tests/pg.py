"""A PostgreSQL server for the tests: one that is given, one that runs, or a throwaway one.

The order (``find_postgres``):

1. ``DSR_TEST_POSTGRES_URL``, when set, is used as is;
2. a server on 127.0.0.1:5432 that lets ``postgres`` in without a password;
3. a throwaway cluster: ``initdb`` into a temporary folder, started with
   ``pg_ctl`` on a free loopback port, trust authentication for loopback only,
   stopped and deleted at the end.

PostgreSQL refuses to run as root, so as root the cluster belongs to an
unprivileged user (``nobody`` unless ``DSR_TEST_POSTGRES_USER`` says otherwise).
The cluster trades durability for speed (fsync off): it lives for one test run.

The role ``dsr_password_test`` must give a password even on loopback, so tests
can check what a wrong password does.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

LOCAL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD_ROLE = "dsr_password_test"
"""A role that must log in with a password on the throwaway cluster."""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL could be reached or started; the message says why."""


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string (for psycopg directly)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def connect_error(url: str, timeout: int = 2) -> str | None:
    """None when ``url`` accepts a connection, else the reason (first line)."""
    import psycopg

    try:
        with psycopg.connect(libpq_url(url), connect_timeout=timeout, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        return lines[0] if lines else type(exc).__name__
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def find_pg_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH first, then the newest Debian one."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = [
        p
        for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if (p.parent / "pg_ctl").exists()
    ]
    if not candidates:
        return None
    return max(candidates, key=_version_key).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster started by these tests, and how to stop it."""

    root: Path
    bin_dir: Path
    port: int
    run_as: list[str] = field(default_factory=list)
    started_in: float = 0.0
    _stopped: bool = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def log_tail(self, lines: int = 15) -> str:
        log = self.root / "server.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (fast, no checkpoint) and delete its folder; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if (self.data / "postmaster.pid").exists():
            result = self._run(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "-w",
                "stop",
                timeout=60,
            )
            if result.returncode != 0:
                self._kill_postmaster()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        """Last resort: end the postmaster this cluster started, by its recorded pid."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, 9)
        except (OSError, ValueError, IndexError):
            pass


def _unprivileged_prefix(root: Path) -> list[str]:
    """As root: a command prefix that runs as an unprivileged user owning ``root``."""
    if os.geteuid() != 0:
        return []
    name = os.environ.get("DSR_TEST_POSTGRES_USER", "nobody")
    try:
        user = pwd.getpwnam(name)
    except KeyError as exc:
        raise PostgresUnavailable(
            f"running as root and there is no user '{name}' to run "
            "PostgreSQL as (set DSR_TEST_POSTGRES_USER)"
        ) from exc
    for path in [root, *root.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    if shutil.which("runuser"):
        return ["runuser", "-u", name, "--"]
    if shutil.which("setpriv"):
        return [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            "--",
        ]
    raise PostgresUnavailable("running as root and neither runuser nor setpriv is installed")


_SERVER_SETTINGS = """
# dsr tests: loopback only, fast and not durable
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
logging_collector = off
"""

_HBA = f"""# dsr tests: loopback only; trust, except the role that tests wrong passwords
local   all  {PASSWORD_ROLE}                scram-sha-256
host    all  {PASSWORD_ROLE}  127.0.0.1/32  scram-sha-256
local   all  all                            trust
host    all  all              127.0.0.1/32  trust
"""


def start_cluster(bin_dir: Path, attempts: int = 3) -> Cluster:
    """initdb and start a throwaway cluster; on failure nothing is left behind."""
    # A short path under /tmp: the socket path must stay under ~100 characters,
    # and the unprivileged user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="dsr-pg-", dir="/tmp" if Path("/tmp").is_dir() else None))
    began = time.monotonic()
    cluster = Cluster(root=root, bin_dir=bin_dir, port=0)
    try:
        (root / "socket").mkdir()
        cluster.run_as = _unprivileged_prefix(root)
        result = cluster._run(
            str(bin_dir / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C",
        )
        if result.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()[-500:]}")
        (cluster.data / "pg_hba.conf").write_text(_HBA)
        last_error = ""
        for _ in range(attempts):
            cluster.port = _free_port()
            with (cluster.data / "postgresql.conf").open("a") as conf:
                conf.write(_SERVER_SETTINGS.format(port=cluster.port, socket_dir=root / "socket"))
            result = cluster._run(
                str(bin_dir / "pg_ctl"),
                "-D",
                str(cluster.data),
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            )
            if result.returncode == 0:
                cluster.started_in = time.monotonic() - began
                return cluster
            last_error = cluster.log_tail() or result.stderr.strip()
        raise PostgresUnavailable(f"pg_ctl start failed: {last_error[-800:]}")
    except BaseException:
        cluster.stop()
        raise


@dataclass
class Postgres:
    """The server the tests use: its admin URL, where it came from, and the cluster if ours."""

    url: str
    origin: str
    cluster: Cluster | None = None


@contextmanager
def find_postgres() -> Iterator[Postgres]:
    """Yield a reachable server as described in the module docstring; clean up after.

    Raises ``PostgresUnavailable`` with every reason tried when there is none.
    """
    given = os.environ.get("DSR_TEST_POSTGRES_URL")
    if given:
        error = connect_error(given, timeout=5)
        if error:
            masked = make_url(given).render_as_string(hide_password=True)
            raise PostgresUnavailable(f"DSR_TEST_POSTGRES_URL ({masked}) is unreachable: {error}")
        yield Postgres(given, "DSR_TEST_POSTGRES_URL")
        return

    reasons = []
    local_error = connect_error(LOCAL_URL)
    if local_error is None:
        yield Postgres(LOCAL_URL, "local service on 127.0.0.1:5432")
        return
    reasons.append(f"127.0.0.1:5432: {local_error}")

    bin_dir = find_pg_bin()
    if bin_dir is None:
        reasons.append(
            "no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin "
            "(install the Debian package `postgresql`, or run ./scripts/test)"
        )
        raise PostgresUnavailable("; ".join(reasons))
    try:
        cluster = start_cluster(bin_dir)
    except PostgresUnavailable as exc:
        reasons.append(str(exc))
        raise PostgresUnavailable("; ".join(reasons)) from exc
    atexit.register(cluster.stop)  # also when the run is interrupted
    try:
        yield Postgres(cluster.url, f"throwaway cluster {bin_dir} on port {cluster.port}", cluster)
    finally:
        cluster.stop()


def create_database(admin_url: str) -> str:
    """Create an empty database with a fresh name; return its URL."""
    import psycopg

    name = f"dsr_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_database``, ending connections left open."""
    import psycopg

    name = make_url(url).database
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
