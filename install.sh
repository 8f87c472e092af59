#!/bin/sh
# Builds git-credential-pat, installs it, and points git at it for https://github.com.
#
#   ./install.sh               build (release, --locked), install to ~/.local/bin, configure git
#   PREFIX=/usr/local ./install.sh   install to $PREFIX/bin instead
#   ./install.sh --uninstall   unconfigure git and remove the binary
#
# Running it again (after `git pull`, say) rebuilds and replaces the binary; the git config
# ends up the same however many times it runs.
set -eu

cd "$(dirname "$0")"
prefix=${PREFIX:-"$HOME/.local"}
bindir="$prefix/bin"
bin="$bindir/git-credential-pat"

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

command -v git >/dev/null 2>&1 || die "git is not installed: install it first (e.g. apt-get install git)."

# Where the shell completions and the man page go (the XDG locations that bash-completion,
# zsh (with this directory on fpath), fish and man read for a user install).
data=${XDG_DATA_HOME:-"$HOME/.local/share"}
[ -n "${PREFIX:-}" ] && data="$prefix/share"
extras="$data/bash-completion/completions/git-credential-pat
$data/zsh/site-functions/_git-credential-pat
$data/fish/vendor_completions.d/git-credential-pat.fish
$data/man/man1/git-credential-pat.1"

if [ "${1:-}" = "--uninstall" ]; then
    if [ -x "$bin" ]; then
        "$bin" unconfigure
        rm -f "$bin"
        printf '%s\n' "$extras" | while IFS= read -r f; do rm -f "$f"; done
        printf 'Removed %s, its completions and its man page\n' "$bin"
    else
        printf 'install.sh: %s is not installed; nothing to do\n' "$bin"
    fi
    exit 0
elif [ $# -gt 0 ]; then
    die "unknown argument '$1' (use no argument to install, or --uninstall)"
fi

command -v cargo >/dev/null 2>&1 || die "cargo is not installed: install Rust from https://rustup.rs, then run ./install.sh again."
# Some dependencies compile C (the vendored libdbus, aws-lc for TLS).
command -v cc >/dev/null 2>&1 || die "no C compiler: install one (e.g. apt-get install build-essential), then run ./install.sh again."
# Cargo.toml's rust-version; distributions' packaged Rust is often older (Debian 12: 1.63).
need=1.89
have=$(rustc --version 2>/dev/null | sed -n 's/^rustc \([0-9]*\.[0-9]*\).*/\1/p')
if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$need" "$have" | sort -t. -k1,1n -k2,2n | head -n1)" != "$need" ]; then
    die "Rust ${have:-?} is too old: git-credential-pat needs $need or newer. Install a current Rust with https://rustup.rs (rustup update), then run ./install.sh again."
fi

# On Linux with glibc the helper is linked statically (+crt-static): a process that starts
# without the dynamic loader's work answers git's `get` about a third sooner (issue 12). The
# flag is given with an explicit --target, because cargo would otherwise pass it to proc-macro
# crates too, which cannot be built that way. glibc's name service in a static binary: the
# `files` and `dns` sources of /etc/nsswitch.conf are built into glibc (2.34+) and work as in a
# dynamic binary; other sources (mdns4_minimal, resolve, sss, ldap) are loaded with dlopen and
# work only with the very glibc it was built with, and are skipped otherwise. Names are looked
# up only by `login` and the forge API calls, never on git's get/store/erase path. Set
# GIT_CREDENTIAL_PAT_DYNAMIC=1 to build a dynamically linked binary instead (e.g. for .local
# forges resolved by mDNS).
triple=
if [ "$(uname -s)" = Linux ] && [ -z "${GIT_CREDENTIAL_PAT_DYNAMIC:-}" ] && ldd --version 2>&1 | grep -qi 'glibc\|gnu libc'; then
    case $(uname -m) in
        x86_64 | aarch64) triple="$(uname -m)-unknown-linux-gnu" ;;
    esac
fi
if [ -n "$triple" ]; then
    RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static" cargo build --release --locked --target "$triple"
    built=$triple/release
else
    cargo build --release --locked
    built=release
fi
# Where cargo put it: CARGO_TARGET_DIR or build.target-dir may point elsewhere than ./target.
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
mkdir -p "$bindir"
# Copy then rename, so a git running the old binary right now never sees a half-written file.
cp "${target_dir:-target}/$built/git-credential-pat" "$bin.new"
mv -f "$bin.new" "$bin"
printf 'Installed %s\n' "$bin"

case ":$PATH:" in
    *":$bindir:"*) ;;
    *) printf 'Note: %s is not on your PATH; git will still find the helper (it is configured by its full path),\n      but to run `git credential-pat` yourself add this to your shell profile:\n      export PATH="%s:$PATH"\n' "$bindir" "$bindir" ;;
esac

for shell in bash zsh fish; do
    case $shell in
        bash) f="$data/bash-completion/completions/git-credential-pat" ;;
        zsh) f="$data/zsh/site-functions/_git-credential-pat" ;;
        fish) f="$data/fish/vendor_completions.d/git-credential-pat.fish" ;;
    esac
    mkdir -p "$(dirname "$f")"
    "$bin" completions "$shell" > "$f"
done
mkdir -p "$data/man/man1"
"$bin" manpage > "$data/man/man1/git-credential-pat.1"
printf 'Installed shell completions and the man page (man git-credential-pat) under %s\n' "$data"

"$bin" configure
