//! The two real keychains the integration tests run on, behind one type: the kernel keyring
//! (keyutils) and a private gnome-keyring Secret Service. A [`World`] is one test's sandbox on
//! one of them, with git pointed at the helper, and a way to read what the keychain holds
//! without going through the helper (so a test can tell the helper's answer from the truth).

use super::procs::Output;
use super::require_tools;
use super::sandbox::{Sandbox, helper_bin};
use super::secret_service::SecretService;
use std::process::Command;

/// Which keychain a [`World`] uses.
pub enum Keychain {
    /// The kernel keyring, as the helper's `--store=keyutils`.
    Keyutils,
    /// A private Secret Service, as the helper's `--store=secret-service`.
    SecretService(SecretService),
}

/// Every keychain this machine can run, each freshly started: the kernel keyring when keyctl(1)
/// is installed to inspect it, the Secret Service when dbus, gnome-keyring and secret-tool are.
/// A missing one is skipped with a note on stderr, and is a failure under CI (see `skip`).
pub fn keychains() -> Vec<Keychain> {
    let mut all = Vec::new();
    if require_tools("the kernel keyring tests", &["keyctl"]).is_some() {
        all.push(Keychain::Keyutils);
    }
    if let Some(ss) = SecretService::start() {
        all.push(Keychain::SecretService(ss));
    }
    all
}

/// One test's isolated git world on one keychain.
pub struct World {
    /// The sandbox: HOME, git config, namespace.
    pub sb: Sandbox,
    /// The keychain in use.
    pub kc: Keychain,
}

impl World {
    /// Runs git with `args` in the sandbox, with a committer identity, as a person's clone and
    /// push would.
    pub fn git(&self, args: &[&str]) -> crate::rig::Output {
        self.sb.run(
            self.sb
                .git()
                .args([
                    "-c",
                    "user.name=Lab User",
                    "-c",
                    "user.email=lab@example.com",
                ])
                .args(args),
            "",
        )
    }

    /// A new sandbox on `kc`, with git configured (in the sandbox's global config) to ask only
    /// the helper.
    pub fn new(kc: Keychain) -> World {
        let mut sb = Sandbox::new();
        if let Keychain::SecretService(ss) = &kc {
            ss.attach(&mut sb);
        }
        let w = World { sb, kc };
        let config = format!(
            "[credential]\n\thelper =\n\thelper = \"{}\"\n",
            w.helper_command()
        );
        std::fs::write(w.sb.gitconfig(), config).expect("write the sandbox's git config");
        w
    }

