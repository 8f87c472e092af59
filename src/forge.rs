//! The forges git-credential-pat knows (GitHub, GitHub Enterprise Server and GHE.com, GitLab,
//! Gitea and Forgejo): which forge a host is, the web page where a person creates a token (with
//! what the forge lets a link fill in), which scopes git needs, a shape check of a pasted token,
//! and asking the forge's API whose token it is, which scopes it carries and when it expires.
//!
//! The facts followed are in REFERENCE.md Part A: §2 (token pages and their prefill
//! parameters), §3 (GitHub's `GET /user`, `X-OAuth-Scopes`,
//! `GitHub-Authentication-Token-Expiration`, rate limits, SSO, token prefixes), §4 (GitLab's
//! `personal_access_tokens/self` and `user`, Gitea's `user`) and §5 (usernames). Times are
//! seconds since the Unix epoch, UTC. A token never appears in an error message or in `Debug`
//! output, and is only ever sent over https (plain http only to this machine's loopback, which
//! is where the tests' mock API lives).

use crate::git::HostSettings;
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, SystemTime};

/// The username stored with a GitLab token whose owner the API would not name: `GET /user`
/// needs the `read_user` (or `api`/`read_api`) scope, which a token made only for git lacks, and
/// GitLab ignores the username of a personal access token anyway (REFERENCE.md Part A §5). The
/// same word `login` uses for a token it could not check.
pub const UNKNOWN_LOGIN: &str = "git";

/// The longest token accepted: GitHub tells integrators to plan for tokens "up to 255
/// characters" (REFERENCE.md Part A §3); nothing longer is a token of any forge here.
pub const MAX_TOKEN_LEN: usize = 255;

/// Which family of forge a host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeKind {
    /// github.com (API `https://api.github.com`).
    GitHub,
    /// GitHub Enterprise Server (API `https://HOST/api/v3`) or GHE.com data residency
    /// (`SUBDOMAIN.ghe.com`, API `https://api.SUBDOMAIN.ghe.com`).
    GitHubEnterprise,
    /// gitlab.com or a self-managed GitLab (API `https://HOST/api/v4`).
    GitLab,
    /// Gitea or Forgejo, e.g. codeberg.org (API `https://HOST/api/v1`).
    Gitea,
}

/// Which kind of GitHub personal access token the token page offers (`credential.<url>.patTokenType`);
/// meaningless for the other forges, where it stays [`TokenType::Classic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenType {
    /// A classic PAT (`ghp_`), with scopes such as `repo`.
    #[default]
    Classic,
    /// A fine-grained PAT (`github_pat_`), with per-repository permissions and no scopes.
    FineGrained,
}

/// What a token is, told by its prefix (REFERENCE.md Part A §3 "Token prefixes", §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// GitHub `ghp_`.
    ClassicPat,
    /// GitHub `github_pat_`.
    FineGrainedPat,
    /// GitHub `gho_`: an OAuth app's access token.
    OAuthApp,
    /// GitHub `ghu_`: a GitHub App's user access token.
    GitHubAppUser,
    /// GitHub `ghs_`: a GitHub App installation token (git's username is `x-access-token`).
    GitHubAppInstallation,
    /// GitLab `glpat-` (or any prefix on a self-managed GitLab, where the prefix is configurable).
    GitLabPat,
    /// Gitea/Forgejo: 40 hexadecimal characters.
    GiteaToken,
    /// GitHub's pre-2021 token format: 40 hexadecimal characters, still accepted by GitHub.
    Legacy,
}

/// What the forge's API said about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The account the token belongs to: the username git should store with it
    /// ([`UNKNOWN_LOGIN`] when GitLab would not say).
    pub login: String,
    /// The scopes the token carries; `None` when the forge reports none (fine-grained and GitHub
    /// App tokens, Gitea), `Some(vec![])` for a classic token with no scope ticked.
    pub scopes: Option<Vec<String>>,
    /// When the token expires, in seconds since the Unix epoch (UTC); `None` when it does not
    /// or the forge does not say.
    pub expires_at: Option<u64>,
    /// What the token is, by its prefix.
    pub kind: TokenKind,
}

/// Why a token could not be confirmed. `Display` is one sentence a beginner can act on, naming
/// the forge and what to do next; neither `Display` nor `Debug` ever contains the token.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// HTTP 401: the forge does not know the token (mistyped, cut short, expired or revoked).
    #[error(
        "{forge} did not accept this token (401 Bad credentials). Was all of it copied? \
         It may also have expired or been revoked; if so, create a new one at {token_page}"
    )]
    BadCredentials {
        /// [`Forge::name`].
        forge: &'static str,
        /// Where to create a new token ([`Forge::token_page_url`]).
        token_page: String,
    },
    /// HTTP 403 or 429 with `x-ratelimit-remaining: 0` (or a `retry-after`): too many requests.
    #[error("{forge}'s API rate limit is used up for now; {}", reset_advice(*.reset_utc))]
    RateLimited {
        /// [`Forge::name`].
        forge: &'static str,
        /// When the limit resets, in seconds since the Unix epoch (UTC), from
        /// `x-ratelimit-reset` (GitHub), `ratelimit-reset` (GitLab) or `retry-after`.
        reset_utc: Option<u64>,
    },
    /// HTTP 403 with `X-GitHub-SSO: required; url=…`: the token is good but an organization
    /// enforcing SAML single sign-on has not authorized it.
    #[error(
        "{forge} knows this token, but an organization that uses single sign-on (SAML) has not \
         authorized it; {}",
        sso_advice(.url.as_deref())
    )]
    SsoRequired {
        /// [`Forge::name`].
        forge: &'static str,
        /// The authorization address from the header, when it gave one.
        url: Option<String>,
    },
    /// Any other HTTP 403: the token is known but may not do this.
    #[error(
        "{forge} refused this token (HTTP {status}{}); check the token's scopes or permissions, \
         or wait a while if many tokens were tried",
        message_suffix(.message)
    )]
    Forbidden {
        /// [`Forge::name`].
        forge: &'static str,
        /// The HTTP status (403).
        status: u16,
        /// The API's own `message` (or `error_description`), cleaned and shortened; may be empty.
        message: String,
    },
    /// No answer within the timeout.
    #[error(
        "{api} did not answer within {seconds} s; there may be no network, or a proxy may be \
         needed (HTTPS_PROXY)"
    )]
    Timeout {
        /// The API base asked.
        api: String,
        /// The timeout, in whole seconds (rounded up).
        seconds: u64,
    },
    /// No connection: refused, DNS, TLS.
    #[error("could not reach {api} ({detail}); there may be no network, or the address is wrong")]
    Unreachable {
        /// The API base asked.
        api: String,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        detail: String,
    },
    /// The API base is plain `http://` on a host that is not this machine's loopback.
    #[error(
        "refusing to send the token to {api}: the API must use https:// (plain http:// is \
         allowed only on this machine's loopback address); fix credential.<url>.patApiUrl"
    )]
    InsecureApi {
        /// The API base refused.
        api: String,
    },
    /// The API base is not a URL at all.
    #[error("the forge's API address {api} is not a valid URL; fix credential.<url>.patApiUrl")]
    BadApiUrl {
        /// The API base refused.
        api: String,
    },
    /// Anything else: 5xx, a redirect elsewhere, a body that is not the expected JSON.
    #[error(
        "{forge}'s API answered something unexpected ({}); try again later, and check \
         credential.<url>.patApiUrl if this is your own server",
        unexpected_detail(*.status, .detail)
    )]
    Unexpected {
        /// [`Forge::name`].
        forge: &'static str,
        /// The HTTP status, 0 when there was none.
        status: u16,
        /// What was wrong.
        detail: String,
    },
}

impl ValidationError {
    /// True for [`ValidationError::Timeout`] and [`ValidationError::Unreachable`]: the forge
    /// never judged the token, so the caller may offer to store it unchecked.
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Unreachable { .. })
    }
}

fn reset_advice(reset_utc: Option<u64>) -> String {
    match reset_utc.and_then(hh_mm_utc) {
        Some(at) => format!("it resets at {at}, so try again after that"),
        None => "wait a few minutes and try again".to_owned(),
    }
}

fn sso_advice(url: Option<&str>) -> String {
    match url {
        Some(url) => format!("open {url} to authorize it, then try again"),
        None => "authorize it with \"Configure SSO\" next to the token on the token page, \
                 then try again"
            .to_owned(),
    }
}

fn message_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn unexpected_detail(status: u16, detail: &str) -> String {
    match status {
        0 => detail.to_owned(),
        _ => format!("HTTP {status}: {detail}"),
    }
}

/// `seconds` since the epoch as `HH:MM UTC`.
fn hh_mm_utc(seconds: u64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).ok()?).ok()?;
    let hm = t
        .format(time::macros::format_description!("[hour]:[minute]"))
        .ok()?;
    Some(format!("{hm} UTC"))
}

/// One forge as seen from one git host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    /// Which forge.
    pub kind: ForgeKind,
    /// The git host as given, lowercased, without a trailing dot, with `:port` when git gave one
    /// (e.g. `github.com`, `git.example.com:8443`). The token page lives at `https://{host}`.
    pub host: String,
    /// The REST API base without a trailing slash, e.g. `https://api.github.com`,
    /// `https://ghe.example.com/api/v3`, `https://gitlab.com/api/v4`.
    pub api_base: String,
    /// The scopes git needs and [`Forge::missing_scopes`] checks: `credential.<url>.patScopes`,
    /// else GitHub classic `["repo"]`, GitLab `["read_repository", "write_repository"]`, and
    /// none for fine-grained tokens (they have permissions, not scopes) and Gitea (not reported).
    pub scopes: Vec<String>,
    /// The scopes the token page ticks in advance: `credential.<url>.patScopes`, else GitHub
    /// classic `["repo", "workflow"]` (`workflow` lets a push change `.github/workflows`),
    /// GitLab `["read_repository", "write_repository", "read_user"]` (`read_user` so that the
    /// API tells the token's username), none otherwise.
    pub page_scopes: Vec<String>,
    /// Which GitHub token the page offers (`credential.<url>.patTokenType`); `Classic` for the
    /// other forges.
    pub token_type: TokenType,
}

