#!/usr/bin/env bash
# Generates the Python gRPC stubs of proto/ into python/whatsnext/_proto
# (`npm run generate:python`). They are committed, and CI regenerates them and
# fails when they differ, as it does for gen/.
#
# Needs protoc 3.21 and grpc_python_plugin (Debian 12: apt-get install
# protobuf-compiler protobuf-compiler-grpc). Another protoc version writes
# different files, which CI would report as drift, so the version is checked.
#
# protoc writes absolute imports (`from whatsnext.v1 import job_pb2`) that
# would collide with this package's own name; they are rewritten to relative
# ones so the stubs work wherever the package is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PLUGIN="${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || true)}"
if ! command -v protoc >/dev/null 2>&1 || [ -z "$PLUGIN" ]; then
  echo "generate-stubs: needs protoc and grpc_python_plugin (apt-get install protobuf-compiler protobuf-compiler-grpc)" >&2
  exit 1
fi
VERSION="$(protoc --version)"
case "$VERSION" in
  "libprotoc 3.21."*) ;;
  *)
    echo "generate-stubs: needs protoc 3.21 (the committed stubs are made with it), found $VERSION" >&2
    exit 1
    ;;
esac

OUT=python/whatsnext/_proto
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The well-known types (struct, timestamp) come with protoc; name their folder
# when it is the usual one so a protoc without a built-in path finds them too.
INCLUDES=(-I proto)
[ -f /usr/include/google/protobuf/struct.proto ] && INCLUDES+=(-I /usr/include)

mapfile -t PROTOS < <(cd proto && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
protoc "${INCLUDES[@]}" \
  --python_out="$WORK" --pyi_out="$WORK" \
  --plugin=protoc-gen-grpc_python="$PLUGIN" --grpc_python_out="$WORK" \
  "${PROTOS[@]}"

# Relative imports between our own generated modules, and the module name the
# message classes report (for pickling) under their real place in the package.
find "$WORK" -name '*.py' -o -name '*.pyi' | while read -r file; do
  sed -i -E \
    -e 's/^from whatsnext\.v1 import /from . import /' \
    -e "s/'whatsnext\.v1\.([a-z_]+_pb2)'/'whatsnext._proto.whatsnext.v1.\1'/" \
    "$file"
done

# Every folder is a package; the top one says where the files come from.
find "$WORK" -type d | while read -r dir; do
  if [ "$dir" = "$WORK" ]; then
    printf '"""gRPC stubs generated from proto/ by python/generate-stubs.sh; do not edit."""\n' >"$dir/__init__.py"
  else
    : >"$dir/__init__.py"
  fi
done

rm -rf "$OUT"
mkdir -p "$OUT"
cp -R "$WORK"/. "$OUT"/
echo "generated $(find "$OUT" -name '*_pb2*.py' | wc -l) modules into $OUT"
