#!/usr/bin/env bash
# `npm run pulumi -- ARGS`: the project's Pulumi engine, offline. Provisions it on first use
# (progress on stderr, so only the engine writes to stdout), fills in the offline defaults where
# a PULUMI_* variable is unset, and refuses, with the reason, commands that need the network.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$(bash "$root/scripts/engine.sh")
refuse() { printf 'tenancy pulumi: %s\n' "$*" >&2; exit 2; }

export PATH="$bin:$root/node_modules/@pulumi/pulumi:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=${PULUMI_SKIP_UPDATE_CHECK:-true}
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
export PULUMI_HOME=${PULUMI_HOME:-$root/.tenancy/pulumi-home}
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.tenancy/state}
mkdir -p "$root/.tenancy/state" "$PULUMI_HOME"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # A passphrase made once per checkout for the local secrets provider, readable only by its user.
  pass="$root/.tenancy/passphrase"
  [ -s "$pass" ] || (umask 077 && head -c 24 /dev/urandom | base64 >"$pass")
  export PULUMI_CONFIG_PASSPHRASE_FILE="$pass"
fi

case "$PULUMI_BACKEND_URL" in
  file://*) ;;
  *) refuse "PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL needs the network, which this project's machines do not reach; use a file:// state folder (the default is $root/.tenancy/state)." ;;
esac
case "${1:-}" in
  login)
    for a in "${@:2}"; do case "$a" in --local | -l | file://*) exec pulumi "$@" ;; esac; done
    refuse "'pulumi login' without --local or a file:// URL signs in to a remote service, which needs the network; state stays in a local folder here (PULUMI_BACKEND_URL)." ;;
  new) refuse "'pulumi new' downloads its templates, which needs the network; copy a folder from examples/ instead." ;;
  plugin) [ "${2:-}" = install ] && refuse "'pulumi plugin install' downloads plugins, which needs the network; tenancy's dynamic provider needs none beyond the ones provisioned in $bin." ;;
esac
cd "${INIT_CWD:-$PWD}"
exec pulumi "$@"
