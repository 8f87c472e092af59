//! Unit tests of `src/forge/errors.rs`, each a sentence of behaviour.
use super::*;

#[test]
fn a_certificate_failure_is_told_apart_from_a_network_failure() {
    assert_eq!(
        certificate_problem("invalid peer certificate: UnknownIssuer"),
        Some(CertTrouble::UnknownIssuer)
    );
    assert_eq!(
        certificate_problem("The certificate was not trusted."),
        Some(CertTrouble::UnknownIssuer)
    );
    assert_eq!(
        certificate_problem("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"),
        Some(CertTrouble::AuthorityAsServer)
    );
    assert_eq!(
        certificate_problem(
            "invalid peer certificate: certificate expired: verification time 1, but \
             certificate is not valid after 0"
        ),
        Some(CertTrouble::Other)
    );
    assert_eq!(
        certificate_problem("Connection refused (os error 111)"),
        None
    );
    let e = ValidationError::Certificate {
        api: "https://api.github.com".to_owned(),
        detail: "invalid peer certificate: UnknownIssuer".to_owned(),
        trouble: CertTrouble::UnknownIssuer,
    };
    let text = e.to_string();
    assert!(
        text.starts_with(
            "the certificate of https://api.github.com is not trusted (invalid peer \
             certificate: UnknownIssuer): no certificate authority this machine trusts has \
             signed it. If your company or lab has its own certificate authority, "
        ),
        "{text}"
    );
    #[cfg(target_os = "linux")]
    assert!(
        text.contains("update-ca-certificates") && text.contains("SSL_CERT_FILE"),
        "{text}"
    );
    assert!(!text.contains("there may be no network"), "{text}");
    assert!(e.is_network(), "the forge never judged the token");
}
