//! The forges git-credential-pat knows (GitHub, GHE.com, GitHub Enterprise Server, GitLab,
//! Gitea and Forgejo): which forge a host is ([`ForgeKind`], told from the host, the realm of
//! git's `wwwauth[]` challenges and the per-host settings), the facts that differ from one
//! forge to the next (name, API base, revocation method, environment variable), and [`Forge`],
//! one forge as seen from one git host.
//!
//! The rest lives beside it, one concept a file: `page` the token pages, `token` the token
//! shapes and scopes, `api` the HTTP client and the reading of its answers, `errors` the typed
//! errors and their sentences, `github`, `gitlab` and `gitea` each
//! forge's validation and revocation as its own API documents it.
//!
//! The facts followed, with the forges' documents they come from, are in docs/FORGES.md: the
//! token pages, GitHub (and GHE.com data residency: web `https://SUBDOMAIN.ghe.com`, API
//! `https://api.SUBDOMAIN.ghe.com`; GHES: `https://HOST/api/v3`), GitLab, Gitea, and the user
//! name git sends with a token.
//! Times are seconds since the Unix epoch, UTC. A token never appears in an error message or in
//! `Debug` output, and is only ever sent over https (plain http only to this machine's loopback,
//! which is where the tests' mock API lives).

mod api;
mod errors;
mod gitea;
mod github;
mod gitlab;
mod page;
mod revocation;
mod token;

#[cfg(test)]
mod testutil;

pub(crate) use api::TokenInfo;
pub(crate) use errors::ValidationError;
pub(crate) use page::TokenType;
pub(crate) use revocation::Revocation;
pub(crate) use token::TokenKind;

use crate::host::Host;
use reqwest::Url;
use secrecy::SecretString;
use std::time::Duration;

/// How long one request to a forge's API may take, for connecting and again for the whole
/// exchange: long enough for a slow network, short enough that a person at git's prompt is not
/// left waiting on a forge that does not answer.
pub(crate) const API_TIMEOUT: Duration = Duration::from_secs(10);

/// The username stored with a GitLab token whose owner the API would not name: `GET /user`
/// needs the `read_user` (or `api`/`read_api`) scope, which a token made only for git lacks, and
/// GitLab ignores the username of a personal access token anyway (docs/FORGES.md, GitLab, "The
/// user name git sends"). The same word `login` uses for a token it could not check.
pub(crate) const UNKNOWN_LOGIN: &str = "git";

/// Whether `login` is a name this helper stood in for the forge's: [`UNKNOWN_LOGIN`], or
/// `git-token-ID` (a GitLab token without `read_user`, named by its id).
pub(crate) fn is_stand_in_login(login: &str) -> bool {
    login == UNKNOWN_LOGIN
        || login
            .strip_prefix(UNKNOWN_LOGIN)
            .and_then(|rest| rest.strip_prefix("-token-"))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Which forge a host runs. Every fact that differs between them comes from one method here
/// ([`ForgeKind::name`], [`ForgeKind::family`], [`ForgeKind::default_api_base`],
/// [`ForgeKind::revocation`]) or on [`Family`], so a new forge is one arm in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeKind {
    /// github.com (API `https://api.github.com`).
    GitHub,
    /// GHE.com data residency, GitHub Enterprise Cloud on `SUBDOMAIN.ghe.com` (API
    /// `https://api.SUBDOMAIN.ghe.com`).
    GheCom,
    /// GitHub Enterprise Server on its own host (API `https://HOST/api/v3`).
    GitHubEnterpriseServer,
    /// gitlab.com or a self-managed GitLab (API `https://HOST/api/v4`).
    GitLab,
    /// Gitea or Forgejo, e.g. codeberg.org (API `https://HOST/api/v1`).
    Gitea,
}

/// The software a forge runs, which decides its token pages, token shapes, scopes and API
/// calls: github.com, GHE.com and GitHub Enterprise Server all speak GitHub's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// GitHub's REST API (github/rest-api-description).
    GitHub,
    /// GitLab's REST API v4.
    GitLab,
    /// Gitea's and Forgejo's REST API v1.
    Gitea,
}

