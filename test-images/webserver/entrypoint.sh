#!/bin/sh
# The Tugboat test webserver (PID 1 of docker.io/tugboat/webserver:N).
# busybox nc -ll forks handler.sh for every connection, so requests are
# served concurrently; handler.sh logs one line per request, and its
# stderr is sent to stdout here so `logs` shows the lines.
PORT="${PORT:-8080}"
VERSION="${VERSION:-0}"
export PORT VERSION
echo "webserver version=$VERSION listening on port $PORT"
nc -ll -p "$PORT" -e /webserver/handler.sh 2>&1 &
pid=$!
# PID 1 has no default action for SIGTERM: stop the listener and exit.
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
wait "$pid"
