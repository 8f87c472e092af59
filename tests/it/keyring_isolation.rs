//! The kernel keyring reaches only its owner: another uid that shares the
//! caller's session keyring (after `su`, `sudo`, `setpriv` or `runuser`, which keep it) can
//! neither read nor replace a token the helper stored, while store, get, list and erase keep
//! working for the owner across separate processes.

use crate::rig::{self, Sandbox};
use std::os::unix::fs::MetadataExt;

const TOKEN: &str = "ghp_IsolationSentinel0123456789abcdefXYZ";

/// What the intruder tries, as uid 65534 in the session keyring it shares with root: every key
/// reachable from `@s` is listed, printed and overwritten; the token's description is searched
/// for and overwritten; root's persistent keyring is asked for; and a key of the same
/// description is added to the shared session keyring.
const INTRUDER: &str = r#"
desc=$1
walk() {
  for id in $(keyctl rlist "$1" 2>/dev/null); do
    echo "reach $id $(keyctl rdescribe "$id" 2>/dev/null)"
    if v=$(keyctl pipe "$id" 2>/dev/null); then echo "read $id: $v"; fi
    keyctl update "$id" ghp_INTRUDER 2>/dev/null && echo "updated $id"
    walk "$id"
  done
}
keyctl show @s
walk @s
if id=$(keyctl search @s user "$desc" 2>/dev/null); then
  echo "found $id"
  keyctl print "$id"
  keyctl update "$id" ghp_INTRUDER 2>/dev/null && echo "updated $id"
fi
if p=$(keyctl get_persistent @s 0 2>/dev/null); then echo "root's persistent keyring $p"; walk "$p"; fi
keyctl add user "$desc" ghp_INTRUDER @s >/dev/null && echo "planted"
exit 0
"#;

/// As root, in one session keyring: store through the helper, let the intruder in, then ask
/// the helper again (a separate process in the same session keyring).
const SESSION: &str = r#"
helper=$1 desc=$2 token=$3 intruder=$4
printf 'protocol=https\nhost=github.com\nusername=alice\npassword=%s\n\n' "$token" \
  | "$helper" --store=keyutils store
echo "stored rc=$?"
echo "--- intruder"
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "$intruder" sh "$desc" 2>&1
echo "--- owner"
printf 'protocol=https\nhost=github.com\n\n' | "$helper" --store=keyutils get
"#;

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[test]
fn another_uid_sharing_the_session_keyring_cannot_read_or_replace_a_token() {
    if !running_as_root() {
        rig::skip("switching to uid 65534 with setpriv needs root");
        return;
    }
    if rig::require_tools("this test", &["keyctl", "setpriv"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let desc = format!(
        "keyring:https://alice@github.com@git-credential-pat:{}",
        sb.namespace
    );
    let mut session = rig::sandboxed(&sb, "keyctl");
    session
        .args(["session", "-", "sh", "-c", SESSION, "sh"])
        .arg(rig::helper_bin())
        .args([desc.as_str(), TOKEN, INTRUDER]);
    let out = sb.run(&mut session, "");
    let text = &out.stdout;
    let (before, rest) = text
        .split_once("--- intruder\n")
        .unwrap_or_else(|| panic!("the session script did not run: {out:?}"));
    let (intruder, owner) = rest
        .split_once("--- owner\n")
        .unwrap_or_else(|| panic!("the session script stopped early: {out:?}"));
    assert!(before.contains("stored rc=0"), "store failed: {out:?}");
    assert!(
        !intruder.contains(TOKEN) && !intruder.contains("ghp_Isolation"),
        "uid 65534 read root's token through the shared session keyring:\n{intruder}"
    );
    assert!(
        intruder.contains("planted"),
        "the intruder did not run in the shared session keyring:\n{intruder}"
    );
    for what in ["read ", "updated ", "found ", "root's persistent keyring"] {
        assert!(
            !intruder.contains(what),
            "uid 65534 reached root's keys through the shared session keyring ({what:?}):\n{intruder}"
        );
    }
    // The owner, in the same session keyring, still gets the token it stored, not the
    // intruder's planted key.
    assert!(
        owner.contains(&format!("password={TOKEN}\n")),
        "the owner's get in the shared session keyring: {out:?}"
    );
    assert!(!owner.contains("INTRUDER"), "{out:?}");

    // Separate processes, outside that session keyring: get, list and erase still work.
    let get = |sb: &Sandbox| {
        let mut cmd = sb.helper();
        cmd.args(["--store=keyutils", "get"]);
        sb.run(&mut cmd, "protocol=https\nhost=github.com\n\n")
    };
    let got = get(&sb);
    assert!(
        got.stdout.contains(&format!("password={TOKEN}\n")),
        "{got:?}"
    );
    let mut list = sb.helper();
    list.args(["--store=keyutils", "list", "--json"]);
    let listed = sb.run(&mut list, "");
    assert_eq!(listed.code, 0, "{listed:?}");
    assert!(
        listed.stdout.contains("github.com") && listed.stdout.contains("alice"),
        "{listed:?}"
    );
    assert!(!listed.stdout.contains(TOKEN));
    let mut erase = sb.helper();
    erase.args(["--store=keyutils", "erase"]);
    let erased = sb.run(
        &mut erase,
        "protocol=https\nhost=github.com\nusername=alice\n\n",
    );
    assert_eq!(erased.code, 0, "{erased:?}");
    let gone = get(&sb);
    assert!(!gone.stdout.contains("password="), "{gone:?}");
    assert_eq!(
        rig::keyutils_entries(&format!("git-credential-pat:{}", sb.namespace)),
        Vec::<String>::new()
    );
}

#[test]
fn doctor_says_in_a_container_that_the_kernel_keyring_is_shared_by_the_uid() {
    if rig::require_tools("this test", &["keyctl"]).is_none() {
        return;
    }
    let sb = Sandbox::new();
    let mut doctor = sb.helper();
    doctor
        .env("container", "podman")
        .args(["--store=keyutils", "doctor", "--offline"]);
    let out = sb.run(&mut doctor, "");
    let note = out
        .stdout
        .lines()
        .find(|l| l.contains("looks like a container"))
        .unwrap_or_else(|| panic!("no container note: {out:?}"));
    assert!(note.starts_with("note"), "{note}");
    assert!(note.contains("(container=podman)"), "{note}");
    assert!(note.contains("shares these tokens"), "{note}");
    assert!(
        note.contains("--token-stdin") && note.contains("logout HOST --revoke"),
        "{note}"
    );
}
