//! `cargo bench --bench helpers`: how fast and how small git-credential-pat is next to the
//! helpers people use instead — git's plaintext `git credential-store`, git's own
//! `git-credential-libsecret` (built from the source Debian's git package ships) and
//! `gh auth git-credential` — on both Linux keychains (the kernel keyring and a private Secret
//! Service), timing whole processes as git starts them.
//!
//! It reuses the integration tests' rig (`tests/it/rig`): an isolated HOME and git config, a
//! private D-Bus session bus with gnome-keyring on it, and a local HTTPS git server (nginx +
//! fcgiwrap + `git http-backend`), so nothing of the machine's or the user's keychain is read
//! or written, and every daemon is killed when the run ends (also on a panic).
//!
//! Commands are timed in interleaved rounds: each round runs every command of a comparison
//! once, in a rotating order, so that load from elsewhere on the machine falls on both sides
//! of a ratio. A ratio is the median of the per-round ratios; times are medians. The load
//! average is recorded with each measurement.
//!
//! The agent (`git credential-pat agent`) is measured beside the local helper in the same run:
//! git asks it through git's own client, `git credential-cache --socket PATH` (as a far side
//! configured with `credential.helper=cache --socket PATH` does), while the agent, started by the
//! bench on the same keychain, keeps its keychain connection open between requests.
//!
//! Writes `bench/RESULTS.md` (the README quotes it). `BENCH_QUICK=1` runs a smoke version in
//! a minute or two (fewer rounds, growth only to 100) and writes its table to the target
//! directory instead.
//!
//! It measures what users get: the binary `./install.sh --build-only` builds, with the recipe
//! `install.sh` installs from (on Linux with glibc, statically linked), and beside it, for
//! comparison, the build `cargo bench` made. `BENCH_HELPER=PATH` measures that binary instead;
//! `BENCH_HELPER=cargo` measures only cargo's build (no second build).

#[allow(dead_code, unused_imports)]
#[path = "../tests/it/rig/mod.rs"]
mod rig;

#[path = "helpers/agent.rs"]
mod agent;

use rig::{GitServer, Sandbox, SecretService, helper_bin, sandboxed};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One command to time: how to make it, and what git would write on its stdin.
struct Job {
    label: String,
    make: Box<dyn Fn() -> Command>,
    input: String,
}

impl Job {
    fn new(label: &str, input: &str, make: impl Fn() -> Command + 'static) -> Job {
        Job {
            label: label.to_owned(),
            make: Box::new(make),
            input: input.to_owned(),
        }
    }