/// How a forge revokes a token (docs/FORGES.md, each forge's "Revoking a token").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RevocationMethod {
    /// `POST {api}/credentials/revoke` with `{"credentials": [...]}`, up to 1000 tokens a
    /// request, unauthenticated: on github.com and GHE.com "Any authenticated requests will
    /// return a 403".
    GitHubBatch,
    /// The same path on GitHub Enterprise Server 3.18+, which wants it authenticated: one
    /// request per token, with that token as `Authorization: Bearer`, classic `ghp_` tokens
    /// only (fine-grained tokens "cannot use this endpoint"), 60 requests an hour; older
    /// servers answer 404.
    GitHubEachAuthenticated,
    /// GitLab: `DELETE {api}/personal_access_tokens/self` with the token as `PRIVATE-TOKEN`.
    GitLabSelf,
    /// Gitea/Forgejo: the API deletes a token only with the account's password (Basic auth),
    /// which this helper never asks for, so the person deletes it on a page.
    OnThePage,
}

impl ForgeKind {
    /// The forge's name for people: "GitHub", "GitHub Enterprise Cloud" (GHE.com), "GitHub
    /// Enterprise Server", "GitLab", "Gitea/Forgejo".
    pub(crate) fn name(self) -> &'static str {
        match self {
            ForgeKind::GitHub => "GitHub",
            ForgeKind::GheCom => "GitHub Enterprise Cloud",
            ForgeKind::GitHubEnterpriseServer => "GitHub Enterprise Server",
            ForgeKind::GitLab => "GitLab",
            ForgeKind::Gitea => "Gitea/Forgejo",
        }
    }

    /// The words `credential.<url>.patForge` takes and the kind each selects, the one list of
    /// them: `github` is [`ForgeKind::GitHub`], which [`Forge::detect`] narrows to GHE.com or
    /// GitHub Enterprise Server by the host; `gitea` and `forgejo` both select Gitea.
    pub(crate) const SETTINGS: [(&'static str, ForgeKind); 5] = [
        ("github", ForgeKind::GitHub),
        ("ghes", ForgeKind::GitHubEnterpriseServer),
        ("gitlab", ForgeKind::GitLab),
        ("gitea", ForgeKind::Gitea),
        ("forgejo", ForgeKind::Gitea),
    ];

    /// The kind a `credential.<url>.patForge` word selects ([`ForgeKind::SETTINGS`],
    /// case-insensitive); `None` for any other word.
    pub(crate) fn from_setting(word: &str) -> Option<ForgeKind> {
        setting(&Self::SETTINGS, word)
    }

    /// The `credential.<url>.patForge` word that selects this kind: the first of
    /// [`ForgeKind::SETTINGS`] for it (GHE.com's is `github`).
    pub(crate) fn setting_word(self) -> &'static str {
        let kind = match self {
            ForgeKind::GheCom => ForgeKind::GitHub,
            other => other,
        };
        Self::SETTINGS
            .iter()
            .find(|&&(_, k)| k == kind)
            .map_or("github", |&(w, _)| w)
    }

    /// The words of [`ForgeKind::SETTINGS`], for a warning: `github, ghes, …`.
    pub(crate) fn setting_words() -> String {
        Self::SETTINGS.map(|(w, _)| w).join(", ")
    }

    /// The stable id a stored entry records in its `forge=` fact: `github`, `ghe.com`, `ghes`,
    /// `gitlab`, `gitea`. Unlike [`ForgeKind::name`], it never changes with the wording.
    pub(crate) fn id(self) -> &'static str {
        match self {
            ForgeKind::GitHub => "github",
            ForgeKind::GheCom => "ghe.com",
            ForgeKind::GitHubEnterpriseServer => "ghes",
            ForgeKind::GitLab => "gitlab",
            ForgeKind::Gitea => "gitea",
        }
    }

    /// The kind a stored `forge=` fact names: an [`ForgeKind::id`], or the display name
    /// ([`ForgeKind::name`]) that entries stored before the ids were written hold. `None` for
    /// anything else (an entry from a later version, or one edited by hand).
    pub(crate) fn from_fact(fact: &str) -> Option<ForgeKind> {
        const ALL: [ForgeKind; 5] = [
            ForgeKind::GitHub,
            ForgeKind::GheCom,
            ForgeKind::GitHubEnterpriseServer,
            ForgeKind::GitLab,
            ForgeKind::Gitea,
        ];
        let fact = fact.trim();
        ALL.into_iter().find(|k| fact == k.id() || fact == k.name())
    }

    /// Whether the forge authenticates git over HTTPS by the token alone, ignoring the user
    /// name sent with it, so that a token may be served to a request naming another user:
    /// - GitHub (github.com, GHE.com, Enterprise Server): "Although you are required to enter
    ///   your username along with your personal access token, the username is not used to
    ///   authenticate you" (GitHub Docs, "Managing your personal access tokens", "Using a
    ///   personal access token on the command line",
    ///   <https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens>).
    /// - GitLab: "GitLab usernames are ignored when authenticating with a personal access
    ///   token" (GitLab Docs, "Personal access tokens",
    ///   <https://docs.gitlab.com/user/profile/personal_access_tokens/>).
    ///
    /// Gitea/Forgejo does not: very old versions check that the user name is the token's
    /// owner, so another user's token is never served there.
    pub(crate) fn ignores_username(self) -> bool {
        self.family() != Family::Gitea
    }

    /// Which API, token pages and token shapes the forge has.
    pub(crate) fn family(self) -> Family {
        match self {
            ForgeKind::GitHub | ForgeKind::GheCom | ForgeKind::GitHubEnterpriseServer => {
                Family::GitHub
            }
            ForgeKind::GitLab => Family::GitLab,
            ForgeKind::Gitea => Family::Gitea,
        }
    }

    /// The REST API base, without a trailing slash, for the git host `host` (`name[:port]`,
    /// normalised) when `credential.<url>.patApiUrl` does not name one.
    pub(crate) fn default_api_base(self, host: &Host) -> String {
        match self {
            ForgeKind::GitHub => "https://api.github.com".to_owned(),
            ForgeKind::GheCom => format!("https://api.{}", host.name()),
            ForgeKind::GitHubEnterpriseServer => format!("https://{host}/api/v3"),
            ForgeKind::GitLab => format!("https://{host}/api/v4"),
            ForgeKind::Gitea => format!("https://{host}/api/v1"),
        }
    }

    /// How `logout --revoke` revokes a token at this forge.
    pub(crate) fn revocation(self) -> RevocationMethod {
        match self {
            // GHE.com is GitHub Enterprise Cloud: its reference documents the github.com rule.
            ForgeKind::GitHub | ForgeKind::GheCom => RevocationMethod::GitHubBatch,
            ForgeKind::GitHubEnterpriseServer => RevocationMethod::GitHubEachAuthenticated,
            ForgeKind::GitLab => RevocationMethod::GitLabSelf,
            ForgeKind::Gitea => RevocationMethod::OnThePage,
        }
    }

    /// The GitHub kind for a host: github.com, a `*.ghe.com` host (whole labels, on the
    /// default port), else GitHub Enterprise Server.
    fn github_at(host: &Host) -> ForgeKind {
        let default_port = matches!(host.port(), None | Some(443));
        if default_port && host.dns_name() == Some("github.com") {
            ForgeKind::GitHub
        } else if default_port && host.is_within("ghe.com") && host.dns_name() != Some("ghe.com") {
            ForgeKind::GheCom
        } else {
            ForgeKind::GitHubEnterpriseServer
        }
    }
}

