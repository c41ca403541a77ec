"""A real Spark standalone cluster on 127.0.0.1 (a master and one worker) and a Spark Connect server.

Each is its own JVM, started with the ``spark-class``/``spark-submit`` scripts of the installed pyspark, on
free ports, with its log in a temporary folder. The fixture waits until the worker has registered with the
master and the Connect server listens, and stops every process (and the executors the worker started) at
the end, also when starting failed. It is module-scoped: the JVMs exist only while the cluster tests run.

The Connect server runs its queries in its own JVM (``local[1]``) rather than on the cluster: the client
code under test is the same either way, and one executor JVM fewer keeps the tests affordable on two
shared cores.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

START_TIMEOUT_S = 180.0  # JVM start-up is slow on a loaded two-core machine
CONNECT_SERVER = "org.apache.spark.sql.connect.service.SparkConnectServer"
# Every JVM of the fixture: quick start-up (no optimising JIT, serial GC); the data is a few thousand rows.
JAVA_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# What the administrator of this small test cluster sets for every application (spark-defaults.conf, read
# by spark-submit for the Connect server and for the driver a build starts). Two shuffle partitions,
# unlike openrvu's local mode, so the SQL is also checked on partitioned data; no whole-stage code
# generation nor adaptive re-planning, whose costs per query dwarf queries this small.
SPARK_DEFAULTS = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.executor.memory": "512m",
    "spark.executor.extraJavaOptions": JAVA_OPTS,
    "spark.driver.extraJavaOptions": JAVA_OPTS,
    "spark.driver.host": "127.0.0.1",
}


@dataclass
class SparkCluster:
    master_url: str  # spark://127.0.0.1:PORT
    connect_url: str  # sc://127.0.0.1:PORT
    env: dict[str, str]  # for a driver process on this machine: Spark home and conf, loopback, Python
    root: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def applications(self) -> list[str]:
        """The applications the worker has started executors for (one work folder each)."""
        return sorted(p.name for p in (self.root / "work").glob("app-*"))

    def log_tail(self, lines: int = 30) -> str:
        """The end of every log, for a failure message."""
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spark_home() -> Path:
    """The Spark distribution inside the pyspark package (bin/, sbin/, jars/)."""
    import pyspark

    return Path(pyspark.__file__).parent


def spark_env(root: Path) -> dict[str, str]:
    """Environment for every Spark process of the fixture: its own conf folder (nothing of the user's),
    loopback only, and the venv's Python wherever Spark starts Python."""
    conf = root / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "spark-defaults.conf").write_text(
        "".join(f"{key} {value}\n" for key, value in SPARK_DEFAULTS.items()), encoding="utf-8"
    )
    env = dict(os.environ)
    for name in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED", "SPARK_LOCAL_REMOTE", "MASTER"):
        env.pop(name, None)
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_CONF_DIR=str(conf),
        SPARK_LOG_DIR=str(root / "logs"),
        SPARK_PID_DIR=str(root),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_DAEMON_MEMORY="256m",
        SPARK_DAEMON_JAVA_OPTS=JAVA_OPTS,
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    return env


def start_process(cluster: SparkCluster, name: str, argv: list[str], env: dict[str, str]) -> None:
    """Start ``argv`` in its own process group with output to ``logs/<name>.log``; stopped with the rest."""
    with (cluster.logs / f"{name}.log").open("wb") as log:
        # Own process group: the teardown signals the group, which holds the JVM the script execs into
        # and the executors a worker launches.
        cluster.processes[name] = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )


def _wait(cluster: SparkCluster, what: str, ready: Callable[[], bool], deadline: float) -> None:
    while time.monotonic() < deadline:
        for name, proc in cluster.processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"Spark {name} exited ({proc.returncode})\n{cluster.log_tail()}")
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"Spark cluster: {what} not ready in {START_TIMEOUT_S:.0f} s\n{cluster.log_tail()}")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _log_has(cluster: SparkCluster, name: str, text: str) -> bool:
    path = cluster.logs / f"{name}.log"
    return path.exists() and text in path.read_text(encoding="utf-8", errors="replace")


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes of one process group, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def stop_cluster(cluster: SparkCluster) -> None:
    """Record each process group's CPU time in ``logs/cpu.txt``, SIGTERM the groups, SIGKILL what is left."""
    with (cluster.logs / "cpu.txt").open("w", encoding="utf-8") as out:
        for name, proc in cluster.processes.items():
            out.write(f"{name} {group_cpu_seconds(proc.pid):.1f}\n")
    for proc in reversed(list(cluster.processes.values())):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for proc in cluster.processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        # The group may outlive its leader (an executor still shutting down): kill it for good.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _conf(values: dict[str, str]) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--conf", f"{key}={value}")]


@contextlib.contextmanager
def running_cluster(root: Path) -> Iterator[SparkCluster]:
    """Master + one worker (1 core, 1 GB) + a Spark Connect server, all on 127.0.0.1, with their folders
    under ``root``; everything is stopped on exit."""
    for folder in ("logs", "work"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    env = spark_env(root)
    master_port, connect_port = free_port(), free_port()
    cluster = SparkCluster(
        master_url=f"spark://127.0.0.1:{master_port}",
        connect_url=f"sc://127.0.0.1:{connect_port}",
        env=env,
        root=root,
    )
    bin_dir = spark_home() / "bin"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        # No REST submission server: it would take the fixed port 6066.
        start_process(
            cluster,
            "master",
            [str(bin_dir / "spark-class"), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
            + ["--port", str(master_port), "--webui-port", str(free_port())],
            dict(env, SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false"),
        )
        # Started with the master: the worker retries until the master answers.
        start_process(
            cluster,
            "worker",
            [str(bin_dir / "spark-class"), "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1"]
            + ["--port", str(free_port()), "--webui-port", str(free_port()), "--cores", "1"]
            + ["--memory", "1g", "--work-dir", str(root / "work"), cluster.master_url],
            env,
        )
        start_process(
            cluster,
            "connect",
            [str(bin_dir / "spark-submit"), "--class", CONNECT_SERVER, "--name", "openrvu-test-connect"]
            + ["--master", "local[1]"]
            + _conf(
                {
                    "spark.connect.grpc.binding.address": "127.0.0.1",
                    "spark.connect.grpc.binding.port": str(connect_port),
                }
            ),
            # spark-submit sizes the Connect server, like the Thrift server, by SPARK_DAEMON_MEMORY, and
            # Spark refuses a driver heap under 450 MB.
            dict(env, SPARK_DAEMON_MEMORY="768m"),
        )
        _wait(
            cluster,
            "worker",
            lambda: _log_has(cluster, "worker", "Successfully registered with master"),
            deadline,
        )
        _wait(cluster, "Connect server", lambda: _listening(connect_port), deadline)
        yield cluster
    finally:
        stop_cluster(cluster)


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    """A running cluster and Connect server for the tests of one module."""
    with running_cluster(tmp_path_factory.mktemp("spark-cluster")) as cluster:
        yield cluster
