#!/usr/bin/env bash
# The crates a registry would carry must build the same program as this checkout. Cargo applies
# a `[patch]` section only in the workspace being built, never to a published crate, so
# `cargo install git-credential-pat` would build whatever the packaged manifests name. This packs
# every publishable package of the workspace (`cargo package`, which does not compile) and reads
# the Cargo.toml cargo wrote into each .crate: none may depend on the registry's
# dbus-secret-service or dbus-secret-service-keyring-store, whose Secret Service session takes
# its DH key from fastrand (vendor/README.md). It also checks that no fastrand sits under the
# Secret Service crates in this workspace's own Linux build.
# Run from anywhere: .ci/package-check.sh (CI: .ci/run). Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
unpatched=(dbus-secret-service dbus-secret-service-keyring-store)

target_dir=$(cargo metadata --locked --no-deps --format-version 1 | jq -r .target_directory)
out=$target_dir/package
rm -f "$out"/*.crate
# --allow-dirty: the manifests are what is checked, and a local run may have edits in progress.
cargo package --locked --no-verify --allow-dirty --workspace --quiet

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
crates=("$out"/*.crate)
[ -e "${crates[0]}" ] || { echo "package-check: cargo package wrote no .crate under $out" >&2; exit 1; }
for crate in "${crates[@]}"; do
    name=$(basename "$crate" .crate)
    tar -xzf "$crate" -C "$work" "$name/Cargo.toml"
    # cargo's own reading of the published manifest: each dependency's real package name
    # (`name`, after any `package = …` rename), of every kind and target.
    deps=$(cargo metadata --offline --no-deps --format-version 1 \
        --manifest-path "$work/$name/Cargo.toml" | jq -r '.packages[0].dependencies[].name')
    for bad in "${unpatched[@]}"; do
        if grep -qx -- "$bad" <<<"$deps"; then
            echo "package-check: $name.crate depends on the registry's $bad, not the workspace's patched copy: cargo install would build the unpatched Secret Service session" >&2
            fail=1
        fi
    done
done
[ "$fail" = 0 ] || exit 1

# The Linux build's Secret Service path (what the published crate depends on, with the features
# it enables) has no fastrand: no crate under git-credential-pat-secret-service* is fastrand.
if cargo tree --locked -e normal --target x86_64-unknown-linux-gnu --no-dedupe --prefix depth |
    awk '{ match($0, /^[0-9]+/); d = substr($0, 1, RLENGTH) + 0; split(substr($0, RLENGTH + 1), w, " ")
           if (under && d <= top) under = 0
           if (under && w[1] == "fastrand") found = 1
           if (!under && w[1] ~ /^git-credential-pat-secret-service/) { under = 1; top = d } }
         END { exit !found }'; then
    echo "package-check: fastrand is a dependency of the Secret Service crates in the Linux build" >&2
    exit 1
fi
printf 'package-check: %s: no dependency on %s\n' "$(cd "$out" && echo *.crate)" "${unpatched[*]}"
