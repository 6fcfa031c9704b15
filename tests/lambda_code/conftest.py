"""Throwaway PostgreSQL and MariaDB servers (one per test session, on free ports) seeded with café orders.

The servers are real: the extractor talks to them over TCP with the pure-Python drivers it ships with. They
run from temporary folders and are stopped at the end of the session, also when a test fails. Missing server
binaries fail the tests with the command that installs them (``bash scripts/test-services.sh``).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "lambda_src" / "sales_report" / "schema"
INSTALL_HINT = "run `bash scripts/test-services.sh` to install the database servers the tests start"
DATABASE = "cafe"
EMPTY_DATABASE = "empty_db"
READER = "report_reader"
READER_PASSWORD = "reader-Secret-42"  # a throwaway server's password, not a credential
ADMIN_PASSWORD = "admin-Secret-42"
ENGINES = ("postgres", "mysql")

UTC = timezone.utc


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass(frozen=True)
class SeedOrder:
    """An order at an absolute instant; the comment in SEED_ORDERS gives its Europe/London local time."""

    placed_at: datetime
    status: str
    items: tuple[tuple[str, int, int], ...]  # (name, quantity, unit_price_cents)

    @property
    def total_cents(self) -> int:
        return sum(quantity * price for _, quantity, price in self.items)


FW, CR, LA, BB, AT = (
    ("Flat white", 340),
    ("Croissant", 275),
    ("Latte", 360),
    ("Banana bread", 325),
    ("Avocado toast", 850),
)
CO, TE, HC, ES, SC, CA = (
    ("Cortado", 310),
    ("Tea", 250),
    ("Hot chocolate", 400),
    ("Espresso", 250),
    ("Scone", 180),
    ("Cake", 500),
)


def _order(placed_at: datetime, status: str, *lines: tuple[tuple[str, int], int]) -> SeedOrder:
    return SeedOrder(placed_at, status, tuple((item[0], quantity, item[1]) for item, quantity in lines))


# Europe/London is UTC+1 (BST) in July, so local midnight is 23:00 UTC the day before.
SEED_ORDERS: tuple[SeedOrder, ...] = (
    # 2026-07-14: only a 23:30 local order (22:30Z)
    _order(utc(2026, 7, 14, 22, 30), "paid", (ES, 1)),
    # 2026-07-15, the normal day: 00:30 local is still 14 July in UTC
    _order(utc(2026, 7, 14, 23, 30), "paid", (FW, 2)),  # 00:30 local
    _order(utc(2026, 7, 15, 6, 5), "paid", (FW, 1), (CR, 2)),  # 07:05
    _order(utc(2026, 7, 15, 6, 45), "paid", (LA, 1), (BB, 1)),  # 07:45
    _order(utc(2026, 7, 15, 7, 10), "paid", (FW, 3), (CR, 1)),  # 08:10
    _order(utc(2026, 7, 15, 11, 30), "paid", (AT, 2), (LA, 2)),  # 12:30
    _order(utc(2026, 7, 15, 14, 0), "paid", (CO, 1), (TE, 1)),  # 15:00
    _order(utc(2026, 7, 15, 22, 30), "paid", (HC, 1)),  # 23:30
    # 2026-07-16, the refund day: 00:30 local is 15 July 23:30 in UTC
    _order(utc(2026, 7, 15, 23, 30), "paid", (ES, 2)),  # 00:30 local
    _order(utc(2026, 7, 16, 8, 0), "paid", (LA, 2), (CR, 1)),  # 09:00
    _order(utc(2026, 7, 16, 8, 20), "refunded", (AT, 1), (LA, 1)),  # 09:20
    _order(utc(2026, 7, 16, 9, 0), "paid", (SC, 4)),  # 10:00, same revenue as Latte, more sold
    _order(utc(2026, 7, 16, 10, 0), "refunded", (FW, 1)),  # 11:00
    _order(utc(2026, 7, 16, 10, 30), "cancelled", (CA, 1)),  # 11:30, ignored
    _order(utc(2026, 7, 16, 11, 0), "pending", (CA, 1)),  # 12:00, ignored
    # 2026-07-20 is empty: its neighbours have orders one second before and exactly at its boundaries
    _order(utc(2026, 7, 19, 22, 59, 59), "paid", (TE, 1)),  # 19 July 23:59:59 local
    _order(utc(2026, 7, 20, 23, 0, 0), "paid", (TE, 1)),  # 21 July 00:00:00 local
    # 2026-03-29, clocks go forward at 01:00 GMT: a 23-hour day without a local 01:xx
    _order(utc(2026, 3, 28, 23, 30), "paid", (TE, 1)),  # 28 March 23:30 GMT
    _order(utc(2026, 3, 29, 0, 30), "paid", (TE, 1)),  # 00:30 GMT
    _order(utc(2026, 3, 29, 1, 30), "paid", (LA, 1)),  # 02:30 BST
    _order(utc(2026, 3, 29, 22, 30), "paid", (TE, 1)),  # 23:30 BST
    _order(utc(2026, 3, 29, 23, 30), "paid", (LA, 1)),  # 30 March 00:30 BST
    # 2026-10-25, clocks go back at 02:00 BST: a 25-hour day with local 01:xx twice
    _order(utc(2026, 10, 24, 22, 45), "paid", (TE, 1)),  # 24 October 23:45 BST
    _order(utc(2026, 10, 24, 23, 15), "paid", (FW, 1)),  # 00:15 BST
    _order(utc(2026, 10, 25, 0, 30), "paid", (LA, 1)),  # 01:30 BST
    _order(utc(2026, 10, 25, 1, 30), "paid", (LA, 1)),  # 01:30 GMT
    _order(utc(2026, 10, 25, 23, 30), "paid", (TE, 1)),  # 23:30 GMT
    _order(utc(2026, 10, 26, 0, 15), "paid", (TE, 1)),  # 26 October 00:15 GMT
)


@dataclass(frozen=True)
class Database:
    """A running, seeded server and how the extractor reaches it."""

    engine: str
    host: str
    port: int
    name: str = DATABASE
    username: str = READER
    password: str = READER_PASSWORD


def free_port() -> int:
    """A TCP port nothing listens on right now (also used as the 'unreachable database' port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def schema_statements(engine: str) -> list[str]:
    """The engine's schema.sql split into statements (comments are whole lines without semicolons)."""
    text = (SCHEMA_DIR / f"{engine}.sql").read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in code.split(";") if statement.strip()]


