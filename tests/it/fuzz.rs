//! Property-based fuzzing of the protocol reader and of `get`/`store`/`erase` over an
//! in-memory keychain: arbitrary bytes and arbitrary, mostly well-formed requests never make
//! the helper panic or hang, and never get a token answered for any host but its own.
//!
//! The normal test run tries a fixed-seed sample (`SMALL_RUN` inputs per property). The long
//! run, outside the default suite, takes its count from `FUZZ_CASES`:
//! `FUZZ_CASES=200000 cargo test --release --test it fuzz:: -- --ignored --nocapture`.

use git_credential_pat::helper::{self, Operation};
use git_credential_pat::host::Host;
use git_credential_pat::protocol;
use git_credential_pat::vault::{Account, Vault};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Inputs per property in the default run.
const SMALL_RUN: u32 = 2_000;
const TOKEN: &str = "ghp_FUZZ";

/// Lines from which requests are built: git's attributes, with values that include the
/// characters attackers use.
fn line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "protocol",
        "host",
        "path",
        "username",
        "password",
        "password_expiry_utc",
        "oauth_refresh_token",
        "url",
        "wwwauth[]",
        "capability[]",
        "authtype",
        "credential",
        "ephemeral",
        "state[]",
        "continue",
        "quit",
        "unknown",
    ]);
    let value = prop::collection::vec(
        prop::sample::select(vec![
            "github.com",
            "GITHUB.COM.",
            "evil.example",
            "https",
            "http",
            "127.0.0.1:9",
            "a",
            "",
            "%0a",
            "%0d",
            "\r",
            "\u{2028}",
            "\0",
            "=",
            "/",
            "@",
            ":",
            "1",
            "0",
            "true",
            "x%",
            "https://github.com",
            "https://u:p@evil.example/x",
            "é",
            "[::1]",
            "\\",
            "%5c",
            ".ghe.com",
            "Basic realm=\"GitHub\"",
            "Bearer realm=",
            "realm=\"GitLab",
            " realm=Gitea (Basic Auth)",
            "REALM=\"Forgejo\", charset=\"UTF-8\"",
        ]),
        0..5,
    )
    .prop_map(|parts| parts.concat());
    (key, value).prop_map(|(k, v)| format!("{k}={v}"))
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        prop::collection::vec(line(), 0..8).prop_map(|lines| {
            let mut text = lines.join("\n");
            text.push('\n');
            text.into_bytes()
        }),
    ]
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(20261121),
        failure_persistence: None,
        ..Config::default()
    })
}

/// The fuzzer's missing-token case: runs the forge detection (the `wwwauth[]` realm parser)
/// on what `get` hands it, then answers nothing, as when no person is present.
fn detect_only() -> impl FnMut(
    &protocol::Credential,
    &helper::Query,
    &Vault,
    &mut dyn std::io::Write,
) -> anyhow::Result<Option<protocol::Credential>> {
    |request, query, _, _| {
        let _ = git_credential_pat::forge::Forge::detect(
            &query.origin.host,
            &request.wwwauth,
            &git_credential_pat::forge::ForgeSettings::default(),
        );
        Ok(None)
    }
}

/// A vault holding a github.com token.
fn vault() -> Vault {
    let vault = Vault::in_memory("fuzz");
    let stored = format!("protocol=https\nhost=github.com\nusername=alice\npassword={TOKEN}\n");
    let (mut err, mut missing, mut deadline) = (Vec::new(), detect_only(), |_| {});
    helper::run(
        Operation::Store,
        &mut stored.as_bytes(),
        &mut Vec::new(),
        || Ok(vault.clone()),
        0,
        &mut helper::quiet(&mut err, &mut missing, &mut deadline),
    )
    .unwrap();
    vault
}

/// Runs every property `cases` times; returns how many inputs were tried.
fn fuzz(cases: u32) -> usize {
    let tried = AtomicUsize::new(0);
    runner(cases)
        .run(&request(), |bytes| {
            tried.fetch_add(1, Ordering::Relaxed);
            // The reader: no panic; what it accepts, the writer writes back losslessly.
            if let Ok(c) = protocol::read(&mut bytes.as_slice()) {
                let mut out = Vec::new();
                if protocol::write(&c, &mut out).is_ok() {
                    let again =
                        protocol::read(&mut out.as_slice()).expect("re-read written output");
                    prop_assert_eq!(again.host, c.host);
                    prop_assert_eq!(again.username, c.username);
                }
            }
            // The operations: no panic; a token only ever goes to https://github.com.
            let v = vault();
            for op in [Operation::Get, Operation::Store, Operation::Erase] {
                let mut out = Vec::new();
                let (mut err, mut missing, mut deadline) = (Vec::new(), detect_only(), |_| {});
                let _ = helper::run(
                    op,
                    &mut bytes.as_slice(),
                    &mut out,
                    || Ok(v.clone()),
                    0,
                    &mut helper::quiet(&mut err, &mut missing, &mut deadline),
                );
                let text = String::from_utf8_lossy(&out);
                if text.contains(TOKEN) {
                    let c =
                        protocol::read(&mut bytes.as_slice()).expect("answered a refused request");
                    prop_assert_eq!(c.protocol.as_deref(), Some("https"));
                    let host =
                        Host::parse(c.host.as_deref().unwrap()).expect("answered a bad host");
                    prop_assert_eq!(host.to_string(), "github.com");
                }
            }
            Ok(())
        })
        .unwrap();
    tried.into_inner()
}

#[test]
fn a_fixed_sample_of_random_requests_never_panics_or_misdirects_a_token() {
    assert_eq!(fuzz(SMALL_RUN), SMALL_RUN as usize);
}

#[test]
#[ignore = "long run: FUZZ_CASES=200000 cargo test --release --test it fuzz:: -- --ignored"]
fn many_random_requests_never_panic_or_misdirect_a_token() {
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tried = fuzz(cases);
    println!("fuzz: {tried} inputs tried, each through the reader and get, store and erase");
    assert_eq!(tried, cases as usize);
}

#[test]
fn account_names_round_trip_for_any_user_and_path_and_any_valid_host() {
    let host = prop_oneof![
        "[a-z]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z0-9]{1,8}){0,3}(:[1-9][0-9]{0,3})?",
        "127\\.[1-9][0-9]?\\.[0-9]\\.[1-9]",
        Just("[::1]:8080".to_owned()),
    ]
    .prop_map(|h| Host::parse(&h).expect("the strategy makes valid hosts"));
    runner(SMALL_RUN)
        .run(
            &(any::<String>(), host, any::<Option<String>>()),
            |(user, host, path)| {
                let a = Account {
                    protocol: "https".into(),
                    host,
                    username: user,
                    path,
                };
                prop_assert_eq!(Account::parse(&a.key()), Some(a));
                Ok(())
            },
        )
        .unwrap();
}
