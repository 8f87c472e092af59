//! Why a token could not be checked, in words a beginner can act on: [`ValidationError`], one
//! sentence each, never holding the token; why a forge refused a token ([`Refusal`]: GitLab's
//! `invalid_token` says "Token is expired" or "Token was revoked", `lib/api/api_guard.rb`, as
//! docs/FORGES.md records); what is wrong with a server's certificate ([`CertTrouble`]) and how
//! to trust a company's own certificate authority on each system (rustls with the system's
//! roots and `SSL_CERT_FILE` on Linux, the system's store on macOS and Windows).
//!
//! "Was all of it copied?" is asked only of a token the person has just given that the forge
//! does not know ([`ValidationError::pasted`]): not of a stored token that used to work, nor of
//! one the forge called expired or revoked.

/// Why a token could not be confirmed. `Display` is one sentence a beginner can act on, naming
/// the forge and what to do next; neither `Display` nor `Debug` ever contains the token.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ValidationError {
    /// HTTP 401 (or GitLab's record of the token saying it is revoked or inactive): the forge
    /// no longer takes the token, for the [`Refusal`] it gave. "Was all of it copied?" is asked
    /// only of a token the person just gave ([`ValidationError::pasted`]) that the forge does
    /// not know: never of a stored token that used to work, nor of one the forge called
    /// expired or revoked.
    #[error("{}", refusal_sentence(forge, *.refusal, .said, *.pasted, .token_page))]
    BadCredentials {
        /// [`Forge::name`](super::Forge::name).
        forge: &'static str,
        /// Where to create a new token ([`Forge::token_page_url`](super::Forge::token_page_url)).
        token_page: String,
        /// Why, as far as the forge said.
        refusal: Refusal,
        /// The forge's own words, cleaned: `401 Bad credentials` (GitHub), `401 Unauthorized`
        /// or `401 invalid_token: Token is expired` (GitLab).
        said: String,
        /// The person has just pasted (or piped in) the token.
        pasted: bool,
    },
    /// HTTP 403 or 429 with `x-ratelimit-remaining: 0` (or a `retry-after`): too many requests.
    #[error("{forge}'s API rate limit is used up for now; {}", reset_advice(*.reset_utc))]
    RateLimited {
        /// [`Forge::name`](super::Forge::name).
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
        /// [`Forge::name`](super::Forge::name).
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
        /// [`Forge::name`](super::Forge::name).
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
    /// The TLS handshake failed over the server's certificate: not signed by a certificate
    /// authority this machine trusts (a company's or a lab's own CA, a proxy that inspects
    /// HTTPS), a CA's own certificate served as the server's, or expired, or made out for
    /// another name.
    #[error("{}", certificate_sentence(.api, .detail, *.trouble))]
    Certificate {
        /// The API base asked.
        api: String,
        /// The TLS library's words, e.g. `invalid peer certificate: UnknownIssuer`.
        detail: String,
        /// What is wrong with it, which decides the advice.
        trouble: CertTrouble,
    },
    /// No connection: refused, DNS.
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
        /// [`Forge::name`](super::Forge::name).
        forge: &'static str,
        /// The HTTP status, 0 when there was none.
        status: u16,
        /// What was wrong.
        detail: String,
    },
}

/// What is wrong with a server's certificate, as the TLS library's words tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CertTrouble {
    /// No certificate authority this machine trusts signed it (rustls `UnknownIssuer`,
    /// Security.framework's and SChannel's "not trusted"): trusting the CA is the remedy.
    UnknownIssuer,
    /// The server presents a CA's own certificate (rustls/webpki `CaUsedAsEndEntity`), as
    /// `openssl req -x509` makes by default: refused even where trusted.
    AuthorityAsServer,
    /// Expired, not yet valid, made out for another name, or anything else.
    Other,
}

/// Why a forge no longer takes a token, as far as its 401 answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The forge does not know it: mistyped, cut short, or expired or revoked without the
    /// forge saying which (GitHub's `Bad credentials`, GitLab's `401 Unauthorized`).
    Unknown,
    /// GitLab: `invalid_token`, "Token is expired", or its record is no longer active.
    Expired,
    /// GitLab: `invalid_token`, "Token was revoked", or its record says `revoked`.
    Revoked,
}

