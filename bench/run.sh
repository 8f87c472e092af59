#!/usr/bin/env bash
# bench/run.sh: how fast and how small git-credential-pat is, next to the helpers people use
# instead (git credential-store, git-credential-libsecret, gh auth git-credential), on both
# Linux keychains (the kernel keyring and the Secret Service).
#
# Usage: bench/run.sh        (no arguments; as root on Debian 12; about 3 to 5 minutes)
#
# What it does, in order:
#   1. installs the Debian packages it needs (only when some are missing), builds the helper
#      (release) and git's own libsecret helper;
#   2. starts a private D-Bus session bus with gnome-keyring on it, and a local HTTPS git
#      server (nginx + fcgiwrap + git http-backend) with Basic auth;
#   3. stores one token in every helper, then times with hyperfine: `get` alone, through
#      `git credential fill`, `store` and `erase`, a `git fetch` over HTTPS, and `get` with
#      1 to 1000 credentials stored; and measures peak memory, binary size and syscalls;
#   4. prints Markdown tables of the medians and writes them to bench/RESULTS.md.
#
# Everything it starts, stores or writes (apart from bench/RESULTS.md and the cargo build) is
# removed on exit, also after a failure or Ctrl-C: the daemons are killed by PID, the kernel
# keyring entries of this run's namespaces are erased, the temp dir is deleted.
set -euo pipefail

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
RESULTS=$REPO/bench/RESULTS.md

# hyperfine's runs per benchmark. 100 runs give a stable median for 1 to 60 ms commands and
# keep the whole run well under 10 minutes.
WARMUP=5
RUNS=100

# The Debian packages the benchmark uses (hyperfine 1.15, gh 2.23, gnome-keyring 42 on Debian 12).
PACKAGES=(hyperfine gnome-keyring dbus libsecret-tools libsecret-1-dev libglib2.0-dev
  pkg-config build-essential gh time strace keyutils nginx fcgiwrap openssl)

# Where Debian's git package keeps the source of git's libsecret helper (the git 2.39 version).
LIBSECRET_SRC=/usr/share/doc/git/contrib/credential/libsecret

# Every keychain entry this run makes lives in a namespace named after its PID, so entries of
# earlier runs, of the tests, or of the user are never read, timed or erased.
NS=bench-$$

# Daemon PIDs and other state the exit trap needs; empty means "not started".
T=""
DBUS_PID=""
KEYRING_PID=""
KEYRING_OWNER_PID=""
FCGI_PID=""
NGINX_PID=""
POLICY=/usr/sbin/policy-rc.d
POLICY_OURS=0
POLICY_BACKUP=""
PAT=""

START=$SECONDS

log() { printf 'bench [%3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() {
  printf 'bench: error: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Cleanup: runs on every exit (normal, error, Ctrl-C), so no daemon, keychain entry or temp
# file outlives the run.

# Whether a PID is alive. A child we have not reaped yet is a zombie, which kill -0 still
# reports as alive, so the state letter in /proc decides.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != [ZX] ]]
}

# Stop one daemon by PID: SIGTERM, up to 2 s to exit, then SIGKILL; reap it if it is our child
# (PID 1 of a container may not reap, and unreaped children stay as zombies).
stop_pid() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    alive "$pid" || break
    sleep 0.01
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

restore_policy() {
  ((POLICY_OURS)) || return 0
  if [[ -n $POLICY_BACKUP ]]; then
    mv -f -- "$POLICY_BACKUP" "$POLICY"
  else
    rm -f -- "$POLICY"
  fi
  POLICY_OURS=0
}

# Kernel keyring entries of bench namespaces, as "ID NAMESPACE" lines. The helper names its
# keys `keyring:<account>@git-credential-pat:<namespace>` and links them into root's persistent
# keyring. Those keys grant their owner only "view"; everything else needs possession, i.e. the
# persistent keyring linked into our session keyring, hence `keyctl session -` (which also
# gives keyctl a session keyring where the process has none).
bench_keys() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  keyctl session - sh -c '
    ring=$(keyctl get_persistent @s) || exit 0
    for id in $(keyctl rlist "$ring" 2>/dev/null); do
      d=$(keyctl rdescribe "$id" 2>/dev/null) || continue
      case $d in *"@git-credential-pat:bench-"*) echo "$id ${d##*@git-credential-pat:}" ;; esac
    done' 2>/dev/null | grep -E '^[0-9]+ bench-[0-9]+(-n[0-9]+)?$' || true
}

