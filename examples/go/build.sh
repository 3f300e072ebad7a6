#!/usr/bin/env bash
# Builds the Go example offline from Debian's packages: generates the Go code
# of proto/ with protoc, protoc-gen-go and protoc-gen-go-grpc, and compiles
# the worker and the submitter in GOPATH mode against /usr/share/gocode (no
# module download). Usage: examples/go/build.sh [OUT] (default: examples/go/out);
# the commands land in OUT/bin.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$(mkdir -p "${1:-$HERE/out}" && cd "${1:-$HERE/out}" && pwd)"

GOPATH_DIR="$OUT/gopath"
rm -rf "$GOPATH_DIR"
mkdir -p "$GOPATH_DIR/src/whatsnext.dev/examples/go" "$OUT/bin"

# go_package in the protos is whatsnext.dev/gen/go/whatsnext/v1: the files land there.
protoc -I "$ROOT/proto" -I /usr/include \
  --go_out="$GOPATH_DIR/src" --go-grpc_out="$GOPATH_DIR/src" \
  "$ROOT"/proto/whatsnext/v1/*.proto
cp -R "$HERE/worker" "$HERE/submitter" "$GOPATH_DIR/src/whatsnext.dev/examples/go/"

export GO111MODULE=off GOPATH="$GOPATH_DIR:/usr/share/gocode" GOFLAGS=
# Go caches builds under $HOME; without a home, next to the output.
[ -n "${HOME:-}" ] || export GOCACHE="${GOCACHE:-$OUT/gocache}"
go build -o "$OUT/bin/" whatsnext.dev/examples/go/worker whatsnext.dev/examples/go/submitter
echo "built $OUT/bin/worker and $OUT/bin/submitter"