impl ValidationError {
    /// True for [`ValidationError::Timeout`], [`ValidationError::Unreachable`] and
    /// [`ValidationError::Certificate`]: the forge never judged the token, so the caller may
    /// offer to store it unchecked (git may trust a CA this helper does not, through
    /// `http.sslCAInfo`).
    pub(crate) fn is_network(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. } | Self::Unreachable { .. } | Self::Certificate { .. }
        )
    }

    /// The same error for a token the person has just given (pasted, or piped to `login
    /// --token-stdin`): a 401 for a token the forge does not know then asks whether all of it
    /// was copied.
    pub(crate) fn pasted(self) -> Self {
        match self {
            Self::BadCredentials {
                forge,
                token_page,
                refusal,
                said,
                ..
            } => Self::BadCredentials {
                forge,
                token_page,
                refusal,
                said,
                pasted: true,
            },
            other => other,
        }
    }
}

fn refusal_sentence(
    forge: &str,
    refusal: Refusal,
    said: &str,
    pasted: bool,
    token_page: &str,
) -> String {
    match (refusal, pasted) {
        (Refusal::Unknown, true) => format!(
            "{forge} did not accept this token ({said}). Was all of it copied? It may also have \
             expired or been revoked; if so, create a new one at {token_page}"
        ),
        (Refusal::Unknown, false) => format!(
            "{forge} did not accept this token ({said}): it may have expired or been revoked; \
             create a new one at {token_page}"
        ),
        (Refusal::Expired, _) => format!(
            "{forge} did not accept this token: it has expired ({said}); create a new one at \
             {token_page}"
        ),
        (Refusal::Revoked, _) => format!(
            "{forge} did not accept this token: it was revoked ({said}); create a new one at \
             {token_page}"
        ),
    }
}

fn certificate_sentence(api: &str, detail: &str, trouble: CertTrouble) -> String {
    let trust = format!(
        "If your company or lab has its own certificate authority, {TRUST_A_CA}, then try again"
    );
    match trouble {
        CertTrouble::UnknownIssuer => format!(
            "the certificate of {api} is not trusted ({detail}): no certificate authority this \
             machine trusts has signed it. {trust}"
        ),
        CertTrouble::AuthorityAsServer => format!(
            "the certificate of {api} is not trusted ({detail}): the server presents a \
             certificate authority's own (self-signed) certificate, which is refused as a \
             server's even where it is trusted; the server needs a certificate signed by that \
             authority. {trust}"
        ),
        CertTrouble::Other => format!(
            "the certificate of {api} was refused ({detail}); check the address \
             (credential.<url>.patApiUrl), and that nothing on the network intercepts HTTPS"
        ),
    }
}

/// How to make this build's TLS trust a certificate authority: rustls with the system's roots
/// read by rustls-native-certs on Linux and the BSDs (which reads only `SSL_CERT_FILE` or
/// `SSL_CERT_DIR` when either is set), the system's own store on macOS and Windows.
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const TRUST_A_CA: &str = "add its certificate to the system's trust store (on Debian and Ubuntu: \
     copy it to /usr/local/share/ca-certificates/NAME.crt and run `sudo update-ca-certificates`), \
     or set SSL_CERT_FILE to a PEM file holding it (that file then replaces the system's list, \
     so include the public authorities too)";
#[cfg(target_os = "macos")]
const TRUST_A_CA: &str =
    "add its certificate to the System keychain in Keychain Access and mark it as trusted";
#[cfg(target_os = "windows")]
const TRUST_A_CA: &str =
    "add its certificate to \"Trusted Root Certification Authorities\" (certmgr.msc)";

/// Whether the innermost words of a connection failure are about the server's certificate
/// (`Some`), and what they say is wrong with it: rustls's `invalid peer certificate:
/// UnknownIssuer` or `…CaUsedAsEndEntity…`, Security.framework's "not trusted", SChannel's
/// "not trusted by the trust provider".
pub(super) fn certificate_problem(detail: &str) -> Option<CertTrouble> {
    let d = detail.to_ascii_lowercase();
    if !d.contains("certificate") {
        return None;
    }
    let untrusted = [
        "unknownissuer",
        "unknown issuer",
        "unknownca",
        "not trusted",
        "untrusted",
        "no ca certificates",
    ];
    Some(if d.contains("causedasendentity") {
        CertTrouble::AuthorityAsServer
    } else if untrusted.iter().any(|w| d.contains(w)) {
        CertTrouble::UnknownIssuer
    } else {
        CertTrouble::Other
    })
}

pub(super) fn reset_advice(reset_utc: Option<u64>) -> String {
    match reset_utc.map(crate::show::utc_clock) {
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

#[cfg(test)]
mod tests;