# Invalidate kernel keyring entries of bench namespaces: "mine" = this run's (bench-PID and
# bench-PID-nN), "stale" = those of earlier runs that died before their own cleanup (their PID
# is gone). The normal path erases its entries with the helper's own `erase`; this is the
# safety net for an interrupted run.
sweep_keys() {
  local mode=$1 id ns pid ids=()
  command -v keyctl >/dev/null || return 0
  while read -r id ns; do
    pid=${ns#bench-}
    pid=${pid%%-*}
    if [[ $mode == mine ]]; then
      [[ $pid == "$$" ]] || continue
    elif [[ $pid == "$$" ]] || kill -0 "$pid" 2>/dev/null; then
      continue
    fi
    ids+=("$id")
  done < <(bench_keys)
  ((${#ids[@]})) || return 0
  if [[ $mode == mine ]]; then
    log "removing ${#ids[@]} kernel keyring entries this run left behind"
  else
    log "removing ${#ids[@]} kernel keyring entries of earlier, interrupted runs"
  fi
  # shellcheck disable=SC2016 # expanded by the inner shell
  keyctl session - sh -c 'ring=$(keyctl get_persistent @s)
    for id; do keyctl invalidate "$id" || keyctl unlink "$id" "$ring"; done' sh "${ids[@]}" \
    >/dev/null 2>&1 || true
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM HUP
  stop_pid "$NGINX_PID"
  stop_pid "$FCGI_PID"
  # gnome-keyring first: a daemon whose bus disappears under it may linger (REFERENCE §2).
  if [[ -n $KEYRING_OWNER_PID && $KEYRING_OWNER_PID != "$KEYRING_PID" ]]; then
    stop_pid "$KEYRING_OWNER_PID"
  fi
  stop_pid "$KEYRING_PID"
  stop_pid "$DBUS_PID"
  restore_policy
  [[ -n $PAT ]] && sweep_keys mine
  [[ -n $T && -d $T ]] && rm -rf -- "$T"
  exit "$rc"
}
trap cleanup EXIT
# set -e exits silently; say where.
set -E
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Poll a command until it succeeds, for at most $1 seconds; daemons are usually ready in tens of
# milliseconds, and a bounded wait turns a broken setup into an error instead of a hang. The
# probe returns 2 when the daemon has died, which ends the wait at once.
wait_until() {
  local limit=$1 deadline rc
  shift
  deadline=$((SECONDS + limit))
  while true; do
    rc=0
    "$@" || rc=$?
    ((rc == 0)) && return 0
    ((rc == 2)) && return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.01
  done
}

# ---------------------------------------------------------------------------------------------
# 1. Packages and builds.

# A short path: unix socket paths are limited to 108 bytes.
T=$(mktemp -d /tmp/gcp-bench.XXXXXX)
chmod 700 "$T"

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
  done
  # git's libsecret helper is built from the source that Debian's git package ships; the
  # /usr/local git may be the one on PATH, but the source only comes with the package.
  if [[ ! -e $LIBSECRET_SRC/git-credential-libsecret.c && ! -e $LIBSECRET_SRC/git-credential-libsecret.c.gz ]]; then
    missing+=(git)
  fi
  if ((${#missing[@]} == 0)); then
    log "packages: all present"
    return
  fi
  [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}) and not root to install them"
  log "packages: installing ${missing[*]}"
  local extra=()
  [[ " ${missing[*]} " == *" git "* ]] && extra=(git)
  # nginx's postinst would start the distribution's nginx on port 80; a policy-rc.d that
  # answers 101 ("action forbidden") stops every service start during the install. An
  # existing policy-rc.d (Docker images ship one) is put back afterwards.
  if [[ -e $POLICY ]]; then
    POLICY_BACKUP=$T/policy-rc.d.orig
    cp -p -- "$POLICY" "$POLICY_BACKUP"
  fi
  POLICY_OURS=1
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${PACKAGES[@]}" "${extra[@]}" >&2
  restore_policy
}
install_packages

# rustup installs cargo under ~/.cargo/bin, which a root shell's PATH may lack. Debian's own
# rustc (1.63) is too old for this crate (edition 2024).
if ! command -v cargo >/dev/null && [[ -x $HOME/.cargo/bin/cargo ]]; then
  PATH=$HOME/.cargo/bin:$PATH
fi
command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs), >= 1.89"

log "building git-credential-pat (cargo build --release --locked)"
(cd "$REPO" && cargo build --release --locked >&2)
# The target directory may be moved (CARGO_TARGET_DIR, .cargo/config.toml): ask cargo.
TARGET_DIR=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[[ -n $TARGET_DIR ]] || die "cargo metadata did not name a target directory"
PAT=$TARGET_DIR/release/git-credential-pat
[[ -x $PAT ]] || die "$PAT was not built"

log "building git-credential-libsecret from $LIBSECRET_SRC"
mkdir -p "$T/libsecret"
for f in Makefile git-credential-libsecret.c; do
  if [[ -e $LIBSECRET_SRC/$f ]]; then
    cp -- "$LIBSECRET_SRC/$f" "$T/libsecret/$f"
  else
    gzip -dc -- "$LIBSECRET_SRC/$f.gz" >"$T/libsecret/$f"
  fi
done
make -s -C "$T/libsecret" >&2
LIBSECRET=$T/libsecret/git-credential-libsecret
[[ -x $LIBSECRET ]] || die "git-credential-libsecret was not built"

# Entries a killed earlier run could not erase would slow down the kernel keyring lookups.
sweep_keys stale

GH=$(command -v gh) || die "gh not found"
GIT=$(command -v git)

# ---------------------------------------------------------------------------------------------
# The benchmark's own world: nothing of the machine's or the user's git, gh or desktop setup
# may take part. Every GIT_* variable goes (the machine exports GIT_SSL_CAINFO, which would
# override the test server's certificate), and so do forge tokens, displays and XDG paths.
while IFS= read -r var; do
  case $var in
    GIT_* | GH_* | GITHUB_* | XDG_* | DBUS_* | DISPLAY | WAYLAND_DISPLAY | SSH_ASKPASS | BROWSER) unset "$var" ;;
  esac
done < <(compgen -e)
mkdir -p "$T/home/.cache" "$T/home/.config" "$T/gh"
: >"$T/gitconfig"
export HOME=$T/home
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$T/gitconfig GIT_TERMINAL_PROMPT=0 LC_ALL=C
export GH_CONFIG_DIR=$T/gh GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1
# A proxy from the environment must not see the local server.
export no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}
export NO_PROXY=$no_proxy

# The benchmark token: a classic-PAT shape, ghp_ + 36 characters, fresh per run.
TOKEN=ghp_$(openssl rand -hex 18)

# ---------------------------------------------------------------------------------------------
# 2a. A private Secret Service: dbus-daemon on a socket in the temp dir, gnome-keyring-daemon
# on it with a login keyring created and unlocked from stdin. The bus has no service
# directories, so nothing can be D-Bus-activated behind our back (a stray daemon we would not
# know to kill).

bus_call() {
  dbus-send --bus="$DBUS_SESSION_BUS_ADDRESS" --reply-timeout=2000 --print-reply "$@" 2>/dev/null
}
bus_answers() {
  alive "$DBUS_PID" || die "dbus-daemon exited: $(cat "$T/ss/dbus.log")"
  bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null
}
secrets_owner() {
  bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets |
    awk '$1 == "uint32" { print $2 }'
}
secrets_owned() {
  alive "$KEYRING_PID" || die "gnome-keyring-daemon exited: $(cat "$T/ss/keyring.log")"
  KEYRING_OWNER_PID=$(secrets_owner)
  [[ -n $KEYRING_OWNER_PID ]]
}
login_unlocked() {
  bus_call --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
    org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked |
    grep -q 'boolean false'
}

start_secret_service() {
  local d=$T/ss
  mkdir -p "$d/home/.cache" "$d/home/.local/share"
  mkdir -m 700 "$d/run"
  cat >"$d/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$d/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  env -i PATH="$PATH" LC_ALL=C dbus-daemon --config-file="$d/bus.conf" --nofork --nopidfile \
    </dev/null >/dev/null 2>"$d/dbus.log" &
  DBUS_PID=$!
  export DBUS_SESSION_BUS_ADDRESS=unix:path=$d/bus
  wait_until 10 bus_answers || die "dbus-daemon did not answer within 10 s"

  # --foreground keeps the daemon our child, so its PID is $! and the trap can kill it.
  # It reads the login keyring's password up to EOF, and creates the keyring if missing.
  # (A process substitution rather than a pipe: the daemon is then the only background job.)
  env -i PATH="$PATH" HOME="$d/home" XDG_RUNTIME_DIR="$d/run" LC_ALL=C \
    DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" \
    gnome-keyring-daemon --foreground --unlock --components=secrets \
    < <(printf %s bench-login-password) >"$d/keyring.log" 2>&1 &
  KEYRING_PID=$!
  # Ready only once it owns the name: a client that comes earlier finds no Secret Service.
  wait_until 10 secrets_owned || die "org.freedesktop.secrets not owned within 10 s"
  [[ $KEYRING_OWNER_PID == "$KEYRING_PID" ]] ||
    log "note: org.freedesktop.secrets is owned by PID $KEYRING_OWNER_PID, not $KEYRING_PID; both are killed on exit"
  wait_until 10 login_unlocked || die "the login keyring did not unlock within 10 s"
  # The helpers' own client side (libsecret, the pat helper) looks here too.
  export XDG_RUNTIME_DIR=$d/run
}

log "starting the Secret Service (dbus-daemon + gnome-keyring-daemon)"
start_secret_service

# ---------------------------------------------------------------------------------------------
# 2b. A local HTTPS git server with Basic auth: nginx (one process, as us, everything in the
# temp dir) in front of fcgiwrap running git http-backend.

start_git_server() {
  local d=$T/srv attempt backend port
  mkdir -p "$d/tmp" "$d/repos" "$d/home"
  backend=$("$GIT" --exec-path)/git-http-backend
  [[ -x $backend ]] || die "$backend is missing"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/key.pem" -out "$d/cert.pem" -days 7 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
  SERVER_CERT=$d/cert.pem
  # {PLAIN}: nginx compares the password byte for byte. x-access-token is the user name gh
  # answers with; GitHub, like this server, takes a PAT with any user name.
  printf 'alice:{PLAIN}%s\nx-access-token:{PLAIN}%s\n' "$TOKEN" "$TOKEN" >"$d/htpasswd"

  # A bare repo with one commit, written by fast-import without a work tree.
  "$GIT" init -q --bare --initial-branch=main "$d/repos/repo.git"
  printf '%s\n' 'commit refs/heads/main' \
    'committer Seed <seed@example.invalid> 1700000000 +0000' 'data 5' 'seed' \
    'M 100644 inline README' 'data 5' 'seed' '' |
    "$GIT" --git-dir="$d/repos/repo.git" fast-import --quiet

  # One fcgiwrap process (no -c: no preforked children that could outlive it).
  env -i PATH="$PATH" fcgiwrap -s "unix:$d/fcgiwrap.sock" </dev/null >/dev/null 2>"$d/fcgiwrap.log" &
  FCGI_PID=$!
  wait_until 10 test -S "$d/fcgiwrap.sock" || die "fcgiwrap did not listen within 10 s"

  # A free port: try random ones until nginx binds one.
  for ((attempt = 0; attempt < 20; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid "$d/nginx.pid";
error_log "$d/error.log" info;
events { worker_connections 256; }
http {
  log_format bench '\$status \$request_method \$request_uri \$remote_user';
  access_log "$d/access.log" bench;
  client_body_temp_path "$d/tmp/client_body";
  proxy_temp_path "$d/tmp/proxy";
  fastcgi_temp_path "$d/tmp/fastcgi";
  uwsgi_temp_path "$d/tmp/uwsgi";
  scgi_temp_path "$d/tmp/scgi";
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate "$d/cert.pem";
    ssl_certificate_key "$d/key.pem";
    client_max_body_size 0;
    location / {
      auth_basic "git";
      auth_basic_user_file "$d/htpasswd";
      fastcgi_pass unix:$d/fcgiwrap.sock;
      fastcgi_param SCRIPT_FILENAME "$backend";
      fastcgi_param GIT_PROJECT_ROOT "$d/repos";
      fastcgi_param GIT_HTTP_EXPORT_ALL 1;
      fastcgi_param GIT_CONFIG_NOSYSTEM 1;
      fastcgi_param GIT_CONFIG_GLOBAL /dev/null;
      fastcgi_param HOME "$d/home";
      fastcgi_param PATH "$PATH";
      fastcgi_param PATH_INFO \$uri;
      fastcgi_param QUERY_STRING \$query_string;
      fastcgi_param REQUEST_METHOD \$request_method;
      fastcgi_param CONTENT_TYPE \$content_type;
      fastcgi_param CONTENT_LENGTH \$content_length;
      fastcgi_param REMOTE_USER \$remote_user;
      fastcgi_param REMOTE_ADDR \$remote_addr;
      fastcgi_param SERVER_PROTOCOL \$server_protocol;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
    }
  }
}
EOF
    rm -f "$d/nginx.pid"
    env -i PATH="$PATH" nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf" \
      </dev/null >/dev/null 2>"$d/nginx.stderr" &
    NGINX_PID=$!
    # nginx writes its pid file only after it has bound the port.
    if wait_until 10 nginx_ready "$d"; then
      PORT=$port
      return
    fi
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
    grep -q 'Address already in use' "$d/nginx.stderr" "$d/error.log" 2>/dev/null ||
      die "nginx did not start: $(cat "$d/nginx.stderr" "$d/error.log" 2>/dev/null)"
  done
  die "nginx found no free port in 20 tries"
}
nginx_ready() {
  alive "$NGINX_PID" || return 2
  [[ $(cat "$1/nginx.pid" 2>/dev/null) == "$NGINX_PID" ]]
}

log "starting the HTTPS git server (nginx + fcgiwrap + git http-backend)"
start_git_server
log "daemons: dbus-daemon $DBUS_PID, gnome-keyring-daemon $KEYRING_PID, fcgiwrap $FCGI_PID, nginx $NGINX_PID (port $PORT)"
SERVER_HOST=127.0.0.1:$PORT
SERVER_URL=https://$SERVER_HOST/repo.git
export GIT_SSL_CAINFO=$SERVER_CERT

# ---------------------------------------------------------------------------------------------
# 3. The helpers, and the same credential stored in each.

HELPERS=(pat-ku pat-ss store libsecret gh)
declare -A LABEL=(
  [pat-ku]="git-credential-pat (kernel keyring)"
  [pat-ss]="git-credential-pat (Secret Service)"
  [store]="git credential-store"
  [libsecret]="git-credential-libsecret"
  [gh]="gh auth git-credential"
)

# ARGV := the helper's command line without the operation.
helper_argv() {
  case $1 in
    pat-ku) ARGV=("$PAT" --store=keyutils --namespace="$NS") ;;
    pat-ss) ARGV=("$PAT" --store=secret-service --namespace="$NS") ;;
    store) ARGV=("$GIT" credential-store --file="$T/creds") ;;
    libsecret) ARGV=("$LIBSECRET") ;;
    gh) ARGV=("$GH" auth git-credential) ;;
  esac
}
# The same as one shell word list, for hyperfine's shell and git's credential.helper (which
# git also runs through the shell). gh's is a `!` shell snippet, as `gh auth setup-git` writes it.
helper_sh() {
  local s
  helper_argv "$1"
  s=$(printf '%q ' "${ARGV[@]}")
  printf '%s' "${s% }"
}
helper_config() {
  case $1 in
    gh) printf '!%s' "$(helper_sh gh)" ;;
    *) helper_sh "$1" ;;
  esac
}
# gh has no store: it answers the token from its environment, GH_TOKEN for github.com and
# GH_ENTERPRISE_TOKEN for any other host (here the local server). Only gh's commands get them.
helper_env() {
  HENV=()
  [[ $1 == gh ]] && HENV=(GH_TOKEN="$TOKEN" GH_ENTERPRISE_TOKEN="$TOKEN")
  return 0
}