/// A person reads [`ForgeKind::name`].
impl std::fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Family {
    /// The environment variable the forge's own tools read a token from: `GITHUB_TOKEN`
    /// (gh, Actions), `GITLAB_TOKEN` (glab), `GITEA_TOKEN` (tea).
    pub(crate) fn token_env_var(self) -> &'static str {
        match self {
            Family::GitHub => "GITHUB_TOKEN",
            Family::GitLab => "GITLAB_TOKEN",
            Family::Gitea => "GITEA_TOKEN",
        }
    }

    /// The family a word names: `patForge` values and `WWW-Authenticate` realms (`GitHub`,
    /// `GitLab`, `Gitea (Basic Auth)`, `Forgejo…`), case-insensitive, the word followed by
    /// nothing or by a character that is not a letter or digit.
    fn named_by(word: &str) -> Option<Family> {
        let word = word.trim().to_ascii_lowercase();
        let names = |name: &str| {
            word.strip_prefix(name)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
        };
        if names("github") {
            Some(Family::GitHub)
        } else if names("gitlab") {
            Some(Family::GitLab)
        } else if names("gitea") || names("forgejo") {
            Some(Family::Gitea)
        } else {
            None
        }
    }
}

/// What git's config says of one host's forge (`credential.<url>.patForge`, `patApiUrl`,
/// `patScopes`, `patTokenType`), parsed by `git::HostSettings::parse` and read by
/// [`Forge::detect`]. Empty by default: the host alone decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgeSettings {
    /// `credential.<url>.patForge`, as [`ForgeKind::from_setting`] reads it.
    pub(crate) kind: Option<ForgeKind>,
    /// `credential.<url>.patApiUrl`: the forge's API base, e.g. `https://ghe.example.com/api/v3`.
    pub(crate) api_url: Option<String>,
    /// `credential.<url>.patScopes`, split on commas and spaces.
    pub(crate) scopes: Option<Vec<String>>,
    /// `credential.<url>.patTokenType`, as [`TokenType::from_setting`] reads it.
    pub(crate) token_type: Option<TokenType>,
}

