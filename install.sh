#!/bin/sh
# Builds git-credential-pat, installs it, and points git at it for https://github.com.
#
#   ./install.sh               build (release, --locked), install to ~/.local/bin, configure git
#   PREFIX=/usr/local ./install.sh   install to $PREFIX/bin instead
#   ./install.sh --binary FILE install FILE (a released binary), configure git; no Rust needed
#   ./install.sh --build-only  build as above, install nothing, print the built binary's path
#                              (`cargo bench --bench helpers` measures that binary)
#   ./install.sh --agent       also run `git credential-pat agent` at login, for git on other
#                              machines (README.md, "Working on other machines"): on Linux the
#                              systemd user units in contrib/systemd (socket-activated, in
#                              ~/.config/systemd/user), on macOS the launchd agent in
#                              contrib/launchd (~/Library/LaunchAgents); goes with --binary FILE too
#   ./install.sh --uninstall   unconfigure git and remove the binary; with tokens stored (in
#                              any namespace git's config names) it lists them and asks
#                              whether to revoke and erase them first; "no" removes nothing
#   ./install.sh --uninstall --yes   the same for scripts: revoke and erase them, then remove
#                              (either way the agent's units, when installed, are stopped and
#                              removed with the binary)
#   ./install.sh --help        this text
#
# Running it again (after `git pull`, say) rebuilds and replaces the binary, and the agent's
# units when they are installed; the git config ends up the same however many times it runs.
set -eu

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
    --help | -h)
        # The comment above, from its usage lines to `set -eu`.
        sed -n '2,/^set -eu$/s/^# \{0,1\}//p' "$0"
        exit 0 ;;
esac

# --agent may come anywhere among the install's arguments (before or after --binary FILE):
# take it out here, and keep the others in order.
agent=no
for arg do
    shift
    if [ "$arg" = --agent ]; then
        agent=yes
    else
        set -- "$@" "$arg"
    fi
done
case "$agent:${1:-}" in
    yes:--uninstall | yes:--build-only)
        die "--agent goes with an install (./install.sh --agent, or --binary FILE --agent); --uninstall removes the agent's units anyway" ;;
esac

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

