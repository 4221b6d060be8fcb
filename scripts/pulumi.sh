#!/usr/bin/env bash
# `npm run pulumi -- ARGS`: the project's Pulumi engine. Provisions it on first use (progress on
# stderr, so only the engine writes to stdout), fills in the offline defaults where a PULUMI_*
# variable is unset (a local file:// state folder among them), passes any other state backend
# through, and refuses, with the reason, commands that download from the internet.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$(bash "$root/scripts/engine.sh")
refuse() { printf 'tenancy pulumi: %s\n' "$*" >&2; exit 2; }

export PATH="$bin:$root/node_modules/@pulumi/pulumi:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=${PULUMI_SKIP_UPDATE_CHECK:-true}
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}
export PULUMI_HOME=${PULUMI_HOME:-$root/.tenancy/pulumi-home}
# The state backend: PULUMI_BACKEND_URL, else the one `npm run pulumi -- login URL` recorded in
# PULUMI_HOME (a login is kept, not overridden), else the local state folder.
logged_in=$(node -e 'try { process.stdout.write(require(process.argv[1]).current || "") } catch {}' "$PULUMI_HOME/credentials.json")
[ -n "${PULUMI_BACKEND_URL:-}" ] || [ -n "$logged_in" ] || export PULUMI_BACKEND_URL="file://$root/.tenancy/state"
mkdir -p "$root/.tenancy/state" "$PULUMI_HOME"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # A passphrase made once per checkout for the local secrets provider, readable only by its user.
  pass="$root/.tenancy/passphrase"
  [ -s "$pass" ] || (umask 077 && head -c 24 /dev/urandom | base64 >"$pass")
  export PULUMI_CONFIG_PASSPHRASE_FILE="$pass"
fi

case "${1:-}" in
  new) refuse "'pulumi new' downloads its templates, which needs the network; copy a folder from examples/ instead." ;;
  plugin) [ "${2:-}" = install ] && refuse "'pulumi plugin install' downloads plugins, which needs the network; tenancy's dynamic provider needs none beyond the ones provisioned in $bin." ;;
  "" | login | logout | version | about | help | --help | -h) ;;
  *)
    # State where the team keeps it (file://, postgres://, s3://, https://api.pulumi.com, ...), as
    # far as this machine reaches it: a backend that cannot be opened is refused up front with the
    # engine's own reason, its URL's password blanked (the engine prints the URL as given).
    case "${PULUMI_BACKEND_URL:-$logged_in}" in
      file://*) ;;
      *)
        blank() { sed -E 's#(://[^/:@[:space:]]*):[^@/[:space:]]*@#\1:***@#g'; }
        backend=${PULUMI_BACKEND_URL:+PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL}
        if ! why=$(pulumi whoami --non-interactive 2>&1 >/dev/null); then
          refuse "$(printf 'the state backend %s cannot be used: %s' "${backend:-$logged_in (pulumi login)}" "${why#error: }" | blank)"
        fi ;;
    esac ;;
esac
cd "${INIT_CWD:-$PWD}"
exec pulumi "$@"