/// One forge as seen from one git host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forge {
    /// Which forge.
    pub(crate) kind: ForgeKind,
    /// The git host, with its port when git gave one (e.g. `github.com`,
    /// `git.example.com:8443`). The token page lives at `https://{host}`.
    pub(crate) host: Host,
    /// The REST API base without a trailing slash, e.g. `https://api.github.com`,
    /// `https://ghe.example.com/api/v3`, `https://gitlab.com/api/v4`.
    pub(crate) api_base: String,
    /// The scopes git needs and [`Forge::missing_scopes`] checks: `credential.<url>.patScopes`,
    /// else GitHub classic `["repo"]`, GitLab `["read_repository", "write_repository"]`, and
    /// none for fine-grained tokens (they have permissions, not scopes) and Gitea (not reported).
    pub(crate) scopes: Vec<String>,
    /// The scopes the token page ticks in advance: `credential.<url>.patScopes`, else GitHub
    /// classic `["repo", "workflow"]` (`workflow` lets a push change `.github/workflows`),
    /// GitLab `["read_repository", "write_repository", "read_user"]` (`read_user` so that the
    /// API tells the token's username), none otherwise.
    pub(crate) page_scopes: Vec<String>,
    /// Which GitHub token the page offers (`credential.<url>.patTokenType`); `Classic` for the
    /// other forges.
    pub(crate) token_type: TokenType,
    /// Whether only the server's own `WWW-Authenticate` realm named the forge: any HTTPS
    /// server can claim to be GitHub that way, so the login flow asks before trusting it.
    pub(crate) by_realm_only: bool,
}

impl Forge {
    /// Tells which forge `host` (git's `host` attribute, `name[:port]`) runs, from, in order:
    /// `settings.kind` (`github` → GitHub, GHE.com or GitHub Enterprise Server by the host;
    /// `ghes` → GitHub Enterprise Server; `gitlab`; `gitea` or `forgejo` → Gitea), the host
    /// itself (github.com, `*.ghe.com`, gitlab.com, codeberg.org, gitea.com; on the default
    /// port only), then the realm of the `WWW-Authenticate` challenges git passes as `wwwauth[]`
    /// (`Basic realm="GitHub"`, `"GitLab"`, `"Gitea"`, `"Gitea (Basic Auth)"`, `"Forgejo…"`;
    /// case-insensitive). `None` for a host none of these name, or an empty host.
    ///
    /// The API base is `settings.api_url` (trailing `/` removed) when set, else
    /// [`ForgeKind::default_api_base`].
    pub fn detect(host: &Host, wwwauth: &[String], settings: &ForgeSettings) -> Option<Forge> {
        let host = host.clone();
        let default_port = matches!(host.port(), None | Some(443));
        let github = ForgeKind::github_at(&host);
        let of_family = |family| match family {
            Family::GitHub => github,
            Family::GitLab => ForgeKind::GitLab,
            Family::Gitea => ForgeKind::Gitea,
        };
        let by_setting = || {
            settings.kind.map(|kind| match kind {
                ForgeKind::GitHub | ForgeKind::GheCom => github,
                other => other,
            })
        };
        let by_host = || match host.dns_name() {
            _ if github != ForgeKind::GitHubEnterpriseServer => Some(github),
            Some("gitlab.com") if default_port => Some(ForgeKind::GitLab),
            Some("codeberg.org" | "gitea.com") if default_port => Some(ForgeKind::Gitea),
            _ => None,
        };
        let by_realm = || {
            wwwauth
                .iter()
                .filter_map(|w| realm(w))
                .find_map(Family::named_by)
                .map(of_family)
        };
        let known = by_setting().or_else(by_host);
        let by_realm_only = known.is_none();
        let kind = known.or_else(by_realm)?;

        let api_base = match settings
            .api_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
        {
            Some(url) if !url.is_empty() => url.to_owned(),
            _ => kind.default_api_base(&host),
        };
        let token_type = TokenType::for_forge(kind, settings.token_type);
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (scopes, page_scopes) = match (&settings.scopes, token_type) {
            // Fine-grained tokens have no scopes to ask for or to check.
            (_, TokenType::FineGrained) => (vec![], vec![]),
            (Some(s), TokenType::Classic) => (s.clone(), s.clone()),
            (None, TokenType::Classic) => {
                let (required, page) = kind.family().default_scopes();
                (owned(required), owned(page))
            }
        };
        Some(Forge {
            kind,
            host,
            api_base,
            scopes,
            page_scopes,
            token_type,
            by_realm_only,
        })
    }

