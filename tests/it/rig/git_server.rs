//! A local HTTPS git server per test ([`GitServer`]): nginx with HTTP Basic auth in front of
//! fcgiwrap and `git http-backend`, a self-signed certificate, and one seeded bare repository.

use super::procs::{Procs, START_TIMEOUT, run_with_timeout, wait_until};
use super::sandbox::Sandbox;
use super::{log_file, path_str, read_log, require_tools, rig_tempdir, std_path};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// An HTTPS git server on 127.0.0.1 with HTTP Basic auth: nginx + fcgiwrap + `git http-backend` (REFERENCE §5), on a free port
/// (pick one by binding a std::net::TcpListener to 127.0.0.1:0, dropping it, and retrying a few times if nginx fails to bind).
///
/// nginx runs as one process (`master_process off`, `daemon off`) as the current user; fcgiwrap
/// gets its listening socket as stdin, already bound, so the first request can never race it.
pub struct GitServer {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The server's self-signed certificate (PEM). git must be told to trust it with
    /// `GIT_SSL_CAINFO=<cert>` on the git command (`trust` does that): the machine exports
    /// GIT_SSL_CAINFO globally, and that variable overrides `http.sslCAInfo`.
    pub cert: PathBuf,
    // Held for its Drop, which kills the daemons.
    _procs: Procs,
    fcgiwrap_pid: u32,
    nginx_pid: u32,
    access_log: PathBuf,
    repos: PathBuf,
    // Last, so the daemons are dead (Procs' Drop) before their files are removed.
    _dir: tempfile::TempDir,
}

impl GitServer {
    /// Start with one user `user`/`password`, a self-signed EC P-256 cert for IP:127.0.0.1 (+DNS:localhost), and one bare repo
    /// `repo.git` (http.receivepack true) holding one seed commit on branch `main` with a file README containing "seed\n".
    /// Everything (config, pid files, logs, temp paths: nginx needs its own client_body_temp_path etc., and must run as the
    /// current user, not drop to www-data, `daemon off` or pid file in the temp dir) lives in a temp dir. fcgiwrap runs in
    /// its own process group with its own socket in the temp dir; Drop kills nginx and fcgiwrap's whole process group.
    /// Returns None / panics under the same rule as SecretService.
    ///
    /// The process group comes from `Command::process_group(0)` rather than the `setsid` tool:
    /// the group is what lets one kill reach fcgiwrap's preforked workers, and this way its id
    /// is fcgiwrap's own PID, known at spawn, with no fork in between.
    pub fn start(user: &str, password: &str) -> Option<GitServer> {
        GitServer::start_with(&[(user, password)], &[])
    }

    /// Like [`GitServer::start`], with several accounts, and one repository `OWNER/app.git` per
    /// entry of `owners` (`(owner, user)`) that only `user` may use: as GitHub answers a token
    /// without access to a private repository, another account's request is answered 404
    /// (checked before the password, whose check still follows for the right user).
    pub fn start_owners(accounts: &[(&str, &str)], owners: &[(&str, &str)]) -> Option<GitServer> {
        GitServer::start_with(accounts, owners)
    }