# Requests as git writes them: attributes, then EOF (no blank line).
mkdir -p "$T/req"
printf 'protocol=https\nhost=github.com\n' >"$T/req/get"
printf 'protocol=https\nhost=github.com\nusername=alice\npassword=%s\n' "$TOKEN" >"$T/req/full"
printf 'protocol=https\nhost=%s\nusername=alice\npassword=%s\n' "$SERVER_HOST" "$TOKEN" >"$T/req/server"

# Run one operation of a helper directly, input on stdin.
helper_op() {
  local id=$1 op=$2
  helper_argv "$id"
  helper_env "$id"
  env "${HENV[@]}" "${ARGV[@]}" "$op"
}

log "storing the token in every helper (namespace $NS)"
for id in "${HELPERS[@]}"; do
  [[ $id == gh ]] && continue
  helper_op "$id" store <"$T/req/full" >/dev/null
  helper_op "$id" store <"$T/req/server" >/dev/null
done

# A helper that does not answer the token would be timed doing nothing; check each first.
declare -A BROKEN=()
for id in "${HELPERS[@]}"; do
  out=$(helper_op "$id" get <"$T/req/get" 2>&1) || true
  if ! grep -qx "password=$TOKEN" <<<"$out"; then
    BROKEN[$id]="get did not answer the stored token"
    log "WARNING: ${LABEL[$id]}: get did not answer the token: ${out//$TOKEN/<token>}"
  fi
