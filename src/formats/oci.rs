//! Docker/moby and OCI runtime-spec seccomp profiles (JSON) → a resolved
//! [`ir::Policy`](crate::ir::Policy).
//!
//! Two shapes are read: Docker's profile (`defaultAction`, `archMap`, `syscalls` with
//! `names`, `includes`/`excludes` by capability, architecture and kernel version) and the
//! OCI runtime spec's `linux.seccomp` object (a whole `config.json` is accepted too).
//!
//! # Semantics: libseccomp's, as runc drives it
//!
//! A profile is not first-match. runc hands each entry to libseccomp, and the result is:
//!
//! - An entry whose action equals the default action is skipped (libseccomp refuses such a
//!   rule; runc drops it).
//! - Conditions of one entry are ANDed — except when two of them test the same argument
//!   index: runc then adds every condition as a rule of its own, so they are ORed. (Older
//!   libseccomp refused several comparisons of one argument in a rule; runc kept that
//!   behaviour.) sysgate follows runc, the runtime Docker uses.
//! - For one syscall, an unconditional entry wins over every conditional one, and the first
//!   unconditional entry wins over later ones (libseccomp's rule database keeps the "larger"
//!   filter: a rule without conditions replaces the chains, a later one is dropped).
//! - Conditional entries combine as "any matching entry; when several match, the most
//!   restrictive action wins" (KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > NOTIFY > TRACE >
//!   LOG > ALLOW, the kernel's precedence). sysgate's first-match form is obtained by a stable
//!   sort of a syscall's rules on that priority, which is exactly equivalent. (libseccomp's
//!   own result for overlapping conditional rules with different actions depends on its
//!   tree order; real profiles do not rely on it.)
//! - Numbers absent from the table get the default action (`unknown` = `default`), as in
//!   libseccomp; other architectures get `kill-thread` (libseccomp's bad-arch default).
//!
//! Comparisons: `SCMP_CMP_MASKED_EQ` tests `(arg & value) == (valueTwo & value)` (libseccomp
//! masks the datum). Widths follow sysgate, not libseccomp: libseccomp compares all 64
//! bits on 64-bit ABIs even for an `int` parameter, where the kernel reads only the low
//! word; sysgate compares the bits the kernel reads (see the README), so a caller cannot
//! slip `socket(0x1_0000_0028)` past a `domain != AF_VSOCK` test. On 32-bit ABIs only the
//! low word exists; a value above 2^32 never equals it.
//!
//! `SCMP_ACT_KILL` is libseccomp's `KILL_THREAD`. `SCMP_ACT_ERRNO` and `SCMP_ACT_TRACE`
//! without `errnoRet` use EPERM (1), as runc does.

