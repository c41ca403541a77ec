#!/usr/bin/env bash
# A one-machine Spark standalone cluster (master + one worker) and a Spark Connect server running on it,
# from the pyspark installed in .venv: to try `openrvu benchmarks build --engine spark` against a cluster.
#
#   bash scripts/spark-cluster.sh start    # then --spark-master spark://127.0.0.1:7077 or sc://127.0.0.1:15002
#   bash scripts/spark-cluster.sh stop
#
# Settings (environment): SPARK_CLUSTER_DIR (logs, pids, work; default /tmp/openrvu-spark-cluster),
# MASTER_PORT (7077), MASTER_UI_PORT (8080), CONNECT_PORT (15002), WORKER_CORES (2), WORKER_MEMORY (2g).
# Each application gets one
# core unless it asks for more, so the Connect server and a driver of `openrvu benchmarks build` share the
# worker.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=$(realpath -m "${SPARK_CLUSTER_DIR:-${TMPDIR:-/tmp}/openrvu-spark-cluster}")
MASTER_PORT=${MASTER_PORT:-7077}
CONNECT_PORT=${CONNECT_PORT:-15002}
SPARK_HOME=$(.venv/bin/python -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME SPARK_LOG_DIR="$DIR/logs" SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$PWD/.venv/bin/python"
MASTER_URL="spark://127.0.0.1:$MASTER_PORT"

launch() {  # name, command...: in its own session (so stop takes its executors too), pid in $DIR
    local name=$1
    shift
    setsid "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$DIR/$name.pid"
}

wait_for() {  # what, test command...
    local what=$1
    shift
    for _ in $(seq 1 600); do
        if "$@"; then return 0; fi
        sleep 0.5
    done
    echo "$what did not start; see $DIR/logs" >&2
    exit 1
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
    if [ -e "$DIR/master.pid" ]; then
        echo "already started ($DIR); run: $0 stop" >&2
        exit 1
    fi
    mkdir -p "$DIR/logs" "$DIR/work"
    SPARK_MASTER_OPTS="-Dspark.deploy.defaultCores=1 -Dspark.master.rest.enabled=false" \
        launch master "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
        --host 127.0.0.1 --port "$MASTER_PORT" --webui-port "${MASTER_UI_PORT:-8080}"
    launch worker "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
        --host 127.0.0.1 --cores "${WORKER_CORES:-2}" --memory "${WORKER_MEMORY:-2g}" \
        --work-dir "$DIR/work" "$MASTER_URL"
    wait_for "the master" listening "$MASTER_PORT"
    SPARK_DAEMON_MEMORY=1g launch connect "$SPARK_HOME/bin/spark-submit" \
        --class org.apache.spark.sql.connect.service.SparkConnectServer --name "Spark Connect server" \
        --master "$MASTER_URL" --conf spark.connect.grpc.binding.address=127.0.0.1 \
        --conf "spark.connect.grpc.binding.port=$CONNECT_PORT" --conf spark.executor.memory=1g
    wait_for "the worker" grep -q "Successfully registered with master" "$DIR/logs/worker.log"
    wait_for "the Connect server" listening "$CONNECT_PORT"
    echo "master $MASTER_URL (web UI http://127.0.0.1:${MASTER_UI_PORT:-8080}), Spark Connect sc://127.0.0.1:$CONNECT_PORT"
    echo "logs in $DIR/logs; stop with: bash $0 stop"
}

stop() {
    for name in connect worker master; do
        if [ -e "$DIR/$name.pid" ]; then
            kill -TERM -- "-$(cat "$DIR/$name.pid")" 2>/dev/null || true
        fi
    done
    sleep 5
    for name in connect worker master; do
        if [ -e "$DIR/$name.pid" ]; then
            kill -KILL -- "-$(cat "$DIR/$name.pid")" 2>/dev/null || true
            rm -f "$DIR/$name.pid"
        fi
    done
    echo "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
