//! The `sysgate` command: parses arguments, calls the library, prints.

use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use sysgate::analyze::explain::{self, Explanation};
use sysgate::arch::Arch;
use sysgate::bpf::output::Format;
use sysgate::policy::diag::Diagnostic;
use sysgate::policy::{self, Policy};

const EXIT_CODES: &str = "\
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
    /// Exact semantic difference between two filters (policies or raw BPF), with witnesses
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

#[derive(Args)]
struct ArchOpt {
    /// Target architectures, comma-separated (x86_64,i386,x32,aarch64,arm,riscv64,s390x,
    /// ppc64le,loongarch64, or `native`); overrides the policy's `arch` line
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
}

#[derive(Args)]
struct CompileArgs {
    /// Policy file or built-in name
    policy: String,
    #[command(flatten)]
    arch: ArchOpt,
    /// Output format: raw (struct sock_filter array), base64, c, rust, disasm.
    /// Default: raw with -o, disasm on a terminal, raw otherwise
    #[arg(long, short = 'f')]
    format: Option<Format>,
    /// Write to this file (written only when compilation succeeds)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    /// Policy file or built-in name
    policy: String,
    #[command(flatten)]
    arch: ArchOpt,
    /// Treat warnings as errors (exit status 1)
    #[arg(long)]
    deny_warnings: bool,
    /// Print diagnostics and the summary as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ExplainArgs {
    /// Policy file, built-in name, or a raw BPF file (`.bpf`, or any file that is not text)
    input: String,
    /// Syscall name (or number)
    syscall: String,
    /// Argument values: numbers in any base, or constant names (AF_INET, CLONE_NEWUSER|CLONE_NEWNS)
    args: Vec<String>,
    #[command(flatten)]
    arch: ArchOpt,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

const DIFF_EXIT_CODES: &str = "\
Exit status:
  0    the two filters are equivalent (for every number, architecture and argument value)
  1    they differ (each difference is printed with a witness), or an input has errors
  2    wrong command-line usage
  3    an input file could not be read";

#[derive(Args)]
struct DiffArgs {
    /// First filter: policy file, built-in name, or raw BPF file (`.bpf`, or not text)
    a: String,
    /// Second filter: policy file, built-in name, or raw BPF file
    b: String,
    /// Compare only for these architectures (comma-separated, or `native`); policies and
    /// profiles are compiled for them. Default: each input's own architectures, compared on
    /// every `seccomp_data.arch` value
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// For Docker/OCI profiles (`.json`): the capabilities the container has
    /// (docker = Docker's 14 defaults, all, or CAP_X,CAP_Y…)
    #[arg(long, default_value = "docker")]
    caps: String,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DisasmArgs {
    /// Raw BPF file (`-` for standard input)
    file: String,
    #[command(flatten)]
    arch: ArchOpt,
}

#[derive(Args)]
struct SyscallsArgs {
    /// A @group to list the members of
    group: Option<String>,
    /// Architecture (default: the host's)
    #[arg(long)]
    arch: Option<String>,
    /// List the groups instead
    #[arg(long)]
    groups: bool,
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct RunArgs {
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
    /// The program and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(Args)]
struct DecompileArgs {
    /// Raw BPF file (`-` for standard input)
    file: String,
    /// Decompile only these architectures (default: those the program handles)
    #[command(flatten)]
    arch: ArchOpt,
    /// Write the policy to this file instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct DumpArgs {
    /// Process id
    pid: i32,
    /// Output: policy (decompiled text), disasm, or raw (struct sock_filter bytes)
    #[arg(long, short = 'f', default_value = "policy", value_parser = ["policy", "disasm", "raw"])]
    format: String,
    /// For the policy format: decompile only these architectures
    #[command(flatten)]
    arch: ArchOpt,
    /// Write to this file (with several filters: OUT.0, OUT.1, …; 0 is the newest)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct ImportArgs {
    /// Docker profile (`defaultAction`, `syscalls`…) or OCI `config.json` (`linux.seccomp`)
    profile: PathBuf,
    /// Capabilities the container holds, for `includes`/`excludes`: `docker` (Docker's 14
    /// defaults), `all`, or a list such as CAP_SYS_ADMIN,CAP_NET_ADMIN
    #[arg(long, default_value = "docker")]
    caps: String,
    /// Target architectures, comma-separated; the first is the host for `includes.arches`.
    /// Default: the profile's archMap entry for this host (x86_64: x86_64,i386,x32)
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// Kernel version X.Y for `minKernel` (default: the running kernel)
    #[arg(long)]
    kernel: Option<String>,
    /// Write the policy to this file instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct RecordArgs {
    /// Write the policy to this file (atomically) instead of standard output
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Also record the argument values policies usually constrain (socket domain and type,
    /// clone flags, ioctl request, prctl option, personality, mmap/mprotect prot) and write
    /// them as conditions
    #[arg(long)]
    args: bool,
    /// Unite with an earlier recording: the arch line, allow lines and counts of a policy
    /// `sysgate record` wrote (other rules are ignored with a warning)
    #[arg(long, value_name = "OLD.policy")]
    merge: Option<PathBuf>,
    /// The program and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(Args)]
struct ExportArgs {
    /// Policy file or built-in name
    policy: String,
    /// oci: runtime-spec `linux.seccomp` JSON (runc, crun, podman); k8s: Security Profiles
    /// Operator SeccompProfile YAML (or a kubelet profile with --localhost); crun: base64 BPF
    /// for the `run.oci.seccomp_bpf_data` annotation; bwrap: raw BPF for `bwrap --seccomp FD`
    #[arg(long)]
    to: sysgate::formats::export::Target,
    #[command(flatten)]
    arch: ArchOpt,
    /// k8s: write a plain profile for /var/lib/kubelet/seccomp/ and print the pod's
    /// securityContext snippet on stderr
    #[arg(long)]
    localhost: bool,
    /// k8s: metadata.name of the SeccompProfile (default: from the policy's name)
    #[arg(long)]
    name: Option<String>,
    /// Write to this file (written only when the export succeeds)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

/// A failure already reported on stderr, with the status to exit with.
struct Fail(u8);

type Res = Result<(), Fail>;

fn main() -> ExitCode {
    let cli = Cli::parse();
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

fn err(msg: impl std::fmt::Display, code: u8) -> Fail {
    eprintln!("sysgate: {msg}");
    Fail(code)
}

fn parse_arches(opt: &ArchOpt) -> Result<Option<Vec<Arch>>, Fail> {
    let Some(list) = &opt.arch else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for name in list {
        if name == "native" {
            out.extend(Arch::native());
            continue;
        }
        match Arch::from_name(name) {
            Some(a) => out.push(a),
            None => {
                return Err(err(
                    format!(
                        "unknown architecture '{name}' (known: native, {})",
                        Arch::ALL.map(|a| a.name()).join(", ")
                    ),
                    2,
                ))
            }
        }
    }
    out.dedup();
    Ok(Some(out))
}

fn print_diags(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}\n");
    }
}

/// Loads and resolves a policy, printing its errors, and its warnings when `warn` is set
/// (`check` always shows them; other commands only for the user's own files).
fn load(spec: &str, arches: Option<Vec<Arch>>, warn: bool) -> Result<Policy, Fail> {
    let opts = policy::Options { arches };
    match Policy::load(spec, &opts) {
        Ok(p) => {
            if warn && !p.name.starts_with("builtin:") {
                print_diags(&p.warnings);
            }
            Ok(p)
        }
        Err(e) => {
            print_diags(&e.diagnostics);
            let errors = e.diagnostics.iter().filter(|d| d.is_error()).count();
            let unreadable = e.diagnostics.iter().any(|d| d.line == 0);
            eprintln!(
                "sysgate: {spec}: {errors} error{}",
                if errors == 1 { "" } else { "s" }
            );
            Err(Fail(if unreadable { 3 } else { 1 }))
        }
    }
}

/// Writes `data` to `path` atomically: a temporary file beside it, renamed into place.
fn write_output(path: &Path, data: &[u8]) -> Res {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| err(format!("'{}' is not a file name", path.display()), 3))?;
    let tmp = dir.join(format!(".{}.sysgate-tmp", name.to_string_lossy()));
    let r = std::fs::write(&tmp, data).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(format!("cannot write '{}': {e}", path.display()), 3));
    }
    Ok(())
}

fn cmd_compile(a: CompileArgs) -> Res {
    let arches = parse_arches(&a.arch)?;
    let p = load(&a.policy, arches, true)?;
    let prog = p
        .compile()
        .map_err(|e| err(format!("{}: {e}", a.policy), 1))?;
    let format = a
        .format
        .unwrap_or(if a.output.is_some() || !std::io::stdout().is_terminal() {
            Format::Raw
        } else {
            Format::Disasm
        });
    let bytes = sysgate::bpf::output::render(&prog.insns, format, Some(&prog.arches));
    match &a.output {
        Some(path) => {
            write_output(path, &bytes)?;
            eprintln!(
                "sysgate: wrote {} ({} instructions, {}, format {format})",
                path.display(),
                prog.insns.len(),
                arch_names(&prog.arches)
            );
        }
        None => {
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| err(format!("cannot write to standard output: {e}"), 3))?;
        }
    }
    Ok(())
}

/// `1 error`, `2 errors`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn arch_names(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn cmd_check(a: CheckArgs) -> Res {
    let arches = parse_arches(&a.arch)?;
    let opts = policy::Options { arches };
    let result = Policy::load(&a.policy, &opts);
    let (diags, policy) = match &result {
        Ok(p) => (p.warnings.clone(), Some(p)),
        Err(e) => (e.diagnostics.clone(), None),
    };
    let compiled = policy.map(|p| p.compile());
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let size = match &compiled {
        Some(Ok(prog)) => Some(prog.insns.len()),
        _ => None,
    };
    let compile_error = match &compiled {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    if a.json {
        let v = serde_json::json!({
            "policy": a.policy,
            "ok": errors == 0 && compile_error.is_none() && !(a.deny_warnings && warnings > 0),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diags,
            "arches": policy.map(|p| p.resolved.arches()),
            "instructions": size,
            "compile_error": compile_error,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_diags(&diags);
        if let Some(e) = &compile_error {
            eprintln!("sysgate: {}: {e}", a.policy);
        }
        match (policy, size) {
            (Some(p), Some(n)) => println!(
                "{}: ok — {} ({n} BPF instructions), {}, {}",
                a.policy,
                arch_names(&p.resolved.arches()),
                count(errors, "error"),
                count(warnings, "warning")
            ),
            _ => eprintln!(
                "{}: {}, {}",
                a.policy,
                count(errors, "error"),
                count(warnings, "warning")
            ),
        }
    }
    let unreadable = diags.iter().any(|d| d.line == 0 && d.is_error());
    if unreadable {
        return Err(Fail(3));
    }
    if errors > 0 || compile_error.is_some() || (a.deny_warnings && warnings > 0) {
        return Err(Fail(1));
    }
    Ok(())
}

/// Reads a raw BPF file (or standard input for `-`).
fn read_bpf(path: &str) -> Result<Vec<sysgate::bpf::Insn>, Fail> {
    let bytes = if path == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)
            .map_err(|e| err(format!("cannot read standard input: {e}"), 3))?;
        v
    } else {
        std::fs::read(path).map_err(|e| err(format!("cannot read '{path}': {e}"), 3))?
    };
    sysgate::bpf::from_bytes(&bytes).map_err(|e| err(format!("{path}: {e}"), 1))
}

/// Whether `input` names a raw BPF file rather than a policy.
fn is_bpf_file(input: &str) -> bool {
    if policy::builtin::source(input).is_some() {
        return false;
    }
    if input.ends_with(".bpf") {
        return true;
    }
    std::fs::read(input).is_ok_and(|b| std::str::from_utf8(&b).is_err() || b.contains(&0))
}

/// Parses an argument value for `arch`: a number (also negative) or constants joined by `|`.
fn parse_arg(s: &str, arch: Arch) -> Result<u64, String> {
    let mut v = 0u64;
    for part in s.split('|').map(str::trim) {
        v |= if let Some(n) = part.strip_prefix('-') {
            policy::lexer::parse_int(n)
                .map(u64::wrapping_neg)
                .ok_or_else(|| format!("bad number '{part}'"))?
        } else if let Some(n) = policy::lexer::parse_int(part) {
            n
        } else {
            sysgate::arch::constant(arch, part)
                .ok_or_else(|| format!("unknown constant '{part}' on {arch}"))?
        };
    }
    Ok(v)
}

fn cmd_explain(a: ExplainArgs) -> Res {
    if a.args.len() > 6 {
        return Err(err("a syscall has at most 6 arguments", 2));
    }
    let arches_opt = parse_arches(&a.arch)?;
    let bpf = is_bpf_file(&a.input);
    let (policy, prog) = if bpf {
        (None, read_bpf(&a.input)?)
    } else {
        let p = load(&a.input, arches_opt.clone(), false)?;
        let prog = p
            .compile()
            .map_err(|e| err(format!("{}: {e}", a.input), 1))?;
        (Some(p), prog.insns)
    };
    let arches = match (&policy, arches_opt) {
        (_, Some(v)) => v,
        (Some(p), None) => p.resolved.arches(),
        (None, None) => Arch::native(),
    };
    // Arguments can name constants, whose values may differ per architecture.
    let mut results: Vec<Explanation> = Vec::new();
    for &arch in &arches {
        let mut args = [0u64; 6];
        for (i, s) in a.args.iter().enumerate() {
            args[i] = parse_arg(s, arch).map_err(|m| err(format!("argument {i}: {m}"), 1))?;
        }
        let r = match &policy {
            Some(p) => explain::explain_policy(&p.resolved, Some(&prog), &[arch], &a.syscall, args),
            None => explain::explain_bpf(&prog, &[arch], &a.syscall, args),
        };
        match r {
            Ok(mut v) => results.append(&mut v),
            Err(explain::ExplainError::UnknownSyscall { .. }) => {}
            Err(e) => return Err(err(e, 1)),
        }
    }
    if results.is_empty() {
        let e = match &policy {
            Some(p) => explain::explain_policy(&p.resolved, None, &arches, &a.syscall, [0; 6]),
            None => explain::explain_bpf(&prog, &arches, &a.syscall, [0; 6]),
        };
        return Err(err(e.err().map_or_else(String::new, |e| e.to_string()), 1));
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        );
    } else {
        for r in &results {
            let nr = if r.nr & sysgate::arch::X32_SYSCALL_BIT != 0 && r.arch == Arch::X32 {
                format!("{:#x}", r.nr)
            } else {
                r.nr.to_string()
            };
            print!(
                "{:<8} {}({}) #{nr}: {}",
                r.arch.name(),
                r.syscall,
                fmt_args(&a.args),
                r.action
            );
            if let Some(o) = &r.origin {
                print!("  — {o}");
            }
            println!();
            if let Some(f) = r.filter_action {
                if policy.is_some() && f != r.action {
                    eprintln!(
                        "sysgate: internal error: the compiled filter says {f} for this call; please report it"
                    );
                    return Err(Fail(1));
                }
            }
        }
    }
    Ok(())
}

fn fmt_args(args: &[String]) -> String {
    args.join(", ")
}

/// The program `diff` compares for `input`. Every front end that yields a program plugs in
/// here (an OCI/Docker JSON profile, once `formats::oci` can import one, is compiled the same
/// way as a policy).
/// One side of `diff` as a program: raw BPF as is; a Docker/OCI profile (`.json`) imported
/// and compiled; a policy compiled. `arches` retargets profiles and policies.
fn diff_input(
    input: &str,
    arches: Option<Vec<Arch>>,
    caps: &str,
) -> Result<Vec<sysgate::bpf::Insn>, Fail> {
    use sysgate::formats::oci;
    if is_bpf_file(input) {
        return read_bpf(input);
    }
    if input.ends_with(".json") {
        let json = std::fs::read_to_string(input)
            .map_err(|e| err(format!("cannot read '{input}': {e}"), 3))?;
        let opts = oci::Options {
            caps: oci::Caps::parse(caps),
            arches,
            kernel: None,
        };
        let imported = oci::import(input, &json, &opts).map_err(|e| err(e, 1))?;
        return sysgate::compile::compile(&imported.policy, &Default::default())
            .map(|prog| prog.insns)
            .map_err(|e| err(format!("{input}: {e}"), 1));
    }
    let p = load(input, arches, false)?;
    p.compile()
        .map(|prog| prog.insns)
        .map_err(|e| err(format!("{input}: {e}"), 1))
}

fn cmd_diff(a: DiffArgs) -> Res {
    use sysgate::analyze::diff;
    let arches = parse_arches(&ArchOpt { arch: a.arch })?;
    let pa = diff_input(&a.a, arches.clone(), &a.caps)?;
    let pb = diff_input(&a.b, arches.clone(), &a.caps)?;
    let opts = diff::Options {
        arches,
        ..Default::default()
    };
    let report = diff::diff(&pa, &pb, &opts).map_err(|e| err(e, 1))?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else if report.equivalent {
        println!("equivalent: {} and {} decide every call alike", a.a, a.b);
    } else {
        println!("A = {}\nB = {}", a.a, a.b);
        // Differences are listed per architecture and pair of actions; long lists (a whole
        // architecture covered by one side only, a different default) are shortened, and
        // --json lists every one.
        const SHOWN: usize = 5;
        let mut groups: Vec<Vec<&diff::Difference>> = Vec::new();
        for d in &report.differences {
            let same = |g: &Vec<&diff::Difference>| {
                g[0].arch == d.arch && g[0].ret_a == d.ret_a && g[0].ret_b == d.ret_b
            };
            match groups.iter_mut().find(|g| same(g)) {
                Some(g) => g.push(d),
                None => groups.push(vec![d]),
            }
        }
        for g in &groups {
            let shown = if g.len() > 2 * SHOWN { SHOWN } else { g.len() };
            for d in &g[..shown] {
                print_difference(d);
            }
            if shown < g.len() {
                println!(
                    "{:<8} … and {} more with the same actions (--json lists every one)",
                    g[0].arch,
                    g.len() - shown
                );
            }
        }
        let n = report.differences.len();
        println!("{n} difference{}", if n == 1 { "" } else { "s" });
    }
    if report.equivalent {
        Ok(())
    } else {
        Err(Fail(1))
    }
}

fn print_difference(d: &sysgate::analyze::diff::Difference) {
    use sysgate::analyze::diff::Numbers;
    let what = match &d.numbers {
        Numbers::Syscall { name, nr } => format!("{name} ({nr:#x})"),
        Numbers::Range { lo, hi, every } => format!(
            "{}{lo:#x}..={hi:#x}",
            if *every {
                "numbers "
            } else {
                "some numbers in "
            }
        ),
    };
    let w = &d.witness;
    let mut wit = format!("nr={:#x} arch={:#x}", w.nr, w.arch);
    if w.args.iter().any(|&v| v != 0) {
        let args: Vec<String> = w.args.iter().map(|v| format!("{v:#x}")).collect();
        wit.push_str(&format!(" args=[{}]", args.join(", ")));
    }
    if w.instruction_pointer != 0 {
        wit.push_str(&format!(" ip={:#x}", w.instruction_pointer));
    }
    println!(
        "{:<8} {what:<32} A: {:<20} B: {:<20} witness: {wit}",
        d.arch, d.action_a, d.action_b
    );
}

fn cmd_disasm(a: DisasmArgs) -> Res {
    let prog = read_bpf(&a.file)?;
    if let Err(e) = sysgate::bpf::emulator::validate(&prog) {
        eprintln!(
            "sysgate: warning: {}: the kernel would reject this filter: {e}",
            a.file
        );
    }
    let arches = parse_arches(&a.arch)?;
    print!(
        "{}",
        sysgate::bpf::disasm::disassemble(&prog, arches.as_deref())
    );
    Ok(())
}

fn cmd_syscalls(a: SyscallsArgs) -> Res {
    use sysgate::policy::groups;
    if a.groups {
        if a.json {
            let v: Vec<_> = groups::groups()
                .iter()
                .map(|g| serde_json::json!({"name": g.name, "description": g.description}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            for g in groups::groups() {
                println!("{:<18} {}", g.name, g.description);
            }
        }
        return Ok(());
    }
    let arch = match &a.arch {
        None => Arch::host(),
        Some(n) => Arch::from_name(n).ok_or_else(|| {
            err(
                format!(
                    "unknown architecture '{n}' (known: {})",
                    Arch::ALL.map(|a| a.name()).join(", ")
                ),
                2,
            )
        })?,
    };
    let list: Vec<(&str, Option<u32>)> = match &a.group {
        Some(g) => {
            let g = if g.starts_with('@') {
                g.clone()
            } else {
                format!("@{g}")
            };
            let members = groups::expand(&g).ok_or_else(|| {
                err(
                    format!("unknown group '{g}' (see `sysgate syscalls --groups`)"),
                    1,
                )
            })?;
            members
                .into_iter()
                .map(|n| (n, arch.syscall_nr(n)))
                .collect()
        }
        None => arch
            .syscalls()
            .iter()
            .map(|(n, nr)| (*n, Some(*nr)))
            .collect(),
    };
    if a.json {
        let v: Vec<_> = list
            .iter()
            .map(|(n, nr)| serde_json::json!({"name": n, "nr": nr, "arch": arch}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for (n, nr) in list {
            match nr {
                Some(nr) => println!("{nr:>10}  {n}"),
                None => println!("{:>10}  {n}  (not on {arch})", "-"),
            }
        }
    }
    Ok(())
}

fn cmd_run(a: RunArgs) -> Res {
    let p = load(&a.policy, None, false).map_err(|_| Fail(125))?;
    let prog = p
        .compile()
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
        let notify_prog = sysgate::compile::compile(&variant, &Default::default())
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

fn cmd_import(a: ImportArgs) -> Res {
    use sysgate::formats::{oci, text};
    let arches = parse_arches(&ArchOpt { arch: a.arch })?;
    let kernel = match &a.kernel {
        None => None,
        Some(k) => Some(
            oci::parse_kernel(k)
                .ok_or_else(|| err(format!("--kernel '{k}': expected X.Y, such as 5.15"), 2))?,
        ),
    };
    let name = a.profile.display().to_string();
    let json = std::fs::read_to_string(&a.profile)
        .map_err(|e| err(format!("cannot read '{name}': {e}"), 3))?;
    let opts = oci::Options {
        caps: oci::Caps::parse(&a.caps),
        arches,
        kernel,
    };
    let imported = oci::import(&name, &json, &opts).map_err(|e| err(e, 1))?;
    for w in &imported.warnings {
        eprintln!("sysgate: warning: {name}: {w}");
    }
    let header = vec![
        format!("imported from {name} by sysgate import"),
        format!(
            "capabilities: {}; host {} ; kernel {}.{}",
            a.caps, imported.host, imported.kernel.0, imported.kernel.1
        ),
    ];
    let policy_text = text::write(&imported.policy, &header);
    match &a.output {
        Some(path) => {
            write_output(path, policy_text.as_bytes())?;
            eprintln!("sysgate: wrote {}", path.display());
        }
        None => print!("{policy_text}"),
    }
    Ok(())
}

fn cmd_record(a: RecordArgs) -> Res {
    use sysgate::sandbox::record::{record, RecordOptions};
    use sysgate::sandbox::recording::Recording;
    let old = match &a.merge {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| err(format!("cannot read '{}': {e}", path.display()), 3))?;
            let (rec, warnings) = Recording::from_policy(&text);
            for w in warnings {
                eprintln!("sysgate: warning: {}: {w}", path.display());
            }
            Some(rec)
        }
    };
    let (ended, mut rec) = record(&a.command, RecordOptions { args: a.args }).map_err(|e| {
        let code = e.exit_code;
        err(e, code)
    })?;
    let (calls, names) = (rec.total(), rec.calls.len());
    let quote = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut header = vec![format!(
        "recorded by: sysgate record{} -- {}",
        if a.args { " --args" } else { "" },
        a.command
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(" ")
    )];
    match ended {
        sysgate::sandbox::Ended::Exited(c) => {
            header.push(format!("the program exited with status {c}"))
        }
        sysgate::sandbox::Ended::Signaled(s) => {
            header.push(format!("the program was killed by signal {s}"))
        }
    }
    if let (Some(old), Some(path)) = (&old, &a.merge) {
        rec.merge(old);
        header.push(format!("merged with {}", path.display()));
    }
    let text = rec.to_policy(&header);
    let name = a
        .output
        .as_ref()
        .map_or_else(|| "<recorded>".to_string(), |p| p.display().to_string());
    match Policy::parse(&name, &text).map(|p| p.compile()) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return Err(err(
                format!("the recorded policy does not compile: {e}"),
                125,
            ))
        }
        Err(e) => {
            return Err(err(
                format!("internal error: the recorded policy does not resolve:\n{e}"),
                125,
            ))
        }
    }
    match &a.output {
        Some(path) => {
            write_output(path, text.as_bytes())?;
            eprintln!(
                "sysgate: recorded {calls} calls of {names} syscalls ({}); wrote {}",
                arch_names(&rec.target_arches()),
                path.display()
            );
        }
        None => {
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| err(format!("cannot write to standard output: {e}"), 3))?;
        }
    }
    match ended.code() {
        0 => Ok(()),
        c => Err(Fail(c.clamp(0, 255) as u8)),
    }
}

fn cmd_export(a: ExportArgs) -> Res {
    use sysgate::formats::export::{self, Target};
    let arches = parse_arches(&a.arch)?;
    let p = load(&a.policy, arches, true)?;
    let opts = export::Options {
        name: a.name.clone(),
        localhost: a.localhost,
        localhost_path: a
            .output
            .as_ref()
            .and_then(|o| o.file_name().map(|f| f.to_string_lossy().into_owned())),
    };
    if a.localhost && a.to != Target::K8s {
        return Err(err("--localhost goes with --to k8s", 2));
    }
    let out = export::export(&p.resolved, &p.name, a.to, &opts)
        .map_err(|e| err(format!("{}: cannot export to {}: {e}", a.policy, a.to), 1))?;
    for w in &out.warnings {
        eprintln!("sysgate: warning: {}: {w}", a.policy);
    }
    match &a.output {
        Some(path) => {
            write_output(path, &out.bytes)?;
            eprintln!("sysgate: wrote {}", path.display());
        }
        None => std::io::stdout()
            .write_all(&out.bytes)
            .map_err(|e| err(format!("cannot write to standard output: {e}"), 3))?,
    }
    for n in &out.notes {
        eprintln!("sysgate: {n}");
    }
    Ok(())
}

fn cmd_decompile(a: DecompileArgs) -> Res {
    use sysgate::analyze::decompile;
    let prog = read_bpf(&a.file)?;
    let opts = decompile::Options {
        arches: parse_arches(&a.arch)?,
        ..Default::default()
    };
    let header = vec![format!("decompiled from {} by sysgate decompile", a.file)];
    let (text, notes) = decompile::decompile_text(&prog, &opts, &header)
        .map_err(|e| err(format!("{}: {e}", a.file), 1))?;
    for n in &notes {
        eprintln!("sysgate: note: {n}");
    }
    match &a.output {
        Some(path) => {
            write_output(path, text.as_bytes())?;
            eprintln!("sysgate: wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn cmd_dump(a: DumpArgs) -> Res {
    use sysgate::analyze::decompile;
    use sysgate::sandbox::dump;
    let arches = parse_arches(&a.arch)?;
    let filters = dump::read_filters(a.pid).map_err(|e| err(e, 1))?;
    let total = filters.len();
    for (i, prog) in filters.iter().enumerate() {
        let about = format!(
            "filter {i} of {total} of process {} ({} instructions; 0 is the most recently \
             installed; the kernel runs every filter and the most severe action wins)",
            a.pid,
            prog.len()
        );
        let data: Vec<u8> = match a.format.as_str() {
            "raw" => sysgate::bpf::to_bytes(prog),
            "disasm" => format!(
                "# {about}\n{}",
                sysgate::bpf::disasm::disassemble(prog, arches.as_deref())
            )
            .into_bytes(),
            _ => {
                let opts = decompile::Options {
                    arches: arches.clone(),
                    ..Default::default()
                };
                match decompile::decompile_text(prog, &opts, std::slice::from_ref(&about)) {
                    Ok((text, _)) => text.into_bytes(),
                    Err(e) => {
                        eprintln!(
                            "sysgate: filter {i}: cannot decompile ({e}); showing its disassembly"
                        );
                        format!(
                            "# {about}\n{}",
                            sysgate::bpf::disasm::disassemble(prog, arches.as_deref())
                        )
                        .into_bytes()
                    }
                }
            }
        };
        match &a.output {
            Some(path) => {
                let path = if total == 1 {
                    path.clone()
                } else {
                    PathBuf::from(format!("{}.{i}", path.display()))
                };
                write_output(&path, &data)?;
                eprintln!("sysgate: wrote {}", path.display());
            }
            None => {
                let mut out = std::io::stdout().lock();
                let sep = if i > 0 && a.format != "raw" { "\n" } else { "" };
                out.write_all(sep.as_bytes())
                    .and_then(|()| out.write_all(&data))
                    .map_err(|e| err(format!("cannot write standard output: {e}"), 3))?;
            }
        }
    }
    Ok(())
}
