#!/usr/bin/env bash
# Installs edge-js 26.1.0 into .ci/edge/ (git-ignored, outside the project's node_modules) for the
# native round-trip test (test/native-roundtrip.test.ts), which points BITS_JOB2_EDGE_JS at
# .ci/edge/node_modules/edge-js. edge-js is deliberately not a dependency of the package: its native
# build must not be able to fail `npm ci`. Called by scripts/install-test-deps.sh; independent of the
# project's node_modules (npm ci leaves .ci/edge alone); idempotent (fast when already done).
#   1. npm install edge-js@26.1.0 in .ci/edge with its install script allowed (compiles
#      edge_coreclr.node with node-gyp against Node's own headers, npm_config_nodedir=/usr).
#   2. The CoreCLR bootstrap project references System.Console / System.Xml.ReaderWriter 4.3.1,
#      which the NuGet source here does not have; 4.3.0 does the same job -> patched (only if 4.3.1).
#   3. dotnet build -c Release of edge-js's lib/bootstrap (the managed side edge-js CoreCLR loads).
# Needs: node-gyp's toolchain (g++, make, python3), Node headers in $npm_config_nodedir/include/node,
# the .NET SDK (dotnet). Every failure says which step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PREFIX="$ROOT/.ci/edge"
VERSION="26.1.0"
EDGE="$PREFIX/node_modules/edge-js"
STAMP="$PREFIX/.done-$VERSION"
# node-gyp compiles against the headers the running Node ships next to itself (no download here).
export npm_config_nodedir="${npm_config_nodedir:-$(node -p "require('path').resolve(process.execPath, '../..')")}"

fail() { echo "install-edge-js: $*" >&2; exit 1; }

if [ -f "$STAMP" ] && [ -f "$EDGE/build/Release/edge_coreclr.node" ] && [ -f "$EDGE/lib/bootstrap/bin/Release/bootstrap.dll" ]; then
  echo "install-edge-js: edge-js $VERSION already installed in .ci/edge"
  exit 0
fi

command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH; the round trip needs it (bridge build and edge-js CoreCLR)."
[ -f "$npm_config_nodedir/include/node/node.h" ] || fail "Node headers not found in $npm_config_nodedir/include/node (set npm_config_nodedir to the directory holding include/node)."

mkdir -p "$PREFIX"
cat > "$PREFIX/package.json" <<JSON
{
  "name": "bits-job2-ci-edge",
  "private": true,
  "description": "edge-js for the native round-trip test only (scripts/install-edge-js.sh)",
  "dependencies": { "edge-js": "$VERSION" },
  "allowScripts": { "edge-js": true }
}
JSON

echo "install-edge-js: [1/3] npm install edge-js@$VERSION (native build, ~1 min)"
t0=$(date +%s)
if ! (cd "$PREFIX" && npm install --no-audit --no-fund --loglevel=error > "$PREFIX/npm-install.log" 2>&1); then
  tail -40 "$PREFIX/npm-install.log" >&2
  fail "step 1 failed: npm install edge-js@$VERSION (full log: $PREFIX/npm-install.log)"
fi
[ -f "$EDGE/build/Release/edge_coreclr.node" ] || { tail -40 "$PREFIX/npm-install.log" >&2; fail "step 1: edge-js installed but build/Release/edge_coreclr.node is missing (install script not run or node-gyp failed; log: $PREFIX/npm-install.log)"; }
echo "install-edge-js:       done in $(( $(date +%s) - t0 )) s"

echo "install-edge-js: [2/3] patch the bootstrap's 4.3.1 package references to 4.3.0"
CSPROJ="$EDGE/src/double/Edge.js/Edge.js.csproj"
[ -f "$CSPROJ" ] || fail "step 2: $CSPROJ not found (edge-js layout changed?)"
sed -i -E 's/(Include="System\.(Console|Xml\.ReaderWriter)" Version=")4\.3\.1"/\14.3.0"/' "$CSPROJ"

echo "install-edge-js: [3/3] dotnet build -c Release of edge-js lib/bootstrap"
t0=$(date +%s)
if ! (cd "$EDGE/lib/bootstrap" && dotnet build -c Release -nologo -v q > "$PREFIX/bootstrap-build.log" 2>&1); then
  tail -40 "$PREFIX/bootstrap-build.log" >&2
  fail "step 3 failed: dotnet build of $EDGE/lib/bootstrap (log: $PREFIX/bootstrap-build.log)"
fi
echo "install-edge-js:       done in $(( $(date +%s) - t0 )) s"
touch "$STAMP"
echo "install-edge-js: edge-js $VERSION ready in .ci/edge (BITS_JOB2_EDGE_JS=$EDGE)"
