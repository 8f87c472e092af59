//! Hostile protocol input, the kind an attacker shapes through a submodule URL or an
//! `.lfsconfig`: fed raw to the helper and, where git lets it through, via the real
//! `git credential fill`, with a github.com token stored. Nothing may be answered to anyone
//! but github.com over https, nothing stored, and memory stays bounded. The counts here are
//! the ones docs/RELIABILITY.md quotes.

use crate::rig::{self, World, keychains};

const TOKEN: &str = "ghp_SENTINEL0000000000000000000000000000";
const REPEATED: &str = "repeated key";
const LONG_PATH: &str = "64 KiB value (path)";

/// The start of `input`, for messages.
fn short(input: &str) -> String {
    input
        .chars()
        .take(60)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

fn stored_world(kc: rig::Keychain) -> World {
    let w = World::new(kc);
    w.approve(&format!(
        "protocol=https\nhost=github.com\nusername=alice\npassword={TOKEN}\n"
    ));
    w
}

/// Requests that must get no answer at all, by class.
fn hostile_gets() -> Vec<(&'static str, String)> {
    let kib = "x".repeat(1024);
    let big = "a".repeat(64 * 1024);
    vec![
        // CVE-2020-5260: an encoded newline in a URL injects a second host.
        (
            "encoded newline",
            "url=https://evil.example%0ahost=github.com/\n".into(),
        ),
        (
            "encoded newline",
            "url=https://github.com%0ahost=evil.example/\n".into(),
        ),
        (
            "encoded newline",
            "url=https://u%0ahost=github.com@evil.example/\n".into(),
        ),
        // CVE-2024-53263 (Git LFS): CR LF encoded in the URL.
        (
            "encoded newline",
            "url=https://evil.example%0d%0ahost=github.com/\n".into(),
        ),
        // CVE-2020-11008: blank or partial patterns from URLs without a host or scheme.
        ("blank or partial", "url=https:///org/repo.git\n".into()),
        ("blank or partial", "url=github.com/org/repo.git\n".into()),
        ("blank or partial", "url=https://\n".into()),
        ("blank or partial", "protocol=https\n".into()),
        ("blank or partial", "host=github.com\n".into()),
        ("blank or partial", "protocol=https\nhost=\n".into()),
        // CVE-2024-50338, CVE-2024-52006: a bare carriage return ends a line for some readers.
        (
            "carriage return",
            "protocol=https\nhost=evil.example\rhost=github.com\n".into(),
        ),
        ("carriage return", "url=https://evil.example%0d/\n".into()),
        (
            "carriage return",
            "protocol=https\rhost=github.com\n".into(),
        ),
        // CVE-2025-23040: Unicode line and paragraph separators.
        (
            "unicode separator",
            "protocol=https\nhost=evil.example\u{2028}host=github.com\n".into(),
        ),
        (
            "unicode separator",
            "protocol=https\nhost=evil.example\u{2029}host=github.com\n".into(),
        ),
        // A repeated key must not let the later line win. (Only the helper sees these raw: git
        // reads its own stdin with "the last one wins" and passes one host on.)
        (
            REPEATED,
            "protocol=https\nhost=evil.example\nhost=github.com\n".into(),
        ),
        (
            REPEATED,
            "protocol=http\nprotocol=https\nhost=github.com\n".into(),
        ),
        // Look-alike hosts.
        (
            "look-alike host",
            "protocol=https\nhost=github.com.evil.tld\n".into(),
        ),
        (
            "look-alike host",
            "protocol=https\nhost=evilgithub.com\n".into(),
        ),
        (
            "look-alike host",
            "protocol=https\nhost=github.com:8443\n".into(),
        ),
        (
            "look-alike host",
            "protocol=https\nhost=xn--gthub-n4a.com\n".into(),
        ),
        (
            "look-alike host",
            "protocol=https\nhost=g\u{456}thub.com\n".into(),
        ),
        ("look-alike host", "protocol=https\nhost=github.co\n".into()),
        (
            "look-alike host",
            "protocol=https\nhost=www.github.com\n".into(),
        ),
        (
            "look-alike host",
            "protocol=https\nhost=github.com%2eevil.tld\n".into(),
        ),
        // Plain http for a host that is not this machine.
        ("plain http", "protocol=http\nhost=github.com\n".into()),
        ("plain http", "url=http://github.com/org/repo.git\n".into()),
        // A long wwwauth[] line that mentions the victim host changes nothing.
        (
            "wwwauth[] smuggling",
            format!(
                "protocol=https\nhost=evil.example\nwwwauth[]=Basic realm=\"{kib} host=github.com\"\n"
            ),
        ),
        // Values of 64 KiB: the line is over git's limit.
        ("64 KiB value", format!("protocol=https\nhost={big}\n")),
        // (git drops `path` before asking a helper unless credential.useHttpPath is set.)
        (
            LONG_PATH,
            format!("protocol=https\nhost=github.com\npath={big}\n"),
        ),
        (
            "64 KiB value",
            format!("protocol=https\nhost=github.com\nusername={big}\n"),
        ),
    ]
}

#[test]
fn hostile_requests_get_no_answer_from_the_helper_and_change_nothing() {
    let cases = hostile_gets();
    assert_eq!(cases.len(), 31, "docs/RELIABILITY.md counts these cases");
    for kc in keychains() {
        let w = stored_world(kc);
        let before = w.stored();
        for (class, input) in &cases {
            for op in ["get", "store", "erase"] {
                let out = w.helper(op, input);
                let what = format!("{} {op} {class}: {}", w.name(), short(input));
                assert_eq!(out.code, 0, "{what}");
                assert_eq!(out.stdout, "", "{what}");
                assert!(out.stderr.lines().count() <= 1, "{what}: {}", out.stderr);
                assert!(!out.stderr.contains("SENTINEL"), "{what}: {}", out.stderr);
            }
            assert_eq!(
                w.stored(),
                before,
                "{}: {class} changed the keychain",
                w.name()
            );
        }
    }
}

#[test]
fn hostile_requests_through_git_credential_fill_never_reveal_the_token() {
    let cases = hostile_gets();
    for kc in keychains() {
        let w = stored_world(kc);
        let before = w.stored();
        let through_git = |class: &&str| *class != REPEATED && *class != LONG_PATH;
        for (class, input) in cases.iter().filter(|(class, _)| through_git(class)) {
            let out = w.credential("fill", input);
            // git refuses some of these itself (fatal, exit 128); the rest reach the helper,
            // which answers nothing, so git's prompt is reached and disabled: exit 128 too.
            let what = format!("{} {class}: {}", w.name(), short(input));
            assert_eq!(out.code, 128, "{what}: {}", short(&out.stdout));
            assert!(!out.stdout.contains("SENTINEL"), "{what}");
            assert!(!out.stderr.contains("SENTINEL"));
        }
        assert_eq!(w.stored(), before);
    }
}

#[test]
fn hosts_that_are_github_com_by_dns_rules_get_its_token() {
    for kc in keychains() {
        let w = stored_world(kc);
        for host in ["GITHUB.COM", "github.com.", "GitHub.Com."] {
            let out = w.helper("get", &format!("protocol=https\nhost={host}\n"));
            assert_eq!(
                out.stdout,
                format!("username=alice\npassword={TOKEN}\n"),
                "{host}"
            );
        }
    }
}

#[test]
fn an_endless_stream_on_stdin_is_cut_off_with_bounded_memory() {
    // Under a 64 MiB address-space limit, reading without bound would fail; the helper stops at
    // 1 MiB of input (or one 64 KiB line) and says so.
    for (what, producer) in [
        (
            "endless lines",
            "yes 'x-unknown-key=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
        ),
        ("one endless line", "cat /dev/zero"),
    ] {
        let sb = rig::Sandbox::new();
        let script = format!(
            "ulimit -v 262144; {producer} | \"$1\" --store=keyutils get; echo \"exit=$?\"",
        );
        let mut sh = rig::sandboxed(&sb, "sh");
        sh.args(["-c", &script, "sh"]).arg(rig::helper_bin());
        let out = sb.run(&mut sh, "");
        assert!(
            out.stdout.ends_with("exit=0\n"),
            "{what}: {}{}",
            out.stdout,
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{what}: {}", out.stderr);
        assert!(
            out.stderr.contains("longer than 1048576 bytes")
                || out.stderr.contains("longer than 65535 bytes"),
            "{what}: {}",
            out.stderr
        );
    }
}
