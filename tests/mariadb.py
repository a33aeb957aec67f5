"""A MariaDB (or MySQL) server for the tests: one that is given, one that runs, or a throwaway one.

The order (``find_mariadb``):

1. ``DSR_TEST_MARIADB_URL``, when set, is used as is (an admin URL such as
   ``mysql+pymysql://root:secret@db:3306/``);
2. a server on 127.0.0.1:3306 that lets ``root`` in without a password;
3. a throwaway server from the Debian package ``mariadb-server``:
   ``mariadb-install-db`` into a temporary folder, ``mariadbd`` on a free
   loopback port with its socket in that folder, stopped and deleted at the end.

As root the throwaway server runs as an unprivileged user (``nobody`` unless
``DSR_TEST_MARIADB_USER`` says otherwise) that owns the folder. It trades
durability for speed (no binary log, no flush at commit): it lives for one run.
Grant tables stay on: the user ``dsr_password_test`` logs in with the password
``PASSWORD`` only, so tests can check what a wrong password does.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

LOCAL_URL = "mysql+pymysql://root@127.0.0.1:3306/"
PASSWORD_USER = "dsr_password_test"
PASSWORD = "dsr-test-Passw0rd"
"""The user that must log in with a password, and its (test-only) password."""

_SEARCH = (Path("/usr/sbin"), Path("/usr/bin"), Path("/usr/local/bin"), Path("/usr/local/sbin"))


class MariaDBUnavailable(RuntimeError):
    """No MariaDB/MySQL could be reached or started; the message says why."""


def _connect(url: str, timeout: int = 5, database: str | None = None) -> Any:
    import pymysql

    parsed = make_url(url)
    return pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        database=database if database is not None else (parsed.database or None),
        connect_timeout=timeout,
        charset="utf8mb4",
        autocommit=True,
    )


def connect_error(url: str, timeout: int = 2) -> str | None:
    """None when ``url`` accepts a connection, else the reason."""
    import pymysql

    try:
        conn = _connect(url, timeout)
    except pymysql.Error as exc:
        return str(exc) or type(exc).__name__
    conn.close()
    return None


def find_binaries() -> tuple[Path, Path] | None:
    """``(install_db, server)``: mariadb-install-db/mysql_install_db and mariadbd/mysqld."""

    def first(*names: str) -> Path | None:
        for name in names:
            found = shutil.which(name)
            if found:
                return Path(found)
            for folder in _SEARCH:
                if (folder / name).is_file():
                    return folder / name
        return None

    install = first("mariadb-install-db", "mysql_install_db")
    server = first("mariadbd", "mysqld")
    return (install, server) if install and server else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged(root: Path) -> dict[str, Any]:
    """As root: Popen arguments that run the server as an unprivileged user owning ``root``."""
    if os.geteuid() != 0:
        return {}
    name = os.environ.get("DSR_TEST_MARIADB_USER", "nobody")
    try:
        user = pwd.getpwnam(name)
    except KeyError as exc:
        raise MariaDBUnavailable(
            f"running as root and there is no user '{name}' to run MariaDB as "
            "(set DSR_TEST_MARIADB_USER)"
        ) from exc
    for path in [root, *root.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


_INIT_SQL = f"""
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS '{PASSWORD_USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';
GRANT ALL PRIVILEGES ON *.* TO '{PASSWORD_USER}'@'127.0.0.1';
"""


@dataclass
class Server:
    """A throwaway MariaDB server started by these tests, and how to stop it."""

    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0
    _stopped: bool = False

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/"

    def log_tail(self, lines: int = 15) -> str:
        log = self.root / "server.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server this object started and delete its folder; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(install_db: Path, mariadbd: Path, attempts: int = 3) -> Server:
    """Install a data folder and start a throwaway server; on failure nothing is left behind."""
    # A short path under /tmp: the socket path must stay under ~100 characters,
    # and the unprivileged user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="dsr-mdb-", dir="/tmp" if Path("/tmp").is_dir() else None))
    began = time.monotonic()
    server = Server(root=root)
    try:
        (root / "data").mkdir()
        (root / "tmp").mkdir()
        (root / "init.sql").write_text(_INIT_SQL)
        as_user = _unprivileged(root)
        installed = subprocess.run(
            [
                str(install_db),
                "--no-defaults",
                f"--datadir={root / 'data'}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve",
                f"--tmpdir={root / 'tmp'}",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **as_user,
        )
        if installed.returncode != 0:
            output = (installed.stderr or installed.stdout).strip()
            raise MariaDBUnavailable(f"{install_db.name} failed: {output[-500:]}")
        last_error = ""
        for _ in range(attempts):
            server.port = _free_port()
            with (root / "server.out").open("ab") as out:
                server.process = subprocess.Popen(
                    [
                        str(mariadbd),
                        "--no-defaults",
                        f"--datadir={root / 'data'}",
                        f"--socket={root / 'mysqld.sock'}",
                        f"--pid-file={root / 'mysqld.pid'}",
                        f"--tmpdir={root / 'tmp'}",
                        f"--port={server.port}",
                        "--bind-address=127.0.0.1",
                        "--skip-name-resolve",
                        f"--init-file={root / 'init.sql'}",
                        f"--log-error={root / 'server.log'}",
                        "--skip-log-bin",
                        "--innodb-flush-log-at-trx-commit=0",
                        "--innodb-doublewrite=0",
                        "--innodb-buffer-pool-size=64M",
                        "--skip-performance-schema",
                        "--character-set-server=utf8mb4",
                        "--collation-server=utf8mb4_general_ci",
                    ],
                    cwd=root,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    **as_user,
                )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and server.process.poll() is None:
                last_error = connect_error(server.url, timeout=1) or ""
                if not last_error:
                    server.started_in = time.monotonic() - began
                    return server
                time.sleep(0.1)
            if server.process.poll() is None:
                server.process.kill()
            server.process.wait(timeout=10)
            last_error = server.log_tail() or last_error
        raise MariaDBUnavailable(f"mariadbd did not start: {last_error[-800:]}")
    except BaseException:
        server.stop()
        raise


@dataclass
class MariaDB:
    """The server the tests use: its admin URL, where it came from, and the server if ours."""

    url: str
    origin: str
    server: Server | None = None


def _ensure_password_user(admin_url: str) -> None:
    """On a server we did not start, make the password user if the admin may (best effort)."""
    import pymysql

    try:
        conn = _connect(admin_url)
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE USER IF NOT EXISTS '{PASSWORD_USER}'@'%' IDENTIFIED BY %s", (PASSWORD,)
            )
            cur.execute(f"GRANT ALL PRIVILEGES ON `dsr\\_test\\_%`.* TO '{PASSWORD_USER}'@'%'")
        conn.close()
    except pymysql.Error:
        pass  # a wrong password is still refused: the user then does not exist


@contextmanager
def find_mariadb() -> Iterator[MariaDB]:
    """Yield a reachable server as described in the module docstring; clean up after.

    Raises ``MariaDBUnavailable`` with every reason tried when there is none.
    """
    given = os.environ.get("DSR_TEST_MARIADB_URL")
    if given:
        error = connect_error(given, timeout=5)
        if error:
            masked = make_url(given).render_as_string(hide_password=True)
            raise MariaDBUnavailable(f"DSR_TEST_MARIADB_URL ({masked}) is unreachable: {error}")
        _ensure_password_user(given)
        yield MariaDB(given, "DSR_TEST_MARIADB_URL")
        return

    reasons = []
    local_error = connect_error(LOCAL_URL)
    if local_error is None:
        _ensure_password_user(LOCAL_URL)
        yield MariaDB(LOCAL_URL, "local service on 127.0.0.1:3306")
        return
    reasons.append(f"127.0.0.1:3306: {local_error}")

    binaries = find_binaries()
    if binaries is None:
        reasons.append(
            "no mariadb-install-db/mariadbd on PATH or in /usr/sbin, /usr/bin "
            "(install the Debian package `mariadb-server`, or run ./scripts/test)"
        )
        raise MariaDBUnavailable("; ".join(reasons))
    try:
        server = start_server(*binaries)
    except MariaDBUnavailable as exc:
        reasons.append(str(exc))
        raise MariaDBUnavailable("; ".join(reasons)) from exc
    atexit.register(server.stop)  # also when the run is interrupted
    try:
        yield MariaDB(server.url, f"throwaway server {binaries[1]} on port {server.port}", server)
    finally:
        server.stop()


def create_database(admin_url: str) -> str:
    """Create an empty utf8mb4 database with a fresh name; return its URL."""
    name = f"dsr_test_{uuid.uuid4().hex[:12]}"
    conn = _connect(admin_url, database="")
    try:
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            )
    finally:
        conn.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_database``."""
    name = make_url(url).database
    conn = _connect(admin_url, database="")
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


def password_url(url: str, password: str = PASSWORD) -> str:
    """``url`` as the user that needs a password, logging in with ``password``."""
    return (
        make_url(url)
        .set(username=PASSWORD_USER, password=password)
        .render_as_string(hide_password=False)
    )
