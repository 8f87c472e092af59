//! `git credential-pat completions SHELL` and `manpage`: the shell completions and the man
//! page, both generated from the clap definition in `cli.rs`, which `install.sh` installs.

use crate::cli::{self, Cli, Context, Run};
use std::io::Write;

impl Run for cli::Completions {
    fn run(&self, _ctx: &Context) -> anyhow::Result<()> {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        let mut out = Vec::new();
        clap_complete::generate(self.shell, &mut cmd, "git-credential-pat", &mut out);
        std::io::stdout().lock().write_all(&out)?;
        Ok(())
    }
}

impl Run for cli::Manpage {
    fn run(&self, _ctx: &Context) -> anyhow::Result<()> {
        let cmd = <Cli as clap::CommandFactory>::command();
        clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock())?;
        Ok(())
    }
}
