//! Helpers every command shares: loading policies, reporting failures, writing files.

use clap::Args;
use std::io::Write as _;
use std::path::Path;
use sysgate::arch::Arch;
use sysgate::compile::{self, Weights};
use sysgate::policy::diag::Diagnostic;
use sysgate::policy::{self, Policy};

#[derive(Args)]
pub struct ArchOpt {
    /// Target architectures, comma-separated
    /// (x86_64,i386,x32,aarch64,arm,riscv64,s390x,ppc64le,loongarch64, or `native`); overrides the policy's `arch` line
    #[arg(long, value_delimiter = ',')]
    pub arch: Option<Vec<String>>,
}

#[derive(Args)]
pub struct MixOpt {
    /// Call-frequency profile to lay the BPF search tree out for, so that frequent syscalls
    /// run fewer instructions: a policy written by `sysgate record` (the counts in its
    /// `# COUNT` comments, per architecture), or a table of `NAME COUNT` lines (`#`
    /// comments), or any policy (its `allow NAME # COUNT` lines). A table may add
    /// `NAME argN=VALUE… COUNT` lines (COUNT of NAME's calls passed VALUE as argument N,
    /// 0-5): argument checks then test frequent values first, their longest path at most 2
    /// comparisons longer per argument word. Only the tree of the architecture with the
    /// most calls is laid out for the call counts; the others always get the tree with the
    /// shortest worst path. `none`: no profile, the first architecture's tree balanced by
    /// syscall count, argument checks laid out for their longest path. Default: the
    /// built-in profile of common workloads (builds, servers, shells, databases), with
    /// argument values of futex, mmap, mprotect, fcntl, ioctl, madvise, socket, clone and
    /// prctl. The profile never changes what the filter decides. (export: with --to crun
    /// or bwrap, which carry BPF)
    #[arg(long, value_name = "FILE|none")]
    pub mix: Option<String>,
    /// Lay the search out for kernels with the seccomp action cache (Linux 5.11 and later):
    /// there, the calls the policy allows whatever their arguments never run the filter, so
    /// the short paths go to the calls that still do (argument checks, refused calls). On
    /// kernels without the cache, and for x32, the other calls then run a few instructions
    /// more. Never changes what the filter decides
    #[arg(long)]
    pub for_action_cache: bool,
}

impl MixOpt {
    /// The first of `--mix` and `--for-action-cache` that was given, if any (for commands
    /// or targets that compile nothing).
    pub fn given(&self) -> Option<&'static str> {
        if self.mix.is_some() {
            Some("--mix")
        } else if self.for_action_cache {
            Some("--for-action-cache")
        } else {
            None
        }
    }

    /// Compiles `p` (named `name` in messages) with [`MixOpt::options`]; a policy too long
    /// for the kernel exits 1.
    pub fn compile(&self, p: &Policy, name: &str) -> Result<compile::Program, Fail> {
        let opts = self.options(p)?;
        p.compile_with(&opts)
            .map_err(|e| err(format!("{name}: {e}"), 1))
    }

    /// The compiler options for `p`: the profile's weights, printing its warnings.
    /// An unreadable file exits 3, a malformed one 1 (with the line).
    pub fn options(&self, p: &Policy) -> Result<compile::Options, Fail> {
        match self.load(p) {
            Ok((opts, warnings)) => {
                for w in &warnings {
                    eprintln!("sysgate: warning: {w}");
                }
                Ok(opts)
            }
            Err(e) => Err(err(e.message, e.code)),
        }
    }

    /// [`MixOpt::options`] without printing: the options and the profile's warnings
    /// (each starting with the file name), or why the profile cannot be used.
    pub fn load(&self, p: &Policy) -> Result<(compile::Options, Vec<String>), MixError> {
        let arches = &p.resolved.arches();
        let (weights, warnings) = match self.mix.as_deref() {
            None => (Weights::builtin(arches), Vec::new()),
            Some("none") => (Weights::default(), Vec::new()),
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| MixError {
                    message: format!("cannot read profile '{path}': {e}"),
                    code: 3,
                })?;
                // Text that is not UTF-8 (a compiled filter given by mistake) is a malformed
                // profile, located like its other mistakes.
                let text = String::from_utf8(bytes).map_err(|e| {
                    let at = e.utf8_error().valid_up_to();
                    let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
                    MixError {
                        message: format!(
                            "{path}:{line}: not UTF-8 text (a profile is text: NAME COUNT lines, \
                             or a policy)"
                        ),
                        code: 1,
                    }
                })?;
                let profile = Weights::read_profile(&text, arches).map_err(|e| MixError {
                    message: format!("{path}:{}: {}", e.line, e.message),
                    code: 1,
                })?;
                let warnings = profile
                    .warnings
                    .iter()
                    .map(|w| format!("{path}: {w}"))
                    .collect();
                (profile.weights, warnings)
            }
        };
        let weights = if self.for_action_cache {
            weights.for_action_cache(&p.resolved)
        } else {
            weights
        };
        Ok((compile::Options { weights }, warnings))
    }
}

/// Why a `--mix` profile cannot be used, and the status to exit with (3 unreadable,
/// 1 malformed).
pub struct MixError {
    pub message: String,
    pub code: u8,
}

/// A failure already reported on stderr, with the status to exit with.
pub struct Fail(pub u8);

pub type Res = Result<(), Fail>;

