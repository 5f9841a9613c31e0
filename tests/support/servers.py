"""Real, throw-away servers for the test suite: Dovecot (IMAP/IMAPS/LMTP) and PostgreSQL.

Everything runs on 127.0.0.1 from a private directory under /tmp, never from the system
configuration. As root, each server runs as an unprivileged OS user (``dovecot``,
``postgres``), because neither accepts uid 0. Daemons get their own session/process group
and file-backed stdio, so a crashed test run cannot hang a CI pipeline on an inherited pipe,
and an ``atexit`` hook kills whatever a fixture forgot to stop.

Used by ``tests/conftest.py``; other test modules may import these helpers directly (for
example to start a second, specially configured Dovecot).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import glob
import grp
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from mailagent.config import MailboxSettings

__all__ = [
    "IMAP_PASSWORD_ENV",
    "Dovecot",
    "Postgres",
    "ServerUnavailable",
    "free_port",
    "in_ci",
    "require_module",
    "start_or_skip",
    "unique_name",
    "wait_port",
]

IMAP_PASSWORD_ENV = "MAILAGENT_TEST_IMAP_PASSWORD"


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed (tests may skip outside CI)."""


def in_ci() -> bool:
    """True when running under CI (``CI`` set to anything but empty/0/false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


T = TypeVar("T")


def start_or_skip(start: Callable[[], T]) -> T:
    """Run ``start()``; if the server is not installed, skip the test unless under CI."""
    try:
        return start()
    except ServerUnavailable as exc:
        if in_ci():
            raise
        pytest.skip(f"{exc} (not in CI: skipping)")


def require_module(name: str, reason: str) -> None:
    """Skip the calling test module if ``name`` is not installed, unless under CI, where a
    missing extra is an error (the real-model tests must not pass by skipping)."""
    if in_ci():
        __import__(name)
    else:
        pytest.importorskip(name, reason=reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (callers retry on a clash)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_port(port: int, proc: subprocess.Popen[Any] | None = None, timeout: float = 10.0) -> None:
    """Wait until 127.0.0.1:``port`` accepts connections; fail early if ``proc`` died."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s") from exc
            time.sleep(0.01)


@dataclasses.dataclass(frozen=True)
class _RunAs:
    """The OS identity a server runs as (the current one unless we are root)."""

    name: str
    uid: int
    gid: int
    group: str

    @classmethod
    def pick(cls, root_user: str) -> _RunAs:
        name = root_user if os.geteuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
        try:
            pw = pwd.getpwnam(name)
        except KeyError as exc:
            raise ServerUnavailable(f"OS user {name!r} does not exist") from exc
        return cls(name, pw.pw_uid, pw.pw_gid, grp.getgrgid(pw.pw_gid).gr_name)

    def popen_kwargs(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, *paths: str | Path) -> None:
        if os.geteuid() == 0:
            for p in paths:
                os.chown(p, self.uid, self.gid)

    def chown_tree(self, top: str | Path) -> None:
        if os.geteuid() != 0:
            return
        for root, dirs, files in os.walk(top):
            self.chown(root, *(os.path.join(root, n) for n in dirs + files))


_DOVECOT_CONF = """\
instance_name = mailagent-test-{imap_port}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
mail_location = maildir:~/Maildir
mail_max_userip_connections = 1000
postmaster_address = postmaster@example.test
{passdbs}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/mail/%u allow_all_users=yes
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
{extra}
"""

_STATIC_PASSDB = """\
passdb {{
  driver = static
  args = password={password}
}}"""

_OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/oauth2.conf
}}"""

_OAUTH2_CONF = """\
introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


def _dovecot_binary() -> str:
    for cand in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if cand and os.access(cand, os.X_OK):
            return cand
    raise ServerUnavailable(
        "dovecot is not installed (apt-get install dovecot-core dovecot-imapd dovecot-lmtpd)"
    )


def _make_cert(directory: str) -> tuple[str, str]:
    cert, key = f"{directory}/cert.pem", f"{directory}/key.pem"
    argv = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    argv += " -days 3650 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
    subprocess.run(
        [*argv.split(), "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return cert, key


class Dovecot:
    """A private Dovecot instance: IMAP (plain+STARTTLS), IMAPS and LMTP on loopback.

    Any user name logs in with :attr:`password` and gets a fresh, empty Maildir, so a new
    user name per test is a new mailbox. ``oauth2_url`` adds an ``oauth2`` passdb for
    XOAUTH2/OAUTHBEARER that POSTs tokens to that introspection URL. ``extra_conf`` is
    appended to dovecot.conf (e.g. ``imap_capability = ...``).
    """

    def __init__(
        self,
        password: str = "imap-test-secret",
        *,
        oauth2_url: str | None = None,
        extra_conf: str = "",
        run_user: str | None = None,
    ) -> None:
        self.password = password
        self.oauth2_url = oauth2_url
        self.extra_conf = extra_conf
        self.run_as = _RunAs.pick(run_user or os.environ.get("DOVECOT_RUN_USER", "dovecot"))
        self.dir = ""
        self.cert = ""
        self.conf = ""
        self.imap_port = self.imaps_port = self.lmtp_port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Dovecot:
        """Create the instance directory, certificate and config, then start the server."""
        binary = _dovecot_binary()
        self.dir = tempfile.mkdtemp(prefix="dc-", dir="/tmp")  # short, traversable by all
        os.chmod(self.dir, 0o755)
        for sub in ("run", "state", "mail"):
            os.mkdir(os.path.join(self.dir, sub))
        self.cert, _key = _make_cert(self.dir)
        os.environ[IMAP_PASSWORD_ENV] = self.password
        atexit.register(self._atexit)
        last_error = ""
        for _ in range(5):  # free_port() races: retry with new ports when one was taken
            self.imap_port, self.imaps_port, self.lmtp_port = free_port(), free_port(), free_port()
            self._write_conf()
            ok, last_error = self._spawn(binary)
            if ok:
                return self
            if "in use" not in last_error:
                break
        self.stop()
        raise RuntimeError(f"dovecot failed to start: {last_error}")

    def _write_conf(self) -> None:
        passdbs = [_STATIC_PASSDB.format(password=self.password)]
        mechanisms = "plain login"
        if self.oauth2_url:
            Path(self.dir, "oauth2.conf").write_text(_OAUTH2_CONF.format(url=self.oauth2_url))
            passdbs.append(_OAUTH2_PASSDB.format(d=self.dir))
            mechanisms += " xoauth2 oauthbearer"
        self.conf = f"{self.dir}/dovecot.conf"
        Path(self.conf).write_text(
            _DOVECOT_CONF.format(
                d=self.dir,
                user=self.run_as.name,
                group=self.run_as.group,
                mechanisms=mechanisms,
                passdbs="\n".join(passdbs),
                extra=self.extra_conf,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                lmtp_port=self.lmtp_port,
            )
        )
        self.run_as.chown_tree(self.dir)

    def _spawn(self, binary: str) -> tuple[bool, str]:
        errfile = Path(self.dir, "stderr.log")
        with errfile.open("ab") as err:
            self.proc = subprocess.Popen(
                [binary, "-F", "-c", self.conf],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
                **self.run_as.popen_kwargs(),
            )
        try:
            for port in (self.imap_port, self.imaps_port, self.lmtp_port):
                wait_port(port, self.proc)
        except (RuntimeError, TimeoutError) as exc:
            self._killpg()
            log = Path(self.dir, "dovecot.log")
            text = errfile.read_text(errors="replace")
            text += log.read_text(errors="replace") if log.exists() else ""
            return False, f"{exc}: {text.strip()[-2000:]}"
        return True, ""

    def _killpg(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # master + all children
            self.proc.wait(10)

    def kill(self) -> None:
        """SIGKILL the whole instance now (simulates a crash); mail and config stay."""
        self._killpg()

    def restart(self) -> None:
        """Start again on the same ports with the same mail directory (after kill/stop)."""
        self._killpg()
        deadline = time.monotonic() + 10
        while True:
            ok, error = self._spawn(_dovecot_binary())
            if ok:
                return
            if "in use" not in error or time.monotonic() > deadline:
                raise RuntimeError(f"dovecot failed to restart: {error}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Kill the instance and delete its directory."""
        self._killpg()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        atexit.unregister(self._atexit)

    def _atexit(self) -> None:
        self._killpg()

    # -- helpers for tests -------------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this instance's self-signed certificate."""
        return ssl.create_default_context(cafile=self.cert)

    def mailbox_settings(self, user: str, **overrides: Any) -> MailboxSettings:
        """Settings for ``user`` on this instance (plain IMAP on 127.0.0.1 by default).

        Overriding ``security`` without ``port`` picks the matching port (IMAPS for tls).
        """
        security = overrides.get("security", "plain")
        base = MailboxSettings(
            name="test",
            host="127.0.0.1",
            port=self.imaps_port if security == "tls" else self.imap_port,
            security="plain",
            username=user,
            password_env=IMAP_PASSWORD_ENV,
            password_file="",
            ca_file=self.cert,
            timeout_seconds=10,
            poll_seconds=1,
        )
        return dataclasses.replace(base, **overrides)

    def home(self, user: str) -> Path:
        return Path(self.dir, "mail", user.lower())

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        """The Maildir of ``user``'s ``folder`` (Maildir++ layout: ``.Folder`` subdirs)."""
        base = self.home(user) / "Maildir"
        return base if folder.upper() == "INBOX" else base / f".{folder}"

    def _ensure_maildir(self, user: str, folder: str) -> Path:
        md = self.maildir(user, folder)
        for p in (
            self.home(user),
            self.home(user) / "Maildir",
            md,
            md / "tmp",
            md / "new",
            md / "cur",
        ):
            if not p.exists():
                p.mkdir(mode=0o700)
                self.run_as.chown(p)
        if folder.upper() != "INBOX" and not (md / "maildirfolder").exists():
            (md / "maildirfolder").touch(mode=0o600)
            self.run_as.chown(md / "maildirfolder")
        return md

    def seed_maildir(
        self,
        user: str,
        raws: Iterable[bytes],
        folder: str = "INBOX",
        *,
        received: float | None = None,
    ) -> int:
        """Drop messages straight into the Maildir (tmp -> new); fastest way to fill a box.

        Returns how many were written. Dovecot assigns UIDs at its next sync (e.g. SELECT).
        ``received`` (a Unix time) sets the files' mtime, which Dovecot reports as INTERNALDATE.
        """
        md = self._ensure_maildir(user, folder)
        stamp = time.time_ns()
        count = 0
        for i, raw in enumerate(raws):
            name = f"{stamp}.M{i:07d}P{os.getpid()}.seed"
            tmp = md / "tmp" / name
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            self.run_as.chown(tmp)
            if received is not None:
                os.utime(tmp, (received, received))
            os.rename(tmp, md / "new" / name)
            count += 1
        return count

    def deliver_lmtp(self, rcpt: str, raw: bytes, sender: str = "sender@example.test") -> None:
        """Deliver one message to ``rcpt``'s INBOX over LMTP (wakes IDLE like real mail)."""
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail(sender, [rcpt], raw)

    def wait_log(self, pattern: str, timeout: float = 5.0) -> str:
        """The first line of dovecot.log matching regex ``pattern`` (waits for the log writer)."""
        regex = re.compile(pattern)
        path = Path(self.dir, "dovecot.log")
        deadline = time.monotonic() + timeout
        while True:
            text = path.read_text(errors="replace") if path.exists() else ""
            for line in text.splitlines():
                if regex.search(line):
                    return line
            if time.monotonic() > deadline:
                raise TimeoutError(f"no line matching {pattern!r} in {path} after {timeout}s")
            time.sleep(0.02)

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm -c CONF ARGS`` as the instance user; returns stdout."""
        res = subprocess.run(
            ["doveadm", "-c", self.conf, *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            **self.run_as.popen_kwargs(),
        )
        if res.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {res.stderr.strip()}")
        return str(res.stdout)

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """Force ``folder``'s UIDVALIDITY (simulates a server-side mailbox rebuild)."""
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_bindir() -> str:
    """Directory of the newest installed PostgreSQL server binaries (``PG_BINDIR`` wins)."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", path))

    explicit = os.environ.get("PG_BINDIR")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    candidates = [explicit] if explicit else found
    for cand in candidates:
        if os.access(os.path.join(cand, "initdb"), os.X_OK) and os.access(
            os.path.join(cand, "pg_ctl"), os.X_OK
        ):
            return cand
    raise ServerUnavailable(
        "PostgreSQL server binaries not found (no initdb/pg_ctl in /usr/lib/postgresql/*/bin "
        "or $PG_BINDIR); install them with: apt-get install postgresql"
    )


_PG_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Postgres:
    """One private PostgreSQL cluster (fsync off) with a ``mailagent`` role and template DB.

    ``url`` points at the ``mailagent`` database; :meth:`create_database` clones it for
    per-test isolation.
    """

    role = "mailagent"
    template = "mailagent"

    def __init__(self, password: str = "pg-test-secret", *, run_user: str = "postgres") -> None:
        self.password = password
        self.bindir = _pg_bindir()
        self.run_as = _RunAs.pick(run_user)
        self.dir = ""
        self.port = 0
        self._started = False

    @property
    def data(self) -> str:
        return f"{self.dir}/data"

    @property
    def sockdir(self) -> str:
        return f"{self.dir}/sock"

    @property
    def url(self) -> str:
        return self.url_for(self.template)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{self.role}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            cwd=self.dir,
            **self.run_as.popen_kwargs(),
        )

    def start(self) -> Postgres:
        """initdb, start on a free port, create the role and the template database."""
        self.dir = tempfile.mkdtemp(prefix="pg-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        os.mkdir(self.sockdir)
        self.run_as.chown(self.dir, self.sockdir)
        atexit.register(self._atexit)
        flags = "-U postgres --encoding=UTF8 --locale=C --auth-local=trust"
        flags += " --auth-host=scram-sha-256 --no-sync --no-instructions"
        res = self._run(f"{self.bindir}/initdb", "-D", self.data, *flags.split())
        if res.returncode != 0:
            self.stop()
            raise RuntimeError(f"initdb failed: {res.stderr.strip()}")
        error = ""
        for _ in range(5):
            self.port = free_port()
            opts = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} "
                f"-c unix_socket_directories={self.sockdir} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            log = f"{self.dir}/postgres.log"
            res = self._run(
                f"{self.bindir}/pg_ctl", "-D", self.data, "-l", log, "-w", "-t", "30", "-s",
                "-o", opts, "start",
            )  # fmt: skip
            if res.returncode == 0:
                self._started = True
                break
            logged = Path(log).read_text(errors="replace") if Path(log).exists() else ""
            error = f"{res.stderr.strip()} {logged[-2000:]}"
            if "in use" not in error:
                break
        if not self._started:
            self.stop()
            raise RuntimeError(f"PostgreSQL failed to start: {error}")
        self._admin(
            f"CREATE ROLE {self.role} LOGIN CREATEDB PASSWORD '{self.password}'",
            f"CREATE DATABASE {self.template} OWNER {self.role}",
        )
        return self

    def _admin(self, *statements: str) -> None:
        import psycopg  # deferred: only sessions that use PostgreSQL need the driver

        with psycopg.connect(
            host=self.sockdir,
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as conn:
            for sql in statements:
                conn.execute(sql.encode())

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` as a copy of ``template`` (default: the empty template
        database); returns its URL."""
        template = template or self.template
        if not (_PG_NAME.match(name) and _PG_NAME.match(template)):
            raise ValueError(f"bad database name {name!r} or template {template!r}")
        self._admin(f"CREATE DATABASE {name} TEMPLATE {template} OWNER {self.role}")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting any leftover sessions."""
        if not _PG_NAME.match(name):
            raise ValueError(f"bad database name {name!r}")
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the cluster immediately and delete its directory."""
        if self._started:
            self._run(
                f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "-s", "stop"
            )
            self._started = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        atexit.unregister(self._atexit)

    def _atexit(self) -> None:
        if self._started:
            self._run(f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "-s", "stop")


def unique_name(prefix: str, parts: Sequence[str] = ()) -> str:
    """A short unique lower-case identifier usable as a DB or IMAP user name."""
    tail = "_".join(re.sub(r"[^a-z0-9]", "", p.lower())[:12] for p in parts)
    return f"{prefix}{uuid.uuid4().hex[:10]}{'_' + tail if tail else ''}"


# -- SMTP (aiosmtpd) ----------------------------------------------------------------------------

SMTP_PASSWORD_ENV = "MAILAGENT_TEST_SMTP_PASSWORD"


@dataclasses.dataclass(frozen=True)
class Received:
    """One message the test SMTP server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


class Smtpd:
    """In-process aiosmtpd on 127.0.0.1 requiring STARTTLS and AUTH (``user``/``password``).

    Accepted mail is recorded in :attr:`received` and, when ``lmtp_port`` is given, forwarded
    to that Dovecot LMTP port, so it lands in the recipients' IMAP INBOX. Queue answers in
    :attr:`data_replies` (e.g. ``"451 4.3.0 Try again later"``) to make the next DATA
    commands fail that way, or map addresses in :attr:`rcpt_replies` to refuse them at RCPT.
    """

    def __init__(
        self, user: str = "agent", password: str = "smtp-test-secret", lmtp_port: int = 0
    ) -> None:
        self.user, self.password, self.lmtp_port = user, password, lmtp_port
        self.received: list[Received] = []
        self.data_replies: list[str] = []
        self.rcpt_replies: dict[str, str] = {}
        self.dir = ""
        self.cert = ""
        self.port = 0
        self._controller: Any = None

    def start(self) -> Smtpd:
        from aiosmtpd.controller import Controller

        self.dir = tempfile.mkdtemp(prefix="smtpd-", dir="/tmp")
        self.cert, key = _make_cert(self.dir)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert, key)
        os.environ[SMTP_PASSWORD_ENV] = self.password
        last: Exception | None = None
        for _ in range(5):  # free_port() races: retry with another port
            self.port = free_port()
            self._controller = Controller(
                self,
                hostname="127.0.0.1",
                port=self.port,
                tls_context=tls,
                require_starttls=True,
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=True,
                server_hostname="localhost",
            )
            try:
                self._controller.start()
                return self
            except (OSError, RuntimeError) as exc:  # port taken meanwhile
                last = exc
        raise RuntimeError(f"aiosmtpd failed to start: {last}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def reset(self) -> None:
        self.received.clear()
        self.data_replies.clear()
        self.rcpt_replies.clear()

    def smtp_settings(self, **overrides: Any) -> Any:
        """``SmtpSettings`` for this server (STARTTLS, AUTH, trusting its certificate)."""
        from mailagent.config import SmtpSettings

        base = SmtpSettings(
            host="127.0.0.1",
            port=self.port,
            security="starttls",
            username=self.user,
            password_env=SMTP_PASSWORD_ENV,
            password_file="",
            ca_file=self.cert,
            timeout_seconds=10,
        )
        return dataclasses.replace(base, **overrides)

    # -- aiosmtpd hooks ------------------------------------------------------------------------

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(data, LoginPassword) and data.login == self.user.encode()
        # handled=False: aiosmtpd answers "535 5.7.8" itself (handled=True sends nothing)
        return AuthResult(success=ok and data.password == self.password.encode(), handled=False)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        if self.data_replies:
            return self.data_replies.pop(0)
        content = bytes(envelope.original_content or envelope.content)
        if self.lmtp_port:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, self._forward, envelope, content)
            except (OSError, smtplib.SMTPException) as exc:
                return f"451 4.3.0 LMTP forwarding failed: {exc}"
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), content))
        return f"250 2.0.0 Ok: queued as {len(self.received)}"

    def _forward(self, envelope: Any, content: bytes) -> None:
        # one recipient per transaction: smtplib.LMTP misreads LMTP's per-recipient replies
        for rcpt in envelope.rcpt_tos:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=10) as lmtp:
                lmtp.sendmail(envelope.mail_from, [rcpt], content)