    /// The forge's name for people, [`ForgeKind::name`].
    pub(crate) fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// Asks the forge's API whose `token` it is, waiting at most [`API_TIMEOUT`] (for
    /// connecting, and again for the whole exchange): GitHub `GET /user`, GitLab
    /// `GET /personal_access_tokens/self` and `GET /user`, Gitea `GET /user`; see
    /// `github::validate`, `gitlab::validate` and `gitea::validate` for what each reads. An
    /// expiry at or before `now` (seconds since the Unix epoch, UTC) in an answer that accepted
    /// the token is moved to [`TokenInfo::ignored_expiry`] and `expires_at` is `None`.
    ///
    /// Every request carries `User-Agent: git-credential-pat/VERSION`, uses the proxies in the
    /// environment (none for a loopback API), and follows at most 3 redirects, and only within
    /// the same scheme, host and port, so the token never travels elsewhere.
    ///
    /// # Errors
    /// [`ValidationError::InsecureApi`] (nothing is sent) when `api_base` is `http://` on a host
    /// other than 127.0.0.0/8, `::1` or `localhost`; [`ValidationError::BadApiUrl`] when it is
    /// not a URL; otherwise as the API answered, see [`ValidationError`].
    pub(crate) fn validate(
        &self,
        token: &SecretString,
        now: u64,
    ) -> Result<TokenInfo, ValidationError> {
        self.validate_within(token, API_TIMEOUT, now)
    }

    /// [`Forge::validate`], waiting at most `timeout`: the unit tests' short wait.
    pub(crate) fn validate_within(
        &self,
        token: &SecretString,
        timeout: Duration,
        now: u64,
    ) -> Result<TokenInfo, ValidationError> {
        use secrecy::ExposeSecret;
        let client = self.http_client(timeout)?;
        let call = api::Call {
            forge: self,
            client: &client,
            token: token.expose_secret(),
            timeout,
            now,
        };
        let mut info = match self.kind.family() {
            Family::GitHub => github::validate(&call),
            Family::GitLab => gitlab::validate(&call),
            Family::Gitea => gitea::validate(&call),
        }?;
        // The forge has just accepted the token, so an expiry at or before now is wrong
        // (go-github#3708): unknown, never stored as expired.
        if let Some(at) = info.expires_at.filter(|&at| at <= now) {
            info.expires_at = None;
            info.ignored_expiry = Some(at);
        }
        Ok(info)
    }
}

/// What `word` selects in a setting's `table` of (word, value): its words compared without
/// regard to case, as git compares the values of its own settings.
fn setting<T: Copy>(table: &[(&str, T)], word: &str) -> Option<T> {
    let word = word.trim();
    table
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|&(_, value)| value)
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

/// The host of an API URL under the strict grammar of [`crate::host`]; `None` for a URL
/// without a host or with one outside it.
fn api_host(url: &Url) -> Option<Host> {
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Host::parse(&format!("{}{port}", url.host_str()?)).ok()
}

/// Whether a token may travel over plain http to `url`: only to this machine (never to a
/// name with a trailing dot, which DNS resolves).
fn is_loopback(url: &Url) -> bool {
    api_host(url).is_some_and(|h| h.is_loopback())
}

#[cfg(test)]
mod tests;