/// Lets a closed standard output end sysgate quietly, as it ends `cat`: Rust starts with
/// SIGPIPE ignored, and printing to a closed pipe (`sysgate explain … | head -1`) then
/// panics. Not for `run` and `record`, which must outlive their own output to see the
/// program through (their children get the default back before they execute).
pub fn end_on_closed_output() {
    // SAFETY: setting one signal's action to its default, before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

pub fn err(msg: impl std::fmt::Display, code: u8) -> Fail {
    eprintln!("sysgate: {msg}");
    Fail(code)
}

pub fn parse_arches(opt: &ArchOpt) -> Result<Option<Vec<Arch>>, Fail> {
    let Some(list) = &opt.arch else {
        return Ok(None);
    };
    let mut out = Vec::new();
    let mut add = |a: Arch| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    for name in list {
        if name == "native" {
            Arch::native().into_iter().for_each(&mut add);
            continue;
        }
        match Arch::from_name(name) {
            Some(a) => add(a),
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
    Ok(Some(out))
}

pub fn print_diags(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}\n");
    }
}

/// Loads and resolves a policy, printing its errors, and its warnings when `warn` is set
/// (`check` always shows them; other commands only for the user's own files).
pub fn load(spec: &str, arches: Option<Vec<Arch>>, warn: bool) -> Result<Policy, Fail> {
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

/// `-`, which `-o` takes for standard output (as the inputs take it for standard input).
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// An output path as messages name it.
pub fn output_name(path: &Path) -> String {
    if is_stdout(path) {
        "standard output".to_string()
    } else {
        path.display().to_string()
    }
}

/// `'PATH'`, or `standard output` for `-`.
fn quoted(path: &Path) -> String {
    if is_stdout(path) {
        output_name(path)
    } else {
        format!("'{}'", path.display())
    }
}

/// Writes `data` to `path` atomically: a temporary file beside it, renamed into place.
pub fn write_output(path: &Path, data: &[u8]) -> Res {
    write_outputs(&[(path, data)])
}

/// Writes several files atomically and together: each is first written beside its
/// destination, and only when all of them were written are they renamed into place; on
/// failure the error names the file and none is left (temporary files are removed).
///
/// A symbolic link is followed, so the file it points to is replaced, not the link. A
/// destination that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO)
/// is written in place once every regular file is staged: renaming over it would replace
/// the device or pipe with a file. `-` is standard output, written the same way.
pub fn write_outputs(files: &[(&Path, &[u8])]) -> Res {
    use std::path::PathBuf;
    // (temporary file, destination, the path as the user wrote it)
    let mut staged: Vec<(PathBuf, PathBuf, &Path)> = Vec::new();
    let mut streams: Vec<(&Path, &[u8])> = Vec::new();
    let cleanup = |staged: &[(PathBuf, PathBuf, &Path)]| {
        for (tmp, _, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for &(path, data) in files {
        if is_stdout(path) {
            streams.push((path, data));
            continue;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                cleanup(&staged);
                return Err(err(
                    format!("cannot write '{}': it is a directory", path.display()),
                    3,
                ));
            }
            Ok(m) if !m.is_file() => {
                streams.push((path, data));
                continue;
            }
            _ => {}
        }
        let dest = std::fs::canonicalize(path).unwrap_or_else(|_| link_target(path));
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let Some(name) = dest.file_name() else {
            cleanup(&staged);
            return Err(err(format!("'{}' is not a file name", path.display()), 3));
        };
        let tmp = dir.join(format!(".{}.sysgate-tmp", name.to_string_lossy()));
        if let Err(e) = std::fs::write(&tmp, data) {
            let _ = std::fs::remove_file(&tmp);
            cleanup(&staged);
            return Err(err(format!("cannot write '{}': {e}", path.display()), 3));
        }
        staged.push((tmp, dest, path));
    }
    for (path, data) in streams {
        let written = if is_stdout(path) {
            let mut out = std::io::stdout().lock();
            out.write_all(data).and_then(|()| out.flush())
        } else {
            std::fs::write(path, data)
        };
        if let Err(e) = written {
            cleanup(&staged);
            return Err(err(format!("cannot write {}: {e}", quoted(path)), 3));
        }
    }
    for (i, (tmp, dest, path)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, dest) {
            cleanup(&staged[i..]);
            return Err(err(format!("cannot write '{}': {e}", path.display()), 3));
        }
    }
    Ok(())
}

/// Where writing `path` lands when it does not exist yet: the end of its chain of symbolic
/// links (a link to a file still to be made is followed, as a shell's `>` would), else
/// `path` itself.
fn link_target(path: &Path) -> std::path::PathBuf {
    let mut p = path.to_path_buf();
    // As many links as the kernel follows (ELOOP beyond).
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(t) => {
                p = match p.parent() {
                    Some(dir) if t.is_relative() => dir.join(t),
                    _ => t,
                }
            }
            Err(_) => break,
        }
    }
    p
}

/// `1 error`, `2 errors`.
pub fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

pub fn arch_names(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a raw BPF file (or standard input for `-`).
pub fn read_bpf(path: &str) -> Result<Vec<sysgate::bpf::Insn>, Fail> {
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

/// Reads a raw BPF file as [`read_bpf`] does, and checks it is a filter the kernel would
/// load; if not, the error names the file (exit 1).
pub fn read_filter(path: &str) -> Result<Vec<sysgate::bpf::Insn>, Fail> {
    let prog = read_bpf(path)?;
    sysgate::bpf::emulator::validate(&prog)
        .map_err(|e| err(format!("{path}: not a valid seccomp filter: {e}"), 1))?;
    Ok(prog)
}

/// Whether `input` names a raw BPF file rather than a policy.
pub fn is_bpf_file(input: &str) -> bool {
    if policy::builtin::source(input).is_some() {
        return false;
    }
    if input.ends_with(".bpf") {
        return true;
    }
    std::fs::read(input).is_ok_and(|b| std::str::from_utf8(&b).is_err() || b.contains(&0))
}
