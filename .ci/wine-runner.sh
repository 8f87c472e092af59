#!/bin/sh
# cargo's target runner for x86_64-pc-windows-gnu: runs a Windows executable (a test, or the
# helper itself) under Wine, in a private Wine prefix, with the ProcessPrng shim Rust's std
# needs on Wine 8.0 (.ci/prng-shim.c; test rig only, never shipped).
#
#   CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$PWD/.ci/wine-runner.sh \
#       cargo test --target x86_64-pc-windows-gnu
#
# Needs gcc-mingw-w64-x86-64 and wine64 (Debian 12: apt-get install gcc-mingw-w64-x86-64 wine wine64).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shim_dir=${PAT_WINE_SHIM_DIR:-$here/../target/wine-shim}
shim=$shim_dir/bcryptprimitives.dll
if [ ! -f "$shim" ] || [ "$here/prng-shim.c" -nt "$shim" ]; then
    mkdir -p "$shim_dir"
    x86_64-w64-mingw32-gcc -shared -O2 -s -o "$shim.tmp" "$here/prng-shim.c" -ladvapi32
    mv "$shim.tmp" "$shim"
fi
shim_dir=$(cd "$shim_dir" && pwd)

# A prefix of our own: the tests never touch a person's ~/.wine, and its Credential Manager
# starts empty. Mono and Gecko are not wanted (no install prompts).
export WINEPREFIX="${WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/git-credential-pat/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="bcryptprimitives=n,b;mscoree,mshtml="
# Windows' DLL search includes PATH, so processes the test starts (the helper) find the shim too.
export WINEPATH="Z:$(printf '%s' "$shim_dir" | tr / '\\')${WINEPATH:+;$WINEPATH}"
mkdir -p "$WINEPREFIX"

if command -v wine64 >/dev/null 2>&1; then wine=wine64
elif [ -x /usr/lib/wine/wine64 ]; then wine=/usr/lib/wine/wine64
else wine=wine
fi
exec "$wine" "$@"
