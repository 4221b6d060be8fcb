#!/usr/bin/env bash
# Provisions the Pulumi engine and prints the directory that holds `pulumi`, its Node.js language
# host and the dynamic-provider plugin (one line on stdout; progress goes to stderr).
#
# Pulumi's own installers download from sites this project's machines cannot reach, but the
# engine and the language host are Go modules, so when no recent enough `pulumi` is on the PATH
# we build them from the Go module proxy, pinned by the go.mod/go.sum files beside this script,
# and cache the result per user and version, outside the repository.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'tenancy engine: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

sdk_version=$(node -p "require('$root/node_modules/@pulumi/pulumi/package.json').version" 2>/dev/null) ||
  die "cannot read the @pulumi/pulumi version: run 'npm ci' in $root first."
plugin="$root/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"

# Engine release to build: the one matching the SDK. The Node.js language host of that release
# is a separate Go module that the proxy here refuses at every version, so the host is built
# from the last release that shipped it inside github.com/pulumi/pulumi/sdk/v3 (see README).
engine_version=v3.248.0
host_version=v3.68.0

newer_or_equal() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# 1. A pulumi on the PATH that is at least as new as the SDK, with a Node.js language host, is
# used as it is (the dynamic-provider plugin then comes from @pulumi/pulumi: see pulumi.sh).
cache=${TENANCY_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tenancy}
if existing=$(command -v pulumi 2>/dev/null) && [[ "$(readlink -f "$existing")" != "$cache"/* ]]; then
  dir=$(dirname "$(readlink -f "$existing")")
  v=$("$existing" version 2>/dev/null | tr -d 'v\r' || true)
  if [ -n "$v" ] && newer_or_equal "$v" "$sdk_version" &&
    { [ -x "$dir/pulumi-language-nodejs" ] || command -v pulumi-language-nodejs >/dev/null; }; then
    echo "$dir"
    exit 0
  fi
  say "not using $existing: its version '${v:-unknown}' is older than the SDK's $sdk_version, or it has no Node.js language host"
fi

# 2. The cache, keyed by the engine and host versions.
home="$cache/pulumi-$engine_version-nodejs-$host_version"
bin="$home/bin"
ready() { [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] && [ -f "$home/.complete" ]; }
install_plugin() {
  cmp -s "$plugin" "$bin/pulumi-resource-pulumi-nodejs" 2>/dev/null || install -m 0755 "$plugin" "$bin/pulumi-resource-pulumi-nodejs"
  install_analyzer "$bin"
}

# The CrossGuard analyzer for Node.js policy packs, which the CLI tarball ships beside the engine
# and the SDK does not: a script that runs the SDK's cmd/run-policy-pack found from the pack's
# folder. Installed as `pulumi-analyzer-policy` (the name engines use for Node.js packs when they
# find no Node.js language host) and as `pulumi-analyzer-policy-tenancy-nodejs`, the analyzer of
# provider/policy-pack/analyzer: this engine, finding our language host, would otherwise ask it to
# run the pack (RunPlugin), which the v3.68.0 host answers with "not supported".
install_analyzer() {
  local text
  text=$(printf '%s\n' '#!/bin/sh' \
    '# Runs a Node.js CrossGuard policy pack: the engine starts this in the pack folder.' \
    'entry=$(node -p "require.resolve(\"@pulumi/pulumi/cmd/run-policy-pack\")") || exit 1' \
    'exec node "$entry" "$@"')
  for name in pulumi-analyzer-policy pulumi-analyzer-policy-tenancy-nodejs; do
    [ "$(cat "$1/$name" 2>/dev/null)" = "$text" ] || { printf '%s\n' "$text" >"$1/$name" && chmod 0755 "$1/$name"; }
  done
}

if ready; then
  install_plugin
  echo "$bin"
  exit 0
fi

# 3. Build, once: concurrent callers wait on a lock and then find the finished cache.
command -v go >/dev/null 2>&1 ||
  die "no 'pulumi' on the PATH and no Go to build one: install Pulumi >= $sdk_version, or Go >= 1.25 (the engine is built from the Go module proxy)."
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if ready; then
  install_plugin
  echo "$bin"
  exit 0
fi

work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
stamp="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
build() { # module-folder package output version
  local started=$SECONDS
  cp "$root/scripts/engine/$1/go.mod" "$root/scripts/engine/$1/go.sum" "$root/scripts/engine/$1/tools.go" "$work/"
  say "building $3 $4 from the Go module proxy (several minutes on 2 cores)..."
  (cd "$work" && GOFLAGS=-mod=mod go build -buildvcs=false -trimpath -ldflags "$stamp=$4" -o "$work/out/$3" "$2") >&2 ||
    die "building $3 failed (see the go output above); set TENANCY_ENGINE_CACHE or put a pulumi >= $sdk_version on the PATH to skip the build."
  rm -f "$work/go.mod" "$work/go.sum" "$work/tools.go"
  say "built $3 in $((SECONDS - started))s"
}
build cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi "$engine_version"
build language-nodejs github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs pulumi-language-nodejs "$host_version"
install -m 0755 "$plugin" "$work/out/pulumi-resource-pulumi-nodejs"
install_analyzer "$work/out"
"$work/out/pulumi" version >/dev/null || die "the built engine does not run"

rm -rf "$home"
mkdir -p "$home"
mv "$work/out" "$bin"
touch "$home/.complete"
say "engine ready in $bin"
echo "$bin"