impl Forge {
    /// Tells which forge `host` (git's `host` attribute, `name[:port]`) runs, from, in order:
    /// `settings.forge` (`github` → GitHub, or GitHub Enterprise when the host is not
    /// github.com; `ghes` → GitHub Enterprise; `gitlab`; `gitea` or `forgejo` → Gitea), the host
    /// itself (github.com, `*.ghe.com`, gitlab.com, codeberg.org, gitea.com; on the default
    /// port only), then the realm of the `WWW-Authenticate` challenges git passes as `wwwauth[]`
    /// (`Basic realm="GitHub"`, `"GitLab"`, `"Gitea"`, `"Gitea (Basic Auth)"`, `"Forgejo…"`;
    /// case-insensitive). `None` for a host none of these name, or an empty host.
    ///
    /// The API base is `settings.api_url` (trailing `/` removed) when set, else
    /// `https://api.github.com`, `https://api.SUBDOMAIN.ghe.com`, `https://HOST/api/v3`,
    /// `https://HOST/api/v4` or `https://HOST/api/v1` (REFERENCE.md Part A §3, §4; DESIGN.md
    /// "Forges").
    pub fn detect(host: &str, wwwauth: &[String], settings: &HostSettings) -> Option<Forge> {
        let host = normalise_host(host)?;
        let (name, port) = split_port(&host);
        let default_port = matches!(port, None | Some("443"));
        let github_com = default_port && name == "github.com";
        let ghe_com = default_port && name.ends_with(".ghe.com") && name.len() > ".ghe.com".len();
        let github = if github_com {
            ForgeKind::GitHub
        } else {
            ForgeKind::GitHubEnterprise
        };
        let by_setting = match settings.forge.as_deref().map(str::trim) {
            Some(f) if f.eq_ignore_ascii_case("github") => Some(github),
            Some(f) if f.eq_ignore_ascii_case("ghes") => Some(ForgeKind::GitHubEnterprise),
            Some(f) if f.eq_ignore_ascii_case("gitlab") => Some(ForgeKind::GitLab),
            Some(f) if f.eq_ignore_ascii_case("gitea") || f.eq_ignore_ascii_case("forgejo") => {
                Some(ForgeKind::Gitea)
            }
            // An unknown spelling is not a reason to ignore what the host itself says.
            _ => None,
        };
        let by_host = || match name {
            _ if github_com => Some(ForgeKind::GitHub),
            _ if ghe_com => Some(ForgeKind::GitHubEnterprise),
            "gitlab.com" if default_port => Some(ForgeKind::GitLab),
            "codeberg.org" | "gitea.com" if default_port => Some(ForgeKind::Gitea),
            _ => None,
        };
        let by_realm = || {
            wwwauth.iter().filter_map(|w| realm(w)).find_map(|r| {
                let r = r.to_ascii_lowercase();
                let names = |word: &str| {
                    r.strip_prefix(word)
                        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
                };
                if names("github") {
                    Some(github)
                } else if names("gitlab") {
                    Some(ForgeKind::GitLab)
                } else if names("gitea") || names("forgejo") {
                    Some(ForgeKind::Gitea)
                } else {
                    None
                }
            })
        };
        let kind = by_setting.or_else(by_host).or_else(by_realm)?;

        let api_base = match settings
            .api_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
        {
            Some(url) if !url.is_empty() => url.to_owned(),
            _ => match kind {
                ForgeKind::GitHub => "https://api.github.com".to_owned(),
                ForgeKind::GitHubEnterprise if ghe_com => format!("https://api.{name}"),
                ForgeKind::GitHubEnterprise => format!("https://{host}/api/v3"),
                ForgeKind::GitLab => format!("https://{host}/api/v4"),
                ForgeKind::Gitea => format!("https://{host}/api/v1"),
            },
        };
        let github_kind = matches!(kind, ForgeKind::GitHub | ForgeKind::GitHubEnterprise);
        let token_type = match settings.token_type.as_deref().map(str::trim) {
            Some(t)
                if github_kind
                    && ["fine-grained", "fine_grained", "finegrained", "fine"]
                        .iter()
                        .any(|s| t.eq_ignore_ascii_case(s)) =>
            {
                TokenType::FineGrained
            }
            _ => TokenType::Classic,
        };
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (default_required, default_page) = match (kind, token_type) {
            (_, TokenType::FineGrained) => (vec![], vec![]),
            (ForgeKind::GitHub | ForgeKind::GitHubEnterprise, _) => {
                (owned(&["repo"]), owned(&["repo", "workflow"]))
            }
            // read_user lets GET /api/v4/user tell the token's username, which is stored with it.
            (ForgeKind::GitLab, _) => (
                owned(&["read_repository", "write_repository"]),
                owned(&["read_repository", "write_repository", "read_user"]),
            ),
            (ForgeKind::Gitea, _) => (vec![], vec![]),
        };
        let (scopes, page_scopes) = match (&settings.scopes, token_type) {
            // Fine-grained tokens have no scopes to ask for or to check.
            (Some(s), TokenType::Classic) => (s.clone(), s.clone()),
            _ => (default_required, default_page),
        };
        Some(Forge {
            kind,
            host,
            api_base,
            scopes,
            page_scopes,
            token_type,
        })
    }