# The agent's service files (--agent), where the service managers read a user's own: systemd
# (systemd.unit(5), "User Unit Search Path") and launchd (launchd.plist(5)).
case ${XDG_CONFIG_HOME:-} in
    /*) units="$XDG_CONFIG_HOME/systemd/user" ;;
    *) units="$HOME/.config/systemd/user" ;;
esac
socket_unit=git-credential-pat-agent.socket
service_unit=git-credential-pat-agent.service
label=git-credential-pat.agent
plist="$HOME/Library/LaunchAgents/$label.plist"

# Whether a systemd user instance answers in this session (over SSH without a login session,
# in a container or in CI it does not).
systemd_user() {
    command -v systemctl >/dev/null 2>&1 && systemctl --user show-environment >/dev/null 2>&1
}

# $1 as one word of a systemd command line (systemd.service(5), "Command lines"): `%` and `$`
# doubled, so that systemd expands neither; quoted, with `\` and `"` escaped, when it holds
# anything but letters, digits and `/._+-`.
unit_word() {
    w=$(printf '%s' "$1" | sed 's/%/%%/g; s/\$/$$/g')
    case $w in
        *[!A-Za-z0-9/._+-]*) printf '"%s"' "$(printf '%s' "$w" | sed 's/[\\"]/\\&/g')" ;;
        *) printf '%s' "$w" ;;
    esac
}

# $1 as the text of an XML element.
xml_text() {
    printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'
}

# Installs the agent's units from contrib/ for the binary $bin, and starts them where the
# service manager answers; otherwise says what to run.
install_agent() {
    if [ "$(uname -s)" = Darwin ]; then
        src=contrib/launchd/$label.plist
        [ -f "$src" ] || die "$src is missing: run install.sh from a checkout of the repository to install the agent"
        log="$HOME/Library/Logs/git-credential-pat-agent.log"
        mkdir -p "$(dirname "$plist")" "$(dirname "$log")"
        # The two paths the file leaves to the installer: the binary and the log.
        while IFS= read -r line; do
            case $line in
                *'/git-credential-pat</string>') printf '        <string>%s</string>\n' "$(xml_text "$bin")" ;;
                *'/git-credential-pat-agent.log</string>') printf '    <string>%s</string>\n' "$(xml_text "$log")" ;;
                *) printf '%s\n' "$line" ;;
            esac
        done < "$src" > "$plist.new"
        mv -f "$plist.new" "$plist"
        uid=$(id -u)
        # Loaded by an earlier install: unload it, so that launchd reads the new file and runs
        # the new binary. bootstrap/bootout are macOS 10.10's; load/unload the older ones.
        launchctl bootout "gui/$uid/$label" 2>/dev/null || launchctl unload "$plist" 2>/dev/null || true
        if launchctl bootstrap "gui/$uid" "$plist" 2>/dev/null || launchctl load -w "$plist"; then
            printf 'Installed the agent as %s; launchd runs it at login (its log: %s)\n' "$plist" "$log"
        else
            printf 'Installed the agent as %s, but launchctl could not load it (above); to start it now, run:\n      launchctl bootstrap gui/%s %s\n' "$plist" "$uid" "$plist"
        fi
        return
    fi
    command -v systemctl >/dev/null 2>&1 || {
        printf 'No systemd here, so no units were installed for the agent: start it yourself with `git credential-pat agent`\n'
        return
    }
    for unit in "$socket_unit" "$service_unit"; do
        [ -f "contrib/systemd/$unit" ] || die "contrib/systemd/$unit is missing: run install.sh from a checkout of the repository to install the agent"
    done
    mkdir -p "$units"
    cp "contrib/systemd/$socket_unit" "$units/$socket_unit.new"
    # systemd refuses to run a program whose path holds a quote or a backslash ("Executable
    # name contains special characters"); such a path is handed to /bin/sh as an argument.
    case $bin in
        *[\'\"\\]*) exec_start='ExecStart=/bin/sh -c "exec \"$$0\" agent" '"$(unit_word "$bin")" ;;
        *) exec_start="ExecStart=$(unit_word "$bin") agent" ;;
    esac
    while IFS= read -r line; do
        case $line in
            ExecStart=*) printf '%s\n' "$exec_start" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done < "contrib/systemd/$service_unit" > "$units/$service_unit.new"
    mv -f "$units/$socket_unit.new" "$units/$socket_unit"
    mv -f "$units/$service_unit.new" "$units/$service_unit"
    if systemd_user; then
        systemctl --user daemon-reload
        systemctl --user enable --now "$socket_unit" ||
            die "systemctl --user enable --now $socket_unit failed (above); the units are in $units"
        # An agent already running runs the binary replaced above: restart it (if it runs).
        systemctl --user try-restart "$service_unit"
        printf 'Installed the agent'\''s systemd units in %s; systemd listens for it on %s\n' "$units" "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/git-credential-pat/agent.sock"
    else
        printf 'Installed the agent'\''s systemd units in %s, but systemctl --user does not answer in this session; once it does (in a login session), run:\n      systemctl --user daemon-reload && systemctl --user enable --now %s\n' "$units" "$socket_unit"
    fi
}

# Stops and removes what install_agent installed, when it is there.
remove_agent() {
    if [ -f "$units/$socket_unit" ] || [ -f "$units/$service_unit" ]; then
        if systemd_user; then
            systemctl --user disable --now "$socket_unit" "$service_unit" || true
        fi
        # The link `enable` made: removed by hand when systemctl does not answer.
        rm -f "$units/$socket_unit" "$units/$service_unit" "$units/sockets.target.wants/$socket_unit"
        if systemd_user; then
            systemctl --user daemon-reload
            printf 'Stopped the agent and removed its systemd units from %s\n' "$units"
        else
            printf 'Removed the agent'\''s systemd units from %s\n' "$units"
        fi
    fi
    if [ -f "$plist" ]; then
        if command -v launchctl >/dev/null 2>&1; then
            launchctl bootout "gui/$(id -u)/$label" 2>/dev/null || launchctl unload "$plist" 2>/dev/null || true
        fi
        rm -f "$plist"
        printf 'Stopped the agent and removed %s\n' "$plist"
    fi
}

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
        # The agent first: a running one is stopped before its binary goes.
        remove_agent
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
        remove_agent
        printf 'install.sh: %s is not installed; nothing to do\n' "$bin"
    fi
    exit 0
elif [ $# -gt 0 ]; then
    die "unknown argument '$1' (use no argument to build and install, --binary FILE, --agent, --build-only, --uninstall, or --help)"
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

# After configure: the agent serves the hosts it set up. Installed once, the units are
# refreshed on every later install, so that they keep naming the installed binary.
if [ "$agent" = yes ] || [ -f "$units/$service_unit" ] || [ -f "$plist" ]; then
    install_agent
fi
