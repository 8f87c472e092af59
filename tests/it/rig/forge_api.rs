//! The forge's API, the one part the tests imitate: GitHub's `GET /user` on a local mockito
//! server, answering as GitHub's REST documentation describes it
//! (<https://docs.github.com/en/rest/users/users#get-the-authenticated-user>, and the
//! `X-OAuth-Scopes` and `GitHub-Authentication-Token-Expiration` headers in docs/FORGES.md).

/// GitHub's `GET /user`: 200 with `login` (and `id`), the scopes `repo, workflow` and the
/// token's `expiration` header for `token`; 401 "Bad credentials" for any other token.
pub fn github_user_api(token: &str, login: &str, expiration: &str) -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {token}").as_str())
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_header("github-authentication-token-expiration", expiration)
        .with_body(format!(r#"{{"login":"{login}","id":1}}"#))
        // mockito prefers a mock still "missing hits"; this keeps the good answer first.
        .expect_at_most(usize::MAX)
        .create();
    api.mock("GET", "/user")
        .with_status(401)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#)
        .create();
    api
}