done

# The clone to fetch into, made with credential-store so that no benchmarked helper is involved.
"$GIT" -c credential.helper= -c credential.helper="$(helper_config store)" \
  clone -q "$SERVER_URL" "$T/clone"

# ---------------------------------------------------------------------------------------------
# 4. Timing. Each benchmark is one hyperfine run; its median (seconds in the JSON) is kept in
# ms. hyperfine's shell mode (the default) subtracts the shell's own start-up, so `CMD < file`
# costs what CMD costs. A failed benchmark is recorded as "err" and the run goes on.

declare -A R=()
# Anything odd seen during the run, for the report.
NOTES=()
mkdir -p "$T/json"
: >"$T/hyperfine.log"

median_ms() {
  awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); printf "%.2f", $2 * 1000; exit }' "$1"
}

# bench KEY COMMAND [hyperfine options]; HENV (array) is the extra environment, RUNOPTS
# (array) hyperfine's warm-up and run counts.
RUNOPTS=(-w "$WARMUP" -r "$RUNS")
bench() {
  local key=$1 cmd=$2 json=$T/json/$1.json
  shift 2
  if env "${HENV[@]}" hyperfine --style basic "${RUNOPTS[@]}" "$@" \
    --export-json "$json" "$cmd" >>"$T/hyperfine.log" 2>&1; then
    R[$key]=$(median_ms "$json")
  else
    R[$key]=err
    log "WARNING: benchmark $key failed; see the hyperfine output:"
    tail -n 5 "$T/hyperfine.log" >&2
  fi
  log "$key: ${R[$key]} ms"
}