    /// The forge's name for people: "GitHub", "GitHub Enterprise Server" ("GitHub Enterprise
    /// Cloud" for a `*.ghe.com` host), "GitLab", "Gitea/Forgejo".
    pub fn name(&self) -> &'static str {
        match self.kind {
            ForgeKind::GitHub => "GitHub",
            ForgeKind::GitHubEnterprise if split_port(&self.host).0.ends_with(".ghe.com") => {
                "GitHub Enterprise Cloud"
            }
            ForgeKind::GitHubEnterprise => "GitHub Enterprise Server",
            ForgeKind::GitLab => "GitLab",
            ForgeKind::Gitea => "Gitea/Forgejo",
        }
    }

    /// The page at `https://{host}` (never the API host) where a person creates a token, with
    /// what the forge lets a link fill in; values are form-encoded (space → `+`), scope lists
    /// keep their commas and colons (REFERENCE.md Part A §2, §4):
    /// - GitHub classic: `/settings/tokens/new?scopes=repo,workflow&description=…` (the
    ///   `scopes` parameter is left out when there are none);
    /// - GitHub fine-grained: `/settings/personal-access-tokens/new?name=…&description=…&contents=write`,
    ///   `name` cut to 40 characters and `description` to 1024, the documented limits;
    /// - GitLab: `/-/user_settings/personal_access_tokens?name=…&scopes=read_repository,write_repository,read_user`;
    /// - Gitea/Forgejo: `/user/settings/applications` (no prefill is documented).
    pub fn token_page_url(&self, description: &str) -> String {
        self.token_page_url_expiring(description, None)
    }

    /// [`Forge::token_page_url`], asking the page to preselect an expiry `days` days ahead
    /// where the forge lets a link do so: GitHub fine-grained `expires_in` (documented, 1 to
    /// 366) and GitHub classic `default_expires_at` (observed, not documented: REFERENCE.md
    /// Part A §2). The lab timer uses it so that the token does not outlive the lab by much.
    pub fn token_page_url_expiring(&self, description: &str, days: Option<u32>) -> String {
        let url = self.page_url(description);
        let Some(days) = days.map(|d| d.clamp(1, 366)) else {
            return url;
        };
        match (self.kind, self.token_type) {
            (ForgeKind::GitHub | ForgeKind::GitHubEnterprise, TokenType::Classic) => {
                format!("{url}&default_expires_at={days}")
            }
            (ForgeKind::GitHub | ForgeKind::GitHubEnterprise, TokenType::FineGrained) => {
                format!("{url}&expires_in={days}")
            }
            _ => url,
        }
    }

    fn page_url(&self, description: &str) -> String {
        let base = format!("https://{}", self.host);
        let scopes = self
            .page_scopes
            .iter()
            .map(|s| encode(s, b":"))
            .collect::<Vec<_>>()
            .join(",");
        match (self.kind, self.token_type) {
            (ForgeKind::GitHub | ForgeKind::GitHubEnterprise, TokenType::Classic) => {
                let scopes = if scopes.is_empty() {
                    String::new()
                } else {
                    format!("scopes={scopes}&")
                };
                format!(
                    "{base}/settings/tokens/new?{scopes}description={}",
                    encode(description, b"")
                )
            }
            (ForgeKind::GitHub | ForgeKind::GitHubEnterprise, TokenType::FineGrained) => {
                let name: String = description.chars().take(40).collect();
                let description: String = description.chars().take(1024).collect();
                format!(
                    "{base}/settings/personal-access-tokens/new?name={}&description={}&contents=write",
                    encode(name.trim_end(), b""),
                    encode(&description, b"")
                )
            }
            (ForgeKind::GitLab, _) => {
                let mut url = format!(
                    "{base}/-/user_settings/personal_access_tokens?name={}",
                    encode(description, b"")
                );
                if !scopes.is_empty() {
                    url.push_str("&scopes=");
                    url.push_str(&scopes);
                }
                url
            }
            (ForgeKind::Gitea, _) => format!("{base}/user/settings/applications"),
        }
    }

    /// Checks the shape of a pasted token before any network call. `Ok` tells what the token
    /// is by its prefix; `Err` is one sentence a beginner can act on, never quoting the token.
    ///
    /// Refused everywhere: empty, any whitespace or control character, over
    /// [`MAX_TOKEN_LEN`] characters, characters outside `[A-Za-z0-9_.-]`. GitHub (and GitHub
    /// Enterprise): the prefixes `ghp_`, `github_pat_`, `gho_`, `ghu_`, `ghs_`, or a legacy
    /// 40-hex token (`ghr_` refresh tokens cannot sign in). GitLab: `glpat-` on gitlab.com, any
    /// shape on a self-managed instance (the prefix is configurable there). Gitea/Forgejo: 40
    /// hexadecimal characters (REFERENCE.md Part A §3, §4).
    pub fn check_token(&self, token: &str) -> Result<TokenKind, String> {
        if token.is_empty() {
            return Err("no token was given; paste the token the page showed".to_owned());
        }
        if token.chars().any(char::is_whitespace) {
            return Err(
                "the token contains a space or line break; copy it again as one piece, \
                        without anything around it"
                    .to_owned(),
            );
        }
        if token.chars().any(char::is_control) {
            return Err(
                "the token contains an invisible control character; copy it again from \
                        the token page"
                    .to_owned(),
            );
        }
        if token.chars().count() > MAX_TOKEN_LEN {
            return Err(format!(
                "that is longer than any token ({MAX_TOKEN_LEN} characters at most); copy only \
                 the token itself, not the text around it"
            ));
        }
        if !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(
                "the token contains characters that tokens never have (only letters, \
                        digits, _, - and . appear in them); copy the token itself, not its name"
                    .to_owned(),
            );
        }
        let kind = self.kind_of(token);
        match self.kind {
            ForgeKind::GitHub | ForgeKind::GitHubEnterprise => {
                if token.starts_with("ghr_") {
                    return Err(format!(
                        "that is a {} refresh token (ghr_), which cannot sign in; paste the \
                         access token instead",
                        self.name()
                    ));
                }
                match kind {
                    TokenKind::Legacy if !is_hex40(token) => Err(format!(
                        "that does not look like a {} token (they start with ghp_ or \
                         github_pat_); copy the token itself, not its name",
                        self.name()
                    )),
                    kind => Ok(kind),
                }
            }
            ForgeKind::GitLab => {
                let gitlab_com = split_port(&self.host).0 == "gitlab.com";
                if gitlab_com && !token.starts_with("glpat-") {
                    Err(
                        "that does not look like a GitLab token (they start with glpat-); copy \
                         the token itself, not its name"
                            .to_owned(),
                    )
                } else {
                    Ok(TokenKind::GitLabPat)
                }
            }
            ForgeKind::Gitea => {
                if is_hex40(token) {
                    Ok(TokenKind::GiteaToken)
                } else {
                    Err(format!(
                        "that does not look like a {} token (they are 40 characters of 0-9 \
                         and a-f); copy the token itself, not its name",
                        self.name()
                    ))
                }
            }
        }
    }

    /// What `token` is by its prefix alone, with this forge's fallback for an unknown shape.
    fn kind_of(&self, token: &str) -> TokenKind {
        match self.kind {
            ForgeKind::GitHub | ForgeKind::GitHubEnterprise => {
                const PREFIXES: [(&str, TokenKind); 5] = [
                    ("ghp_", TokenKind::ClassicPat),
                    ("github_pat_", TokenKind::FineGrainedPat),
                    ("gho_", TokenKind::OAuthApp),
                    ("ghu_", TokenKind::GitHubAppUser),
                    ("ghs_", TokenKind::GitHubAppInstallation),
                ];
                PREFIXES
                    .iter()
                    .find(|(p, _)| token.len() > p.len() && token.starts_with(p))
                    .map_or(TokenKind::Legacy, |(_, k)| *k)
            }
            ForgeKind::GitLab => TokenKind::GitLabPat,
            ForgeKind::Gitea => TokenKind::GiteaToken,
        }
    }

    /// Asks the forge's API whose `token` it is, waiting at most `timeout` (for connecting, and
    /// again for the whole exchange).
    ///
    /// - GitHub / GitHub Enterprise: `GET {api_base}/user` with `Authorization: Bearer`,
    ///   `Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`: `login` from
    ///   the body, scopes from `X-OAuth-Scopes` (absent → `None`; always `None` for
    ///   fine-grained and GitHub App tokens, which have permissions instead), expiry from
    ///   `GitHub-Authentication-Token-Expiration` (`2026-12-31 23:59:59 UTC` or
    ///   `2027-03-31 00:00:00 +0900`) (REFERENCE.md Part A §3).
    /// - GitLab: `GET {api_base}/personal_access_tokens/self` with `PRIVATE-TOKEN` (scopes,
    ///   `expires_at` `YYYY-MM-DD` → 00:00:00 UTC that day, `active`; skipped on a GitLab older
    ///   than 15.5, which answers 404), then `GET {api_base}/user` → `username` (or
    ///   [`UNKNOWN_LOGIN`] when the token lacks `read_user`) (§4).
    /// - Gitea/Forgejo: `GET {api_base}/user` with `Authorization: token` → `login`; no scopes (§4).
    ///
    /// Every request carries `User-Agent: git-credential-pat/VERSION`, uses the proxies in the
    /// environment (none for a loopback API), and follows at most 3 redirects, and only within
    /// the same scheme, host and port, so the token never travels elsewhere.
    ///
    /// # Errors
    /// [`ValidationError::InsecureApi`] (nothing is sent) when `api_base` is `http://` on a host
    /// other than 127.0.0.0/8, `::1` or `localhost`; [`ValidationError::BadApiUrl`] when it is
    /// not a URL; otherwise as the API answered, see [`ValidationError`].
    pub fn validate(
        &self,
        token: &SecretString,
        timeout: Duration,
    ) -> Result<TokenInfo, ValidationError> {
        let api = self.checked_api()?;
        let client = self.client(&api, timeout)?;
        let call = Call {
            forge: self,
            client: &client,
            token: token.expose_secret(),
            timeout,
        };
        match self.kind {
            ForgeKind::GitHub | ForgeKind::GitHubEnterprise => call.github(),
            ForgeKind::GitLab => call.gitlab(),
            ForgeKind::Gitea => call.gitea(),
        }
    }

    /// The required [`Forge::scopes`] that `info` lacks; empty when `info.scopes` is `None` (the
    /// forge reports none) or the token is fine-grained. A broader scope stands in for a
    /// narrower one: GitLab's `api` for both git scopes, `write_repository` or `read_api` for
    /// `read_repository` (GitLab's `abilities_for_scopes`); GitHub's `repo` for `public_repo`
    /// and `repo:*`, `write:X`/`admin:X` for `read:X`, `user` for `read:user` and `user:*`.
    pub fn missing_scopes(&self, info: &TokenInfo) -> Vec<String> {
        let Some(have) = &info.scopes else {
            return vec![];
        };
        if info.kind == TokenKind::FineGrainedPat {
            return vec![];
        }
        let has = |s: &str| have.iter().any(|h| h.eq_ignore_ascii_case(s));
        self.scopes
            .iter()
            .filter(|need| !has(need) && !self.implied(need, &has))
            .cloned()
            .collect()
    }

    fn implied(&self, need: &str, has: &dyn Fn(&str) -> bool) -> bool {
        match self.kind {
            ForgeKind::GitLab => match need {
                "read_repository" => has("write_repository") || has("api") || has("read_api"),
                "write_repository" => has("api"),
                _ => false,
            },
            ForgeKind::GitHub | ForgeKind::GitHubEnterprise => {
                if need == "public_repo" || need.starts_with("repo:") {
                    return has("repo");
                }
                if need == "read:user" || need.starts_with("user:") {
                    return has("user");
                }
                if let Some(what) = need.strip_prefix("read:") {
                    return has(&format!("write:{what}")) || has(&format!("admin:{what}"));
                }
                if let Some(what) = need.strip_prefix("write:") {
                    return has(&format!("admin:{what}"));
                }
                false
            }
            ForgeKind::Gitea => false,
        }
    }

    /// Revokes `tokens` at the forge, so that they stop working everywhere; one result per
    /// token, in order, `Err` being a sentence that says why it was not revoked.
    ///
    /// - GitHub (github.com and GHE.com): `POST {api_base}/credentials/revoke` with
    ///   `{"credentials": [...]}`, unauthenticated as the endpoint requires, up to 1000 tokens a
    ///   request; `202 Accepted` means revoked ("Credential revocation API", GA 2025-04-29,
    ///   REFERENCE.md Part A §3). GitHub Enterprise Server (3.18+): the same path, one request
    ///   per token, authenticated with that token.
    /// - GitLab: `DELETE {api_base}/personal_access_tokens/self` with `PRIVATE-TOKEN`; `204`
    ///   means revoked, `401` that the token no longer works anyway.
    /// - Gitea/Forgejo have no such API: the sentence names the page to delete it on.
    pub fn revoke(
        &self,
        tokens: &[&SecretString],
        timeout: Duration,
    ) -> Vec<Result<Revocation, String>> {
        let all_fail = |why: String| tokens.iter().map(|_| Err(why.clone())).collect();
        if self.kind == ForgeKind::Gitea {
            return all_fail(format!(
                "{} has no API to revoke a token; delete it at https://{}/user/settings/applications",
                self.name(),
                self.host
            ));
        }
        let client = match self
            .checked_api()
            .and_then(|api| self.client(&api, timeout))
        {
            Ok(client) => client,
            Err(e) => return all_fail(e.to_string()),
        };
        let url = format!(
            "{}/{}",
            self.api_base,
            match self.kind {
                ForgeKind::GitLab => "personal_access_tokens/self",
                _ => "credentials/revoke",
            }
        );
        let send = |request: reqwest::blocking::RequestBuilder| -> Result<u16, String> {
            let call = Call {
                forge: self,
                client: &client,
                token: "",
                timeout,
            };
            request
                .send()
                .map(|r| r.status().as_u16())
                .map_err(|e| call.network_error(&e).to_string())
        };
        let sensitive = |prefix: &str, token: &SecretString| {
            let mut v = HeaderValue::from_str(&format!("{prefix}{}", token.expose_secret()))
                .map_err(|_| "the token cannot be sent in an HTTP header".to_owned())?;
            v.set_sensitive(true);
            Ok::<_, String>(v)
        };
        let verdict = |status: u16| match status {
            200..=299 => Ok(Revocation::Revoked),
            401 if self.kind != ForgeKind::GitHub => Ok(Revocation::AlreadyInvalid),
            422 => Err(format!(
                "{} refused the revocation (422: validation failed, or too many requests); try again later",
                self.name()
            )),
            status => Err(format!("{} did not revoke it (HTTP {status})", self.name())),
        };
        match self.kind {
            ForgeKind::GitHub => {
                let mut results = Vec::with_capacity(tokens.len());
                for batch in tokens.chunks(1000) {
                    let body = serde_json::json!({
                        "credentials": batch.iter().map(|t| t.expose_secret()).collect::<Vec<_>>()
                    });
                    let request = client
                        .post(&url)
                        .header("accept", "application/vnd.github+json")
                        .header("x-github-api-version", "2022-11-28")
                        .json(&body);
                    let outcome = send(request).and_then(verdict);
                    results.extend(batch.iter().map(|_| outcome.clone()));
                }
                results
            }
            ForgeKind::GitHubEnterprise => tokens
                .iter()
                .map(|token| {
                    let request = client
                        .post(&url)
                        .header("authorization", sensitive("Bearer ", token)?)
                        .header("accept", "application/vnd.github+json")
                        .header("x-github-api-version", "2022-11-28")
                        .json(&serde_json::json!({ "credentials": [token.expose_secret()] }));
                    send(request).and_then(verdict)
                })
                .collect(),
            ForgeKind::GitLab => tokens
                .iter()
                .map(|token| {
                    let request = client
                        .delete(&url)
                        .header("private-token", sensitive("", token)?);
                    send(request).and_then(verdict)
                })
                .collect(),
            ForgeKind::Gitea => unreachable!("handled above"),
        }
    }

    /// `api_base` as a URL the token may be sent to.
    fn checked_api(&self) -> Result<Url, ValidationError> {
        let api = Url::parse(&self.api_base).map_err(|_| ValidationError::BadApiUrl {
            api: self.api_base.clone(),
        })?;
        match api.scheme() {
            "https" => Ok(api),
            "http" if is_loopback(&api) => Ok(api),
            "http" => Err(ValidationError::InsecureApi {
                api: self.api_base.clone(),
            }),
            _ => Err(ValidationError::BadApiUrl {
                api: self.api_base.clone(),
            }),
        }
    }

    fn client(
        &self,
        api: &Url,
        timeout: Duration,
    ) -> Result<reqwest::blocking::Client, ValidationError> {
        // reqwest drops `Authorization` on a cross-host redirect but not GitLab's
        // `PRIVATE-TOKEN`, so never follow a redirect off the API's origin.
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if same_origin && attempt.previous().len() <= 3 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(concat!("git-credential-pat/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(redirects);
        if is_loopback(api) {
            // A proxy cannot reach this machine's loopback; asking one would only fail.
            builder = builder.no_proxy();
        }
        builder.build().map_err(|e| ValidationError::Unexpected {
            forge: self.name(),
            status: 0,
            detail: format!("could not set up an HTTPS client: {}", innermost(&e)),
        })
    }
}

/// What revoking one token came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// The forge accepted the revocation.
    Revoked,
    /// The forge no longer accepts the token (GitLab, GitHub Enterprise Server: 401), so
    /// there is nothing left to revoke.
    AlreadyInvalid,
}

