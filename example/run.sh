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
PIDS="$B1 $B2"
# PHP-FPM, when installed, serves example/html/*.php on 127.0.0.1:9000
FPM=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1 || true)
if [ -n "$FPM" ]; then
    mkdir -p example/logs
    conf="$PWD/example/logs/php-fpm.conf"
    printf '[global]\nerror_log = %s\ndaemonize = no\npid = %s\n[www]\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 2\n' \
        "$PWD/example/logs/php-fpm.log" "$PWD/example/logs/php-fpm.pid" > "$conf"
    root=""
    if [ "$(id -u)" -eq 0 ]; then
        echo "user = root" >> "$conf"
        root="-R"
    fi
    "$FPM" -F -n -y "$conf" $root &
    PIDS="$PIDS $!"
    echo "php-fpm: try curl http://127.0.0.1:8080/hello.php"
fi
trap 'kill $PIDS 2>/dev/null' EXIT INT TERM
echo "backends: PORT 3000 is pid $B1, PORT 3001 is pid $B2"
echo "try: curl http://127.0.0.1:8080/   (repeat it; then kill $B1 and try again)"
./weir -p example/ -c nginx.conf
