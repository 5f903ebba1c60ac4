//! `sysgate run`.

use super::common::*;
use clap::Args;

#[derive(Args)]
pub struct RunArgs {
    /// Policy file or built-in name
    #[arg(long, short = 'p', default_value = "container")]
    policy: String,
    /// Keep the kernel's Spectre mitigation for the sandboxed program (slower syscalls)
    #[arg(long)]
    spec_mitigation: bool,
    /// Allow reading files and listing directories beneath PATH (Landlock; repeatable)
    #[arg(long, value_name = "PATH")]
    fs_read: Vec<String>,
    /// Allow writing, creating, removing and renaming beneath PATH, without read (repeatable)
    #[arg(long, value_name = "PATH")]
    fs_write: Vec<String>,
    /// Allow executing and reading beneath PATH (repeatable). With any filesystem rule, the
    /// program, its interpreter and shared libraries must be allowed this way too, e.g.
    /// `--fs-exec /usr` on systems where /bin and /lib are links into /usr
    #[arg(long, value_name = "PATH")]
    fs_exec: Vec<String>,
    /// Allow binding TCP port PORT (Landlock ABI 4+; repeatable)
    #[arg(long, value_name = "PORT")]
    net_bind: Vec<u16>,
    /// Allow connecting to TCP port PORT (Landlock ABI 4+; repeatable)
    #[arg(long, value_name = "PORT")]
    net_connect: Vec<u16>,
    /// Fail (exit 125) instead of warning when the kernel cannot enforce every Landlock rule
    #[arg(long)]
    require_landlock: bool,
    /// Report each refused syscall on stderr (once per syscall and action: arguments, file
    /// names, the policy line that refused it) and a summary at exit; the program gets the
    /// same answers as without --report (see `sandbox::supervise` for kill and trap)
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    mix: MixOpt,
    /// The program and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

pub fn cmd_run(a: RunArgs) -> Res {
    let p = load(&a.policy, None, false).map_err(|_| Fail(125))?;
    // The options serve `--report`'s variant of the policy too.
    let opts = a.mix.options(&p).map_err(|_| Fail(125))?;
    let prog = p
        .compile_with(&opts)
        .map_err(|e| err(format!("{}: {e}", a.policy), 125))?;
    let flags = sysgate::sandbox::FilterFlags {
        spec_allow: !a.spec_mitigation,
        ..Default::default()
    };
    // Landlock: the policy's fs/net statements plus the command-line rules. Filesystem access
    // is restricted only when some fs rule exists, TCP ports only when some net rule exists.
    use sysgate::policy::ast::{FsAccess, NetAccess};
    use sysgate::sandbox::landlock;
    let mut rules = p.resolved.landlock.clone();
    for (acc, list) in [
        (FsAccess::Read, &a.fs_read),
        (FsAccess::Write, &a.fs_write),
        (FsAccess::Exec, &a.fs_exec),
    ] {
        rules.fs.extend(list.iter().map(|p| (acc, p.clone())));
    }
    for (acc, list) in [
        (NetAccess::Bind, &a.net_bind),
        (NetAccess::Connect, &a.net_connect),
    ] {
        rules.net.extend(list.iter().map(|p| (acc, *p)));
    }
    let abi = landlock::kernel_abi();
    let missing = landlock::unenforced(&rules, abi);
    if a.require_landlock && abi < 1 {
        return Err(err(
            "--require-landlock: Landlock is not available on this kernel",
            125,
        ));
    }
    if !missing.is_empty() {
        let msg = landlock::describe_unenforced(abi, &missing);
        if a.require_landlock {
            return Err(err(format!("--require-landlock: {msg}"), 125));
        }
        eprintln!("sysgate: warning: {msg}");
    }
    let mut ll = landlock::prepare(&rules).map_err(|e| err(format!("Landlock: {e}"), 125))?;
    let has_rules = !ll.is_empty();
    let mut pre = || ll.restrict_self();
    let pre_exec: Option<sysgate::sandbox::run::PreExec<'_>> =
        if has_rules { Some(&mut pre) } else { None };
    let result = if a.report {
        let variant = sysgate::sandbox::notify_variant(&p.resolved);
        let notify_prog = sysgate::compile::compile(&variant, &opts)
            .map_err(|e| err(format!("{}: --report: {e}", a.policy), 125))?;
        let mut reporter =
            sysgate::sandbox::Reporter::new(&p.resolved, Box::new(std::io::stderr()));
        let r = sysgate::sandbox::run_reported(
            &prog,
            &notify_prog,
            flags,
            &a.command,
            pre_exec,
            &mut reporter,
        );
        if r.is_ok() {
            reporter.summary();
        }
        r
    } else {
        sysgate::sandbox::run(&prog, flags, &a.command, pre_exec)
    };
    match result {
        Ok(ended) => match ended.code() {
            0 => Ok(()),
            c => Err(Fail(c.clamp(0, 255) as u8)),
        },
        Err(e) => {
            let code = e.exit_code;
            Err(err(e, code))
        }
    }
}