fill_cmd() {
  printf '%q -c credential.helper= -c credential.helper=%q credential fill' "$GIT" "$(helper_config "$1")"
}

# 4a/4b. get, alone and through git credential fill.
for id in "${HELPERS[@]}"; do
  [[ -n ${BROKEN[$id]:-} ]] && continue
  helper_env "$id"
  bench "get.$id" "$(helper_sh "$id") get < $T/req/get"
  out=$(env "${HENV[@]}" sh -c "$(fill_cmd "$id") < $T/req/get" 2>&1) || true
  if grep -qx "password=$TOKEN" <<<"$out"; then
    bench "fill.$id" "$(fill_cmd "$id") < $T/req/get"
  else
    R[fill.$id]=err
    log "WARNING: git credential fill with ${LABEL[$id]} did not get the token"
  fi
done

# 4c. store of what is already stored (git does it after every successful request), and
# erase, with the credential put back before each run (--prepare is not timed).
for id in "${HELPERS[@]}"; do
  [[ -n ${BROKEN[$id]:-} || $id == gh ]] && continue
  helper_env "$id"
  bench "store.$id" "$(helper_sh "$id") store < $T/req/full"
  bench "erase.$id" "$(helper_sh "$id") erase < $T/req/full" \
    --prepare "$(helper_sh "$id") store < $T/req/full > /dev/null"
  # The last erase run took it away: back for the next benchmarks.
  helper_op "$id" store <"$T/req/full" >/dev/null
  out=$(helper_op "$id" get <"$T/req/get" 2>&1) || true
  grep -qx "password=$TOKEN" <<<"$out" || die "${LABEL[$id]} lost the token after the erase benchmark"
