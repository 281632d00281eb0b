#!/usr/bin/env bash
# Runs every weir test: vet, the whole suite, and the race detector on the
# packages with concurrency. Differential tests use /usr/sbin/nginx when present.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin:/usr/sbin"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
    echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
go vet ./...
# everything but the reliability suite, which runs last and verbosely so
# that its "scenario NAME: N sent, N failed" lines are printed
go test -count=1 -timeout 20m $(go list ./... | grep -v /internal/reliability)
go test -count=1 -race -timeout 20m ./internal/httpcore/... ./internal/errlog/... ./internal/accesslog/... ./internal/server/... ./internal/httpd/... ./internal/upstream/... ./internal/limit/... ./internal/health/... ./internal/cache/... ./internal/proxyproto/... ./internal/stream/... ./internal/procs/...
go test -count=1 -v -timeout 20m ./internal/reliability/
