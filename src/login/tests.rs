//! Unit tests of `login`: the flow with a scripted terminal and a stand-in forge.
use super::*;

const NOW: u64 = 1_800_000_000;
const TOKEN: &str = "ghp_Unit0000000000000000000000000000000";

/// Answers prompts from a script, recording the prompts.
struct Script {
    secrets: Vec<Option<&'static str>>,
    confirms: Vec<bool>,
    asked: Vec<String>,
}

impl Prompter for Script {
    fn secret(&mut self, prompt: &str) -> std::io::Result<Option<String>> {
        self.asked.push(prompt.to_owned());
        Ok(self.secrets.remove(0).map(str::to_owned))
    }
    fn confirm(&mut self, question: &str) -> std::io::Result<bool> {
        self.asked.push(question.to_owned());
        Ok(self.confirms.remove(0))
    }
}

fn vault() -> Vault {
    Vault::in_memory("login")
}

fn target(username: Option<&str>) -> Target {
    Target {
        origin: Origin::parse("https", "github.com").unwrap(),
        path: None,
        username: username.map(Into::into),
        lifetime: None,
        default: false,
        owners: Vec::new(),
        situation: None,
        clock: || NOW,
    }
}

/// A GitHub whose API is a closed port on this machine: every check fails to connect.
fn unreachable_github() -> Forge {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let settings = crate::forge::ForgeSettings {
        api_url: Some(format!("http://127.0.0.1:{port}")),
        ..Default::default()
    };
    Forge::detect(
        &crate::host::Host::parse("github.com").unwrap(),
        &[],
        &settings,
    )
    .unwrap()
}

fn run(
    forge: &Forge,
    vault: &Vault,
    script: &mut Script,
    username: Option<&str>,
) -> (Outcome, String) {
    let mut err = Vec::new();
    let opened = std::cell::RefCell::new(Vec::new());
    let browser = |url: &str| {
        opened.borrow_mut().push(url.to_owned());
        Err("no browser in unit tests".to_owned())
    };
    let outcome = interactive(
        forge,
        &target(username),
        vault,
        script,
        Some(&browser),
        &mut err,
        NOW,
    )
    .unwrap();
    assert_eq!(opened.borrow().len(), 1);
    (outcome, String::from_utf8(err).unwrap())
}

#[test]
fn with_the_api_unreachable_the_token_is_stored_unchecked_only_when_the_person_says_yes() {
    let forge = unreachable_github();
    let v = vault();
    let mut script = Script {
        secrets: vec![Some(TOKEN), None],
        confirms: vec![false],
        asked: vec![],
    };
    let (outcome, err) = run(&forge, &v, &mut script, Some("alice"));
    assert!(matches!(outcome, Outcome::Cancelled));
    assert!(
        err.contains("could not open a browser: no browser in unit tests"),
        "{err}"
    );
    assert_eq!(
        script.asked[1],
        "Store the token without checking it? [y/N] "
    );
    assert!(
        v.find(&crate::host::Origin::parse("https", "github.com").unwrap())
            .unwrap()
            .is_empty()
    );

    let mut script = Script {
        secrets: vec![Some(TOKEN)],
        confirms: vec![true],
        asked: vec![],
    };
    let (outcome, err) = run(&forge, &v, &mut script, Some("alice"));
    let Outcome::Stored(answer) = outcome else {
        panic!("not stored: {err}")
    };
    assert_eq!(answer.username.as_deref(), Some("alice"));
    assert_eq!(answer.password.unwrap().expose_secret(), TOKEN);
    let found = v
        .find(&crate::host::Origin::parse("https", "github.com").unwrap())
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].account.username, "alice");
    assert!(!err.contains(TOKEN));
}

#[test]
fn a_token_stored_unchecked_without_a_username_gets_a_placeholder_the_forges_accept() {
    let forge = unreachable_github();
    let v = vault();
    let mut script = Script {
        secrets: vec![Some(TOKEN)],
        confirms: vec![true],
        asked: vec![],
    };
    let (outcome, _) = run(&forge, &v, &mut script, None);
    let Outcome::Stored(answer) = outcome else {
        panic!("not stored")
    };
    assert_eq!(answer.username.as_deref(), Some(UNKNOWN_LOGIN));
}

#[test]
fn three_refused_tokens_end_the_flow_storing_nothing() {
    let forge = unreachable_github();
    let v = vault();
    let mut script = Script {
        secrets: vec![
            Some("a b"),
            Some("nope"),
            Some("ghr_000000000000000000000000000000000000"),
        ],
        confirms: vec![],
        asked: vec![],
    };
    let (outcome, err) = run(&forge, &v, &mut script, None);
    assert!(matches!(outcome, Outcome::GaveUp));
    // The caller says "nothing was stored", once (`gave_up`).
    assert!(!err.contains("nothing was stored"), "{err}");
    assert_eq!(gave_up(), "giving up after 3 attempts; nothing was stored");
    assert_eq!(script.asked.len(), 3);
    assert!(script.asked[2].contains("attempt 3 of 3"));
    assert!(
        v.find(&crate::host::Origin::parse("https", "github.com").unwrap())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_lab_timer_counts_from_the_clock_read_when_the_token_is_stored() {
    let forge = unreachable_github();
    let v = vault();
    let mut script = Script {
        secrets: vec![Some(TOKEN)],
        confirms: vec![true],
        asked: vec![],
    };
    // The person pasted 22 seconds after the flow began.
    let mut t = target(Some("alice")).with_lifetime(Some(std::time::Duration::from_secs(40)));
    t.clock = || NOW + 22;
    let mut err = Vec::new();
    let outcome = interactive(&forge, &t, &v, &mut script, None, &mut err, NOW).unwrap();
    assert!(matches!(outcome, Outcome::Stored(_)));
    let found = v
        .find(&crate::host::Origin::parse("https", "github.com").unwrap())
        .unwrap();
    let stored = v.read(&found[0]).unwrap().unwrap();
    assert_eq!(stored.stored_at, Some(NOW + 22));
    assert_eq!(stored.erase_by, Some(NOW + 22 + 40));
}

#[test]
fn a_flow_over_a_stored_token_says_what_is_stored_instead_of_that_nothing_is() {
    let forge = unreachable_github();
    let mut t = target(None);
    t.situation = Some("a new token replaces the stored one.".to_owned());
    let mut script = Script {
        secrets: vec![None],
        confirms: vec![],
        asked: vec![],
    };
    let mut err = Vec::new();
    let outcome = interactive(&forge, &t, &vault(), &mut script, None, &mut err, NOW).unwrap();
    assert!(matches!(outcome, Outcome::Cancelled));
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.starts_with("git-credential-pat: a new token replaces the stored one.\nCreate a new "),
        "{err}"
    );
    assert!(!err.contains("no token is stored"), "{err}");
}
