//! The `sysgate` command: parses arguments, calls the library, prints. Each command
//! lives in `src/cli/`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use sysgate::policy;

mod cli;

use cli::common::Fail;
use cli::{
    check::*, compile::*, decompile::*, diff::*, disasm::*, dump::*, explain::*, export::*,
    import::*, record::*, run::*, syscalls::*,
};

pub(crate) const EXIT_CODES: &str = "\
Exit status:
  0    success (check: no errors; warnings are allowed)
  1    the policy or input has errors (diagnostics on stderr); no output file is written
  2    wrong command-line usage
  3    an input or output file could not be read or written
  run: the program's own exit status, or 128+N when a signal N killed it; 125 if
       sysgate itself failed (bad policy, Landlock or seccomp could not be applied),
       126 if the program cannot be executed, 127 if it is not found";

#[derive(Parser)]
#[command(
    name = "sysgate",
    version,
    about = "Readable seccomp policies, compiled to correct multi-architecture BPF",
    long_about = "Readable seccomp policies, compiled to correct multi-architecture BPF.\n\n\
        POLICY is a file path or the name of a built-in policy (see `sysgate policies`).",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a program under a policy (default: the built-in `container` policy)
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Compile a policy to BPF for every target architecture
    #[command(after_help = EXIT_CODES)]
    Compile(CompileArgs),
    /// Check a policy: located errors and warnings, and the compiled size
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Say what happens to a syscall, per architecture, and which line decided it
    #[command(after_help = EXIT_CODES)]
    Explain(ExplainArgs),
    /// Exact semantic difference of two filters (policies, Docker/OCI profiles or raw BPF), with witnesses
    #[command(after_help = DIFF_EXIT_CODES)]
    Diff(DiffArgs),
    /// Disassemble a raw BPF filter (ours, libseccomp's, any seccomp cBPF)
    #[command(after_help = EXIT_CODES)]
    Disasm(DisasmArgs),
    /// List syscalls (with numbers) per architecture, or the members of a @group
    Syscalls(SyscallsArgs),
    /// List the built-in policies
    Policies,
    /// Import a Docker/OCI seccomp profile (JSON) and write it as a sysgate policy
    #[command(after_help = EXIT_CODES)]
    Import(ImportArgs),
    /// Run a program, record its syscalls (per architecture) and write the smallest
    /// allow-list policy that lets it run
    #[command(after_help = EXIT_CODES)]
    Record(RecordArgs),
    /// Export a policy for container runtimes: OCI profile, Kubernetes, crun or bubblewrap BPF
    #[command(after_help = EXIT_CODES)]
    Export(ExportArgs),
    /// Decompile a raw BPF filter (sysgate's, libseccomp's, runc's, any seccomp cBPF) into
    /// policy text; what the language cannot say is written as `# note:` comments
    #[command(after_help = EXIT_CODES)]
    Decompile(DecompileArgs),
    /// Read the seccomp filters of a running process (needs root: ptrace and
    /// CAP_SYS_ADMIN) and show them as policy text, disassembly or raw BPF
    #[command(after_help = EXIT_CODES)]
    Dump(DumpArgs),
    /// Print a built-in policy's text
    Show {
        /// Built-in policy name
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.cmd, Cmd::Run(_) | Cmd::Record(_)) {
        cli::common::end_on_closed_output();
    }
    let r = match cli.cmd {
        Cmd::Run(a) => cmd_run(a),
        Cmd::Compile(a) => cmd_compile(a),
        Cmd::Check(a) => cmd_check(a),
        Cmd::Explain(a) => cmd_explain(a),
        Cmd::Diff(a) => cmd_diff(a),
        Cmd::Disasm(a) => cmd_disasm(a),
        Cmd::Syscalls(a) => cmd_syscalls(a),
        Cmd::Import(a) => cmd_import(a),
        Cmd::Record(a) => cmd_record(a),
        Cmd::Export(a) => cmd_export(a),
        Cmd::Decompile(a) => cmd_decompile(a),
        Cmd::Dump(a) => cmd_dump(a),
        Cmd::Policies => {
            for (name, about) in policy::builtin::list() {
                println!("{name:<12} {about}");
            }
            Ok(())
        }
        Cmd::Show { name } => match policy::builtin::source(&name) {
            Some(s) => {
                print!("{}", s.text);
                Ok(())
            }
            None => {
                eprintln!(
                    "sysgate: no built-in policy '{name}'; built-ins: {}",
                    policy::builtin::names().join(", ")
                );
                Err(Fail(1))
            }
        },
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(n)) => ExitCode::from(n),
    }
}
