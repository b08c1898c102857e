#!/usr/bin/env bash
# Debian packages the tests start as real servers on 127.0.0.1: nginx (downloads, Range, ETag,
# HTTPS), squid and apache2 (proxy and Digest auth, issue 4), mod_auth_gssapi + gss-ntlmssp (a real
# NTLMv2 validator for server and proxy NTLM, issue 18), krb5-kdc + krb5-admin-server + krb5-user (a
# real MIT KDC, kinit), libkrb5-dev (the engine's GSSAPI add-on is built from it), libfaketime (a KDC with
# a wrong clock) and squid's negotiate_kerberos_auth (in squid) for Kerberos, issue 18; aria2 and curl (benchmarks), openssl
# (test certificates), systemd (systemd-analyze checks the server's unit, offline), strace (the store's
# commit-before-reply order is read off the service's system calls), iproute2 (ip netns + tc HTB: the bottleneck link
# of the bandwidth tests, issue 19), wine64 + the mingw-w64 headers and compiler (the Wine lane: the Windows chain
# on Wine's BITS, and the header check of the COM declarations — scripts/wine/prepare.sh builds the rest
# into .ci/wine when the lane's tests run). Then edge-js for the native round-trip test, in its own prefix .ci/edge/
# (scripts/install-edge-js.sh; independent of the project's node_modules, so it may run before
# `npm ci`, which leaves .ci/edge alone). Idempotent; needs root (CI runs as root) or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(iproute2 nginx-light squid apache2 apache2-utils libapache2-mod-auth-gssapi gss-ntlmssp krb5-kdc krb5-admin-server krb5-user libkrb5-dev libfaketime aria2 curl openssl systemd strace wine64 mingw-w64-x86-64-dev gcc-mingw-w64-x86-64)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
scripts/install-edge-js.sh
# The Kerberos add-on: optional for users, required here so the Kerberos tests run (npm ci builds it too).
node scripts/install-kerberos.mjs --required