/// One validation: the forge, the client and the token, so the per-forge steps stay short.
struct Call<'a> {
    forge: &'a Forge,
    client: &'a reqwest::blocking::Client,
    token: &'a str,
    timeout: Duration,
}

/// The parts of an answer the checks read; the body is read at most once.
struct Answer {
    status: u16,
    headers: HeaderMap,
    response: reqwest::blocking::Response,
}

#[derive(serde::Deserialize)]
struct GitHubUser {
    login: String,
}

#[derive(serde::Deserialize)]
struct GitLabToken {
    #[serde(default)]
    scopes: Vec<String>,
    expires_at: Option<String>,
    active: Option<bool>,
    revoked: Option<bool>,
}

#[derive(serde::Deserialize)]
struct GitLabUser {
    username: String,
}

/// The error bodies of all three forges: GitHub and Gitea `message`, GitLab `message` or
/// `error`/`error_description` (OAuth-style, e.g. `insufficient_scope`). A body of another
/// shape (GitLab sometimes sends `message` as an object) reads as no message.
#[derive(serde::Deserialize, Default)]
struct ApiMessage {
    message: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl Call<'_> {
    fn name(&self) -> &'static str {
        self.forge.name()
    }

    /// `GET {api_base}{path}` with the token in `header` as `prefix + token`.
    fn get(
        &self,
        path: &str,
        header: &'static str,
        prefix: &str,
    ) -> Result<Answer, ValidationError> {
        let url = format!("{}{path}", self.forge.api_base);
        let mut secret =
            HeaderValue::from_str(&format!("{prefix}{}", self.token)).map_err(|_| {
                ValidationError::Unexpected {
                    forge: self.name(),
                    status: 0,
                    detail: "the token has characters that cannot be sent in an HTTP header"
                        .to_owned(),
                }
            })?;
        // Keeps the header out of reqwest's and http's Debug output.
        secret.set_sensitive(true);
        let mut request = self
            .client
            .get(&url)
            .header(HeaderName::from_static(header), secret);
        request = match self.forge.kind {
            ForgeKind::GitHub | ForgeKind::GitHubEnterprise => request
                .header("accept", "application/vnd.github+json")
                .header("x-github-api-version", "2022-11-28"),
            _ => request.header("accept", "application/json"),
        };
        let response = request.send().map_err(|e| self.network_error(&e))?;
        Ok(Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            response,
        })
    }

    fn network_error(&self, e: &reqwest::Error) -> ValidationError {
        let api = self.forge.api_base.clone();
        if e.is_timeout() {
            ValidationError::Timeout {
                api,
                seconds: self.timeout.as_secs() + u64::from(self.timeout.subsec_nanos() > 0),
            }
        } else if e.is_redirect() {
            self.unexpected(0, "it redirected too often".to_owned())
        } else {
            ValidationError::Unreachable {
                api,
                detail: self.clean(&innermost(e)),
            }
        }
    }

    fn unexpected(&self, status: u16, detail: String) -> ValidationError {
        ValidationError::Unexpected {
            forge: self.name(),
            status,
            detail,
        }
    }

    /// Reads a JSON body of a 2xx answer.
    fn json<T: serde::de::DeserializeOwned>(
        &self,
        answer: Answer,
        what: &str,
    ) -> Result<T, ValidationError> {
        let status = answer.status;
        answer.response.json::<T>().map_err(|e| {
            if e.is_timeout() {
                self.network_error(&e)
            } else {
                self.unexpected(
                    status,
                    format!(
                        "{what} was not the JSON expected; is {} the API's address?",
                        self.forge.api_base
                    ),
                )
            }
        })
    }

    /// The error for an answer that is not 2xx.
    fn refused(&self, answer: Answer, path: &str) -> ValidationError {
        let Answer {
            status,
            headers,
            response,
        } = answer;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if status == 401 {
            return ValidationError::BadCredentials {
                forge: self.name(),
                token_page: self.forge.token_page_url("git-credential-pat"),
            };
        }
        let remaining_zero = ["x-ratelimit-remaining", "ratelimit-remaining"]
            .iter()
            .any(|h| header(h) == Some("0"));
        if status == 429 || (status == 403 && (remaining_zero || header("retry-after").is_some())) {
            let reset = ["x-ratelimit-reset", "ratelimit-reset"]
                .iter()
                .find_map(|h| header(h).and_then(|v| v.parse::<u64>().ok()))
                .or_else(|| {
                    let after = header("retry-after")?.parse::<u64>().ok()?;
                    Some(now() + after)
                });
            return ValidationError::RateLimited {
                forge: self.name(),
                reset_utc: reset,
            };
        }
        let github = matches!(
            self.forge.kind,
            ForgeKind::GitHub | ForgeKind::GitHubEnterprise
        );
        if status == 403
            && github
            && let Some(sso) = header("x-github-sso")
            && sso.to_ascii_lowercase().starts_with("required")
        {
            let url = sso
                .split(';')
                .filter_map(|part| part.trim().strip_prefix("url="))
                .find(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| self.clean(u));
            return ValidationError::SsoRequired {
                forge: self.name(),
                url,
            };
        }
        let location = header("location").map(|l| self.clean(l));
        let body: ApiMessage = response.json().unwrap_or_default();
        let message = body
            .message
            .or(body.error_description)
            .or(body.error)
            .map(|m| self.clean(&m))
            .unwrap_or_default();
        if status == 403 {
            return ValidationError::Forbidden {
                forge: self.name(),
                status,
                message,
            };
        }
        let mut detail = format!("GET {}{path}", self.forge.api_base);
        if let Some(to) = location.filter(|_| (300..400).contains(&status)) {
            detail.push_str(&format!(" redirected to {to}"));
        }
        if !message.is_empty() {
            detail.push_str(&format!(": {message}"));
        }
        if status == 404 {
            detail.push_str(&format!("; is {} the API's address?", self.forge.api_base));
        }
        self.unexpected(status, detail)
    }

    fn github(&self) -> Result<TokenInfo, ValidationError> {
        let answer = self.get("/user", "authorization", "Bearer ")?;
        if !(200..300).contains(&answer.status) {
            return Err(self.refused(answer, "/user"));
        }
        let kind = self.forge.kind_of(self.token);
        let has_scopes = !matches!(
            kind,
            TokenKind::FineGrainedPat | TokenKind::GitHubAppUser | TokenKind::GitHubAppInstallation
        );
        let scopes = answer
            .headers
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .filter(|_| has_scopes)
            .map(split_scopes);
        let expires_at = answer
            .headers
            .get("github-authentication-token-expiration")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_github_expiry);
        let user: GitHubUser = self.json(answer, "the answer to GET /user")?;
        if user.login.is_empty() {
            return Err(self.unexpected(200, "GET /user named no login".to_owned()));
        }
        Ok(TokenInfo {
            login: user.login,
            scopes,
            expires_at,
            kind,
        })
    }

    fn gitlab(&self) -> Result<TokenInfo, ValidationError> {
        const SELF: &str = "/personal_access_tokens/self";
        let answer = self.get(SELF, "private-token", "")?;
        let about = match answer.status {
            200..=299 => Some(
                self.json::<GitLabToken>(answer, "the answer to GET /personal_access_tokens/self")?,
            ),
            // Before GitLab 15.5 there is no such endpoint; 400 is a token that is not a PAT.
            400 | 404 => None,
            _ => return Err(self.refused(answer, SELF)),
        };
        if let Some(t) = &about
            && (t.active == Some(false) || t.revoked == Some(true))
        {
            return Err(ValidationError::BadCredentials {
                forge: self.name(),
                token_page: self.forge.token_page_url("git-credential-pat"),
            });
        }
        let answer = self.get("/user", "private-token", "")?;
        let login = match answer.status {
            200..=299 => {
                self.json::<GitLabUser>(answer, "the answer to GET /user")?
                    .username
            }
            // `GET /user` needs read_user; a token made only for git is still good for git.
            403 if about.is_some() && !is_rate_limited(&answer.headers) => UNKNOWN_LOGIN.to_owned(),
            _ => return Err(self.refused(answer, "/user")),
        };
        let (scopes, expires_at) = match about {
            Some(t) => (
                Some(t.scopes),
                t.expires_at.as_deref().and_then(parse_gitlab_date),
            ),
            None => (None, None),
        };
        Ok(TokenInfo {
            login: if login.is_empty() {
                UNKNOWN_LOGIN.to_owned()
            } else {
                login
            },
            scopes,
            expires_at,
            kind: TokenKind::GitLabPat,
        })
    }

    fn gitea(&self) -> Result<TokenInfo, ValidationError> {
        // "For historical reasons, Gitea needs the word token included before the API key".
        let answer = self.get("/user", "authorization", "token ")?;
        if !(200..300).contains(&answer.status) {
            return Err(match self.refused(answer, "/user") {
                ValidationError::Forbidden {
                    forge,
                    status,
                    message,
                } if message.contains("scope") => ValidationError::Forbidden {
                    forge,
                    status,
                    message: format!(
                        "{message}; give the token the read:user permission (User: Read) as well"
                    ),
                },
                other => other,
            });
        }
        let user: GitHubUser = self.json(answer, "the answer to GET /user")?;
        if user.login.is_empty() {
            return Err(self.unexpected(200, "GET /user named no login".to_owned()));
        }
        Ok(TokenInfo {
            login: user.login,
            scopes: None,
            expires_at: None,
            kind: TokenKind::GiteaToken,
        })
    }

    /// Text from the server or the network made safe for an error message: the token (should
    /// a server ever echo it) replaced, control characters dropped, at most 200 characters.
    fn clean(&self, text: &str) -> String {
        let text = if self.token.is_empty() {
            text.to_owned()
        } else {
            text.replace(self.token, "[token]")
        };
        let mut out: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(200)
            .collect();
        if text.chars().count() > 200 {
            out.push('…');
        }
        out.trim().to_owned()
    }
}