    fn start_with(accounts: &[(&str, &str)], owners: &[(&str, &str)]) -> Option<GitServer> {
        for (user, password) in accounts {
            assert!(
                !user.contains([':', '\n']) && !password.contains('\n'),
                "GitServer user must not contain ':' or a newline, nor the password a newline"
            );
        }
        let tools = require_tools("GitServer", &["nginx", "fcgiwrap", "openssl", "git"])?;
        let (nginx, fcgiwrap, openssl) = (&tools[0], &tools[1], &tools[2]);
        let backend = http_backend();

        let dir = rig_tempdir("gcp-git-");
        let d = dir.path();
        for sub in ["tmp", "repos"] {
            fs::create_dir_all(d.join(sub)).expect("create git server dirs");
        }
        let cert = d.join("cert.pem");
        let key = d.join("key.pem");
        let out = run_with_timeout(
            Command::new(openssl)
                .args(["req", "-x509", "-newkey", "ec"])
                .args(["-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .args(["-days", "7", "-subj", "/CN=127.0.0.1"])
                .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
                .env_clear()
                .env("PATH", std_path())
                .env("HOME", d),
            b"",
            START_TIMEOUT,
        );
        assert_eq!(out.code, 0, "openssl could not make a certificate: {out:?}");
        // nginx's {PLAIN} scheme avoids hashing, so any password works byte for byte.
        let htpasswd: String = accounts
            .iter()
            .map(|(user, password)| format!("{user}:{{PLAIN}}{password}\n"))
            .collect();
        fs::write(d.join("htpasswd"), htpasswd).expect("write htpasswd");
        let repos = d.join("repos");
        seed_repo(&repos.join("repo.git"), d);
        for (owner, _) in owners {
            fs::create_dir_all(repos.join(owner)).expect("create an owner's directory");
            seed_repo(&repos.join(owner).join("app.git"), d);
        }

        let mut procs = Procs::new();
        let socket = d.join("fcgiwrap.sock");
        let listener = UnixListener::bind(&socket).expect("bind the fcgiwrap socket");
        let fcgi_log = d.join("fcgiwrap.log");
        let mut fcgi = Command::new(fcgiwrap);
        fcgi.args(["-c", "4"])
            .env_clear()
            .env("PATH", std_path())
            .stdin(Stdio::from(OwnedFd::from(listener)))
            .stdout(Stdio::null())
            .stderr(log_file(&fcgi_log));
        let fcgi_pid = procs.spawn(&mut fcgi, false);
        // Drop the Command: it holds our copy of the listening socket.
        drop(fcgi);
        procs.watch(&format!("-{fcgi_pid}"));

        let access_log = d.join("access.log");
        let error_log = d.join("error.log");
        let pid_file = d.join("nginx.pid");
        let mut last_error = String::new();
        for _attempt in 0..10 {
            let port = free_port();
            let conf = d.join("nginx.conf");
            fs::write(
                &conf,
                nginx_config(d, port, &socket, &backend, &access_log, &error_log, owners),
            )
            .expect("write nginx.conf");
            let _ = fs::remove_file(&pid_file);
            let stderr_log = d.join(format!("nginx-{port}.stderr"));
            let mut cmd = Command::new(nginx);
            cmd.arg("-p")
                .arg(d)
                .arg("-e")
                .arg(&error_log)
                .arg("-c")
                .arg(&conf)
                .env_clear()
                .env("PATH", std_path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file(&stderr_log));
            let nginx_pid = procs.spawn(&mut cmd, false);
            // nginx writes its pid file only after it has bound its listening socket.
            let ready = wait_until(START_TIMEOUT, || {
                let pid = fs::read_to_string(&pid_file).unwrap_or_default();
                if pid.trim() == nginx_pid.to_string() {
                    return Some(Ok(()));
                }
                procs.exited(nginx_pid).then_some(Err(()))
            });
            match ready {
                Some(Ok(())) => {
                    return Some(GitServer {
                        port,
                        cert,
                        _procs: procs,
                        fcgiwrap_pid: fcgi_pid,
                        nginx_pid,
                        access_log,
                        repos,
                        _dir: dir,
                    });
                }
                Some(Err(())) => {
                    last_error = format!(
                        "nginx exited; stderr:\n{}\nerror.log:\n{}",
                        read_log(&stderr_log),
                        read_log(&error_log)
                    );
                    if !last_error.contains("Address already in use") {
                        break;
                    }
                }
                None => panic!(
                    "nginx did not start within {START_TIMEOUT:?}; error.log:\n{}",
                    read_log(&error_log)
                ),
            }
        }
        panic!("GitServer could not start nginx: {last_error}");
    }

    /// "https://127.0.0.1:<port>/repo.git"
    pub fn repo_url(&self) -> String {
        format!("https://127.0.0.1:{}/repo.git", self.port)
    }

    /// `repo_url` with `user:password@` in it (percent-encoding is the caller's business).
    pub fn repo_url_with(&self, user: &str, password: &str) -> String {
        format!("https://{user}:{password}@127.0.0.1:{}/repo.git", self.port)
    }

    /// "127.0.0.1:<port>", i.e. the `host` attribute git sends.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The bare repository on disk, for inspecting what a push delivered.
    pub fn repo_path(&self) -> PathBuf {
        self.repos.join("repo.git")
    }

    /// "https://127.0.0.1:<port>/OWNER/app.git", a repository of [`GitServer::start_owners`].
    pub fn owner_url(&self, owner: &str) -> String {
        format!("https://127.0.0.1:{}/{owner}/app.git", self.port)
    }

    /// The bare repository `OWNER/app.git` on disk.
    pub fn owner_repo_path(&self, owner: &str) -> PathBuf {
        self.repos.join(owner).join("app.git")
    }

    /// Make the sandbox's git trust this server's certificate (sets GIT_SSL_CAINFO=<cert>).
    pub fn trust(&self, sandbox: &mut Sandbox) {
        sandbox.set_env("GIT_SSL_CAINFO", path_str(&self.cert));
    }

    /// Number of requests in the access log answered 401 (so tests can tell whether git had to ask).
    pub fn count_401(&self) -> usize {
        self.access_log()
            .lines()
            .filter(|l| l.starts_with("401 "))
            .count()
    }

    /// The access log, one `<status> <method> <uri> <remote_user or ->` line per request, complete
    /// up to now: it first sends nginx one plain-HTTP request (logged as `400 … -`) and waits for
    /// the answer, and single-process nginx logs each request before it serves the next.
    pub fn access_log(&self) -> String {
        self.sync_log();
        fs::read_to_string(&self.access_log).unwrap_or_default()
    }

    /// PIDs of fcgiwrap's main process (first; its PID is also the process group holding its
    /// workers) and nginx, for tests that check nothing outlives the rig.
    pub fn pids(&self) -> Vec<u32> {
        vec![self.fcgiwrap_pid, self.nginx_pid]
    }

    fn sync_log(&self) {
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.write_all(b"GET /rig-log-barrier HTTP/1.0\r\n\r\n");
        let _ = s.read_to_end(&mut Vec::new());
    }
}

fn seed_repo(repo: &Path, scratch: &Path) {
    let git = |args: &[&str], input: &[u8]| {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .env_clear()
            .env("PATH", std_path())
            .env("HOME", scratch)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LC_ALL", "C");
        let out = run_with_timeout(&mut cmd, input, START_TIMEOUT);
        assert_eq!(
            out.code, 0,
            "seeding the server repo: git {args:?}: {out:?}"
        );
    };
    let repo = path_str(repo);
    git(
        &["init", "--quiet", "--bare", "--initial-branch=main", repo],
        b"",
    );
    git(
        &["--git-dir", repo, "config", "http.receivepack", "true"],
        b"",
    );
    // One fast-import run writes the blob, tree, commit and branch without a work tree.
    git(
        &["--git-dir", repo, "fast-import", "--quiet"],
        b"commit refs/heads/main\n\
          committer Seed <seed@example.invalid> 1700000000 +0000\n\
          data 5\nseed\n\
          M 100644 inline README\n\
          data 5\nseed\n\n",
    );
}

fn nginx_config(
    d: &Path,
    port: u16,
    socket: &Path,
    backend: &Path,
    access_log: &Path,
    error_log: &Path,
    owners: &[(&str, &str)],
) -> String {
    let q = |p: &Path| format!("\"{}\"", path_str(p));
    let tmp = |name: &str| q(&d.join("tmp").join(name));
    let backend_lines = format!(
        r#"      auth_basic "git";
      auth_basic_user_file {htpasswd};
      fastcgi_pass unix:{socket};
      fastcgi_param SCRIPT_FILENAME {backend};
      fastcgi_param GIT_PROJECT_ROOT {repos};
      fastcgi_param GIT_HTTP_EXPORT_ALL 1;
      fastcgi_param GIT_CONFIG_NOSYSTEM 1;
      fastcgi_param GIT_CONFIG_GLOBAL /dev/null;
      fastcgi_param HOME {home};
      fastcgi_param PATH "{path}";
      fastcgi_param PATH_INFO $uri;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param REMOTE_USER $remote_user;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
"#,
        htpasswd = q(&d.join("htpasswd")),
        socket = path_str(socket),
        backend = q(backend),
        repos = q(&d.join("repos")),
        home = q(d),
        path = std_path(),
    );
    // The rewrite phase runs before auth_basic: a request without credentials still gets the
    // 401 that makes git ask, while another account's gets GitHub's 404.
    let owned: String = owners
        .iter()
        .map(|(owner, user)| {
            format!(
                "    location /{owner}/ {{\n      if ($remote_user !~ \"^({user})?$\") {{ return 404; }}\n{backend_lines}    }}\n"
            )
        })
        .collect();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {pid};
error_log {error_log} info;
events {{ worker_connections 256; }}
http {{
  log_format rig '$status $request_method $request_uri $remote_user';
  access_log {access_log} rig;
  client_body_temp_path {client_body};
  proxy_temp_path {proxy};
  fastcgi_temp_path {fastcgi};
  uwsgi_temp_path {uwsgi};
  scgi_temp_path {scgi};
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    client_max_body_size 0;
{owned}    location / {{
{backend_lines}    }}
  }}
}}
"#,
        pid = q(&d.join("nginx.pid")),
        error_log = q(error_log),
        access_log = q(access_log),
        client_body = tmp("client_body"),
        proxy = tmp("proxy"),
        fastcgi = tmp("fastcgi"),
        uwsgi = tmp("uwsgi"),
        scgi = tmp("scgi"),
        cert = q(&d.join("cert.pem")),
        key = q(&d.join("key.pem")),
    )
}

/// `<git --exec-path>/git-http-backend` of the git on PATH, looked up once per test process.
fn http_backend() -> PathBuf {
    static BACKEND: OnceLock<PathBuf> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let out = run_with_timeout(Command::new("git").arg("--exec-path"), b"", START_TIMEOUT);
            assert_eq!(out.code, 0, "git --exec-path failed: {out:?}");
            let backend = Path::new(out.stdout.trim()).join("git-http-backend");
            assert!(
                backend.is_file(),
                "{} is missing; GitServer needs git's http-backend",
                backend.display()
            );
            backend
        })
        .clone()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port on 127.0.0.1")
        .port()
}
