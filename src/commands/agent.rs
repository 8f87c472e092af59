//! `git credential-pat agent [--socket PATH] [--host HOST]... [--confirm] [--for DURATION]
//! [--ssh DESTINATION [--ssh-option OPTION]... [-- COMMAND...]] [--print-docker]`: serves the
//! keychain's tokens to git on other machines (see [`crate::agent`]).

use crate::cli::{self, Context, Run};
use anyhow::bail;

impl Run for cli::Agent {
    /// Runs the agent until it is stopped; with `--ssh`, exits with ssh's exit code.
    ///
    /// # Errors
    /// When a `--host` is not a host name or https URL, there is no host to serve, the
    /// keychain does not open, or the agent cannot listen (see [`crate::agent::run`]).
    #[cfg(unix)]
    fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        use crate::agent;
        let socket = match (&self.socket, &self.ssh) {
            (Some(socket), _) => socket.clone(),
            (None, Some(_)) => agent::session_socket(),
            (None, None) => agent::default_socket(),
        };
        if self.print_docker {
            print!(
                "{}",
                agent::docker_recipe(&self.command_line(ctx, &socket), &socket)
            );
            return Ok(());
        }
        let hosts = hosts(&self.hosts)?;
        let settings = agent::Settings {
            socket,
            hosts,
            confirm: self.confirm,
            lifetime: self.lifetime,
            ssh: self.ssh.as_ref().map(|destination| agent::Ssh {
                destination: destination.clone(),
                options: self.ssh_options.clone(),
                command: self.command.clone(),
            }),
        };
        let keychain = ctx.clone();
        let code = agent::run(settings, Box::new(move || keychain.open_vault()))?;
        if code != 0 {
            std::process::exit(code);
        }
        Ok(())
    }

    /// Off Unix there is no agent: git's credential-cache client needs Unix-domain sockets.
    ///
    /// # Errors
    /// Always.
    #[cfg(not(unix))]
    fn run(&self, _ctx: &Context) -> anyhow::Result<()> {
        bail!(
            "the agent serves git's credential-cache client, which needs Unix-domain sockets; \
             run it on Linux or macOS (the far side may be any of them)"
        )
    }
}

#[cfg(unix)]
impl cli::Agent {
    /// The command line that starts this agent on `socket` with the same keychain, namespace
    /// and hosts, for the container recipe (quoted as `sh` reads it).
    fn command_line(&self, ctx: &Context, socket: &std::path::Path) -> String {
        let mut words = vec!["git".to_owned(), "credential-pat".to_owned()];
        if ctx.store != crate::vault::StoreChoice::Auto {
            let store = clap::ValueEnum::to_possible_value(&ctx.store)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default();
            words.push(format!("--store={store}"));
        }
        if let Some(namespace) = &ctx.namespace {
            words.push(format!("--namespace={namespace}"));
        }
        words.extend(["agent".to_owned(), "--socket".to_owned()]);
        words.push(socket.display().to_string());
        for host in &self.hosts {
            words.extend(["--host".to_owned(), host.clone()]);
        }
        shell_words::join(words)
    }
}

/// The origins of `given` hosts (`github.com`, `https://gitlab.example.com`), or of the hosts
/// `configure` set up when none is given.
///
/// # Errors
/// When one is not a host name or https URL, or there is none at all.
#[cfg(unix)]
fn hosts(given: &[String]) -> anyhow::Result<Vec<crate::host::Origin>> {
    let hosts = if given.is_empty() {
        crate::git::configured_hosts()
    } else {
        given.to_vec()
    };
    if hosts.is_empty() {
        bail!("no host to serve: give --host HOST or run `git credential-pat configure HOST`");
    }
    let mut origins = Vec::new();
    for host in &hosts {
        let origin = crate::helper::Query::for_target(host)?.origin;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}