fn is_rate_limited(headers: &HeaderMap) -> bool {
    ["x-ratelimit-remaining", "ratelimit-remaining"]
        .iter()
        .any(|h| headers.get(*h).and_then(|v| v.to_str().ok()).map(str::trim) == Some("0"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The innermost cause of a reqwest error (`Connection refused (os error 111)`, a DNS or TLS
/// failure), which says more than reqwest's own "error sending request".
fn innermost(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// `X-OAuth-Scopes: repo, read:org` → `["repo", "read:org"]`; an empty header → `[]`.
fn split_scopes(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `GitHub-Authentication-Token-Expiration`, whose format GitHub does not document: seen as
/// `2026-12-31 23:59:59 UTC` and as `2027-03-31 00:00:00 +0900` (go-github issue #2649), so
/// both are read. Seconds since the epoch, UTC; `None` for anything else.
pub fn parse_github_expiry(value: &str) -> Option<u64> {
    use time::macros::format_description;
    let value = value.trim();
    let with_offset = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
    );
    let with_colon = format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
    );
    let local = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let at = if let Some(utc) = value
        .strip_suffix(" UTC")
        .or_else(|| value.strip_suffix(" GMT"))
    {
        time::PrimitiveDateTime::parse(utc, local)
            .ok()?
            .assume_utc()
    } else {
        time::OffsetDateTime::parse(value, with_offset)
            .or_else(|_| time::OffsetDateTime::parse(value, with_colon))
            .ok()?
    };
    u64::try_from(at.unix_timestamp()).ok()
}

/// GitLab's `expires_at` (`2026-12-31`): tokens stop working at 00:00 UTC on that date
/// (REFERENCE.md Part A §4). Seconds since the epoch, UTC.
pub fn parse_gitlab_date(value: &str) -> Option<u64> {
    let date = time::Date::parse(
        value.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    u64::try_from(date.midnight().assume_utc().unix_timestamp()).ok()
}

/// Lowercased, trailing dot removed from the name, `:port` kept; `None` when empty.
fn normalise_host(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    let (name, port) = split_port(&host);
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    Some(match port {
        Some(port) => format!("{name}:{port}"),
        None => name.to_owned(),
    })
}

/// `name:port` → (`name`, `Some(port)`); IPv6 literals keep their brackets.
fn split_port(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => match host[end + 1..].strip_prefix(':') {
                Some(port) => (&host[..=end], Some(port)),
                None => (host, None),
            },
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, Some(port)),
        _ => (host, None),
    }
}

/// The `realm` of one `WWW-Authenticate` challenge, e.g. `Basic realm="GitHub"` → `GitHub`.
fn realm(challenge: &str) -> Option<&str> {
    let lower = challenge.to_ascii_lowercase();
    let at = lower.find("realm=")? + "realm=".len();
    let rest = &challenge[at..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or(""),
        None => rest.split([',', ' ']).next().unwrap_or(""),
    })
}

/// Whether a token may travel over plain http to `url`: only to this machine.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host
            .strip_suffix('.')
            .unwrap_or(host)
            .eq_ignore_ascii_case("localhost"),
    }
}

fn is_hex40(token: &str) -> bool {
    token.len() == 40 && token.chars().all(|c| c.is_ascii_hexdigit())
}

