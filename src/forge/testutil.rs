//! What the forge module's unit tests share: sample tokens of each shape, per-host settings,
//! and a [`Forge`] whose API is a local mockito server (as `credential.<url>.patApiUrl` points
//! the binary at one in the integration tests).

use super::{Forge, ForgeKind, ForgeSettings, ValidationError};
use secrecy::SecretString;
use std::time::Duration;

pub(crate) const CLASSIC: &str = "ghp_Abcdefghijklmnopqrstuvwxyz0123456789";
pub(crate) const FINE: &str = "github_pat_11AAAAAAA0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij";
pub(crate) const GITLAB: &str = "glpat-abcdefghij0123456789";
pub(crate) const GITEA: &str = "0123456789abcdef0123456789abcdef01234567";
pub(crate) const BAD_CREDENTIALS: &str = r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#;
pub(crate) const SECOND: Duration = Duration::from_secs(1);
/// The tests' clock: 2026-09-21 (UTC), before every expiry the sample answers carry.
pub(crate) const NOW: u64 = 1_790_000_000;

/// Settings with `patForge` `forge` and `patApiUrl` `api`, as `git::HostSettings::parse`
/// reads them: a word outside [`ForgeKind::SETTINGS`] is ignored.
pub(crate) fn settings(forge: Option<&str>, api: Option<&str>) -> ForgeSettings {
    ForgeSettings {
        kind: forge.and_then(ForgeKind::from_setting),
        api_url: api.map(str::to_owned),
        ..ForgeSettings::default()
    }
}

/// `s` as a host; panics on a host outside the grammar (test input only).
pub(crate) fn parse_host(s: &str) -> crate::host::Host {
    crate::host::Host::parse(s).unwrap()
}

pub(crate) fn detect(host: &str) -> Option<Forge> {
    let host = crate::host::Host::parse(host).ok()?;
    Forge::detect(&host, &[], &ForgeSettings::default())
}

/// A forge of `kind` (by its patForge spelling) whose API is the mock `server`.
pub(crate) fn mocked(forge: &str, server: &mockito::ServerGuard) -> Forge {
    Forge::detect(
        &parse_host("git.example.com"),
        &[],
        &settings(Some(forge), Some(&server.url())),
    )
    .unwrap()
}

pub(crate) fn secret(t: &str) -> SecretString {
    SecretString::from(t.to_owned())
}

/// Neither the sentence nor the Debug form of `e` names `token`.
pub(crate) fn assert_no_token(e: &ValidationError, token: &str) {
    assert!(!e.to_string().contains(token), "{e}");
    assert!(!format!("{e:?}").contains(token), "{e:?}");
}

/// A `GET /user` mock that answers 200 only to GitHub's documented request for `token`.
pub(crate) fn github_user(server: &mut mockito::ServerGuard, token: &str) -> mockito::Mock {
    server
        .mock("GET", "/user")
        .match_header("authorization", format!("Bearer {token}").as_str())
        .match_header("accept", "application/vnd.github+json")
        .match_header("x-github-api-version", "2022-11-28")
        .match_header(
            "user-agent",
            format!("git-credential-pat/{}", env!("CARGO_PKG_VERSION")).as_str(),
        )
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
}
