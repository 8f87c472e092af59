#!/bin/sh
# Builds git-credential-pat, installs it, and points git at it for https://github.com.
#
#   ./install.sh               build (release, --locked), install to ~/.local/bin, configure git
#   PREFIX=/usr/local ./install.sh   install to $PREFIX/bin instead
#   ./install.sh --binary FILE install FILE (a released binary), configure git; no Rust needed
#   ./install.sh --build-only  build as above, install nothing, print the built binary's path
#                              (`cargo bench --bench helpers` measures that binary)
#   ./install.sh --uninstall   unconfigure git and remove the binary; with tokens stored (in
#                              any namespace git's config names) it lists them and asks
#                              whether to revoke and erase them first; "no" removes nothing
#   ./install.sh --uninstall --yes   the same for scripts: revoke and erase them, then remove
#
# Running it again (after `git pull`, say) rebuilds and replaces the binary; the git config
# ends up the same however many times it runs.
set -eu

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

# A given binary's path is taken before the cd below, so a relative one still works.
given=
case "${1:-}" in
    --binary=*) given=${1#--binary=}; shift ;;
    --binary)
        [ $# -ge 2 ] || die "--binary needs a file: ./install.sh --binary ./git-credential-pat"
        given=$2; shift 2 ;;
esac
if [ -n "$given" ]; then
    [ $# -eq 0 ] || die "unknown argument '$1' after --binary FILE"
    case $given in /*) ;; *) given="$(pwd)/$given" ;; esac
    [ -f "$given" ] || die "$given: no such file"
fi

cd "$(dirname "$0")"

# The one build recipe, for installing and for the benchmark (--build-only): sets $built to the
# binary's path. Run from the repository's top directory.
build() {
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
    # without the dynamic loader's work answers git's `get` about a third sooner (measured
    # with `cargo bench --bench helpers` on each build).
    # The flag is given with an explicit --target, because cargo would otherwise pass it to
    # proc-macro crates too, which cannot be built that way. glibc's name service in a static
    # binary: the `files` and `dns` sources of /etc/nsswitch.conf are built into glibc (2.34+)
    # and work as in a dynamic binary; other sources (mdns4_minimal, resolve, sss, ldap) are
    # loaded with dlopen and work only with the very glibc it was built with, and are skipped
    # otherwise. Names are looked up only by `login` and the forge API calls, never on git's
    # get/store/erase path. GIT_CREDENTIAL_PAT_DYNAMIC=1 builds a dynamically linked binary
    # instead (e.g. for .local forges resolved by mDNS).
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
    built="${target_dir:-$(pwd)/target}/$built/git-credential-pat"
}

if [ "${1:-}" = "--build-only" ]; then
    [ $# -eq 1 ] || die "unknown argument '$2' after --build-only"
    build
    printf '%s\n' "$built"
    exit 0
fi

prefix=${PREFIX:-"$HOME/.local"}
bindir="$prefix/bin"
bin="$bindir/git-credential-pat"

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
    yes=no
    case "${2:-}" in
        --yes) yes=yes ;;
        "") ;;
        *) die "unknown argument '$2' (use --uninstall, or --uninstall --yes)" ;;
    esac
    if [ -x "$bin" ]; then
        # Tokens first: once the binary is gone, nothing lists them any more, and they stay
        # live at their forges until they expire (a lab timer, which only the helper runs,
        # never fires). They are looked for in this shell's namespace
        # (GIT_CREDENTIAL_PAT_NAMESPACE, or none) and in each namespace that a helper command
        # in git's config names (`helper = pat --namespace=lab`), which `list` alone does not show.
        # (An older binary knows no `list --namespaces`: then this shell's namespace only.)
        namespaces=$("$bin" list --namespaces 2>/dev/null) || namespaces=
        own=${GIT_CREDENTIAL_PAT_NAMESPACE:-}
        # Namespaces are letters, digits, '.', '_' and '-' (the helper refuses others), so the
        # lists below split at spaces; "ns=" stands for this shell's own.
        # in_ns: the installed helper in the namespace $ns ($run: the same, for messages).
        in_ns() {
            if [ -n "$ns" ]; then "$bin" --namespace="$ns" "$@"; else "$bin" "$@"; fi
        }
        stored=
        count=0
        fix=
        for entry in "ns=" $(printf '%s\n' "$namespaces" | sed -n 's/^./ns=&/p'); do
            ns=${entry#ns=}
            if [ -n "$ns" ] && [ "$ns" = "$own" ]; then continue; fi
            if [ -n "$ns" ]; then
                run="$bin --namespace=$ns"
            else
                run=$bin
            fi
            json=$(in_ns list --json) ||
                die "could not list the stored tokens (see above), so nothing was removed; fix the keychain, or run '$run logout --all --revoke' yourself first"
            n=$(printf '%s\n' "$json" | grep -c '"host":' || true)
            [ "$n" -gt 0 ] || continue
            if [ -n "$ns" ]; then
                printf 'These tokens are stored in the namespace %s:\n' "$ns"
            else
                printf 'These tokens are stored:\n'
            fi
            in_ns list
            stored="$stored $entry"
            count=$((count + n))
            fix="${fix:+$fix, then }'$run logout --all --revoke'"
        done
        if [ "$count" -gt 0 ]; then
            if [ "$yes" = yes ]; then
                :
            elif [ -t 0 ] && { : </dev/tty; } 2>/dev/null; then
                printf 'Revoke them at their forges, erase them, and then uninstall? [y/N] ' >/dev/tty
                read -r answer </dev/tty || answer=
                case "$answer" in
                    [yY]*) ;;
                    *) die "nothing was removed: the tokens stay stored and live at their forges, and git-credential-pat stays installed to list them and run their timers. To uninstall, run './install.sh --uninstall --yes' (it revokes and erases them first), or end them yourself with $fix and run ./install.sh --uninstall again." ;;
                esac
            else
                die "$count token(s) are stored (listed above), and nothing lists them once git-credential-pat is removed; nothing was removed. Run $fix first, or './install.sh --uninstall --yes' to revoke and erase them and uninstall."
            fi
            for entry in $stored; do
                ns=${entry#ns=}
                if [ -n "$ns" ]; then
                    run="$bin --namespace=$ns"
                else
                    run=$bin
                fi
                in_ns logout --all --revoke --yes ||
                    die "some tokens could not be revoked and are still stored (see above); nothing was removed. Run '$run logout --all --revoke' again, or add --force to erase them anyway, then run ./install.sh --uninstall again."
            done
        fi
        "$bin" unconfigure
        rm -f "$bin"
        printf '%s\n' "$extras" | while IFS= read -r f; do rm -f "$f"; done
        # What the helper leaves in its cache directory (the keychain's write lock, the record
        # of expiry warnings), and the directory itself once empty.
        case ${XDG_CACHE_HOME:-} in
            /*) cache="$XDG_CACHE_HOME/git-credential-pat" ;;
            *) cache="$HOME/.cache/git-credential-pat" ;;
        esac
        rm -f "$cache/vault.lock" "$cache/expiry-warnings"
        rmdir "$cache" 2>/dev/null || true
        printf 'Removed %s, its completions and its man page\n' "$bin"
    else
        printf 'install.sh: %s is not installed; nothing to do\n' "$bin"
    fi
    exit 0
elif [ $# -gt 0 ]; then
    die "unknown argument '$1' (use no argument to build and install, --binary FILE, --build-only, or --uninstall)"
fi

mkdir -p "$bindir"
if [ -n "$given" ]; then
    # A binary handed out (a release download, a workshop's USB stick): check it runs here
    # before it replaces anything.
    version=$("$given" --version 2>/dev/null) \
        || die "$given does not run on this machine (wrong OS or architecture, or not executable: chmod +x it)"
    version=$(printf '%s\n' "$version" | head -n 1)
    case $version in
        git-credential-pat\ *) ;;
        *) die "$given is not git-credential-pat (it says: $version)" ;;
    esac
    cp "$given" "$bin.new"
    chmod 755 "$bin.new"
else
    build
    cp "$built" "$bin.new"
fi
# Copy then rename, so a git running the old binary right now never sees a half-written file.
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
# man-db searches ~/.local/share/man because ~/.local/bin is on PATH (it looks beside every
# PATH directory); without that, say how to read the page.
case ":$PATH:" in
    *":$bindir:"*) ;;
    *) printf 'Until %s is on your PATH, read the man page with: man -l %s\n' "$bindir" "$data/man/man1/git-credential-pat.1" ;;
esac

"$bin" configure