done

# 4d. git fetch over HTTPS with nothing new: one 401, the helper's get, the authenticated
# requests, then the helper's store (git approves what worked).
for id in "${HELPERS[@]}"; do
  [[ -n ${BROKEN[$id]:-} ]] && continue
  helper_env "$id"
  cmd=$(printf '%q -C %q -c credential.helper= -c credential.helper=%q fetch -q origin' \
    "$GIT" "$T/clone" "$(helper_config "$id")")
  if env "${HENV[@]}" sh -c "$cmd" >"$T/fetch.out" 2>&1; then
    bench "fetch.$id" "$cmd"
  else
    R[fetch.$id]=err
    log "WARNING: git fetch with ${LABEL[$id]} failed: $(tr '\n' ' ' <"$T/fetch.out")"
  fi
done

# 4e. One get's peak resident memory, the binary's size, and one get's syscalls.
for id in "${HELPERS[@]}"; do
  helper_argv "$id"
  helper_env "$id"
  bin=${ARGV[0]}
  [[ $id == store ]] && bin=$("$GIT" --exec-path)/git-credential-store
  R[size.$id]=$(awk -v b="$(stat -L -c %s "$bin")" 'BEGIN { printf "%.2f", b / 1048576 }')
  [[ -n ${BROKEN[$id]:-} ]] && continue
  env "${HENV[@]}" /usr/bin/time -f %M -o "$T/rss" "${ARGV[@]}" get <"$T/req/get" >/dev/null 2>&1 || true
  R[rss.$id]=$(awk 'END { printf "%.2f", $1 / 1024 }' "$T/rss")
  env "${HENV[@]}" strace -f -c -o "$T/strace" "${ARGV[@]}" get <"$T/req/get" >/dev/null 2>&1 || true
  R[sys.$id]=$(awk '$NF == "total" { print $4 }' "$T/strace")
  log "$id: peak RSS ${R[rss.$id]} MiB, binary ${R[size.$id]} MiB, ${R[sys.$id]} syscalls"
done

# 4f. Growth: get with 1, 10, 100 and 1000 credentials stored, half of them on as many hosts,
# half as many users of github.com; each size in its own namespace, erased before the next
# size, so each measurement sees only its own entries (plus whatever else the machine's
# kernel keyring holds: the helper lists the whole persistent keyring).
SIZES=(1 10 100 1000)
# The keys of other namespaces the kernel keyring `get` has to look through as well.
# shellcheck disable=SC2016 # expanded by the inner shell
FOREIGN_KEYS=$(keyctl session - sh -c 'keyctl rlist "$(keyctl get_persistent @s)"' 2>/dev/null | wc -w)
printf 'protocol=https\nhost=github.com\nusername=user0\n' >"$T/req/user0"
HENV=()
# With 1000 credentials a Secret Service get takes most of a second: let hyperfine pick the
# run count from its 3 s budget (10 to 100 runs) to keep the whole run under 10 minutes.
GROWTH_RUNOPTS=(-w 2 -m 10 -M 100)

# populate STORE NAMESPACE N: the helper's own store, two at a time.
populate() {
  local store=$1 ns=$2 n=$3 k
  {
    for ((k = 0; k < (n + 1) / 2; k++)); do echo "github.com user$k"; done
    for ((k = 0; k < n / 2; k++)); do echo "host$k.example.com alice"; done
  } >"$T/growth.list"
  # shellcheck disable=SC2016 # expanded by the inner shell
  env BENCH_PAT="$PAT" BENCH_STORE="$store" BENCH_NS="$ns" BENCH_TOKEN="$TOKEN" \
    xargs -a "$T/growth.list" -P 2 -n 2 sh -c 'printf "protocol=https\nhost=%s\nusername=%s\npassword=%s\n" "$1" "$2" "$BENCH_TOKEN" |
      exec "$BENCH_PAT" --store="$BENCH_STORE" --namespace="$BENCH_NS" store' sh
}
# unpopulate STORE NAMESPACE N: erase per host (an erase without a user forgets every user of
# that host), so the keychain is left as it was found; then, for whatever that left (an erase
# that runs into the helper's 5 s keychain deadline), per account.
unpopulate() {
  local store=$1 ns=$2 n=$3 k left
  {
    echo github.com
    for ((k = 0; k < n / 2; k++)); do echo "host$k.example.com"; done
  } >"$T/growth.list"
  # shellcheck disable=SC2016 # expanded by the inner shell
  env BENCH_PAT="$PAT" BENCH_STORE="$store" BENCH_NS="$ns" \
    xargs -a "$T/growth.list" -P 2 -n 1 sh -c 'printf "protocol=https\nhost=%s\n" "$1" |
      exec "$BENCH_PAT" --store="$BENCH_STORE" --namespace="$BENCH_NS" erase' sh \
    2>"$T/erase.log" || true
  left=$(count_stored "$store" "$ns")
  [[ $left == 0 ]] && return 0
  NOTES+=("Clean-up after N=$n on the $store: $left of $n credentials outlived the erase per host, which said: \"$(sort -u "$T/erase.log" "$T/list.log" | head -1)\"; they were then erased per account.")
  log "note: ${NOTES[-1]}"
  {
    for ((k = 0; k < (n + 1) / 2; k++)); do echo "github.com user$k"; done
    for ((k = 0; k < n / 2; k++)); do echo "host$k.example.com alice"; done
  } >"$T/growth.list"
  # shellcheck disable=SC2016 # expanded by the inner shell
  env BENCH_PAT="$PAT" BENCH_STORE="$store" BENCH_NS="$ns" \
    xargs -a "$T/growth.list" -P 2 -n 2 sh -c 'printf "protocol=https\nhost=%s\nusername=%s\n" "$1" "$2" |
      exec "$BENCH_PAT" --store="$BENCH_STORE" --namespace="$BENCH_NS" erase' sh || true
}
# count_stored STORE NAMESPACE: how many credentials the helper lists there ("?" when the
# listing fails; its stderr is kept in list.log).
count_stored() {
  local json
  if json=$("$PAT" --store="$1" --namespace="$2" list --json 2>"$T/list.log"); then
    { grep -o '"protocol"' <<<"$json" || true; } | wc -l
  else
    echo "?"
  fi
}

