#!/bin/sh
# weir's quick start: builds weir and the demo backend, starts two backends
# (127.0.0.1:3000 and :3001) and runs weir in the foreground on
# http://127.0.0.1:8080/, balancing between them. Ctrl-C stops everything.
# Stop one backend (kill the PID printed below) to watch weir fail over.
set -e
cd "$(dirname "$0")/.."
go build -o weir ./cmd/weir
go build -o demo-backend ./cmd/demo-backend
./demo-backend -listen 127.0.0.1:3000 &
B1=$!
./demo-backend -listen 127.0.0.1:3001 &
B2=$!
trap 'kill $B1 $B2 2>/dev/null' EXIT INT TERM
echo "backends: PORT 3000 is pid $B1, PORT 3001 is pid $B2"
echo "try: curl http://127.0.0.1:8080/app/   (repeat it; then kill $B1 and try again)"
./weir -p example/ -c nginx.conf
