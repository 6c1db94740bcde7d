#!/usr/bin/env bash
# The real components the tests use, installed from Debian's packages when missing:
#   - PostgreSQL's server (initdb, pg_ctl): `alphapulse persist` is tested against a real server that
#     the tests start themselves in a temporary folder (tools/tests/common/pg.rs);
#   - Chromium: the dashboard's web page is tested in headless Chromium (tools/tests/dashboard_page.rs);
#   - promtool (package `prometheus`): `/metrics` is checked with `promtool check metrics`, and the
#     alerting rules in tools/prometheus/ with `promtool check rules` / `test rules`;
#   - openssl: the alert channels' TLS tests make a throw-away CA and server certificate with it
#     (tools/tests/alerts_tls.rs).
# Idempotent and quick when everything is there. Needs root, or sudo without a password.
# The README's test command runs it first: `tools/setup.sh && cargo test --workspace`.
set -euo pipefail

need=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium fonts-liberation)
command -v promtool >/dev/null || need+=(prometheus)
command -v openssl >/dev/null || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
    echo "setup: PostgreSQL server, Chromium, promtool and openssl are installed"
    exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        echo "setup: installing ${need[*]} needs root or password-less sudo; run as root or install them by hand" >&2
        exit 1
    fi
fi

echo "setup: installing ${need[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# The packages' own services are not wanted (the tests start their own PostgreSQL cluster and no
# Prometheus server): policy-rc.d refuses every service start while they install.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
fi
status=0
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" || status=$?
if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
if [ "$status" != 0 ]; then
    echo "setup: apt-get install ${need[*]} failed (exit $status)" >&2
    exit "$status"
fi

compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo "setup: initdb still missing after install" >&2; exit 1; }
command -v chromium >/dev/null || { echo "setup: chromium still missing after install" >&2; exit 1; }
command -v promtool >/dev/null || { echo "setup: promtool still missing after install" >&2; exit 1; }
command -v openssl >/dev/null || { echo "setup: openssl still missing after install" >&2; exit 1; }
echo "setup: done"