    /// "kernel keyring" or "Secret Service", for assertion messages.
    pub fn name(&self) -> &'static str {
        match self.kc {
            Keychain::Keyutils => "kernel keyring",
            Keychain::SecretService(_) => "Secret Service",
        }
    }

    /// The `credential.helper` value that runs the built helper on this keychain.
    pub fn helper_command(&self) -> String {
        format!("{} {}", helper_bin().display(), self.store_arg())
    }

    /// The keychain service name the helper uses in this sandbox's namespace.
    pub fn service(&self) -> String {
        format!("git-credential-pat:{}", self.sb.namespace)
    }

    /// Runs `git credential <op>` with `input`.
    pub fn credential(&self, op: &str, input: &str) -> Output {
        self.sb.run(self.sb.git().args(["credential", op]), input)
    }

    /// The helper's `--store=` argument for this keychain.
    pub fn store_arg(&self) -> &'static str {
        match self.kc {
            Keychain::Keyutils => "--store=keyutils",
            Keychain::SecretService(_) => "--store=secret-service",
        }
    }

    /// Runs the helper binary itself: `git-credential-pat --store=… <op>` with `input`.
    pub fn helper(&self, op: &str, input: &str) -> Output {
        self.helper_args(&[op], input)
    }

    /// Runs `git-credential-pat --store=… <args…>` with `input`.
    pub fn helper_args(&self, args: &[&str], input: &str) -> Output {
        let mut cmd = self.sb.helper();
        self.sb.run(cmd.arg(self.store_arg()).args(args), input)
    }

    /// Stores a credential through `git credential approve`, asserting that git succeeded.
    pub fn approve(&self, input: &str) {
        let out = self.credential("approve", input);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "approve on the {}",
            self.name()
        );
    }

    /// What the keychain holds for this namespace, read directly from the keychain (not via the
    /// helper): sorted `"<account> <secret with \n shown as |>"` strings.
    pub fn stored(&self) -> Vec<String> {
        let mut all: Vec<String> = match &self.kc {
            Keychain::SecretService(ss) => ss
                .items(&self.service())
                .into_iter()
                .map(|item| {
                    let account = item.attributes.get("username").cloned().unwrap_or_default();
                    format!("{account} {}", item.secret)
                })
                .collect(),
            Keychain::Keyutils => keyutils_entries(&self.service()),
        };
        for entry in &mut all {
            *entry = entry.replace('\n', "|");
        }
        all.sort();
        all
    }

    /// Writes `secret` for `account` straight into the keychain, as the helper would name it,
    /// without going through the helper.
    pub fn write_raw(&self, account: &str, secret: &str) {
        let service = self.service();
        let out = match &self.kc {
            Keychain::SecretService(ss) => {
                let mut cmd = ss.secret_tool();
                let label = format!("keyring:{account}@{service}");
                let (protocol, rest) = account.split_once("://").unwrap();
                // The helper's `host` attribute has no path (an account kept per path has one).
                let host = rest.split_once('@').unwrap().1.split('/').next().unwrap();
                cmd.args([
                    "store", "--label", &label, "service", &service, "username", account,
                ]);
                cmd.args(["protocol", protocol, "host", host]);
                self.sb.run(&mut cmd, secret)
            }
            Keychain::Keyutils => {
                let mut cmd = Command::new("keyctl");
                let desc = format!("keyring:{account}@{service}");
                let script =
                    r#"p=$(keyctl get_persistent @s) && keyctl padd user "$1" "$p" >/dev/null"#;
                cmd.args(["session", "-", "sh", "-c", script, "sh", &desc]);
                self.sb.run(&mut cmd, secret)
            }
        };
        assert_eq!(
            out.code, 0,
            "writing the keychain directly failed: {}",
            out.stderr
        );
    }

    /// Like [`World::stored`] but without the `stored_at=` line, whose value is the clock's;
    /// every other fact stays.
    pub fn stored_tokens(&self) -> Vec<String> {
        self.stored()
            .into_iter()
            .map(|e| match e.find("stored_at=") {
                Some(i) => {
                    let end = e[i..].find('|').map_or(e.len(), |j| i + j + 1);
                    format!("{}{}", &e[..i], &e[end..])
                }
                None => e,
            })
            .collect()
    }
}

/// The kernel keyring's entries of `service`, read with keyctl(1) from the user's persistent
/// keyring in a fresh session (the keys are possessed only through a session keyring that
/// links the persistent keyring).
///
/// Panics when keyctl(1) cannot run or fails: callers check first that it is installed
/// (`keychains()` does, and so must a test that calls this itself, with `require_tools`).
pub fn keyutils_entries(service: &str) -> Vec<String> {
    let script = r#"
p=$(keyctl get_persistent @s) || exit 3
for id in $(keyctl rlist "$p"); do
  d=$(keyctl rdescribe "$id" 2>/dev/null) || continue
  case "$d" in
    user\;*"@$1") printf '%s\n' "${d#*;*;*;*;}"; keyctl pipe "$id" | od -An -v -tx1 | tr -d ' \n'; printf '\n' ;;
  esac
done
"#;
    let mut cmd = Command::new("keyctl");
    cmd.args(["session", "-", "sh", "-c", script, "sh", service]);
    // Only worlds from `keychains()` use the kernel keyring, and it checked that keyctl is
    // installed; so a keyctl that cannot run or fails here is a broken rig, never a skip.
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run keyctl(1) to read the kernel keyring (install keyutils): {e}")
    });
    assert!(
        out.status.success(),
        "keyctl(1) could not read the kernel keyring ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("Joined session"))
        .collect();
    lines
        .chunks(2)
        .map(|pair| {
            let account = pair[0]
                .trim_start_matches("keyring:")
                .trim_end_matches(&format!("@{service}"));
            let hex = pair.get(1).copied().unwrap_or_default();
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            format!("{account} {}", String::from_utf8_lossy(&bytes))
        })
        .collect()
}