for n in "${SIZES[@]}"; do
  ns=$NS-n$n
  for store in keyutils secret-service; do
    log "growth: storing $n credentials on $store"
    populate "$store" "$ns" "$n"
    got=$(count_stored "$store" "$ns")
    [[ $got == "$n" ]] ||
      log "WARNING: $store namespace $ns holds $got credentials, not $n: $(head -c 300 "$T/list.log")"
    out=$("$PAT" --store="$store" --namespace="$ns" get <"$T/req/get" 2>&1) || true
    grep -qx "password=$TOKEN" <<<"$out" || log "WARNING: growth get on $store did not answer the token"
    cmd="$(printf '%q --store=%q --namespace=%q' "$PAT" "$store" "$ns") get"
    RUNOPTS=("${GROWTH_RUNOPTS[@]}")
    bench "grow.$store.any.$n" "$cmd < $T/req/get"
    bench "grow.$store.user0.$n" "$cmd < $T/req/user0"
    RUNOPTS=(-w "$WARMUP" -r "$RUNS")
    unpopulate "$store" "$ns" "$n"
    got=$(count_stored "$store" "$ns")
    [[ $got == 0 ]] ||
      log "WARNING: $got credentials left in $store namespace $ns after erase: $(head -c 300 "$T/list.log")"
  done
done

# The main namespace's entries: erased with the helper, on both keychains.
for id in pat-ku pat-ss; do
  helper_op "$id" erase <"$T/req/full" >/dev/null
  helper_op "$id" erase <"$T/req/server" >/dev/null
done
left=$(bench_keys | grep -c " bench-$$\(-n[0-9]*\)\?$" || true)

# ---------------------------------------------------------------------------------------------
# 5. Report.

ms() { printf '%s' "${R[$1]:-n/a}"; }
# ratio A B: A/B with two decimals, or n/a.
ratio() {
  local a=${R[$1]:-} b=${R[$2]:-}
  if [[ $a =~ ^[0-9.]+$ && $b =~ ^[0-9.]+$ ]] && awk -v b="$b" 'BEGIN { exit !(b > 0) }'; then
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×", a / b }'
  else
    printf 'n/a'
  fi
}
# check EXPR: "met" when the awk expression holds, "NOT met" otherwise, "n/a" without numbers.
check() {
  if [[ $* == *n/a* || $* == *err* ]]; then
    printf 'n/a'
  elif awk "BEGIN { exit !($*) }"; then
    printf 'met'
  else
    printf 'NOT met'
  fi
}

T1=$(check "${R[get.pat-ss]:-n/a} <= 0.8 * ${R[get.libsecret]:-n/a}")
T2=$(check "${R[get.pat-ku]:-n/a} <= 1.5 * ${R[get.store]:-n/a}")
T3=$(check "${R[rss.pat-ku]:-n/a} < 8 && ${R[rss.pat-ss]:-n/a} < 8")
declare -A TARGETS=(
  [pat-ss]="get ≤ 0.8× libsecret: **$T1**; RSS < 8 MiB: **$(check "${R[rss.pat-ss]:-n/a} < 8")**"
  [pat-ku]="get ≤ 1.5× credential-store ($(ratio get.pat-ku get.store)): **$T2**; RSS < 8 MiB: **$(check "${R[rss.pat-ku]:-n/a} < 8")**"
)