    /// Runs once; the wall time in ms from spawn to exit. Panics when the command fails.
    fn time(&self) -> f64 {
        let mut cmd = (self.make)();
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let began = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", self.label));
        let mut stdin = child.stdin.take().expect("a stdin pipe");
        let _ = stdin.write_all(self.input.as_bytes());
        drop(stdin);
        let out = child.wait_with_output().expect("wait");
        let ms = began.elapsed().as_secs_f64() * 1000.0;
        assert!(
            out.status.success(),
            "{} failed ({}): {}",
            self.label,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        ms
    }

    /// Runs once and returns its stdout.
    fn output(&self) -> String {
        let mut cmd = (self.make)();
        let out = rig::run_with_timeout(
            &mut cmd,
            self.input.as_bytes(),
            std::time::Duration::from_secs(60),
        );
        assert_eq!(out.code, 0, "{}: {}", self.label, out.stderr);
        out.stdout
    }

    /// Peak RSS in KiB of one run, from `/usr/bin/time -f %M`.
    fn peak_rss_kib(&self) -> Option<u64> {
        let inner = (self.make)();
        let mut cmd = Command::new("/usr/bin/time");
        cmd.args(["-f", "%M", "--"]).arg(inner.get_program());
        cmd.args(inner.get_args());
        for (k, v) in inner.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = inner.get_current_dir() {
            cmd.current_dir(dir);
        }
        let out = rig::run_with_timeout(
            &mut cmd,
            self.input.as_bytes(),
            std::time::Duration::from_secs(60),
        );
        out.stderr.lines().last()?.trim().parse().ok()
    }
}

/// Times `jobs` in `rounds` interleaved rounds after `warmup` untimed ones: sample `[j][r]` is
/// job `j`'s time (ms) in round `r`.
fn rounds(jobs: &[&Job], warmup: usize, rounds: usize) -> Vec<Vec<f64>> {
    let mut samples = vec![Vec::with_capacity(rounds); jobs.len()];
    for r in 0..warmup + rounds {
        for k in 0..jobs.len() {
            let j = (k + r) % jobs.len();
            let ms = jobs[j].time();
            if r >= warmup {
                samples[j].push(ms);
            }
        }
    }
    samples
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The median of the per-round ratios `a[r] / b[r]`.
fn ratio(a: &[f64], b: &[f64]) -> f64 {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    median(&r)
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn met(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**NOT met**" }
}

/// Builds git-credential-libsecret from the source Debian's git package ships, in `dir`.
fn build_libsecret(dir: &Path) -> Option<PathBuf> {
    let src = Path::new("/usr/share/doc/git/contrib/credential/libsecret");
    for f in ["Makefile", "git-credential-libsecret.c"] {
        let plain = src.join(f);
        let gz = src.join(format!("{f}.gz"));
        if plain.exists() {
            std::fs::copy(&plain, dir.join(f)).ok()?;
        } else {
            let out = Command::new("gzip").arg("-dc").arg(&gz).output().ok()?;
            std::fs::write(dir.join(f), out.stdout).ok()?;
        }
    }
    let ok = Command::new("make")
        .args(["-s", "-C"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    let bin = dir.join("git-credential-libsecret");
    (ok && bin.exists()).then_some(bin)
}

/// The git-credential-pat measured, and how the report names it: `BENCH_HELPER`'s binary, or
/// cargo's build for `BENCH_HELPER=cargo`, or else the one `./install.sh --build-only` builds.
fn pat_bin() -> (PathBuf, String) {
    match std::env::var_os("BENCH_HELPER") {
        Some(v) if v == "cargo" => (helper_bin(), "the bench build".into()),
        // Absolute: git runs a relative `credential.helper` value as `git credential-<value>`.
        Some(path) => (
            std::path::absolute(PathBuf::from(path)).expect("an absolute BENCH_HELPER path"),
            "the build BENCH_HELPER names".into(),
        ),
        None => {
            let out = Command::new("sh")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh"))
                .arg("--build-only")
                .stderr(Stdio::inherit())
                .output()
                .expect("run install.sh --build-only");
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            assert!(
                out.status.success() && Path::new(&path).is_file(),
                "install.sh --build-only built nothing (see above)"
            );
            (
                path.into(),
                "built by `./install.sh --build-only`, as install.sh installs it".into(),
            )
        }
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

fn request(host: &str, user: Option<&str>) -> String {
    match user {
        Some(u) => format!("protocol=https\nhost={host}\nusername={u}\n"),
        None => format!("protocol=https\nhost={host}\n"),
    }
}

fn credential(host: &str, user: &str, password: &str) -> String {
    format!("protocol=https\nhost={host}\nusername={user}\npassword={password}\n")
}

/// The two keychains git-credential-pat is measured on.
const STORES: [(&str, &str); 2] = [
    ("kernel keyring", "--store=keyutils"),
    ("Secret Service", "--store=secret-service"),
];

struct Bench {
    sb: Sandbox,
    /// The git-credential-pat measured ([`pat_bin`]).
    pat_bin: PathBuf,
    quick: bool,
    warmup: usize,
    runs: usize,
    report: String,
}

impl Bench {
    /// git-credential-pat `op` on `store`, in namespace `ns`.
    fn pat(&self, label: &str, store: &str, ns: &str, op: &str, input: &str) -> Job {
        let mut base = rebuild(self.pat_bin.as_ref(), &[], &parts(&self.sb.helper()).2);
        base.env("GIT_CREDENTIAL_PAT_NAMESPACE", ns)
            .arg(store)
            .arg(op);
        let (program, args, envs) = parts(&base);
        Job::new(label, input, move || rebuild(&program, &args, &envs))
    }

    /// Any program with the sandbox's environment.
    fn other(&self, label: &str, input: &str, program: &Path, args: &[&str]) -> Job {
        let mut base = sandboxed(&self.sb, program);
        base.args(args);
        let (program, args, envs) = parts(&base);
        Job::new(label, input, move || rebuild(&program, &args, &envs))
    }

    /// Stores `input` with git-credential-pat (untimed set-up).
    fn store(&self, store: &str, ns: &str, input: &str) {
        self.pat("store", store, ns, "store", input).output();
    }

    fn line(&mut self, text: &str) {
        println!("{text}");
        self.report.push_str(text);
        self.report.push('\n');
    }
}

type Envs = Vec<(std::ffi::OsString, Option<std::ffi::OsString>)>;

/// A Command's program, arguments and environment changes, to rebuild it for every run.
fn parts(cmd: &Command) -> (std::ffi::OsString, Vec<std::ffi::OsString>, Envs) {
    (
        cmd.get_program().to_owned(),
        cmd.get_args().map(ToOwned::to_owned).collect(),
        cmd.get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned)))
            .collect(),
    )
}

fn rebuild(program: &std::ffi::OsStr, args: &[std::ffi::OsString], envs: &Envs) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in envs {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or --list is not supported, and is ignored.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0");
    let Some(ss) = SecretService::start() else {
        eprintln!("helpers bench: no dbus-daemon/gnome-keyring: nothing measured");
        return;
    };
    let mut sb = Sandbox::new();
    ss.attach(&mut sb);
    let (pat_bin, pat_how) = pat_bin();
    let began = Instant::now();
    let mut b = Bench {
        sb,
        pat_bin,
        quick,
        warmup: if quick { 2 } else { 5 },
        runs: if quick { 10 } else { 60 },
        report: String::new(),
    };
    let tmp = tempfile::tempdir().expect("a temp dir");
    let libsecret = build_libsecret(tmp.path());
    let gh = tool("gh");

    header(&mut b, &pat_how, libsecret.is_some(), gh.as_ref());
    one_credential(&mut b, libsecret.as_deref(), gh.as_deref(), tmp.path());
    agent::rows(&mut b);
    growth_users(&mut b);
    owners(&mut b);
    growth_hosts(&mut b);
    fetch(&mut b, &ss, libsecret.as_deref(), gh.as_deref(), tmp.path());
    let secs = began.elapsed().as_secs();
    b.line(&format!("\nThe whole run took {secs} s."));

    let out = if b.quick {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-quick.md")
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/RESULTS.md")
    };
    std::fs::write(&out, &b.report).expect("write the results");
    eprintln!("helpers bench: wrote {}", out.display());
}

fn header(b: &mut Bench, pat_how: &str, libsecret: bool, gh: Option<&PathBuf>) {
    let git = Command::new("git")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let linkage = Command::new("file")
        .arg("-L")
        .arg(&b.pat_bin)
        .output()
        .map(|o| {
            let s = String::from_utf8_lossy(&o.stdout);
            if s.contains("static") {
                "statically linked"
            } else {
                "dynamically linked"
            }
            .to_owned()
        })
        .unwrap_or_default();
    b.line("# git-credential-pat benchmark\n");
    b.line(&format!(
        "- date: {date}; command: `{}{}cargo bench --bench helpers`",
        if b.quick { "BENCH_QUICK=1 " } else { "" },
        std::env::var("BENCH_HELPER").map_or(String::new(), |v| format!("BENCH_HELPER={v} "))
    ));
    b.line(&format!(
        "- machine: {cpus} CPUs, Linux {}; {git}",
        kernel.trim()
    ));
    b.line(&format!(
        "- git-credential-pat: {pat_how} ({linkage}); git-credential-libsecret: {}; gh: {}",
        if libsecret {
            "built from Debian's git contrib source"
        } else {
            "not built (install libsecret-1-dev)"
        },
        gh.map_or("not installed".to_owned(), |p| p.display().to_string())
    ));
    b.line(&format!(
        "- {} warm-up and {} timed interleaved rounds per comparison; times are medians in ms, ratios medians of per-round ratios; `load` is /proc/loadavg (1, 5, 15 min) when the measurement ended",
        b.warmup, b.runs
    ));
}

fn one_credential(b: &mut Bench, libsecret: Option<&Path>, gh: Option<&Path>, tmp: &Path) {
    let ns = format!("{}-one", b.sb.namespace);
    let cred = credential("github.com", "alice", "ghp_bench_token");
    let get = request("github.com", None);
    for (_, store) in STORES {
        b.store(store, &ns, &cred);
    }
    let file = tmp.join("git-credentials");
    std::fs::write(&file, "https://alice:ghp_bench_token@github.com\n")
        .expect("write the store file");
    let file_arg = format!("--file={}", file.display());
    let git = tool("git").expect("git");
    let mut jobs = vec![
        b.pat(
            "git-credential-pat (kernel keyring)",
            STORES[0].1,
            &ns,
            "get",
            &get,
        ),
        b.other(
            "git credential-store",
            &get,
            &git,
            &["credential-store", &file_arg, "get"],
        ),
        b.pat(
            "git-credential-pat (Secret Service)",
            STORES[1].1,
            &ns,
            "get",
            &get,
        ),
    ];
    if let Some(ls) = libsecret {
        b.other("store", &cred, ls, &["store"]).output();
        jobs.push(b.other("git-credential-libsecret", &get, ls, &["get"]));
    }
    // cargo's own build (dynamically linked) runs alongside the measured one, to compare.
    if b.pat_bin != helper_bin() {
        let mut base = b.sb.helper();
        base.env("GIT_CREDENTIAL_PAT_NAMESPACE", &ns)
            .args([STORES[0].1, "get"]);
        let (program, args, envs) = parts(&base);
        jobs.push(Job::new(
            "git-credential-pat (kernel keyring), cargo's build",
            &get,
            move || rebuild(&program, &args, &envs),
        ));
    }
    if let Some(gh) = gh {
        let mut job = b.other(
            "gh auth git-credential",
            &get,
            gh,
            &["auth", "git-credential", "get"],
        );
        let make = job.make;
        let dir = tmp.join("gh");
        job.make = Box::new(move || {
            let mut c = make();
            c.env("GH_TOKEN", "ghp_bench_token")
                .env("GH_CONFIG_DIR", &dir)
                .env("GH_NO_UPDATE_NOTIFIER", "1");
            c
        });
        jobs.push(job);
    }
    for job in &jobs {
        assert!(
            job.output().contains("password=ghp_bench_token"),
            "{} answers the token",
            job.label
        );
    }
    let refs: Vec<&Job> = jobs.iter().collect();
    let s = rounds(&refs, b.warmup, b.runs);
    let load = load();
    b.line("\n## `get` with one credential stored\n");
    b.line(&format!("load: {load}\n"));
    b.line("| helper | get (ms) | × credential-store | × libsecret | peak RSS (MiB) |");
    b.line("|---|---:|---:|---:|---:|");
    let ls = jobs
        .iter()
        .position(|j| j.label == "git-credential-libsecret");
    let mut rss_ok = true;
    for (i, job) in jobs.iter().enumerate() {
        let rss: Vec<u64> = (0..3).filter_map(|_| job.peak_rss_kib()).collect();
        let rss_mib = rss.iter().min().map_or(f64::NAN, |k| *k as f64 / 1024.0);
        if job.label.starts_with("git-credential-pat") {
            rss_ok &= rss_mib < 6.0;
        }
        let vs_ls = ls.map_or("–".to_owned(), |l| format!("{:.2}×", ratio(&s[i], &s[l])));
        b.line(&format!(
            "| {} | {:.2} | {:.2}× | {vs_ls} | {rss_mib:.1} |",
            job.label,
            median(&s[i]),
            ratio(&s[i], &s[1]),
        ));
    }
    let ku = ratio(&s[0], &s[1]);
    b.line("\nTargets:\n");
    b.line(&format!(
        "- kernel keyring `get` ≤ 1.0× `git credential-store`: {ku:.2}×: {}",
        met(ku <= 1.0)
    ));
    if let Some(l) = ls {
        let sv = ratio(&s[2], &s[l]);
        b.line(&format!(
            "- Secret Service `get` ≤ 0.6× git-credential-libsecret: {sv:.2}×: {}",
            met(sv <= 0.6)
        ));
    }
    b.line(&format!(
        "- peak RSS of git-credential-pat `get` < 6 MiB: {}",
        met(rss_ok)
    ));
}

/// `get` at 1/10/100/500 users of one host, against `get` with one user stored, interleaved.
fn growth_users(b: &mut Bench) {
    let sizes: &[usize] = if b.quick {
        &[1, 10, 100]
    } else {
        &[1, 10, 100, 500]
    };
    b.line("\n## Growth: users of one host\n");
    b.line("N users of github.com stored one after another (within the same seconds); `get` without a user must serve the last one stored, `get` with `username=user0` that one. Each time is paired with the same `get` where 1 user is stored.\n");
    b.line("| keychain | N users | get, no user (ms) | × 1 user | get user0 (ms) | × 1 user | served the newest | load |");
    b.line("|---|---:|---:|---:|---:|---:|---|---|");
    let mut verdicts = Vec::new();
    for (name, store) in STORES {
        let one = format!("{}-u1{}", b.sb.namespace, &store[8..10]);
        let many = format!("{}-un{}", b.sb.namespace, &store[8..10]);
        b.store(store, &one, &credential("github.com", "user0", "tok_0"));
        let mut stored = 0;
        let mut worst: f64 = 0.0;
        for &n in sizes {
            while stored < n {
                let user = format!("user{stored}");
                b.store(
                    store,
                    &many,
                    &credential("github.com", &user, &format!("tok_{stored}")),
                );
                stored += 1;
            }
            let get = request("github.com", None);
            let get0 = request("github.com", Some("user0"));
            let jobs = [
                b.pat("many", store, &many, "get", &get),
                b.pat("one", store, &one, "get", &get),
                b.pat("many user0", store, &many, "get", &get0),
                b.pat("one user0", store, &one, "get", &get0),
            ];
            let newest = jobs[0]
                .output()
                .contains(&format!("username=user{}\n", n - 1));
            let s = rounds(&jobs.iter().collect::<Vec<_>>(), b.warmup, b.runs);
            let r = ratio(&s[0], &s[1]);
            worst = worst.max(r);
            b.line(&format!(
                "| {name} | {n} | {:.2} | {r:.2}× | {:.2} | {:.2}× | {} | {} |",
                median(&s[0]),
                median(&s[2]),
                ratio(&s[2], &s[3]),
                if newest { "yes" } else { "**no**" },
                load()
            ));
            if !newest {
                worst = f64::INFINITY;
            }
        }
        verdicts.push(format!(
            "- {name}: `get` without a user at {} users within 1.5× of 1 user, serving the newest: worst {worst:.2}×: {}",
            sizes.last().unwrap_or(&0),
            met(worst <= 1.5)
        ));
    }
    b.line("");
    for v in verdicts {
        b.line(&v);
    }
}

/// `get` with owners routed (`login --owner`): two users of github.com, `lab` routed to the
/// newer one; `get` for a path under another owner (the default: the pick alone) and under
/// `lab` (the pick, then the routed account), each against `get` with one user stored.
fn owners(b: &mut Bench) {
    b.line("\n## Owners: two accounts of one host, routed by the repository's owner\n");
    b.line("`work` stored, then `me`, then `login https://me@github.com --owner lab`. `get` with `path=acme/app.git` must serve `work` (the default), with `path=lab/x.git` `me`. Each time is paired with `get` where 1 user is stored.\n");
    b.line("| keychain | get acme/ (ms) | × 1 user | get lab/ (ms) | × 1 user | served as routed | load |");
    b.line("|---|---:|---:|---:|---:|---|---|");
    let mut verdicts = Vec::new();
    for (name, store) in STORES {
        let one = format!("{}-o1{}", b.sb.namespace, &store[8..10]);
        let two = format!("{}-o2{}", b.sb.namespace, &store[8..10]);
        b.store(store, &one, &credential("github.com", "work", "tok_work"));
        b.store(store, &two, &credential("github.com", "work", "tok_work"));
        b.store(store, &two, &credential("github.com", "me", "tok_me"));
        let mut login = rebuild(b.pat_bin.as_ref(), &[], &parts(&b.sb.helper()).2);
        login.env("GIT_CREDENTIAL_PAT_NAMESPACE", &two).arg(store);
        login.args(["login", "https://me@github.com", "--owner", "lab"]);
        let out = login.output().expect("run login --owner");
        assert!(out.status.success(), "login --owner: {out:?}");
        let at = |path: &str| format!("protocol=https\nhost=github.com\npath={path}\n");
        let jobs = [
            b.pat("acme", store, &two, "get", &at("acme/app.git")),
            b.pat("lab", store, &two, "get", &at("lab/x.git")),
            b.pat("one", store, &one, "get", &request("github.com", None)),
        ];
        let routed = jobs[0].output().contains("username=work\n")
            && jobs[1].output().contains("username=me\n");
        let s = rounds(&jobs.iter().collect::<Vec<_>>(), b.warmup, b.runs);
        let (default, lab) = (ratio(&s[0], &s[2]), ratio(&s[1], &s[2]));
        b.line(&format!(
            "| {name} | {:.2} | {default:.2}× | {:.2} | {lab:.2}× | {} | {} |",
            median(&s[0]),
            median(&s[1]),
            if routed { "yes" } else { "**no**" },
            load()
        ));
        verdicts.push(format!(
            "- {name}: `get` for an owner's path within 1.5× of 1 user, served as routed: {default:.2}× and {lab:.2}×: {}",
            met(routed && default <= 1.5 && lab <= 1.5)
        ));
    }
    b.line("");
    for v in verdicts {
        b.line(&v);
    }
}

/// `get` for one host at 1/10/100/1000 hosts stored (one user each).
fn growth_hosts(b: &mut Bench) {
    let sizes: &[usize] = if b.quick {
        &[1, 10, 100]
    } else {
        &[1, 10, 100, 1000]
    };
    b.line("\n## Growth: hosts\n");
    b.line("N hosts (host0.example.com …), one user each; `get` for host0 without and with its user, paired with the same `get` where 1 host is stored (on the kernel keyring both namespaces live in the one persistent keyring, which also holds the keys of the sections above).\n");
    b.line("| keychain | N hosts | get, no user (ms) | × 1 host | get with user (ms) | × 1 host | load |");
    b.line("|---|---:|---:|---:|---:|---:|---|");
    for (name, store) in STORES {
        let one = format!("{}-h1{}", b.sb.namespace, &store[8..10]);
        let many = format!("{}-hn{}", b.sb.namespace, &store[8..10]);
        b.store(
            store,
            &one,
            &credential("host0.example.com", "user0", "tok_0"),
        );
        let mut stored = 0;
        for &n in sizes {
            while stored < n {
                let host = format!("host{stored}.example.com");
                b.store(
                    store,
                    &many,
                    &credential(&host, &format!("user{stored}"), "tok"),
                );
                stored += 1;
            }
            let get = request("host0.example.com", None);
            let get0 = request("host0.example.com", Some("user0"));
            let jobs = [
                b.pat("many", store, &many, "get", &get),
                b.pat("one", store, &one, "get", &get),
                b.pat("many user0", store, &many, "get", &get0),
                b.pat("one user0", store, &one, "get", &get0),
            ];
            let s = rounds(&jobs.iter().collect::<Vec<_>>(), b.warmup, b.runs);
            b.line(&format!(
                "| {name} | {n} | {:.2} | {:.2}× | {:.2} | {:.2}× | {} |",
                median(&s[0]),
                ratio(&s[0], &s[1]),
                median(&s[2]),
                ratio(&s[2], &s[3]),
                load()
            ));
        }
    }
}

/// `git fetch` (nothing new) over the local HTTPS server, with each helper answering git's
/// `get` after the 401 and taking its `store` after the success.
fn fetch(
    b: &mut Bench,
    _ss: &SecretService,
    libsecret: Option<&Path>,
    gh: Option<&Path>,
    tmp: &Path,
) {
    let user = "x-access-token";
    let token = "ghp_bench_fetch";
    let Some(server) = GitServer::start(user, token) else {
        return;
    };
    server.trust(&mut b.sb);
    let ns = format!("{}-fetch", b.sb.namespace);
    let host = server.host();
    let cred = format!("protocol=https\nhost={host}\nusername={user}\npassword={token}\n");
    let clone = tmp.join("clone");
    let out = b.sb.run(
        b.sb.git()
            .arg("clone")
            .arg("-q")
            .arg(server.repo_url_with(user, token))
            .arg(&clone),
        "",
    );
    assert_eq!(out.code, 0, "clone: {}", out.stderr);
    let out = b.sb.run(
        b.sb.git()
            .arg("-C")
            .arg(&clone)
            .args(["remote", "set-url", "origin"])
            .arg(server.repo_url()),
        "",
    );
    assert_eq!(out.code, 0, "set-url: {}", out.stderr);
    let file = tmp.join("fetch-credentials");
    std::fs::write(&file, format!("https://{user}:{token}@{host}\n"))
        .expect("write the store file");
    let pat = b.pat_bin.clone();
    let mut helpers: Vec<(String, String)> = Vec::new();
    for (name, store) in STORES {
        b.store(store, &ns, &cred);
        helpers.push((
            format!("git-credential-pat ({name})"),
            format!("{} {store}", pat.display()),
        ));
    }
    helpers.push((
        "git credential-store".into(),
        format!("store --file={}", file.display()),
    ));
    if let Some(ls) = libsecret {
        b.other("store", &cred, ls, &["store"]).output();
        helpers.push(("git-credential-libsecret".into(), ls.display().to_string()));
    }
    if let Some(gh) = gh {
        helpers.push((
            "gh auth git-credential".into(),
            format!("!{} auth git-credential", gh.display()),
        ));
    }
    let jobs: Vec<Job> = helpers
        .into_iter()
        .map(|(label, helper)| {
            let mut base = b.sb.git();
            base.env("GIT_CREDENTIAL_PAT_NAMESPACE", &ns)
                .env("GH_ENTERPRISE_TOKEN", token)
                .env("GH_CONFIG_DIR", tmp.join("gh"))
                .arg("-C")
                .arg(&clone)
                .args(["-c", "credential.helper="])
                .arg("-c")
                .arg(format!("credential.helper={helper}"))
                .args(["fetch", "-q", "origin"]);
            let (program, args, envs) = parts(&base);
            Job::new(&label, "", move || rebuild(&program, &args, &envs))
        })
        .collect();
    // gh answers only for hosts it knows; a helper whose fetch fails is left out.
    let working: Vec<&Job> = jobs
        .iter()
        .filter(|j| {
            let mut c = (j.make)();
            c.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c.status().is_ok_and(|s| s.success())
        })
        .collect();
    let s = rounds(&working, b.warmup.min(2), b.runs.min(30));
    b.line("\n## `git fetch` over HTTPS (nothing new to fetch)\n");
    b.line(&format!("load: {}\n", load()));
    b.line("| helper | git fetch (ms) | × credential-store |");
    b.line("|---|---:|---:|");
    let cs = working
        .iter()
        .position(|j| j.label == "git credential-store");
    for (i, job) in working.iter().enumerate() {
        let vs = cs.map_or("–".to_owned(), |c| format!("{:.2}×", ratio(&s[i], &s[c])));
        b.line(&format!("| {} | {:.1} | {vs} |", job.label, median(&s[i])));
    }
    for job in jobs
        .iter()
        .filter(|j| !working.iter().any(|w| w.label == j.label))
    {
        b.line(&format!("| {} | failed (left out) | – |", job.label));
    }
}