/// Form-encodes `value` for a query string: unreserved characters and `keep` stay, space
/// becomes `+`, everything else `%XX` (UTF-8).
fn encode(value: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ if keep.contains(&b) => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const CLASSIC: &str = "ghp_Abcdefghijklmnopqrstuvwxyz0123456789";
    const FINE: &str = "github_pat_11AAAAAAA0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij";
    const GITLAB: &str = "glpat-abcdefghij0123456789";
    const GITEA: &str = "0123456789abcdef0123456789abcdef01234567";
    const BAD_CREDENTIALS: &str = r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#;
    const SECOND: Duration = Duration::from_secs(1);

    fn settings(forge: Option<&str>, api: Option<&str>) -> HostSettings {
        HostSettings {
            forge: forge.map(str::to_owned),
            api_url: api.map(str::to_owned),
            ..HostSettings::default()
        }
    }

    fn detect(host: &str) -> Option<Forge> {
        Forge::detect(host, &[], &HostSettings::default())
    }

    /// A forge of `kind` (by its patForge spelling) whose API is the mock `server`.
    fn mocked(forge: &str, server: &mockito::ServerGuard) -> Forge {
        Forge::detect(
            "git.example.com",
            &[],
            &settings(Some(forge), Some(&server.url())),
        )
        .unwrap()
    }

    fn secret(t: &str) -> SecretString {
        SecretString::from(t.to_owned())
    }

    /// Neither the sentence nor the Debug form of `e` names `token`.
    fn assert_no_token(e: &ValidationError, token: &str) {
        assert!(!e.to_string().contains(token), "{e}");
        assert!(!format!("{e:?}").contains(token), "{e:?}");
    }

    #[test]
    fn github_com_in_any_spelling_is_github_with_its_api_and_the_repo_scope() {
        for host in ["github.com", "GitHub.com.", "github.com:443"] {
            let f = detect(host).unwrap();
            assert_eq!(f.kind, ForgeKind::GitHub, "{host}");
            assert_eq!(f.api_base, "https://api.github.com");
            assert_eq!(f.scopes, ["repo"]);
            assert_eq!(f.page_scopes, ["repo", "workflow"]);
            assert_eq!(f.token_type, TokenType::Classic);
            assert_eq!(f.name(), "GitHub");
        }
        assert_eq!(detect("GitHub.com.").unwrap().host, "github.com");
        assert_eq!(detect("github.com:443").unwrap().host, "github.com:443");
    }

    #[test]
    fn a_ghe_com_host_is_github_enterprise_with_an_api_subdomain() {
        let f = detect("octo.ghe.com").unwrap();
        assert_eq!(f.kind, ForgeKind::GitHubEnterprise);
        assert_eq!(f.api_base, "https://api.octo.ghe.com");
        assert_eq!(f.name(), "GitHub Enterprise Cloud");
        assert!(detect("ghe.com").is_none());
    }

    #[test]
    fn gitlab_com_codeberg_and_gitea_com_are_known_by_name() {
        let f = detect("gitlab.com").unwrap();
        assert_eq!(
            (f.kind, f.api_base.as_str()),
            (ForgeKind::GitLab, "https://gitlab.com/api/v4")
        );
        assert_eq!(f.scopes, ["read_repository", "write_repository"]);
        let f = detect("codeberg.org").unwrap();
        assert_eq!(
            (f.kind, f.api_base.as_str()),
            (ForgeKind::Gitea, "https://codeberg.org/api/v1")
        );
        assert!(f.scopes.is_empty());
        assert_eq!(f.name(), "Gitea/Forgejo");
        assert_eq!(detect("gitea.com").unwrap().kind, ForgeKind::Gitea);
    }

    #[test]
    fn an_unknown_host_or_a_known_name_on_another_port_is_no_forge() {
        assert_eq!(detect("git.example.com"), None);
        assert_eq!(detect("github.com:8443"), None);
        assert_eq!(detect("notgithub.com"), None);
        assert_eq!(detect(""), None);
        assert_eq!(detect("."), None);
    }

    #[test]
    fn the_realm_of_gits_challenge_names_the_forge() {
        let realm = |host: &str, w: &str| {
            Forge::detect(host, &[w.to_owned()], &HostSettings::default())
                .map(|f| (f.kind, f.api_base))
        };
        assert_eq!(
            realm("git.corp.example", r#"Basic realm="GitHub""#),
            Some((
                ForgeKind::GitHubEnterprise,
                "https://git.corp.example/api/v3".into()
            ))
        );
        assert_eq!(
            realm("github.com", r#"basic REALM="github""#),
            Some((ForgeKind::GitHub, "https://api.github.com".into()))
        );
        assert_eq!(
            realm("lab.example:8443", r#"Basic realm="GitLab""#),
            Some((ForgeKind::GitLab, "https://lab.example:8443/api/v4".into()))
        );
        assert_eq!(
            realm("tea.example", r#"Basic realm="Gitea (Basic Auth)""#)
                .unwrap()
                .0,
            ForgeKind::Gitea
        );
        assert_eq!(
            realm("forge.example", r#"Basic realm="Forgejo""#)
                .unwrap()
                .0,
            ForgeKind::Gitea
        );
        assert_eq!(realm("x.example", r#"Basic realm="git""#), None);
        assert_eq!(realm("x.example", r#"Basic realm="GitHubby""#), None);
        assert_eq!(realm("x.example", "Negotiate"), None);
    }

    #[test]
    fn pat_forge_overrides_the_host_and_pat_api_url_the_api() {
        let f = Forge::detect("git.corp.example", &[], &settings(Some("github"), None)).unwrap();
        assert_eq!(
            (f.kind, f.api_base.as_str()),
            (
                ForgeKind::GitHubEnterprise,
                "https://git.corp.example/api/v3"
            )
        );
        assert_eq!(f.name(), "GitHub Enterprise Server");
        let f = Forge::detect("github.com", &[], &settings(Some("github"), None)).unwrap();
        assert_eq!(f.kind, ForgeKind::GitHub);
        let f = Forge::detect("github.com", &[], &settings(Some("ghes"), None)).unwrap();
        assert_eq!(f.kind, ForgeKind::GitHubEnterprise);
        let f = Forge::detect("github.com", &[], &settings(Some("gitlab"), None)).unwrap();
        assert_eq!(
            (f.kind, f.api_base.as_str()),
            (ForgeKind::GitLab, "https://github.com/api/v4")
        );
        let f = Forge::detect("git.example:3000", &[], &settings(Some("forgejo"), None)).unwrap();
        assert_eq!(
            (f.kind, f.api_base.as_str()),
            (ForgeKind::Gitea, "https://git.example:3000/api/v1")
        );
        let f = Forge::detect(
            "x.example",
            &[],
            &settings(Some("gitea"), Some("http://127.0.0.1:9/api/v1/ ")),
        )
        .unwrap();
        assert_eq!(f.api_base, "http://127.0.0.1:9/api/v1");
        let f = Forge::detect("[::1]:8443", &[], &settings(Some("ghes"), None)).unwrap();
        assert_eq!(
            (f.host.as_str(), f.api_base.as_str()),
            ("[::1]:8443", "https://[::1]:8443/api/v3")
        );
        // A misspelt patForge falls back to what the host says.
        assert_eq!(
            Forge::detect("gitlab.com", &[], &settings(Some("gitlb"), None))
                .unwrap()
                .kind,
            ForgeKind::GitLab
        );
    }

    #[test]
    fn pat_scopes_and_pat_token_type_shape_the_scopes() {
        let mut s = settings(None, None);
        s.scopes = Some(vec!["repo".into(), "read:org".into()]);
        let f = Forge::detect("github.com", &[], &s).unwrap();
        assert_eq!(
            (f.scopes.clone(), f.page_scopes.clone()),
            (
                vec!["repo".to_owned(), "read:org".into()],
                vec!["repo".to_owned(), "read:org".into()]
            )
        );
        s.token_type = Some("fine-grained".into());
        let f = Forge::detect("github.com", &[], &s).unwrap();
        assert_eq!(f.token_type, TokenType::FineGrained);
        assert!(f.scopes.is_empty() && f.page_scopes.is_empty());
        // Token types are GitHub's alone.
        let f = Forge::detect("gitlab.com", &[], &s).unwrap();
        assert_eq!(f.token_type, TokenType::Classic);
    }

    #[test]
    fn token_pages_are_on_the_web_host_with_everything_prefilled() {
        let d = "git-credential-pat on lab-pc 2026-11-21";
        assert_eq!(
            detect("github.com").unwrap().token_page_url(d),
            "https://github.com/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat+on+lab-pc+2026-11-21"
        );
        assert_eq!(
            detect("octo.ghe.com").unwrap().token_page_url("a&b=c/ü"),
            "https://octo.ghe.com/settings/tokens/new?scopes=repo,workflow&description=a%26b%3Dc%2F%C3%BC"
        );
        let mut s = settings(None, None);
        s.token_type = Some("fine-grained".into());
        assert_eq!(
            Forge::detect("github.com", &[], &s)
                .unwrap()
                .token_page_url("git-credential-pat on lab-pc 2026-11-21 15:30"),
            "https://github.com/settings/personal-access-tokens/new?name=git-credential-pat+on+lab-pc+2026-11-21\
             &description=git-credential-pat+on+lab-pc+2026-11-21+15%3A30&contents=write"
        );
        assert_eq!(
            detect("gitlab.com").unwrap().token_page_url(d),
            "https://gitlab.com/-/user_settings/personal_access_tokens?name=git-credential-pat+on+lab-pc+2026-11-21\
             &scopes=read_repository,write_repository,read_user"
        );
        assert_eq!(
            detect("codeberg.org").unwrap().token_page_url(d),
            "https://codeberg.org/user/settings/applications"
        );
        s.token_type = None;
        s.scopes = Some(vec!["repo".into(), "read:org".into()]);
        s.forge = Some("ghes".into());
        let ghes = Forge::detect("git.corp.example:8443", &[], &s).unwrap();
        assert_eq!(
            ghes.token_page_url("x y"),
            "https://git.corp.example:8443/settings/tokens/new?scopes=repo,read:org&description=x+y"
        );
    }

    #[test]
    fn pasted_tokens_are_checked_for_shape_before_any_request() {
        let gh = detect("github.com").unwrap();
        assert_eq!(gh.check_token(CLASSIC), Ok(TokenKind::ClassicPat));
        assert_eq!(gh.check_token(FINE), Ok(TokenKind::FineGrainedPat));
        assert_eq!(
            gh.check_token("gho_16C7e42F292c6912E7710c838347Ae178B4a"),
            Ok(TokenKind::OAuthApp)
        );
        assert_eq!(
            gh.check_token("ghu_16C7e42F292c6912E7710c838347Ae178B4a"),
            Ok(TokenKind::GitHubAppUser)
        );
        assert_eq!(
            gh.check_token("ghs_16C7e42F292c6912E7710c838347Ae178B4a"),
            Ok(TokenKind::GitHubAppInstallation)
        );
        assert_eq!(gh.check_token(GITEA), Ok(TokenKind::Legacy));
        assert_eq!(
            gh.check_token("my-laptop-token"),
            Err("that does not look like a GitHub token (they start with ghp_ or github_pat_); copy the token itself, not its name".into())
        );
        assert!(
            gh.check_token("ghr_16C7e42F292c6912E7710c838347Ae178B4a")
                .unwrap_err()
                .contains("refresh token")
        );
        assert!(gh.check_token("ghp_").is_err());
        assert_eq!(
            gh.check_token(""),
            Err("no token was given; paste the token the page showed".into())
        );
        for spaced in [
            "ghp_abc def",
            "ghp_abc\tdef",
            "ghp_abc\ndef",
            "ghp_abc\u{a0}def",
        ] {
            assert!(
                gh.check_token(spaced)
                    .unwrap_err()
                    .contains("space or line break"),
                "{spaced:?}"
            );
        }
        assert!(
            gh.check_token("ghp_abc\u{7}def")
                .unwrap_err()
                .contains("control character")
        );
        let long = format!("ghp_{}", "a".repeat(252));
        assert_eq!(long.len(), 256);
        assert!(
            gh.check_token(&long)
                .unwrap_err()
                .contains("longer than any token")
        );
        assert_eq!(gh.check_token(&long[..255]), Ok(TokenKind::ClassicPat));
        assert!(
            gh.check_token("ghp_abc+def/ghi=")
                .unwrap_err()
                .contains("characters that tokens never have")
        );

        let gitlab_com = detect("gitlab.com").unwrap();
        assert_eq!(gitlab_com.check_token(GITLAB), Ok(TokenKind::GitLabPat));
        assert_eq!(
            gitlab_com.check_token(CLASSIC),
            Err("that does not look like a GitLab token (they start with glpat-); copy the token itself, not its name".into())
        );
        let self_managed =
            Forge::detect("lab.example", &[], &settings(Some("gitlab"), None)).unwrap();
        assert_eq!(
            self_managed.check_token("corp-abcdef0123456789"),
            Ok(TokenKind::GitLabPat)
        );

        let gitea = detect("codeberg.org").unwrap();
        assert_eq!(gitea.check_token(GITEA), Ok(TokenKind::GiteaToken));
        assert_eq!(
            gitea.check_token(&GITEA.to_uppercase()),
            Ok(TokenKind::GiteaToken)
        );
        assert!(
            gitea
                .check_token(&GITEA[..39])
                .unwrap_err()
                .contains("40 characters of 0-9 and a-f")
        );
        assert!(
            gitea
                .check_token(CLASSIC)
                .unwrap_err()
                .starts_with("that does not look like a Gitea/Forgejo token")
        );

        for token in [CLASSIC, FINE, GITLAB, GITEA] {
            for f in [&gh, &gitlab_com, &gitea] {
                if let Err(e) = f.check_token(&format!("{token} x")) {
                    assert!(!e.contains(token), "{e}");
                }
            }
        }
    }

    fn github_user(server: &mut mockito::ServerGuard, token: &str) -> mockito::Mock {
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

    #[test]
    fn a_classic_token_reports_login_scopes_and_expiry() {
        let mut server = mockito::Server::new();
        let mock = github_user(&mut server, CLASSIC)
            .with_header("x-oauth-scopes", "repo, read:org")
            .with_header(
                "github-authentication-token-expiration",
                "2026-12-31 23:59:59 UTC",
            )
            .with_body(r#"{"login":"alice","id":1}"#)
            .create();
        let forge = mocked("github", &server);
        let info = forge.validate(&secret(CLASSIC), SECOND).unwrap();
        mock.assert();
        assert_eq!(
            info,
            TokenInfo {
                login: "alice".into(),
                scopes: Some(vec!["repo".into(), "read:org".into()]),
                expires_at: Some(1_798_761_599),
                kind: TokenKind::ClassicPat,
            }
        );
        assert!(forge.missing_scopes(&info).is_empty());
    }

    #[test]
    fn an_expiry_with_a_numeric_offset_is_converted_to_utc() {
        let mut server = mockito::Server::new();
        github_user(&mut server, CLASSIC)
            .with_header("x-oauth-scopes", "repo")
            .with_header(
                "github-authentication-token-expiration",
                "2027-03-31 00:00:00 +0900",
            )
            .with_body(r#"{"login":"alice"}"#)
            .create();
        let info = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap();
        // 2027-03-30 15:00:00 UTC.
        assert_eq!(info.expires_at, Some(1_806_418_800));
    }

    #[test]
    fn a_token_without_an_expiry_header_never_expires() {
        let mut server = mockito::Server::new();
        github_user(&mut server, CLASSIC)
            .with_header("x-oauth-scopes", "repo, workflow")
            .with_body(r#"{"login":"alice"}"#)
            .create();
        let info = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap();
        assert_eq!(info.expires_at, None);
        assert_eq!(info.scopes, Some(vec!["repo".into(), "workflow".into()]));
    }

    #[test]
    fn expiry_headers_parse_in_both_observed_formats_and_nothing_else() {
        assert_eq!(
            parse_github_expiry("2024-06-01 00:00:00 UTC"),
            Some(1_717_200_000)
        );
        assert_eq!(
            parse_github_expiry("2027-03-31 00:00:00 +0900"),
            Some(1_806_418_800)
        );
        assert_eq!(
            parse_github_expiry("2027-03-31 00:00:00 -07:00"),
            Some(1_806_476_400)
        );
        assert_eq!(parse_github_expiry("tomorrow"), None);
        assert_eq!(parse_github_expiry(""), None);
        assert_eq!(parse_gitlab_date("2026-12-31"), Some(1_798_675_200));
        assert_eq!(parse_gitlab_date("31/12/2026"), None);
    }

    #[test]
    fn a_fine_grained_token_has_no_scopes_and_lacks_none() {
        let mut server = mockito::Server::new();
        github_user(&mut server, FINE)
            .with_header(
                "github-authentication-token-expiration",
                "2026-12-31 23:59:59 UTC",
            )
            .with_body(r#"{"login":"alice"}"#)
            .create();
        let forge = mocked("github", &server);
        let info = forge.validate(&secret(FINE), SECOND).unwrap();
        assert_eq!(
            (info.scopes.clone(), info.kind),
            (None, TokenKind::FineGrainedPat)
        );
        assert!(forge.missing_scopes(&info).is_empty());

        // Even when the header is there but empty, a fine-grained token is not short of `repo`.
        let mut server = mockito::Server::new();
        github_user(&mut server, FINE)
            .with_header("x-oauth-scopes", "")
            .with_body(r#"{"login":"alice"}"#)
            .create();
        let forge = mocked("github", &server);
        let info = forge.validate(&secret(FINE), SECOND).unwrap();
        assert_eq!(info.scopes, None);
        assert!(forge.missing_scopes(&info).is_empty());
    }

    #[test]
    fn a_classic_token_without_repo_is_reported_short_of_it() {
        let mut server = mockito::Server::new();
        github_user(&mut server, CLASSIC)
            .with_header("x-oauth-scopes", "read:org, gist")
            .with_body(r#"{"login":"alice"}"#)
            .create();
        let forge = mocked("github", &server);
        let info = forge.validate(&secret(CLASSIC), SECOND).unwrap();
        assert_eq!(forge.missing_scopes(&info), ["repo"]);

        let mut server = mockito::Server::new();
        github_user(&mut server, CLASSIC)
            .with_header("x-oauth-scopes", "")
            .with_body(r#"{"login":"alice"}"#)
            .create();
        let info = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap();
        assert_eq!(info.scopes, Some(vec![]));
        assert_eq!(forge.missing_scopes(&info), ["repo"]);
    }

    #[test]
    fn broader_scopes_stand_in_for_narrower_ones() {
        let info = |scopes: &[&str], kind| TokenInfo {
            login: "a".into(),
            scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
            expires_at: None,
            kind,
        };
        let gitlab = detect("gitlab.com").unwrap();
        assert!(
            gitlab
                .missing_scopes(&info(&["api"], TokenKind::GitLabPat))
                .is_empty()
        );
        assert!(
            gitlab
                .missing_scopes(&info(&["write_repository"], TokenKind::GitLabPat))
                .is_empty()
        );
        assert_eq!(
            gitlab.missing_scopes(&info(&["read_api"], TokenKind::GitLabPat)),
            ["write_repository"]
        );
        assert_eq!(
            gitlab.missing_scopes(&info(&["read_user"], TokenKind::GitLabPat)),
            ["read_repository", "write_repository"]
        );
        let mut s = settings(None, None);
        s.scopes = Some(vec!["public_repo".into(), "read:org".into()]);
        let gh = Forge::detect("github.com", &[], &s).unwrap();
        assert!(
            gh.missing_scopes(&info(&["repo", "admin:org"], TokenKind::ClassicPat))
                .is_empty()
        );
        assert_eq!(
            gh.missing_scopes(&info(&["repo"], TokenKind::ClassicPat)),
            ["read:org"]
        );
        let unreported = TokenInfo {
            scopes: None,
            ..info(&[], TokenKind::Legacy)
        };
        assert!(
            detect("github.com")
                .unwrap()
                .missing_scopes(&unreported)
                .is_empty()
        );
    }

    #[test]
    fn a_rejected_token_gets_the_401_sentence_with_the_token_page() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(401)
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(BAD_CREDENTIALS)
            .create();
        let forge = mocked("github", &server);
        let e = forge.validate(&secret(CLASSIC), SECOND).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GitHub Enterprise Server did not accept this token (401 Bad credentials). Was all of it copied? \
             It may also have expired or been revoked; if so, create a new one at \
             https://git.example.com/settings/tokens/new?scopes=repo,workflow&description=git-credential-pat"
        );
        assert!(!e.is_network());
        assert_no_token(&e, CLASSIC);
    }

    #[test]
    fn a_used_up_rate_limit_says_when_it_resets_for_403_and_429() {
        let mut server = mockito::Server::new();
        // 2026-11-21 14:05:00 UTC.
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_header("x-ratelimit-remaining", "0")
            .with_header("x-ratelimit-reset", "1795269900")
            .with_body(r#"{"message":"API rate limit exceeded for user ID 1."}"#)
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert!(
            matches!(
                e,
                ValidationError::RateLimited {
                    reset_utc: Some(1_795_269_900),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "GitHub Enterprise Server's API rate limit is used up for now; it resets at 14:05 UTC, so try again after that"
        );
        assert_no_token(&e, CLASSIC);

        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(429)
            .with_body("{}")
            .create();
        let e = Forge::detect("github.com", &[], &settings(None, Some(&server.url())))
            .unwrap()
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "GitHub's API rate limit is used up for now; wait a few minutes and try again"
        );
    }

    #[test]
    fn sso_enforcement_sends_the_person_to_the_authorization_url() {
        let mut server = mockito::Server::new();
        let url = "https://github.com/orgs/workshop/sso?authorization_request=A1B2C3";
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_header("x-github-sso", &format!("required; url={url}"))
            .with_body(r#"{"message":"Resource protected by organization SAML enforcement."}"#)
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        match &e {
            ValidationError::SsoRequired { url: Some(u), .. } => assert_eq!(u, url),
            other => panic!("{other:?}"),
        }
        assert!(
            e.to_string()
                .contains(&format!("open {url} to authorize it")),
            "{e}"
        );
        assert_no_token(&e, CLASSIC);
    }

    #[test]
    fn another_403_passes_on_the_apis_message() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_body(r#"{"message":"Maximum number of login attempts exceeded. Please try again later."}"#)
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "GitHub Enterprise Server refused this token (HTTP 403: Maximum number of login attempts exceeded. \
             Please try again later.); check the token's scopes or permissions, or wait a while if many tokens were tried"
        );
    }

    #[test]
    fn server_errors_and_bodies_that_are_not_json_are_unexpected() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(502)
            .with_body("<html>Bad gateway</html>")
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert!(
            matches!(e, ValidationError::Unexpected { status: 502, .. }),
            "{e:?}"
        );
        assert!(!e.is_network());

        let mut server = mockito::Server::new();
        github_user(&mut server, CLASSIC)
            .with_body("<html>sign in</html>")
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert!(
            matches!(e, ValidationError::Unexpected { status: 200, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("was not the JSON expected"), "{e}");

        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(404)
            .with_body(r#"{"message":"Not Found"}"#)
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert!(e.to_string().contains("HTTP 404"), "{e}");
        assert!(e.to_string().contains("the API's address"), "{e}");
    }

    #[test]
    fn a_redirect_to_another_host_is_not_followed_so_the_token_stays_home() {
        let mut elsewhere = mockito::Server::new();
        let stolen = elsewhere
            .mock("GET", "/user")
            .with_status(200)
            .with_body(r#"{"username":"eve"}"#)
            .expect(0)
            .create();
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(302)
            .with_header("location", &format!("{}/user", elsewhere.url()))
            .create();
        let e = mocked("gitlab", &server)
            .validate(&secret(GITLAB), SECOND)
            .unwrap_err();
        assert!(
            matches!(e, ValidationError::Unexpected { status: 302, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("redirected to"), "{e}");
        stolen.assert();
    }

    #[test]
    fn a_server_that_never_answers_times_out_quickly() {
        // The kernel completes the handshake for a listening socket; nobody ever answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let api = format!("http://{}", silent.local_addr().unwrap());
        let forge = Forge::detect("github.com", &[], &settings(None, Some(&api))).unwrap();
        let started = Instant::now();
        let e = forge.validate(&secret(CLASSIC), SECOND).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(
            matches!(&e, ValidationError::Timeout { seconds: 1, .. }),
            "{e:?}"
        );
        assert!(e.is_network());
        assert_eq!(
            e.to_string(),
            format!(
                "{api} did not answer within 1 s; there may be no network, or a proxy may be needed (HTTPS_PROXY)"
            )
        );
        assert_no_token(&e, CLASSIC);
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let api = format!("http://127.0.0.1:{port}");
        let forge = Forge::detect("github.com", &[], &settings(None, Some(&api))).unwrap();
        let e = forge.validate(&secret(CLASSIC), SECOND).unwrap_err();
        assert!(matches!(&e, ValidationError::Unreachable { .. }), "{e:?}");
        assert!(e.is_network());
        assert!(
            e.to_string()
                .starts_with(&format!("could not reach {api} (")),
            "{e}"
        );
        assert!(e.to_string().to_lowercase().contains("refused"), "{e}");
        assert_no_token(&e, CLASSIC);
    }

    #[test]
    fn a_plain_http_api_off_this_machine_is_refused_without_a_request() {
        for api in [
            "http://192.0.2.1:9/api/v3",
            "http://127.0.0.1.example.com",
            "http://localhost.example",
        ] {
            let forge = Forge::detect("github.com", &[], &settings(None, Some(api))).unwrap();
            let started = Instant::now();
            let e = forge
                .validate(&secret(CLASSIC), Duration::from_secs(30))
                .unwrap_err();
            assert!(
                started.elapsed() < Duration::from_millis(500),
                "{api}: a request was attempted"
            );
            assert!(
                matches!(&e, ValidationError::InsecureApi { .. }),
                "{api}: {e:?}"
            );
            assert!(!e.is_network());
            assert_no_token(&e, CLASSIC);
        }
        let forge = Forge::detect("github.com", &[], &settings(None, Some("not a url"))).unwrap();
        assert!(matches!(
            forge.validate(&secret(CLASSIC), SECOND),
            Err(ValidationError::BadApiUrl { .. })
        ));
        let forge =
            Forge::detect("github.com", &[], &settings(None, Some("ftp://127.0.0.1/"))).unwrap();
        assert!(matches!(
            forge.validate(&secret(CLASSIC), SECOND),
            Err(ValidationError::BadApiUrl { .. })
        ));
        for ok in [
            "http://127.0.0.1:1",
            "http://127.1.2.3",
            "http://[::1]:8080",
            "http://LOCALHOST:3000",
            "https://example.com",
        ] {
            assert!(
                is_loopback(&Url::parse(ok).unwrap()) || ok.starts_with("https"),
                "{ok}"
            );
        }
    }

    #[test]
    fn a_gitlab_token_reports_scopes_expiry_and_username() {
        let mut server = mockito::Server::new();
        let about = server
            .mock("GET", "/personal_access_tokens/self")
            .match_header("private-token", GITLAB)
            .with_status(200)
            .with_body(
                r#"{"id":4,"name":"lab","revoked":false,"created_at":"2026-11-01T10:00:00.000Z","description":"",
                "scopes":["read_repository","write_repository"],"user_id":7,"last_used_at":null,"active":true,
                "expires_at":"2026-12-31"}"#,
            )
            .create();
        let user = server
            .mock("GET", "/user")
            .match_header("private-token", GITLAB)
            .with_status(200)
            .with_body(r#"{"id":7,"username":"alice","name":"Alice"}"#)
            .create();
        let forge = mocked("gitlab", &server);
        let info = forge.validate(&secret(GITLAB), SECOND).unwrap();
        about.assert();
        user.assert();
        assert_eq!(
            info,
            TokenInfo {
                login: "alice".into(),
                scopes: Some(vec!["read_repository".into(), "write_repository".into()]),
                expires_at: Some(1_798_675_200),
                kind: TokenKind::GitLabPat,
            }
        );
        assert!(forge.missing_scopes(&info).is_empty());
    }

    #[test]
    fn a_gitlab_token_made_only_for_git_is_good_without_a_username() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(200)
            .with_body(
                r#"{"scopes":["read_repository"],"active":true,"revoked":false,"expires_at":null}"#,
            )
            .create();
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_body(r#"{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api read_api read_user"}"#)
            .create();
        let forge = mocked("gitlab", &server);
        let info = forge.validate(&secret(GITLAB), SECOND).unwrap();
        assert_eq!(
            (info.login.as_str(), info.expires_at),
            (UNKNOWN_LOGIN, None)
        );
        assert_eq!(forge.missing_scopes(&info), ["write_repository"]);
    }

    #[test]
    fn the_lab_timer_asks_github_pages_for_an_expiry_that_covers_it() {
        let github = Forge::detect("github.com", &[], &HostSettings::default()).unwrap();
        assert_eq!(
            github.token_page_url_expiring("lab", Some(1)),
            "https://github.com/settings/tokens/new?scopes=repo,workflow&description=lab&default_expires_at=1"
        );
        let fine = HostSettings {
            token_type: Some("fine-grained".into()),
            ..HostSettings::default()
        };
        let fine = Forge::detect("github.com", &[], &fine).unwrap();
        assert_eq!(
            fine.token_page_url_expiring("lab", Some(400)),
            "https://github.com/settings/personal-access-tokens/new?name=lab&description=lab&contents=write&expires_in=366"
        );
        let gitlab = Forge::detect("gitlab.com", &[], &HostSettings::default()).unwrap();
        assert_eq!(
            gitlab.token_page_url_expiring("lab", Some(1)),
            gitlab.token_page_url("lab")
        );
    }

    #[test]
    fn a_rejected_or_revoked_gitlab_token_gets_the_401_sentence() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(401)
            .with_body(r#"{"message":"401 Unauthorized"}"#)
            .create();
        let forge = Forge::detect("gitlab.com", &[], &settings(None, Some(&server.url()))).unwrap();
        let e = forge.validate(&secret(GITLAB), SECOND).unwrap_err();
        assert_eq!(
            e.to_string(),
            "GitLab did not accept this token (401 Bad credentials). Was all of it copied? It may also have expired \
             or been revoked; if so, create a new one at \
             https://gitlab.com/-/user_settings/personal_access_tokens?name=git-credential-pat&scopes=read_repository,write_repository,read_user"
        );
        assert_no_token(&e, GITLAB);

        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(200)
            .with_body(
                r#"{"scopes":["api"],"active":false,"revoked":true,"expires_at":"2020-01-01"}"#,
            )
            .create();
        let e = mocked("gitlab", &server)
            .validate(&secret(GITLAB), SECOND)
            .unwrap_err();
        assert!(matches!(e, ValidationError::BadCredentials { .. }), "{e:?}");
    }

    #[test]
    fn an_old_gitlab_without_the_self_endpoint_still_names_the_user() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/personal_access_tokens/self")
            .with_status(404)
            .with_body(r#"{"error":"404 Not Found"}"#)
            .create();
        server
            .mock("GET", "/user")
            .with_status(200)
            .with_body(r#"{"username":"alice"}"#)
            .create();
        let info = mocked("gitlab", &server)
            .validate(&secret(GITLAB), SECOND)
            .unwrap();
        assert_eq!((info.login.as_str(), info.scopes), ("alice", None));
    }

    #[test]
    fn a_gitea_token_is_sent_as_token_and_names_its_owner() {
        let mut server = mockito::Server::new();
        let user = server
            .mock("GET", "/user")
            .match_header("authorization", format!("token {GITEA}").as_str())
            .with_status(200)
            .with_body(r#"{"id":3,"login":"alice","full_name":"Alice"}"#)
            .create();
        let forge = mocked("forgejo", &server);
        let info = forge.validate(&secret(GITEA), SECOND).unwrap();
        user.assert();
        assert_eq!(
            info,
            TokenInfo {
                login: "alice".into(),
                scopes: None,
                expires_at: None,
                kind: TokenKind::GiteaToken
            }
        );
        assert!(forge.missing_scopes(&info).is_empty());
    }

    #[test]
    fn a_gitea_token_without_read_user_is_told_which_permission_to_add() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_body(r#"{"message":"token does not have at least one of required scope(s), required=[read:user], token scope=write:repository","url":"https://codeberg.org/api/swagger"}"#)
            .create();
        let e = mocked("gitea", &server)
            .validate(&secret(GITEA), SECOND)
            .unwrap_err();
        assert!(
            matches!(e, ValidationError::Forbidden { status: 403, .. }),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("Gitea/Forgejo refused this token (HTTP 403: token does not have"),
            "{e}"
        );
        assert!(e.to_string().contains("read:user permission"), "{e}");
        assert_no_token(&e, GITEA);
    }

    #[test]
    fn a_server_that_echoes_the_token_does_not_put_it_in_an_error() {
        let mut server = mockito::Server::new();
        server
            .mock("GET", "/user")
            .with_status(403)
            .with_body(format!(r#"{{"message":"token {CLASSIC} is blocked"}}"#))
            .create();
        let e = mocked("github", &server)
            .validate(&secret(CLASSIC), SECOND)
            .unwrap_err();
        assert!(e.to_string().contains("token [token] is blocked"), "{e}");
        assert_no_token(&e, CLASSIC);
    }

    #[test]
    fn debug_output_of_the_forge_and_its_answers_holds_no_token() {
        let forge = detect("github.com").unwrap();
        let info = TokenInfo {
            login: "alice".into(),
            scopes: None,
            expires_at: None,
            kind: forge.kind_of(CLASSIC),
        };
        assert!(!format!("{forge:?}{info:?}").contains(CLASSIC));
    }
}
