#!/usr/bin/env bash
# The real components the tests use, installed from Debian's packages when missing:
#   - PostgreSQL's server (initdb, pg_ctl): `alphapulse persist` is tested against a real server that
#     the tests start themselves in a temporary folder (tools/tests/common/pg.rs);
#   - Chromium: the dashboard's web page is tested in headless Chromium (tools/tests/dashboard_page.rs);
#   - promtool (package `prometheus`): `/metrics` is checked with `promtool check metrics`, and the
#     alerting rules in tools/prometheus/ with `promtool check rules` / `test rules`;
#   - openssl: the alert channels' TLS tests make a throw-away CA and server certificate with it
#     (tools/tests/alerts_tls.rs).
# and, for the ML agent (engine/ml), ONNX Runtime 1.31.1's shared library from the pinned PyPI wheel
# into target/onnxruntime/ (see ort_setup below; pip comes from Debian's python3-pip if missing).
# Idempotent and quick when everything is there. Needs root, or sudo without a password.
# The README's test command runs it first: `tools/setup.sh && cargo test --workspace`.
set -euo pipefail

need=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium fonts-liberation)
command -v promtool >/dev/null || need+=(prometheus)
command -v openssl >/dev/null || need+=(openssl)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)

# ONNX Runtime for the ML agent (engine/ml, `ort` with `load-dynamic`): the shared library of the
# pinned `onnxruntime` wheel from PyPI (hash-pinned; pip fetches the manylinux wheel whatever Python
# this machine has), extracted to <repo>/target/onnxruntime/ and checked. `.cargo/config.toml` points
# ORT_DYLIB_PATH there for cargo run/test/bench. Nothing else is downloaded, at build time or later.
ort_setup() {
    ort_ver=1.31.1
    ort_wheel_sha=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
    ort_so_sha=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    ort_dir="$repo/target/onnxruntime"
    ort_so="$ort_dir/libonnxruntime.so.$ort_ver"
    if [ -f "$ort_so" ] && echo "$ort_so_sha  $ort_so" | sha256sum -c --status -; then
        echo "setup: ONNX Runtime $ort_ver is at $ort_so"
    else
        python3 -m pip --version >/dev/null 2>&1 || {
            echo "setup: ONNX Runtime needs pip (python3 -m pip); install python3-pip" >&2
            return 1
        }
        echo "setup: fetching onnxruntime==$ort_ver from PyPI for $ort_so"
        ort_tmp=$(mktemp -d)
        trap 'rm -rf "$ort_tmp"' EXIT
        printf 'onnxruntime==%s --hash=sha256:%s\n' "$ort_ver" "$ort_wheel_sha" >"$ort_tmp/req.txt"
        python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
            --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
            --require-hashes -r "$ort_tmp/req.txt" -d "$ort_tmp"
        mkdir -p "$ort_dir"
        # Python's zipfile, not unzip: a fresh machine has python3 but not always unzip.
        python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read("onnxruntime/capi/" + sys.argv[2]))' \
            "$ort_tmp"/onnxruntime-"$ort_ver"-*.whl "libonnxruntime.so.$ort_ver" "$ort_so.part"
        if ! echo "$ort_so_sha  $ort_so.part" | sha256sum -c --status -; then
            rm -f "$ort_so.part"
            echo "setup: libonnxruntime.so.$ort_ver from the wheel has the wrong sha256" >&2
            return 1
        fi
        mv "$ort_so.part" "$ort_so"
        rm -rf "$ort_tmp"
        trap - EXIT
        echo "setup: ONNX Runtime $ort_ver extracted to $ort_so"
    fi
}

if [ ${#need[@]} -eq 0 ]; then
    echo "setup: PostgreSQL server, Chromium, promtool and openssl are installed"
    ort_setup
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
ort_setup
echo "setup: done"
