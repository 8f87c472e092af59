//! Unit tests of `forge/revocation.rs`: each forge's revocation requests and what their
//! answers come to, against a local server that answers as the forge's REST reference says.
use super::super::testutil::*;
use super::super::{Forge, ForgeKind, Revocation, RevocationMethod};

/// What github.com's answer `202 Accepted` comes to.
const REVOKED: Revocation = Revocation::Revoked {
    forge: ForgeKind::GitHub,
};

#[test]
fn ghe_com_revokes_in_one_unauthenticated_batch_as_github_com_does() {
    // GHEC reference for POST /credentials/revoke: "Any authenticated requests will
    // return a 403".
    let mut server = mockito::Server::new();
    let authenticated = server
        .mock("POST", "/credentials/revoke")
        .match_header("authorization", mockito::Matcher::Regex(".".into()))
        .with_status(403)
        .with_body(r#"{"message":"Forbidden"}"#)
        .expect(0)
        .create();
    let batch = server
        .mock("POST", "/credentials/revoke")
        .match_header("authorization", mockito::Matcher::Missing)
        .match_header("accept", "application/vnd.github+json")
        .match_body(mockito::Matcher::Json(
            serde_json::json!({ "credentials": [CLASSIC, FINE] }),
        ))
        .with_status(202)
        .expect(1)
        .create();
    let forge = Forge::detect(
        &parse_host("octo.ghe.com"),
        &[],
        &settings(None, Some(&server.url())),
    )
    .unwrap();
    assert_eq!(forge.kind, ForgeKind::GheCom);
    let results = forge.revoke_within(&[&secret(CLASSIC), &secret(FINE)], SECOND, NOW);
    let revoked = Revocation::Revoked {
        forge: ForgeKind::GheCom,
    };
    assert_eq!(results, [revoked.clone(), revoked]);
    batch.assert();
    authenticated.assert();
}

#[test]
fn ghes_revokes_each_token_with_that_token() {
    let mut server = mockito::Server::new();
    let each = server
        .mock("POST", "/credentials/revoke")
        .match_header("authorization", format!("Bearer {CLASSIC}").as_str())
        .match_body(mockito::Matcher::Json(
            serde_json::json!({ "credentials": [CLASSIC] }),
        ))
        .with_status(202)
        .create();
    let forge = mocked("ghes", &server);
    assert_eq!(
        forge.kind.revocation(),
        RevocationMethod::GitHubEachAuthenticated
    );
    assert_eq!(
        forge.revoke_within(&[&secret(CLASSIC)], SECOND, NOW),
        [Revocation::Revoked {
            forge: ForgeKind::GitHubEnterpriseServer
        }]
    );
    each.assert();
}

/// REST API description, `POST /credentials/revoke`: `422` "Validation failed, or the
/// endpoint has been spammed", for the request as a whole; "Rate limits for the REST API":
/// `x-ratelimit-remaining`, 60 an hour unauthenticated.
#[test]
fn a_422_for_a_batch_sends_each_token_again_for_its_own_verdict() {
    const THIRD: &str = "ghp_Third000000000000000000000000000000003";
    let mut server = mockito::Server::new();
    let revoke = |server: &mut mockito::ServerGuard, tokens: &[&str], status, left: &str| {
        server
            .mock("POST", "/credentials/revoke")
            .match_header("authorization", mockito::Matcher::Missing)
            .match_body(mockito::Matcher::Json(
                serde_json::json!({ "credentials": tokens }),
            ))
            .with_status(status)
            .with_header("x-ratelimit-limit", "60")
            .with_header("x-ratelimit-remaining", left)
            .with_header("x-ratelimit-reset", "1795269900")
            .with_body(if status == 422 {
                r#"{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest/credentials/revoke#revoke-a-list-of-credentials","status":"422"}"#
            } else {
                ""
            })
            .expect(1)
            .create()
    };
    let batch = revoke(&mut server, &[CLASSIC, FINE, THIRD], 422, "58");
    let one = revoke(&mut server, &[CLASSIC], 202, "57");
    let two = revoke(&mut server, &[FINE], 422, "56");
    let three = revoke(&mut server, &[THIRD], 202, "55");
    let forge = mocked("github", &server);
    let forge = Forge {
        kind: ForgeKind::GitHub,
        ..forge
    };
    let results = forge.revoke_within(
        &[&secret(CLASSIC), &secret(FINE), &secret(THIRD)],
        SECOND,
        NOW,
    );
    for m in [batch, one, two, three] {
        m.assert();
    }
    assert_eq!(results[0], REVOKED);
    assert!(matches!(results[1], Revocation::Refused { .. }));
    assert_eq!(
        results[1].to_string(),
        "GitHub refused the revocation (422: validation failed, or the endpoint has been \
         spammed); try again later; delete it by hand at \
         https://git.example.com/settings/personal-access-tokens"
    );
    assert_eq!(results[2], REVOKED);
}

#[test]
fn the_one_by_one_retry_stops_where_the_rate_limit_does() {
    let mut server = mockito::Server::new();
    let batch = server
        .mock("POST", "/credentials/revoke")
        .match_body(mockito::Matcher::Json(
            serde_json::json!({ "credentials": [CLASSIC, FINE] }),
        ))
        .with_status(422)
        .with_header("x-ratelimit-remaining", "1")
        .with_header("x-ratelimit-reset", "1795269900")
        .expect(1)
        .create();
    let first = server
        .mock("POST", "/credentials/revoke")
        .match_body(mockito::Matcher::Json(
            serde_json::json!({ "credentials": [CLASSIC] }),
        ))
        .with_status(202)
        .with_header("x-ratelimit-remaining", "0")
        .with_header("x-ratelimit-reset", "1795269900")
        .expect(1)
        .create();
    let second = server
        .mock("POST", "/credentials/revoke")
        .match_body(mockito::Matcher::Json(
            serde_json::json!({ "credentials": [FINE] }),
        ))
        .expect(0)
        .create();
    let forge = Forge {
        kind: ForgeKind::GitHub,
        ..mocked("github", &server)
    };
    let results = forge.revoke_within(&[&secret(CLASSIC), &secret(FINE)], SECOND, NOW);
    batch.assert();
    first.assert();
    second.assert();
    assert_eq!(results[0], REVOKED);
    assert!(matches!(results[1], Revocation::NotAsked { .. }));
    assert_eq!(
        results[1].to_string(),
        ("GitHub's rate limit for revocations is used up for now (it is shared by \
             everyone behind this network address); it resets at 14:05 UTC, so try again \
             after that; delete it by hand at https://git.example.com/settings/personal-access-tokens")
    );
}

/// GHES 3.18 REST reference, `POST /credentials/revoke`: `ghp_` and `github_pat_` only,
/// fine-grained tokens cannot use the endpoint. Nothing is sent for one.
#[test]
fn ghes_says_before_any_request_that_a_fine_grained_token_needs_the_page() {
    let mut server = mockito::Server::new();
    let any = server
        .mock("POST", "/credentials/revoke")
        .with_status(202)
        .expect(0)
        .create();
    let forge = mocked("ghes", &server);
    let why = "GitHub Enterprise Server's revocation API does not take fine-grained tokens; \
               delete it by hand at https://git.example.com/settings/personal-access-tokens";
    let cannot = forge.cannot_revoke(&secret(FINE)).unwrap();
    assert!(matches!(cannot, Revocation::ByHand { .. }));
    assert_eq!(cannot.to_string(), why);
    assert_eq!(forge.cannot_revoke(&secret(CLASSIC)), None);
    assert_eq!(forge.revoke_within(&[&secret(FINE)], SECOND, NOW), [cannot]);
    any.assert();
}

/// The endpoint exists from GHES 3.18 on (it is absent from the 3.17 REST reference): an
/// older server answers `404` with GitHub's `{"message":"Not Found"}` body. The tokens after
/// the first are not sent.
#[test]
fn an_older_ghes_answering_404_sends_the_person_to_the_delete_page() {
    let mut server = mockito::Server::new();
    let not_found = server
        .mock("POST", "/credentials/revoke")
        .with_status(404)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(r#"{"message":"Not Found","documentation_url":"https://docs.github.com/enterprise-server@3.17/rest","status":"404"}"#)
        .expect(1)
        .create();
    let forge = mocked("ghes", &server);
    let second = "ghp_Second00000000000000000000000000000002";
    let results = forge.revoke_within(&[&secret(CLASSIC), &secret(second)], SECOND, NOW);
    not_found.assert();
    let why = "this GitHub Enterprise Server has no revocation API (it came with version \
               3.18; the server answered 404); delete it by hand at \
               https://git.example.com/settings/tokens";
    for result in &results {
        assert!(matches!(result, Revocation::Refused { .. }));
        assert_eq!(result.to_string(), why);
    }
    assert_eq!(results.len(), 2);
}