def _seed(cursor: Any, naive_utc: bool) -> None:
    item_id = 0
    for order_id, order in enumerate(SEED_ORDERS, start=1):
        placed_at = order.placed_at.replace(tzinfo=None) if naive_utc else order.placed_at
        cursor.execute(
            "INSERT INTO orders (id, placed_at, status, total_cents) VALUES (%s, %s, %s, %s)",
            (order_id, placed_at, order.status, order.total_cents),
        )
        for name, quantity, price in order.items:
            item_id += 1
            cursor.execute(
                "INSERT INTO order_items (id, order_id, item_name, quantity, unit_price_cents)"
                " VALUES (%s, %s, %s, %s, %s)",
                (item_id, order_id, name, quantity, price),
            )


def _server_binary(name: str, extra_globs: tuple[str, ...]) -> str:
    found = shutil.which(name)
    if found:
        return found
    found_paths = [path for pattern in extra_globs for path in glob.glob(pattern)]
    # Newest server first, numerically: /usr/lib/postgresql/15 before /usr/lib/postgresql/9.6.
    candidates = sorted(found_paths, key=lambda path: [int(n) for n in re.findall(r"\d+", path)], reverse=True)
    if candidates:
        return candidates[0]
    pytest.fail(f"{name} is not installed: {INSTALL_HINT}", pytrace=False)


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_until(
    ready: Any, timeout: float, what: str, log: Path, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            ready()
            return
        except Exception as error:  # any failure means "not up yet"
            last_error = error
            time.sleep(0.2)
    pytest.fail(f"{what} did not become ready ({last_error}); log tail:\n{_log_tail(log)}", pytrace=False)


# ---------------------------------------------------------------- PostgreSQL


def _postgres_runner(*owned: Path) -> list[str]:
    """initdb/pg_ctl refuse to run as root: run them as the postgres (or nobody) user, who gets ``owned``."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            continue
        for path in owned:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return ["runuser", "-u", user, "--"]
    pytest.fail("running as root and neither a postgres nor a nobody user exists to run PostgreSQL", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Database]:
    globs = ("/usr/lib/postgresql/*/bin/initdb",)
    initdb = _server_binary("initdb", globs)
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    if not Path(pg_ctl).is_file():
        pg_ctl = _server_binary("pg_ctl", ("/usr/lib/postgresql/*/bin/pg_ctl",))
    import pg8000.dbapi

    workdir = Path(tempfile.mkdtemp(prefix="pgtest-"))  # short path: it also holds the unix socket
    data, log, pwfile = workdir / "data", workdir / "server.log", workdir / "pwfile"
    pwfile.write_text(ADMIN_PASSWORD + "\n")
    runner = _postgres_runner(workdir, pwfile)
    port = free_port()
    started = False
    try:
        init = subprocess.run(
            [*runner, initdb, "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
             f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale", "--no-sync"],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        if init.returncode != 0:
            pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}", pytrace=False)
        options = f"-k {workdir} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        start = subprocess.run(
            [*runner, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
            capture_output=True, text=True, check=False, timeout=90,
        )  # fmt: skip
        started = True
        if start.returncode != 0:
            pytest.fail(f"pg_ctl start failed:\n{start.stdout}\n{start.stderr}\n{_log_tail(log)}", pytrace=False)

        def admin(database: str = "postgres") -> Any:
            connection = pg8000.dbapi.connect(
                user="postgres", password=ADMIN_PASSWORD, host="127.0.0.1", port=port, database=database, timeout=10
            )
            connection.autocommit = True
            return connection

        _wait_until(lambda: admin().close(), 30, "PostgreSQL", log)
        connection = admin()
        cursor = connection.cursor()
        cursor.execute(f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}'")  # literal: DDL takes no params
        cursor.execute(f"CREATE DATABASE {DATABASE}")
        cursor.execute(f"CREATE DATABASE {EMPTY_DATABASE}")
        connection.close()
        connection = admin(DATABASE)
        cursor = connection.cursor()
        for statement in schema_statements("postgres"):
            cursor.execute(statement)
        _seed(cursor, naive_utc=False)
        cursor.execute(f"GRANT SELECT ON orders, order_items TO {READER}")
        connection.close()
        yield Database(engine="postgres", host="127.0.0.1", port=port)
    finally:
        if started:
            subprocess.run([*runner, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, check=False, timeout=60)  # fmt: skip
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- MariaDB


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[Database]:
    install_db = _server_binary("mariadb-install-db", ("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"))
    mariadbd = _server_binary("mariadbd", ("/usr/sbin/mariadbd", "/usr/sbin/mysqld"))
    import pymysql

    workdir = Path(tempfile.mkdtemp(prefix="mariadbtest-"))
    data, log, sock = workdir / "data", workdir / "server.log", workdir / "mysqld.sock"
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        init = subprocess.run(
            [install_db, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
             "--skip-test-db", *as_root],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        if init.returncode != 0:
            pytest.fail(f"mariadb-install-db failed:\n{init.stdout}\n{init.stderr}", pytrace=False)
        process = subprocess.Popen(
            [mariadbd, "--no-defaults", f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
             f"--socket={sock}", f"--pid-file={workdir / 'mysqld.pid'}", f"--log-error={log}", "--skip-log-bin",
             "--skip-name-resolve", "--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0",
             *as_root],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def admin(database: str | None = None) -> Any:
            return pymysql.connect(host="127.0.0.1", port=port, user="root", password="", database=database,
                                   connect_timeout=5, autocommit=True, ssl_disabled=True)  # fmt: skip

        _wait_until(lambda: admin().close(), 60, "MariaDB", log, process)
        connection = admin()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4")
            cursor.execute(f"CREATE DATABASE {EMPTY_DATABASE} CHARACTER SET utf8mb4")
            cursor.execute(f"CREATE USER '{READER}'@'%' IDENTIFIED BY '{READER_PASSWORD}'")
            cursor.execute(f"GRANT SELECT ON {DATABASE}.* TO '{READER}'@'%'")
            cursor.execute(f"GRANT SELECT ON {EMPTY_DATABASE}.* TO '{READER}'@'%'")
        connection.close()
        connection = admin(DATABASE)
        with connection.cursor() as cursor:
            for statement in schema_statements("mysql"):
                cursor.execute(statement)
            _seed(cursor, naive_utc=True)
        connection.close()
        yield Database(engine="mysql", host="127.0.0.1", port=port)
    finally:
        if process is not None:
            process.terminate()  # SIGTERM: mariadbd shuts down cleanly
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest) -> Database:
    """Each database test runs against PostgreSQL (pg8000) and MariaDB (PyMySQL); servers start lazily."""
    return request.getfixturevalue(f"{request.param}_server")


# ---------------------------------------------------------------- AWS (moto, in process)

REGION = "eu-west-2"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in process with fake credentials, so boto3 never reaches AWS."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield
