"""The embedded default: a project-local PostgreSQL+TimescaleDB cluster and Redis under `.data/`.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the unprivileged
`postgres` system user and every server command runs through `runuser`.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings

SERVICE_USER = "postgres"
SUPERUSER = "wrestle"
REPLICATION_HBA = f"host replication {SUPERUSER} 127.0.0.1/32 scram-sha-256"
# A local replica's own settings, over the primary's it was copied with (a smaller cache: it is for
# trying replicas out beside the primary on one machine).
REPLICA_CONF = "# written by wrestle db replica: a local streaming replica\nshared_buffers = '128MB'\n"


class ClusterError(RuntimeError):
    pass


def pg_bindir(settings: Settings) -> Path:
    """The PostgreSQL installation the embedded cluster runs: PG_BINDIR when set (a local build, such
    as a copy with the Timescale-licensed TimescaleDB), else the newest under /usr/lib/postgresql."""
    if settings.pg_bindir is not None:
        if not (settings.pg_bindir / "postgres").is_file():
            raise ClusterError(f"PG_BINDIR={settings.pg_bindir} holds no `postgres` server binary")
        return settings.pg_bindir
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    if not candidates:
        raise ClusterError("no PostgreSQL server found under /usr/lib/postgresql (run `make setup`)")
    return candidates[-1].parent


def pg_ctl_start(bindir: Path, datadir: Path, log: Path, port: int) -> list[str]:
    """The command that starts the server of `datadir` on `port` and waits (60 s at most) for it."""
    pg_ctl = str(bindir / "pg_ctl")
    return [pg_ctl, "-D", str(datadir), "-l", str(log), "-o", f"-p {port}", "-w", "-t", "60", "start"]


def _as_service_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVICE_USER, "--", *cmd]
    return cmd


@dataclass(frozen=True)
class Paths:
    root: Path

    @property
    def pgdata(self) -> Path:
        # When the project folder is not reachable by the service user (a checkout under /root, say),
        # the cluster lives elsewhere and .data/pg.location says where.
        location = self.root / "pg.location"
        if location.exists():
            return Path(location.read_text().strip())
        return self.root / "pg"

    @property
    def bindir_file(self) -> Path:
        return self.root / "pg.bindir"

    @property
    def password_file(self) -> Path:
        return self.root / "pg.password"

    @property
    def pg_log(self) -> Path:
        return self.pgdata.parent / "log" / "postgresql.log"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"


class EmbeddedCluster:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = Paths(settings.data_dir.resolve())
        self.port = settings.pg_port

    @property
    def bindir(self) -> Path:
        """PG_BINDIR when set, else the installation the cluster was initialised with (recorded in
        .data/pg.bindir, so a cluster made by a local build keeps running on it), else the default."""
        recorded = self.paths.bindir_file
        if self.settings.pg_bindir is None and recorded.exists():
            return pg_bindir(
                self.settings.model_copy(update={"pg_bindir": Path(recorded.read_text().strip())})
            )
        return pg_bindir(self.settings)

    # -- PostgreSQL -----------------------------------------------------------------------------
    def password(self) -> str:
        return self.paths.password_file.read_text().strip()

    def url(self, database: str | None = None) -> str:
        db = database or self.settings.pg_database
        return f"postgresql://{SUPERUSER}:{self.password()}@127.0.0.1:{self.port}/{db}"

    def initialised(self) -> bool:
        return (self.paths.pgdata / "PG_VERSION").exists()

    def _chown_to_service_user(self, path: Path) -> None:
        if os.geteuid() == 0:
            pw = pwd.getpwnam(SERVICE_USER)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def init(self) -> None:
        if self.initialised():
            return
        bindir = pg_bindir(self.settings)
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self.paths.bindir_file.write_text(f"{bindir}\n")
        if (
            os.geteuid() == 0
            and subprocess.run(
                ["runuser", "-u", SERVICE_USER, "--", "test", "-x", str(self.paths.root)], check=False
            ).returncode
            != 0
        ):
            digest = hashlib.sha256(str(self.paths.root).encode()).hexdigest()[:12]
            elsewhere = Path("/var/lib/wrestle") / digest / "pg"
            elsewhere.parent.mkdir(parents=True, exist_ok=True)
            (self.paths.root / "pg.location").write_text(f"{elsewhere}\n")
        self.paths.pg_log.parent.mkdir(parents=True, exist_ok=True)
        self.paths.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._chown_to_service_user(self.paths.pgdata)
        self._chown_to_service_user(self.paths.pg_log.parent)
        password = secrets.token_urlsafe(24)
        self.paths.password_file.write_text(password + "\n")
        self.paths.password_file.chmod(0o600)
        pwfile = self.paths.pgdata.parent / "initpw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._chown_to_service_user(pwfile)
        try:
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.paths.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        conf = self.paths.pgdata / "postgresql.auto.conf"
        with conf.open("a") as f:
            f.write(
                "# written by wrestle db: embedded development cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "shared_preload_libraries = 'timescaledb'\n"
                "timescaledb.telemetry_level = off\n"
                "shared_buffers = '512MB'\n"
                "work_mem = '32MB'\n"
                "maintenance_work_mem = '512MB'\n"
                "max_wal_size = '4GB'\n"
                "checkpoint_timeout = '15min'\n"
                "max_connections = 200\n"
                "timezone = 'UTC'\n"
            )

    def running(self) -> bool:
        pid = self.paths.pgdata / "postmaster.pid"
        if not pid.exists():
            return False
        result = subprocess.run(
            _as_service_user([str(self.bindir / "pg_ctl"), "-D", str(self.paths.pgdata), "status"]),
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode == 0

    def start(self) -> bool:
        """Start the cluster; return True when this call started it."""
        self.init()
        if self.running():
            return False
        self._run(pg_ctl_start(self.bindir, self.paths.pgdata, self.paths.pg_log, self.port))
        self._ensure_database(self.settings.pg_database)
        return True

    def ensure_replication(self) -> None:
        """Let a local streaming replica connect (`wrestle db replica start`), also on a cluster made
        before replicas were offered: a replication line for 127.0.0.1 in pg_hba.conf (initdb writes
        one; added and reloaded if missing). wal_level and max_wal_senders are PostgreSQL's defaults
        (replica, 10), which allow it; a cluster changed to refuse it is reported, not restarted."""
        hba = self.paths.pgdata / "pg_hba.conf"
        lines = [line.split() for line in hba.read_text().splitlines()]
        if not any(f[:2] == ["host", "replication"] and f[3:4] == ["127.0.0.1/32"] for f in lines if f):
            with hba.open("a") as f:
                f.write(f"# written by wrestle db: local streaming replicas\n{REPLICATION_HBA}\n")
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.paths.pgdata), "reload"])
        cmd, env = self.psql_command("postgres")
        shown = subprocess.run(
            [
                *cmd,
                "-tAc",
                "SELECT current_setting('wal_level') || ' ' || current_setting('max_wal_senders')",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if shown[0] == "minimal" or int(shown[1]) == 0:
            raise ClusterError(
                f"the cluster refuses replication (wal_level={shown[0]}, max_wal_senders={shown[1]}):"
                " set wal_level = replica and max_wal_senders = 10, then restart it"
            )

    def stop(self) -> bool:
        if not self.running():
            return False
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.paths.pgdata), "-m", "fast", "-w", "stop"])
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.paths.pgdata, ignore_errors=True)
        self.paths.password_file.unlink(missing_ok=True)
        self.paths.bindir_file.unlink(missing_ok=True)

    def psql_command(self, database: str | None = None) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PGPASSWORD": self.password()}
        return (
            [
                str(self.bindir / "psql") if (self.bindir / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                database or self.settings.pg_database,
            ],
            env,
        )

    def _ensure_database(self, name: str) -> None:
        cmd, env = self.psql_command("postgres")
        exists = subprocess.run(
            [*cmd, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(
                [*cmd, "-qc", f'CREATE DATABASE "{name}"'], env=env, check=True, capture_output=True
            )

    def _run(self, cmd: list[str]) -> None:
        result = subprocess.run(_as_service_user(cmd), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.paths.pg_log.read_text()[-2000:] if self.paths.pg_log.exists() else ""
            raise ClusterError(f"{' '.join(cmd[:2])} failed:\n{result.stdout}{result.stderr}{log}")


class EmbeddedReplica:
    """A streaming replica of the embedded cluster on this machine: a base backup of it (`pg_basebackup
    -R`: standby mode, streaming from the primary) in `datadir`, served on `port`, as the cluster's
    service user. The replica's superuser and password are the primary's (the backup copies them)."""

    def __init__(self, settings: Settings, port: int, datadir: Path | None = None) -> None:
        self.primary = EmbeddedCluster(settings)
        self.port = port
        self.datadir = datadir or self.primary.paths.pgdata.parent / "replica"
        self.log = self.primary.paths.pg_log.parent / f"{self.datadir.name}.log"

    def url(self, database: str | None = None) -> str:
        db = database or self.primary.settings.pg_database
        return f"postgresql://{SUPERUSER}:{self.primary.password()}@127.0.0.1:{self.port}/{db}"

    def initialised(self) -> bool:
        return (self.datadir / "standby.signal").exists()

    def running(self) -> bool:
        if not (self.datadir / "postmaster.pid").exists():
            return False
        status = [str(self.primary.bindir / "pg_ctl"), "-D", str(self.datadir), "status"]
        return subprocess.run(_as_service_user(status), capture_output=True, check=False).returncode == 0

    def start(self, *, fresh: bool = False) -> bool:
        """Start the replica, copying the primary first when there is no copy yet (or, with `fresh`,
        always); True when this call started it. A copy that was stopped for long may not catch up:
        without a replication slot the primary keeps no WAL for it, so a fresh copy is the safe start."""
        if not self.primary.running():
            raise ClusterError("the embedded cluster is not running (wrestle db start)")
        self.primary.ensure_replication()
        if self.running():
            return False
        if fresh or not self.initialised():
            self._base_backup()
        self._run(pg_ctl_start(self.primary.bindir, self.datadir, self.log, self.port))
        return True

    def _base_backup(self) -> None:
        shutil.rmtree(self.datadir, ignore_errors=True)
        self.datadir.mkdir(mode=0o700, parents=True)
        self.primary._chown_to_service_user(self.datadir)
        backup = [
            str(self.primary.bindir / "pg_basebackup"),
            "-D",
            str(self.datadir),
            "-R",  # standby.signal and primary_conninfo: a streaming standby of the primary
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            SUPERUSER,
            "--no-password",
            # Not fsynced: a local copy for trying replicas, made again should the machine crash.
            "--no-sync",
        ]
        try:
            self._run(backup)
        except ClusterError:
            shutil.rmtree(self.datadir, ignore_errors=True)
            raise
        with (self.datadir / "postgresql.auto.conf").open("a") as f:
            f.write(REPLICA_CONF)

    def stop(self) -> bool:
        if not self.running():
            return False
        self._run([str(self.primary.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"])
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)

    def _run(self, cmd: list[str]) -> None:
        # The primary's password reaches pg_basebackup through the environment, never the command
        # line; -R writes it into the replica's primary_conninfo (the replica's files are the
        # service user's, mode 0600).
        env = {**os.environ, "PGPASSWORD": self.primary.password()}
        result = subprocess.run(_as_service_user(cmd), capture_output=True, text=True, check=False, env=env)
        if result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{' '.join(cmd[:2])} failed:\n{result.stdout}{result.stderr}{log}")


class EmbeddedRedis:
    def __init__(self, settings: Settings) -> None:
        self.dir = settings.data_dir.resolve() / "redis"
        self.port = settings.redis_port

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pidfile(self) -> Path:
        return self.dir / "redis.pid"

    def running(self) -> bool:
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return False
        return True

    def start(self) -> bool:
        if self.running():
            return False
        server = shutil.which("redis-server")
        if server is None:
            raise ClusterError("redis-server not found (run `make setup`)")
        self.dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--dir",
                str(self.dir),
                "--pidfile",
                str(self.pidfile),
                "--logfile",
                str(self.dir / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
            capture_output=True,
        )
        for _ in range(100):
            if self.running():
                return True
            time.sleep(0.05)
        raise ClusterError(f"redis-server did not start; see {self.dir / 'redis.log'}")

    def stop(self) -> bool:
        if not self.running():
            return False
        pid = int(self.pidfile.read_text().strip())
        os.kill(pid, 15)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.05)
        return True
