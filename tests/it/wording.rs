//! What a person reads when a token cannot be checked or comes to an end: an API whose TLS
//! certificate this machine does not trust, the times of the lab timer and of an expiry, a token
//! pasted twice, a login that gives up, the forge's own reason for refusing a token, and plain
//! `logout`'s closing line. The real binary on the real keychains; the forge's API is a local
//! mock (mockito) speaking GitHub's or GitLab's documented answers, or the rig's HTTPS server.

use crate::rig::now;
use crate::rig::{self, World, keychains};

/// A GitHub Enterprise Server the tests make up; its API is the mock.
const HOST: &str = "ghe.lab.test";
/// A self-managed GitLab the tests make up; its API is the mock.
const GL_HOST: &str = "gitlab.lab.test";
const TOKEN: &str = "ghp_Wording0000000000000000000000000001";
const GL_GOOD: &str = "glpat-Good00000000000000001";
const GL_EXPIRED: &str = "glpat-Expired0000000000002";
const GL_REVOKED: &str = "glpat-Revoked0000000000003";
const GL_UNKNOWN: &str = "glpat-Unknown0000000000004";

/// GitHub's `GET /user`: alice for TOKEN, 401 "Bad credentials" for anything else.
fn github_api() -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    api.mock("GET", "/user")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .with_status(200)
        .with_header("x-oauth-scopes", "repo, workflow")
        .with_body(r#"{"login":"alice"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api.mock("GET", "/user")
        .with_status(401)
        .with_body(r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api
}

/// GitLab's `GET /personal_access_tokens/self` and `GET /user` as its API answers them:
/// GL_GOOD is carol's; an expired or revoked token gets `invalid_token` with GitLab's own
/// description, and a token GitLab does not know `{"message":"401 Unauthorized"}`
/// (`lib/api/api_guard.rb`, `lib/gitlab/auth/auth_finders.rb`; docs/FORGES.md).
fn gitlab_api() -> mockito::ServerGuard {
    let mut api = mockito::Server::new();
    api.mock("GET", "/personal_access_tokens/self")
        .match_header("private-token", GL_GOOD)
        .with_status(200)
        .with_body(r#"{"id":7,"scopes":["api"],"active":true,"revoked":false,"expires_at":null}"#)
        .expect_at_most(usize::MAX)
        .create();
    api.mock("GET", "/user")
        .match_header("private-token", GL_GOOD)
        .with_status(200)
        .with_body(r#"{"username":"carol"}"#)
        .expect_at_most(usize::MAX)
        .create();
    for (token, description) in [
        (
            GL_EXPIRED,
            "Token is expired. You can either do re-authorization or token refresh.",
        ),
        (
            GL_REVOKED,
            "Token was revoked. You have to re-authorize from the user.",
        ),
    ] {
        api.mock("GET", "/personal_access_tokens/self")
            .match_header("private-token", token)
            .with_status(401)
            .with_header("content-type", "application/json")
            .with_header(
                "www-authenticate",
                &format!(
                    "Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", error_description=\"{description}\""
                ),
            )
            .with_body(format!(
                r#"{{"error":"invalid_token","error_description":"{description}"}}"#
            ))
            .expect_at_most(usize::MAX)
            .create();
    }
    api.mock("GET", "/personal_access_tokens/self")
        .match_header("private-token", GL_UNKNOWN)
        .with_status(401)
        .with_header("content-type", "application/json")
        .with_body(r#"{"message":"401 Unauthorized"}"#)
        .expect_at_most(usize::MAX)
        .create();
    api
}

/// A world on `kc` that knows HOST as a GitHub Enterprise Server whose API is `github` and
/// GL_HOST as a GitLab whose API is `gitlab`.
fn world(kc: rig::Keychain, github: &str, gitlab: &str) -> World {
    let w = World::new(kc);
    let config = format!(
        "[credential]\n\thelper =\n\thelper = \"{}\"\n\
         [credential \"https://{HOST}\"]\n\tpatForge = ghes\n\tpatApiUrl = {github}\n\
         [credential \"https://{GL_HOST}\"]\n\tpatForge = gitlab\n\tpatApiUrl = {gitlab}\n",
        w.helper_command()
    );
    std::fs::write(w.sb.gitconfig(), config).unwrap();
    w
}

/// `login HOST --token-stdin` with `token`, and `extra` arguments.
fn login(w: &World, host: &str, token: &str, extra: &[&str]) -> rig::Output {
    let mut args = vec!["login", host, "--token-stdin"];
    args.extend_from_slice(extra);
    w.helper_args(&args, &format!("{token}\n"))
}

/// An HTTPS server whose certificate a company's or a lab's own certificate authority signed
/// (`openssl s_server -www`, which answers any request with a status page): the CA is trusted
/// nowhere unless `SSL_CERT_FILE` names it. The server is killed on drop.
struct CompanyCaServer {
    child: std::process::Child,
    /// The certificate authority's certificate (PEM).
    ca: std::path::PathBuf,
    url: String,
    _dir: tempfile::TempDir,
}

impl CompanyCaServer {
    fn start() -> Option<CompanyCaServer> {
        let openssl = rig::require_tools("a company CA's HTTPS server", &["openssl"])?.remove(0);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let run = |args: &[&str]| {
            let mut cmd = std::process::Command::new(&openssl);
            cmd.current_dir(d).args(args).env("HOME", d);
            let out = rig::run_with_timeout(&mut cmd, b"", std::time::Duration::from_secs(30));
            assert_eq!(out.code, 0, "openssl {args:?}: {}", out.stderr);
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        run(&[
            &["req", "-x509"][..],
            &ec[..],
            &["-keyout", "ca.key", "-out", "ca.pem"],
            &["-days", "2", "-subj", "/CN=Lab Test CA"],
        ]
        .concat());
        run(&[
            &["req"][..],
            &ec[..],
            &["-keyout", "leaf.key", "-out", "leaf.csr"],
            &["-subj", "/CN=127.0.0.1"],
        ]
        .concat());
        std::fs::write(
            d.join("leaf.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(&openssl)
            .current_dir(d)
            .args([
                "s_server", "-quiet", "-www", "-cert", "leaf.pem", "-key", "leaf.key",
            ])
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start openssl s_server");
        let server = CompanyCaServer {
            child,
            ca: d.join("ca.pem"),
            url: format!("https://127.0.0.1:{port}"),
            _dir: dir,
        };
        rig::procs::wait_until(std::time::Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        })
        .expect("openssl s_server did not listen within 10 s");
        Some(server)
    }
}

impl Drop for CompanyCaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `login HOST --token-stdin` on `w`, with `SSL_CERT_FILE` set to `cert` or unset.
fn login_trusting(w: &World, cert: Option<&std::path::Path>) -> rig::Output {
    let mut cmd = w.sb.helper();
    cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    if let Some(cert) = cert {
        cmd.env("SSL_CERT_FILE", cert);
    }
    cmd.arg(w.store_arg())
        .args(["login", HOST, "--token-stdin"]);
    w.sb.run(&mut cmd, &format!("{TOKEN}\n"))
}

/// An API behind a certificate authority this machine does not trust (a company's, a lab's):
/// the failure says the certificate is not trusted, not that the network is down, and how to
/// trust such an authority; following the advice (`SSL_CERT_FILE`) gets past it.
#[test]
fn an_api_whose_certificate_is_not_trusted_is_named_as_such_with_how_to_trust_a_ca() {
    let Some(server) = CompanyCaServer::start() else {
        return;
    };
    for kc in keychains() {
        let w = world(kc, &server.url, &server.url);
        let out = login_trusting(&w, None);
        assert_eq!(out.code, 1, "{}: {}", w.name(), out.stderr);
        assert!(
            out.stderr.starts_with(&format!(
                "git-credential-pat: the certificate of {} is not trusted (invalid peer \
                 certificate: UnknownIssuer): no certificate authority this machine trusts has \
                 signed it. If your company or lab has its own certificate authority, ",
                server.url
            )),
            "{}",
            out.stderr
        );
        for says in [
            "the system's trust store",
            "update-ca-certificates",
            "SSL_CERT_FILE",
        ] {
            assert!(out.stderr.contains(says), "{says}: {}", out.stderr);
        }
        assert!(
            !out.stderr.contains("there may be no network"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(TOKEN));
        assert!(w.stored().is_empty(), "{}", w.name());

        // The advice works: with the CA in SSL_CERT_FILE the request gets through (the
        // status page is not GitHub's JSON, which is the next thing that goes wrong).
        let out = login_trusting(&w, Some(&server.ca));
        assert_eq!(out.code, 1, "{}: {}", w.name(), out.stderr);
        assert!(
            out.stderr.contains("not the JSON expected"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("certificate"), "{}", out.stderr);
    }
}

/// The rig's HTTPS server serves a self-signed certificate that is its own authority (as
/// `openssl req -x509` makes it): named as not trusted, with what the server needs.
#[test]
fn a_self_signed_authority_served_as_the_certificate_is_named_as_not_trusted() {
    let Some(server) = rig::GitServer::start("u", "p") else {
        return;
    };
    let api = format!("https://{}", server.host());
    for kc in keychains() {
        let w = world(kc, &api, &api);
        for cert in [None, Some(server.cert.as_path())] {
            let out = login_trusting(&w, cert);
            assert_eq!(out.code, 1, "{}: {}", w.name(), out.stderr);
            assert!(
                out.stderr.starts_with(&format!(
                    "git-credential-pat: the certificate of {api} is not trusted ("
                )),
                "{}",
                out.stderr
            );
            assert!(
                out.stderr
                    .contains("the server needs a certificate signed by that authority"),
                "{}",
                out.stderr
            );
            assert!(
                !out.stderr.contains("there may be no network"),
                "{}",
                out.stderr
            );
        }
    }
}

/// Each timer and expiry reads as a person would say it: a 1-minute and an 8-hour timer are
/// told apart, 55 seconds is less than a minute, and 70 seconds ago is one minute ago.
#[test]
fn times_are_rounded_to_what_a_person_expects() {
    let api = github_api();
    for kc in keychains() {
        let w = world(kc, &api.url(), &api.url());
        for (lifetime, says) in [("1m", "(in 1 minute)"), ("8h", "(in 8 hours)")] {
            let out = login(&w, HOST, TOKEN, &["--for", lifetime]);
            assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
            assert!(
                out.stderr.contains("; the lab timer erases it "),
                "{}",
                out.stderr
            );
            assert!(
                out.stderr.contains(says),
                "--for {lifetime}: {}",
                out.stderr
            );
            if lifetime == "8h" {
                let out = w.helper_args(&["list"], "");
                assert!(out.stdout.contains("erases in 8 hours"), "{}", out.stdout);
            }
            let out = w.helper_args(&["logout", HOST], "");
            assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        }

        let out = login(&w, HOST, TOKEN, &["--for", "50s"]);
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert!(
            out.stderr.contains("(in less than a minute)"),
            "{}",
            out.stderr
        );
        let out = w.helper_args(&["list"], "");
        assert!(
            out.stdout.contains("erases in less than a minute"),
            "{}",
            out.stdout
        );

        w.write_raw(
            &format!("https://bob@{HOST}"),
            &format!(
                "ghp_Bob00000000000000000000000000000000002\nforge=GitHub Enterprise Server\n\
                 password_expiry_utc={}\n",
                now() - 70
            ),
        );
        let out = w.helper_args(&["list"], "");
        assert!(out.stdout.contains("  1 minute ago  "), "{}", out.stdout);
    }
}

/// A token pasted twice (`ghp_…ghp_…`) is told so before anything is sent, not asked whether
/// all of it was copied.
#[test]
fn a_token_pasted_twice_is_told_it_looks_like_two_tokens() {
    let mut api = mockito::Server::new();
    let asked = api.mock("GET", "/user").with_status(401).expect(0).create();
    for kc in keychains() {
        let w = world(kc, &api.url(), &api.url());
        let out = login(&w, HOST, &format!("{TOKEN}{TOKEN}"), &[]);
        assert_eq!(out.code, 1, "{}: {}", w.name(), out.stderr);
        assert_eq!(
            out.stderr,
            "git-credential-pat: that looks like the same token twice over: it was probably \
             pasted twice; copy the token again and paste it once\n"
        );
        let other = "ghp_Other000000000000000000000000000000";
        let out = login(&w, HOST, &format!("{TOKEN}{other}"), &[]);
        assert!(
            out.stderr
                .contains("looks like two tokens one after the other (ghp_ appears twice)"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("copied?"), "{}", out.stderr);
        assert!(w.stored().is_empty(), "{}", w.name());
    }
    asked.assert();
}

/// Three refused pastes at a terminal end `login` with one line saying nothing was stored.
#[test]
fn three_refused_pastes_say_once_that_nothing_was_stored() {
    for kc in keychains() {
        let w = world(kc, "https://127.0.0.1:9", "https://127.0.0.1:9");
        let mut cmd = rig::sandboxed(&w.sb, "sh");
        cmd.args([
            "-c",
            "stty echo; \"$0\" \"$1\" login \"$2\" --no-browser; echo \"login ended $?\"",
            rig::helper_bin().to_str().unwrap(),
            w.store_arg(),
            HOST,
        ]);
        let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn login");
        for attempt in 1..=3 {
            p.exp_string(if attempt == 1 {
                "Paste the token for"
            } else {
                "Paste the token again"
            })
            .unwrap_or_else(|e| panic!("{}: attempt {attempt}: {e}", w.name()));
            p.send_line("not-a-token").unwrap();
        }
        let rest = p.exp_string("login ended 1").unwrap();
        assert_eq!(
            rest.matches("nothing was stored").count(),
            1,
            "{}: {rest}",
            w.name()
        );
        assert!(
            rest.contains("git-credential-pat: giving up after 3 attempts; nothing was stored"),
            "{rest}"
        );
        assert!(w.stored().is_empty(), "{}", w.name());
    }
}

/// GitLab's reason for a 401 is what the person reads: expired, revoked, or not known; only a
/// token just given that GitLab does not know is asked about copying, never a stored one
/// (`doctor`), and GitHub's "Bad credentials" never appears for GitLab.
#[test]
fn a_refused_gitlab_token_is_told_what_gitlab_said() {
    let api = gitlab_api();
    for kc in keychains() {
        let w = world(kc, &api.url(), &api.url());
        for (token, says) in [
            (
                GL_EXPIRED,
                "GitLab did not accept this token: it has expired (401 invalid_token: Token is \
                 expired); create a new one at https://gitlab.lab.test/",
            ),
            (
                GL_REVOKED,
                "GitLab did not accept this token: it was revoked (401 invalid_token: Token was \
                 revoked); create a new one at https://gitlab.lab.test/",
            ),
            (
                GL_UNKNOWN,
                "GitLab did not accept this token (401 Unauthorized). Was all of it copied? It \
                 may also have expired or been revoked; if so, create a new one at \
                 https://gitlab.lab.test/",
            ),
        ] {
            let out = login(&w, GL_HOST, token, &[]);
            assert_eq!(out.code, 1, "{}: {}", w.name(), out.stderr);
            assert!(
                out.stderr
                    .starts_with(&format!("git-credential-pat: {says}")),
                "{}",
                out.stderr
            );
            assert!(!out.stderr.contains("Bad credentials"), "{}", out.stderr);
        }
        assert!(w.stored().is_empty(), "{}", w.name());

        // Stored tokens that stopped working: doctor names GitLab's reason, and does not ask
        // whether a token that used to work was copied whole.
        for (user, token) in [("dave", GL_EXPIRED), ("erin", GL_UNKNOWN)] {
            w.approve(&format!(
                "protocol=https\nhost={GL_HOST}\nusername={user}\npassword={token}\n"
            ));
        }
        let out = w.helper_args(&["doctor"], "");
        assert_eq!(out.code, 1, "{}: {}", w.name(), out.stdout);
        assert!(
            out.stdout.contains(&format!(
                "dave@{GL_HOST}: GitLab did not accept this token: it has expired (401 \
                 invalid_token: Token is expired)"
            )),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!(
                "erin@{GL_HOST}: GitLab did not accept this token (401 Unauthorized): it may \
                 have expired or been revoked; create a new one at"
            )),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("copied"), "{}", out.stdout);
        assert!(!out.stdout.contains("Bad credentials"), "{}", out.stdout);
    }
}

/// Plain `logout` says where each erased, still live token is deleted, and suggests no command
/// that needs the token it has just erased.
#[test]
fn plain_logout_names_the_page_to_delete_each_token_on() {
    let api = gitlab_api();
    for kc in keychains() {
        let w = world(kc, &api.url(), &api.url());
        let out = login(&w, GL_HOST, GL_GOOD, &[]);
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        let out = w.helper_args(&["logout", GL_HOST], "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert!(
            out.stderr.ends_with(&format!(
                "git-credential-pat: it STILL WORKS at the forge until it expires: erased here \
                 only, so delete it at https://{GL_HOST}/-/user_settings/personal_access_tokens.\n"
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("--revoke"), "{}", out.stderr);

        // Several tokens, one on a host no rule names: each page once, in the plural.
        w.approve(&format!(
            "protocol=https\nhost={GL_HOST}\nusername=carol\npassword={GL_GOOD}\n"
        ));
        w.approve(&format!(
            "protocol=https\nhost={HOST}\nusername=alice\npassword={TOKEN}\n"
        ));
        w.approve("protocol=https\nhost=example.org\nusername=frank\npassword=s3cret-token\n");
        let out = w.helper_args(&["logout", "--all", "--yes"], "");
        assert_eq!(out.code, 0, "{}: {}", w.name(), out.stderr);
        assert!(
            out.stderr.ends_with(&format!(
                "git-credential-pat: they STILL WORK at the forge until they expire: erased here \
                 only, so delete them at the token page of example.org and \
                 https://{HOST}/settings/tokens and \
                 https://{GL_HOST}/-/user_settings/personal_access_tokens.\n"
            )),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("--revoke"), "{}", out.stderr);
    }
}