use crate::arch::{self, Arch};
use crate::ir::Test;
use crate::ir::{ArchSection, Cond, CondRule, Decision, Landlock, Origin, Policy, Ruling};
use crate::policy::ast::Action;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// Docker's default capability set (without the `CAP_` prefix).
pub const DOCKER_CAPS: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Which capabilities the container holds, for `includes`/`excludes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caps {
    /// Docker's 14 default capabilities.
    Docker,
    /// Every capability.
    All,
    /// These (with or without `CAP_`).
    List(Vec<String>),
}

impl Caps {
    /// Parses `docker`, `all` or `CAP,CAP,…` (each with or without `CAP_`, in any case; an
    /// empty list is no capability). A name that is not a Linux capability is an error, with
    /// the closest one: a typo would silently leave the capability out.
    pub fn parse(s: &str) -> Result<Caps, String> {
        match s {
            "docker" => Ok(Caps::Docker),
            "all" => Ok(Caps::All),
            _ => {
                let list: Vec<String> = s
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect();
                let known: Vec<&str> = arch::constant_names()
                    .into_iter()
                    .filter_map(|n| n.strip_prefix("CAP_"))
                    .collect();
                for c in &list {
                    let cap = cap_bare(c);
                    if !known.contains(&cap.as_str()) {
                        let hint = crate::policy::diag::did_you_mean(&cap, known.iter().copied())
                            .map_or_else(String::new, |k| format!("; did you mean 'CAP_{k}'?"));
                        return Err(format!(
                            "unknown capability '{c}' (docker, all, or a list such as \
                             CAP_SYS_ADMIN,CAP_NET_ADMIN; an empty one for none){hint}"
                        ));
                    }
                }
                Ok(Caps::List(list))
            }
        }
    }

    fn has(&self, cap: &str) -> bool {
        let cap = cap_bare(cap);
        match self {
            Caps::All => true,
            Caps::Docker => DOCKER_CAPS.contains(&cap.as_str()),
            Caps::List(v) => v.iter().any(|c| cap_bare(c) == cap),
        }
    }
}

/// A capability's name in upper case without `CAP_` (`cap_sys_admin` → `SYS_ADMIN`).
fn cap_bare(c: &str) -> String {
    let upper = c.to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

/// How to import.
#[derive(Clone, Debug)]
pub struct Options {
    pub caps: Caps,
    /// Target ABIs; the first is the host for `includes.arches`. Default: the profile's
    /// `archMap` entry for this host (x86_64 → x86_64, i386, x32).
    pub arches: Option<Vec<Arch>>,
    /// Kernel version for `minKernel`; default: the running kernel.
    pub kernel: Option<(u32, u32)>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            caps: Caps::Docker,
            arches: None,
            kernel: None,
        }
    }
}

/// A profile that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    /// 1-based; 0 when the error has no place.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else if self.column == 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for ImportError {}

/// The imported policy and what the importer had to say about it.
#[derive(Clone, Debug)]
pub struct Imported {
    pub policy: Policy,
    pub warnings: Vec<String>,
    /// The host the `includes.arches` tests were made against.
    pub host: Arch,
    pub kernel: (u32, u32),
}

/// The running kernel's version (major, minor), from `/proc/sys/kernel/osrelease`.
pub fn running_kernel() -> Option<(u32, u32)> {
    let s = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    parse_kernel(s.trim())
}

/// Parses `X.Y` (anything after is ignored).
pub fn parse_kernel(s: &str) -> Option<(u32, u32)> {
    let mut it = s.split(|c: char| !c.is_ascii_digit());
    let major = it.next()?.parse().ok()?;
    let minor = it.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// The strings of a profile's list field (`names`, `architectures`, `subArchitectures`,
/// `caps`, `arches`), as the importer reads them: none when the field is absent or not a
/// list; items that are not strings are skipped.
pub fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// libseccomp's name for an architecture sysgate targets.
fn scmp_arch(name: &str) -> Option<Arch> {
    Some(match name {
        "SCMP_ARCH_X86_64" => Arch::X86_64,
        "SCMP_ARCH_X86" => Arch::I386,
        "SCMP_ARCH_X32" => Arch::X32,
        "SCMP_ARCH_AARCH64" => Arch::Aarch64,
        "SCMP_ARCH_ARM" => Arch::Arm,
        "SCMP_ARCH_RISCV64" => Arch::Riscv64,
        "SCMP_ARCH_S390X" => Arch::S390x,
        "SCMP_ARCH_PPC64LE" => Arch::Ppc64le,
        "SCMP_ARCH_LOONGARCH64" => Arch::Loongarch64,
        _ => return None,
    })
}

/// The action a profile names, with the entry's `errnoRet` (or the default's), as the
/// runtime and the kernel take it: libseccomp keeps the low 16 bits (`SCMP_ACT_ERRNO(x)`,
/// `SCMP_ACT_TRACE(x)`), and the kernel returns errno 4095 (`MAX_ERRNO`) for anything larger.
fn action(name: &str, errno_ret: Option<u64>) -> Option<Action> {
    let data = errno_ret.map_or(1, |e| e as u16);
    Some(match name {
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => Action::KillThread,
        "SCMP_ACT_KILL_PROCESS" => Action::Kill,
        "SCMP_ACT_TRAP" => Action::Trap(0),
        "SCMP_ACT_ERRNO" => Action::Errno(data.min(MAX_ERRNO)),
        "SCMP_ACT_TRACE" => Action::Trace(data),
        "SCMP_ACT_ALLOW" => Action::Allow,
        "SCMP_ACT_LOG" => Action::Log,
        "SCMP_ACT_NOTIFY" => Action::Notify,
        _ => return None,
    })
}

/// The largest errno a seccomp filter can return (the kernel's `MAX_ERRNO`).
const MAX_ERRNO: u16 = 4095;

/// A warning when `errnoRet` is not the errno the program will see.
fn errno_ret_note(what: &str, act_name: &str, errno_ret: Option<u64>) -> Option<String> {
    let e = errno_ret?;
    let Some(Action::Errno(got)) = action(act_name, Some(e)) else {
        return None;
    };
    (u64::from(got) != e).then(|| {
        format!(
            "{what}: errnoRet {e} is returned as errno {got} (libseccomp keeps 16 bits, the \
             kernel at most {MAX_ERRNO})"
        )
    })
}

/// libseccomp/kernel precedence: lower is more restrictive.
pub fn priority(a: Action) -> u8 {
    match a {
        Action::Kill => 0,
        Action::KillThread => 1,
        Action::Trap(_) => 2,
        Action::Errno(_) => 3,
        Action::Notify => 4,
        Action::Trace(_) => 5,
        Action::Log => 6,
        Action::Allow => 7,
    }
}

/// libseccomp name → sysgate table name, for the same syscall. On aarch64, riscv64 and
/// loongarch64 libseccomp calls number 79 `newfstatat`; those tables call it `fstatat`. The
/// alias is used only on an ABI whose table lacks the profile's name.
const ALIASES: &[(&str, &str)] = &[("newfstatat", "fstatat")];

const PROFILE_KEYS: &[&str] = &[
    "defaultAction",
    "defaultErrnoRet",
    "architectures",
    "archMap",
    "syscalls",
    "flags",
    "listenerPath",
    "listenerMetadata",
];
const ARCHMAP_KEYS: &[&str] = &["architecture", "subArchitectures"];
const SYSCALL_KEYS: &[&str] = &[
    "names", "name", "action", "errnoRet", "args", "includes", "excludes", "comment",
];
const ARG_KEYS: &[&str] = &["index", "value", "valueTwo", "op"];
const FILTER_KEYS: &[&str] = &["caps", "arches", "minKernel"];

/// The line of each element of every `"syscalls": [ … ]` array, in order.
fn entry_lines(text: &str) -> (Vec<u32>, u32) {
    // A small scanner: containers with the key that holds them.
    let mut stack: Vec<(char, Option<String>)> = Vec::new();
    let mut key: Option<String> = None; // the last key seen in the current object
    let mut last_str = String::new();
    let mut in_str = false;
    let mut esc = false;
    let mut line = 1u32;
    let mut lines = Vec::new();
    let mut default_line = 0;
    let mut cur = String::new();
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_str {
            if esc {
                esc = false;
                cur.push(c);
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
                last_str = std::mem::take(&mut cur);
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            ':' => {
                if last_str == "defaultAction" && default_line == 0 {
                    default_line = line;
                }
                key = Some(last_str.clone());
            }
            '{' | '[' => {
                if c == '{' && matches!(stack.last(), Some(('[', Some(k))) if k == "syscalls") {
                    lines.push(line);
                }
                let holder = if matches!(stack.last(), Some(('{', _))) {
                    key.take()
                } else {
                    None
                };
                stack.push((c, holder));
            }
            '}' | ']' => {
                stack.pop();
                key = None;
            }
            ',' => {
                if matches!(stack.last(), Some(('{', _))) {
                    key = None;
                }
            }
            _ => {}
        }
    }
    (lines, default_line)
}

fn unknown_keys(v: &Value, known: &[&str], what: &str, warnings: &mut Vec<String>) {
    if let Some(o) = v.as_object() {
        for k in o.keys() {
            if !known.contains(&k.as_str()) {
                warnings.push(format!("unknown field '{k}' in {what} (ignored)"));
            }
        }
    }
}

fn u64_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_i64().map(|i| i as u64))
}

/// The integer field `key` of `obj` (`None` when absent or null); a field that is there but
/// not a 64-bit integer (a string, a fraction, a number beyond 64 bits) is an error naming
/// it, rather than a silent 0.
fn integer(obj: &Value, key: &str, what: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => u64_of(v)
            .map(Some)
            .ok_or_else(|| format!("{what}: '{key}' is not a 64-bit integer: {v}")),
    }
}

/// One rule of a profile entry, before it is placed per architecture.
struct Rule {
    /// Conditions (index, op, value, valueTwo), ANDed.
    conds: Vec<(u8, String, u64, u64)>,
    ruling: Ruling,
}

/// Imports a profile. `name` is the file name used in origins and messages.
pub fn import(name: &str, text: &str, opts: &Options) -> Result<Imported, ImportError> {
    let fail = |line: usize, column: usize, message: String| ImportError {
        file: name.to_string(),
        line,
        column,
        message,
    };
    let root: Value = serde_json::from_str(text)
        .map_err(|e| fail(e.line(), e.column(), format!("invalid JSON: {e}")))?;
    let mut warnings = Vec::new();
    // A whole OCI config.json: take linux.seccomp.
    let profile = if root.get("defaultAction").is_some() {
        &root
    } else if let Some(s) = root.get("linux").and_then(|l| l.get("seccomp")) {
        s
    } else if let Some(s) = root.get("seccomp") {
        s
    } else {
        return Err(fail(
            0,
            0,
            "no seccomp profile: expected 'defaultAction' at the top, or 'linux.seccomp'"
                .to_string(),
        ));
    };
    if !profile.is_object() {
        return Err(fail(
            0,
            0,
            "the seccomp profile is not a JSON object".into(),
        ));
    }
    unknown_keys(profile, PROFILE_KEYS, "the profile", &mut warnings);
    let (lines, default_line) = entry_lines(text);
    let file: Arc<str> = Arc::from(name);

    let default_errno = integer(profile, "defaultErrnoRet", "the profile")
        .map_err(|m| fail(default_line as usize, 0, m))?;
    let default_name = profile
        .get("defaultAction")
        .and_then(Value::as_str)
        .ok_or_else(|| fail(0, 0, "'defaultAction' is missing".into()))?;
    warnings.extend(errno_ret_note(
        "defaultErrnoRet",
        default_name,
        default_errno,
    ));
    let default_action = action(default_name, default_errno).ok_or_else(|| {
        fail(
            default_line as usize,
            0,
            format!("unknown action '{default_name}'"),
        )
    })?;
    let default = Ruling {
        action: default_action,
        origin: Origin {
            file: file.clone(),
            line: default_line,
            text: format!("defaultAction {default_name}"),
        },
    };

    // Architectures: the profile's, for this host unless told.
    let mut archmap: Vec<(Arch, Vec<Arch>)> = Vec::new();
    let mut listed: Vec<Arch> = Vec::new();
    for (i, m) in profile
        .get("archMap")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        unknown_keys(m, ARCHMAP_KEYS, &format!("archMap[{i}]"), &mut warnings);
        let Some(main) = m
            .get("architecture")
            .and_then(Value::as_str)
            .and_then(scmp_arch)
        else {
            continue;
        };
        let subs = string_list(m.get("subArchitectures"))
            .iter()
            .filter_map(|s| scmp_arch(s))
            .collect::<Vec<_>>();
        listed.push(main);
        listed.extend(subs.iter().copied());
        archmap.push((main, subs));
    }
    for a in string_list(profile.get("architectures")) {
        match scmp_arch(&a) {
            Some(x) => listed.push(x),
            None => warnings.push(format!(
                "architecture '{a}' is not one sysgate targets (skipped)"
            )),
        }
    }
    let arches = match &opts.arches {
        Some(v) => v.clone(),
        None => {
            let host = Arch::host();
            if let Some((m, subs)) = archmap.iter().find(|(m, _)| *m == host) {
                let mut v = vec![*m];
                v.extend(subs.iter().copied());
                v
            } else if !listed.is_empty() {
                let mut v: Vec<Arch> = Arch::ALL
                    .into_iter()
                    .filter(|a| listed.contains(a))
                    .collect();
                if let Some(p) = v.iter().position(|a| *a == host) {
                    v.swap(0, p);
                }
                v
            } else {
                Arch::native()
            }
        }
    };
    if arches.is_empty() {
        return Err(fail(0, 0, "no target architecture".into()));
    }
    if !listed.is_empty() {
        for a in &arches {
            if !listed.contains(a) {
                warnings.push(format!(
                    "the profile does not list {a}; libseccomp would not filter it, sysgate imports it anyway"
                ));
            }
        }
    }
    let host = arches[0];
    let kernel = opts.kernel.or_else(running_kernel).unwrap_or((0, 0));

    match profile.get("flags") {
        Some(Value::Array(a)) if !a.is_empty() => warnings.push(format!(
            "'flags' {} are not part of a policy (give them to the runtime; sysgate run sets SPEC_ALLOW)",
            Value::Array(a.clone())
        )),
        _ => {}
    }
    if profile.get("listenerPath").is_some() {
        warnings.push(
            "'listenerPath': SCMP_ACT_NOTIFY needs a supervisor listening there; sysgate keeps the action as 'notify'"
                .into(),
        );
    }

    // Entries → rules per syscall name, in profile order.
    let mut by_name: BTreeMap<String, Vec<Rule>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut unknown_names = BTreeSet::new();
    let all_names = arch::syscall_names();
    let entries = profile
        .get("syscalls")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, e) in entries.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        let here = format!("syscalls[{i}] (line {line})");
        unknown_keys(e, SYSCALL_KEYS, &here, &mut warnings);
        let mut names = string_list(e.get("names"));
        if let Some(n) = e.get("name").and_then(Value::as_str) {
            names.push(n.to_string());
        }
        let act_name = e.get("action").and_then(Value::as_str).unwrap_or("");
        let errno_ret = integer(e, "errnoRet", &here).map_err(|m| fail(line as usize, 0, m))?;
        let Some(act) = action(act_name, errno_ret) else {
            return Err(fail(
                line as usize,
                0,
                format!("{here}: unknown action '{act_name}'"),
            ));
        };
        warnings.extend(errno_ret_note(&here, act_name, errno_ret));
        // includes / excludes
        let mut applies = true;
        for (k, include) in [("includes", true), ("excludes", false)] {
            let Some(f) = e.get(k) else { continue };
            unknown_keys(f, FILTER_KEYS, &format!("{here}.{k}"), &mut warnings);
            let caps = string_list(f.get("caps"));
            let arch_names = string_list(f.get("arches"));
            let min_kernel = f.get("minKernel").and_then(Value::as_str);
            let on_host = |names: &[String]| names.iter().any(|n| Arch::from_name(n) == Some(host));
            if include {
                if !caps.iter().all(|c| opts.caps.has(c)) {
                    applies = false;
                }
                if !arch_names.is_empty() && !on_host(&arch_names) {
                    applies = false;
                }
                if let Some(mk) = min_kernel {
                    match parse_kernel(mk) {
                        Some(v) if kernel < v => applies = false,
                        Some(_) => {}
                        None => warnings.push(format!("{here}: bad minKernel '{mk}'")),
                    }
                }
            } else {
                if caps.iter().any(|c| opts.caps.has(c)) {
                    applies = false;
                }
                if on_host(&arch_names) {
                    applies = false;
                }
                if min_kernel.is_some() {
                    warnings.push(format!(
                        "{here}: excludes.minKernel is not defined by Docker (ignored)"
                    ));
                }
            }
        }
        if !applies || act == default_action {
            continue;
        }
        let mut conds = Vec::new();
        for (j, a) in e
            .get("args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            unknown_keys(a, ARG_KEYS, &format!("{here}.args[{j}]"), &mut warnings);
            let arg_here = format!("{here}.args[{j}]");
            let number = |key: &str| {
                integer(a, key, &arg_here)
                    .map(Option::unwrap_or_default)
                    .map_err(|m| fail(line as usize, 0, m))
            };
            let index = number("index")?;
            if index > 5 {
                return Err(fail(
                    line as usize,
                    0,
                    format!("{here}: argument index {index} is out of range (0-5)"),
                ));
            }
            let op = a
                .get("op")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if !matches!(
                op.as_str(),
                "SCMP_CMP_NE"
                    | "SCMP_CMP_LT"
                    | "SCMP_CMP_LE"
                    | "SCMP_CMP_EQ"
                    | "SCMP_CMP_GE"
                    | "SCMP_CMP_GT"
                    | "SCMP_CMP_MASKED_EQ"
            ) {
                return Err(fail(
                    line as usize,
                    0,
                    format!("{here}: unknown operator '{op}'"),
                ));
            }
            let value = number("value")?;
            let two = number("valueTwo")?;
            conds.push((index as u8, op, value, two));
        }
        let mut text = format!("{act_name} ");
        if names.len() > 4 {
            text.push_str(&format!(
                "{}, … ({} names)",
                names[..3].join(", "),
                names.len()
            ));
        } else {
            text.push_str(&names.join(", "));
        }
        for (ix, op, v, two) in &conds {
            let op = op.trim_start_matches("SCMP_CMP_");
            if op == "MASKED_EQ" {
                text.push_str(&format!(" [arg{ix} & {v:#x} == {two:#x}]"));
            } else {
                text.push_str(&format!(" [arg{ix} {op} {v:#x}]"));
            }
        }
        if let Some(c) = e
            .get("comment")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
        {
            text.push_str(&format!(" — {c}"));
        }
        let ruling = Ruling {
            action: act,
            origin: Origin {
                file: file.clone(),
                line,
                text,
            },
        };
        // Same argument twice: runc adds each condition as its own rule (OR).
        let mut idx: Vec<u8> = conds.iter().map(|c| c.0).collect();
        idx.sort_unstable();
        let repeated = idx.windows(2).any(|w| w[0] == w[1]);
        let rules: Vec<Vec<(u8, String, u64, u64)>> = if repeated {
            conds.into_iter().map(|c| vec![c]).collect()
        } else {
            vec![conds]
        };
        for n in names {
            if all_names.binary_search(&n.as_str()).is_err() {
                unknown_names.insert(n.clone());
                continue;
            }
            if !by_name.contains_key(&n) {
                order.push(n.clone());
            }
            let list = by_name.entry(n).or_default();
            for c in &rules {
                list.push(Rule {
                    conds: c.clone(),
                    ruling: ruling.clone(),
                });
            }
        }
    }
    if !unknown_names.is_empty() {
        warnings.push(format!(
            "{} syscall name{} unknown to sysgate's tables (not filtered; they get the default): {}",
            unknown_names.len(),
            if unknown_names.len() == 1 { "" } else { "s" },
            unknown_names.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }

    let narrowed: BTreeSet<&str> = by_name
        .iter()
        .filter(|(n, rules)| {
            rules.iter().any(|r| {
                r.conds
                    .iter()
                    .any(|c| arches.iter().any(|&a| narrow_arg(a, n, c.0)))
            })
        })
        .map(|(n, _)| n.as_str())
        .collect();
    if !narrowed.is_empty() {
        warnings.push(format!(
            "conditions on a 16-bit mode or (on i386 and arm) legacy 16-bit id ({}) are read \
             on the 16 bits the kernel uses; the runtime's filter compares the whole word, \
             so there a value with bit 16 set escapes them",
            narrowed.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }

    let mut sections = Vec::new();
    for &a in &arches {
        let mut syscalls = BTreeMap::new();
        for &(_, nr) in a.syscalls() {
            syscalls.insert(nr, Decision::unconditional(default.clone()));
        }
        for (n, rules) in &by_name {
            // libseccomp's name where this table uses another.
            let alias = ALIASES.iter().find(|(theirs, _)| theirs == n).map(|x| x.1);
            let Some(nr) = a
                .syscall_nr(n)
                .or_else(|| alias.and_then(|m| a.syscall_nr(m)))
            else {
                continue;
            };
            if alias.is_some_and(|m| by_name.contains_key(m)) && a.syscall_nr(n).is_none() {
                continue; // the profile names the table's own name too; that entry decides
            }
            syscalls.insert(nr, decision(a, n, rules, &default));
        }
        sections.push(ArchSection {
            arch: a,
            syscalls,
            unknown: Ruling {
                action: default.action,
                origin: Origin {
                    text: format!(
                        "{} (libseccomp: numbers outside the table get the default)",
                        default.origin.text
                    ),
                    ..default.origin.clone()
                },
            },
            default: default.clone(),
        });
    }
    Ok(Imported {
        policy: Policy {
            sections,
            badarch: Ruling {
                action: Action::KillThread,
                origin: Origin::implicit(
                    "libseccomp's default for architectures not in the profile",
                ),
            },
            landlock: Landlock::default(),
        },
        warnings,
        host,
        kernel,
    })
}

/// The bits the kernel reads for argument `index` of `syscall` on `arch` (as `argN` in a
/// sysgate policy), at least 32: the runtimes' filters compare whole 32-bit words, so a
/// 16-bit `umode_t` condition in a profile means what it says on the low word.
pub fn arg_bits(a: Arch, syscall: &str, index: u8) -> u8 {
    arch::params(a, syscall)
        .and_then(|ps| ps.into_iter().find(|p| p.index == index))
        .map_or(a.register_bits(), |p| p.bits.max(32)) as u8
}

/// Whether argument `index` of `syscall` is narrower than the words the runtimes' filters
/// compare (a 16-bit `umode_t`, or an `old_uid_t` of i386 and arm).
fn narrow_arg(a: Arch, syscall: &str, index: u8) -> bool {
    arch::params(a, syscall)
        .and_then(|ps| ps.into_iter().find(|p| p.index == index))
        .is_some_and(|p| p.bits < 32)
}

/// A profile's conditions on one rule. A condition on a 16-bit parameter (`mode`, i386's
/// legacy ids) is read on the 16 bits the kernel uses (the caller warns: the runtime's
/// filter compares the whole word, so there a value with bit 16 set escapes the rule).
fn cond_of(a: Arch, syscall: &str, conds: &[(u8, String, u64, u64)]) -> Cond {
    let mut all = Vec::new();
    for (index, op, v, two) in conds {
        let bits = if narrow_arg(a, syscall, *index) {
            16
        } else {
            arg_bits(a, syscall, *index)
        };
        let atom = |test| Cond::atom(*index, bits, test);
        let not = |c| Cond::Not(Box::new(c));
        all.push(match op.as_str() {
            "SCMP_CMP_NE" => not(atom(Test::Eq(*v))),
            "SCMP_CMP_LT" => not(atom(Test::Ge(*v))),
            "SCMP_CMP_LE" => not(atom(Test::Gt(*v))),
            "SCMP_CMP_EQ" => atom(Test::Eq(*v)),
            "SCMP_CMP_GE" => atom(Test::Ge(*v)),
            "SCMP_CMP_GT" => atom(Test::Gt(*v)),
            _ => atom(Test::MaskedEq {
                mask: *v,
                value: two & v,
            }),
        });
    }
    Cond::And(all).simplify()
}

/// One syscall's rules in libseccomp's combination, as a first-match decision.
fn decision(a: Arch, syscall: &str, rules: &[Rule], default: &Ruling) -> Decision {
    let mut conditional = Vec::new();
    for r in rules {
        match cond_of(a, syscall, &r.conds) {
            // The first unconditional rule decides alone.
            Cond::True => return Decision::unconditional(r.ruling.clone()),
            Cond::False => {}
            c => conditional.push(CondRule {
                cond: c,
                ruling: r.ruling.clone(),
            }),
        }
    }
    conditional.sort_by_key(|r| priority(r.ruling.action));
    Decision {
        rules: conditional,
        otherwise: default.clone(),
    }
}
