//! The agent's rows of `cargo bench --bench helpers`: `get` through git's own client,
//! `git credential-cache --socket PATH` (git-credential-cache(1)), to a running
//! `git credential-pat agent`, against the local helper on the same keychain, in the same
//! interleaved rounds; and the agent's resident memory after many `get`s.

use super::rig::Agent;
use super::{
    Bench, Job, STORES, credential, load, median, met, parts, ratio, rebuild, request, rounds, tool,
};
use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixListener;
use std::path::Path;

/// `get` through git's own client to a running agent, against the local helper on the same
/// keychain, all interleaved in the same rounds: as git runs each for a helper (the helper
/// process alone, and `git credential-cache --socket PATH get` alone), and whole, through
/// `git credential fill` with `credential.helper` reset and then set to each, as a person's git
/// and a far side's git ask. The agent's resident memory is read from /proc after its first
/// `get`s and again after many.
pub(crate) fn rows(b: &mut Bench) {
    let ns = format!("{}-agent", b.sb.namespace);
    let (host, user, token) = ("github.com", "alice", "ghp_bench_agent");
    let get = request(host, None);
    let git = tool("git").expect("git");
    let many = if b.quick { 200 } else { 1000 };
    let fill = |label: String, helper: String| {
        let mut base = b.sb.git();
        base.env("GIT_CREDENTIAL_PAT_NAMESPACE", &ns)
            .args(["-c", "credential.helper=", "-c"])
            .arg(format!("credential.helper={helper}"))
            .args(["credential", "fill"]);
        let (program, args, envs) = parts(&base);
        Job::new(&label, &get, move || rebuild(&program, &args, &envs))
    };
    let client = |label: String, socket: &str| {
        b.other(
            &label,
            &get,
            &git,
            &["credential-cache", "--socket", socket, "get"],
        )
    };
    let mut agents = Vec::new();
    // Per keychain: the helper alone, git's client alone, then both through `git credential fill`.
    let mut jobs: Vec<Job> = Vec::new();
    for (name, store) in STORES {
        b.store(store, &ns, &credential(host, user, token));
        let socket =
            b.sb.dir
                .path()
                .join(format!("agent-{}", &store[8..10]))
                .join("agent.sock");
        let mut cmd = (b.pat("agent", store, &ns, "agent", "").make)();
        cmd.arg("--socket").arg(&socket).args(["--host", host]);
        let agent = Agent::spawn(&b.sb, cmd, socket);
        let socket = agent.socket.display().to_string();
        jobs.push(b.pat(&format!("{name}: helper"), store, &ns, "get", &get));
        jobs.push(client(
            format!("{name}: credential-cache to the agent"),
            &socket,
        ));
        jobs.push(fill(
            format!("{name}: git credential fill, helper"),
            format!("{} {store}", b.pat_bin.display()),
        ));
        jobs.push(fill(
            format!("{name}: git credential fill, agent"),
            format!("cache --socket {socket}"),
        ));
        agents.push(agent);
    }
    // The floor: git's own client against a socket that answers at once, in the agent's place.
    let instant = instant_server(
        b.sb.dir.path(),
        format!("username={user}\npassword={token}\n"),
    );
    jobs.push(client(
        "credential-cache to a socket that answers at once".into(),
        &instant,
    ));
    jobs.push(fill(
        "git credential fill, a socket that answers at once".into(),
        format!("cache --socket {instant}"),
    ));
    for job in &jobs {
        assert!(
            job.output().contains(&format!("password={token}\n")),
            "{} answers the token; the agents' log:\n{}",
            job.label,
            agents[0].log()
        );
    }
    // Each agent has answered two `get`s (its client's and its `git credential fill`'s).
    let first: Vec<(u64, u64)> = agents.iter().map(|a| memory_kib(a.pid())).collect();
    let s = rounds(&jobs.iter().collect::<Vec<_>>(), b.warmup, b.runs);
    let load = load();
    let mut asked = 2 + 2 * (b.warmup + b.runs);
    for k in 0..STORES.len() {
        for _ in asked..many {
            jobs[4 * k + 1].time();
        }
    }
    asked = asked.max(many);
    let after: Vec<(u64, u64)> = agents.iter().map(|a| memory_kib(a.pid())).collect();
    for a in &agents {
        assert!(
            !a.exited(),
            "the agent ended during the measurement; its log:\n{}",
            a.log()
        );
    }
    drop(agents);

    b.line("\n## `get` through the agent, against the local helper on the same keychain\n");
    b.line(&format!(
        "The agent runs `git credential-pat agent --socket PATH --host {host}` on the keychain, started by the bench and kept running; git reaches it through its own client, `git credential-cache --socket PATH get` (`credential.helper=cache --socket PATH`), as on a far side. \"alone\" times the one process git starts for a `get` (the helper, or git's client); `git credential fill` times git asking through it (`credential.helper` reset, then set to it). The last row puts a socket that answers at once in the agent's place: what git's own client costs by itself. RSS is the agent's resident memory (VmRSS; peak VmHWM) after 2 and after {asked} `get`s.\n"
    ));
    b.line(&format!("load: {load}\n"));
    b.line("| keychain | helper alone (ms) | credential-cache to the agent (ms) | × helper | `git credential fill`, helper (ms) | `git credential fill`, agent (ms) | × helper | agent RSS after 2 / after N `get`s (MiB) | peak (MiB) |");
    b.line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let floor = 4 * STORES.len();
    let (floor_client, floor_fill) = (&s[floor], &s[floor + 1]);
    let mut verdicts = Vec::new();
    for (k, (name, _)) in STORES.iter().enumerate() {
        let [alone, client, fill_local, fill_agent] = [0, 1, 2, 3].map(|j| &s[4 * k + j]);
        let (direct, whole) = (ratio(client, alone), ratio(fill_agent, fill_local));
        let mib = |kib: u64| kib as f64 / 1024.0;
        b.line(&format!(
            "| {name} | {:.2} | {:.2} | {direct:.2}× | {:.2} | {:.2} | {whole:.2}× | {:.1} / {:.1} | {:.1} |",
            median(alone),
            median(client),
            median(fill_local),
            median(fill_agent),
            mib(first[k].0),
            mib(after[k].0),
            mib(after[k].1),
        ));
        let bound = if *name == "Secret Service" { 0.5 } else { 1.0 };
        verdicts.push(format!(
            "- {name}: `get` through the agent ≤ {bound:.1}× a local `get`, both through `git credential fill`: {whole:.2}×: {} (alone, git's client against the helper: {direct:.2}×; with a socket that answers at once in the agent's place: {:.2}× through `git credential fill`, {:.2}× alone)",
            met(whole <= bound),
            ratio(floor_fill, fill_local),
            ratio(floor_client, alone),
        ));
    }
    b.line(&format!(
        "| a socket that answers at once | – | {:.2} | – | – | {:.2} | – | – | – |",
        median(floor_client),
        median(floor_fill)
    ));
    b.line("\nTargets:\n");
    for v in verdicts {
        b.line(&v);
    }
}

/// A stand-in for an agent that takes no time: a socket in `dir` whose every connection is read
/// to its end (git's client shuts down its side when its request is written) and answered
/// `answer` at once. Returns the socket's path. It serves until the bench ends.
fn instant_server(dir: &Path, answer: String) -> String {
    let socket = dir.join("instant").join("agent.sock");
    std::fs::create_dir_all(dir.join("instant")).expect("a directory for the instant socket");
    let listener = UnixListener::bind(&socket).expect("bind the instant socket");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = (&stream).take(1 << 20).read_to_end(&mut Vec::new());
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    socket.display().to_string()
}

/// A process's resident set and its peak (`VmRSS`, `VmHWM` of /proc/PID/status), in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