report() {
  local id note
  echo "# git-credential-pat benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- command: \`bench/run.sh\`"
  echo "- machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), Linux $(uname -r), $(awk -F'"' '/^PRETTY_NAME=/ { print $2 }' /etc/os-release)"
  echo "- $("$GIT" --version) ($GIT); hyperfine $(hyperfine --version | awk '{ print $2 }'), $WARMUP warm-up runs + $RUNS timed runs per cell, medians in ms; shell start-up subtracted"
  echo "- helpers: git-credential-pat $("$PAT" --version | awk '{ print $2 }') (release build), git-credential-libsecret built from Debian's git $(dpkg-query -W -f='${Version}' git 2>/dev/null) contrib source, gh $("$GH" --version | awk 'NR == 1 { print $3 }'), gnome-keyring $(dpkg-query -W -f='${Version}' gnome-keyring)"
  echo
  echo "## One credential stored"
  echo
  echo "| helper | get (ms) | ×libsecret | git credential fill (ms) | ×libsecret | store, unchanged (ms) | erase (ms) | git fetch, HTTPS (ms) | peak RSS of get (MiB) | binary (MiB) | syscalls of get | targets |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for id in "${HELPERS[@]}"; do
    local store=${R[store.$id]:-n/a} erase=${R[erase.$id]:-n/a}
    [[ $id == gh ]] && store="n/a (no-op)" && erase="n/a (no-op)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
      "${LABEL[$id]}" "$(ms "get.$id")" "$(ratio "get.$id" get.libsecret)" \
      "$(ms "fill.$id")" "$(ratio "fill.$id" fill.libsecret)" "$store" "$erase" \
      "$(ms "fetch.$id")" "$(ms "rss.$id")" "$(ms "size.$id")" "$(ms "sys.$id")" "${TARGETS[$id]:-}"
  done
  echo
  echo "Targets:"
  echo
  echo "- git-credential-pat on the Secret Service: \`get\` ≤ 0.8× git-credential-libsecret's: $(ms get.pat-ss) ms vs $(ms get.libsecret) ms = $(ratio get.pat-ss get.libsecret): **$T1**"
  echo "- git-credential-pat on the kernel keyring: \`get\` ≤ 1.5× git credential-store's: $(ms get.pat-ku) ms vs $(ms get.store) ms = $(ratio get.pat-ku get.store): **$T2**"
  echo "- git-credential-pat peak memory < 8 MiB: $(ms rss.pat-ku) MiB (kernel keyring), $(ms rss.pat-ss) MiB (Secret Service): **$T3**"
  echo
  echo "## Growth: git-credential-pat \`get\` with N credentials stored"
  echo
  echo "Half of N on as many hosts (hostK.example.com), half as many users (userK) of github.com, in a namespace of their own; \`get\` for github.com without a user (the most recently stored of its users is served), and for user0. hyperfine: 2 warm-up runs, then 10 to 100 runs (its 3 s budget)."
  echo
  echo "| N stored | kernel keyring, github.com (ms) | kernel keyring, username=user0 (ms) | Secret Service, github.com (ms) | Secret Service, username=user0 (ms) |"
  echo "|---:|---:|---:|---:|---:|"
  for n in "${SIZES[@]}"; do
    printf '| %s | %s | %s | %s | %s |\n' "$n" \
      "$(ms "grow.keyutils.any.$n")" "$(ms "grow.keyutils.user0.$n")" \
      "$(ms "grow.secret-service.any.$n")" "$(ms "grow.secret-service.user0.$n")"
  done
  echo
  echo "## How it was measured"
  echo
  echo "- \`get\`: \`HELPER get < req\` with \`protocol=https host=github.com\`; \`git credential fill\`: \`git -c credential.helper= -c credential.helper=HELPER credential fill < req\` (GIT_CONFIG_NOSYSTEM=1, empty global config)."
  echo "- \`store\`: the credential already stored, as git does after every successful request; \`erase\`: the full credential, stored back before each run (untimed)."
  echo "- \`git fetch\`: a clone of a one-commit repo from nginx + fcgiwrap + git http-backend over HTTPS on 127.0.0.1 with Basic auth, nothing new to fetch; includes git's \`get\` after the 401 and its \`store\` after success."
  echo "- gh answers from GH_TOKEN (github.com) / GH_ENTERPRISE_TOKEN (the local server), with the user name \`x-access-token\`, which the server accepts like GitHub does; its store and erase do nothing."
  echo "- Peak RSS: \`/usr/bin/time -f %M\` of one \`get\`; syscalls: the total of \`strace -f -c\` of one \`get\`; binary: the file's size (git credential-store is a git builtin, so the git binary)."
  echo "- The kernel keyring \`get\` without a user lists the whole persistent keyring, which held $FOREIGN_KEYS keys of other namespaces (tests, other runs) during this run."
  for id in "${!BROKEN[@]}"; do
    echo "- ${LABEL[$id]} could not be measured: ${BROKEN[$id]}."
  done
  for note in "${NOTES[@]}"; do
    echo "- $note"
  done
  echo "- The whole run (packages, builds, servers, benchmarks) took $((SECONDS - START)) s."
}

report >"$T/report.md"
cat "$T/report.md"
cp -- "$T/report.md" "$RESULTS"
log "wrote $RESULTS; kernel keyring entries of $NS left: $left; total $((SECONDS - START)) s"
