//! A resolved policy → what container runtimes and sandboxes read: an OCI runtime-spec
//! `linux.seccomp` profile (runc, crun, podman, Docker), a Security Profiles Operator
//! `SeccompProfile` or a kubelet localhost profile (Kubernetes), and sysgate's own compiled
//! BPF for crun's `run.oci.seccomp_bpf_data` annotation (base64) and bubblewrap's
//! `--seccomp FD` (raw). The BPF outputs are exact; the profile is the inverse of
//! [`super::oci::import`] and is exact up to the limits below.
//!
//! # From first-match rules to libseccomp's rule set
//!
//! sysgate takes the first matching rule of a syscall; libseccomp (as runc drives it) takes
//! every matching entry and the most restrictive action among them, lets an unconditional
//! entry override every conditional one, and runc ORs several comparisons of one argument.
//! The exporter therefore writes, for each syscall, entries whose conditions are *disjoint*
//! between different actions: rule k applies where `cond_k && !cond_1 && … && !cond_{k-1}`,
//! the syscall's fallback where no rule holds; each region whose action is not the
//! profile's default becomes entries through [`super::libseccomp_conds::to_entries`] (one
//! comparison per argument per entry, a disjunction spread over several entries). Regions
//! whose action is the default are left out: libseccomp refuses such rules, and the default
//! applies there anyway.
//!
//! A profile names syscalls for all its architectures at once. When a syscall's decision
//! differs between target architectures (other than by argument width), the export fails
//! naming it; export one architecture at a time with `--arch` then.
//!
//! # What a profile cannot say
//!
//! - `unknown`: libseccomp gives syscall numbers outside its table the default action; a
//!   warning says so when the policy's `unknown` differs.
//! - `badarch`: libseccomp (and so runc) kills the thread on other architectures; a policy
//!   whose `badarch` permits calls gets a warning.
//! - `trap N` loses N (libseccomp's `SCMP_ACT_TRAP` carries 0); `notify` needs the
//!   runtime's `listenerPath`; Landlock rules are not part of seccomp. Each gets a warning.
//! - 32-bit parameters: sysgate compares the low word, libseccomp all 64 bits on a 64-bit
//!   ABI. Equalities and masks are written as `MASKED_EQ` with a 32-bit mask, exact for
//!   every value; `NE LT LE GT GE` agree whenever the high word is 0 (libseccomp sees a
//!   larger number otherwise: `NE GT GE` hold, `LT LE` fail). On 32-bit ABIs (i386, arm,
//!   and x32 for libseccomp) libseccomp compares the low word only.
//! - libseccomp 2.5.4 hangs on some orders of rules (a range comparison before an
//!   equality on the same argument below a shared comparison); the exporter writes entries
//!   without range comparisons first, which avoids it.
//! - Syscall names the runtime's libseccomp does not know are skipped by runc without a
//!   word (they get the default action); newer syscalls need a recent libseccomp.

use super::libseccomp_conds::{to_entries, Cmp, Op};
use crate::arch::Arch;
use crate::compile::{self, Program};
use crate::ir::{Atom, Cond, Decision, Policy};
use crate::policy::ast::Action;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What to export to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// OCI runtime-spec `linux.seccomp` (JSON).
    Oci,
    /// Security Profiles Operator `SeccompProfile` (YAML), or a localhost profile.
    K8s,
    /// Base64 BPF for crun's `run.oci.seccomp_bpf_data` annotation.
    Crun,
    /// Raw BPF for `bwrap --seccomp FD`.
    Bwrap,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::Oci, Target::K8s, Target::Crun, Target::Bwrap];

    pub const fn name(self) -> &'static str {
        match self {
            Target::Oci => "oci",
            Target::K8s => "k8s",
            Target::Crun => "crun",
            Target::Bwrap => "bwrap",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Target, ExportError> {
        Target::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                ExportError(format!(
                    "unknown export target `{s}` (expected oci, k8s, crun or bwrap)"
                ))
            })
    }
}

/// Why a policy could not be exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError(pub String);

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExportError {}

/// How to export.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// k8s: the `metadata.name` of the `SeccompProfile` (default: from the policy name).
    pub name: Option<String>,
    /// k8s: write a plain profile for `/var/lib/kubelet/seccomp/` instead of the CRD.
    pub localhost: bool,
    /// k8s `--localhost`: the path below `/var/lib/kubelet/seccomp/` the pod will name.
    pub localhost_path: Option<String>,
    /// crun, bwrap: the call frequencies the BPF's search tree is laid out for. `None`: the
    /// built-in profile ([`compile::Weights::builtin`]), as `sysgate export` without
    /// `--mix`; `Some(Weights::default())`: a balanced tree. Decisions do not depend on it.
    pub weights: Option<compile::Weights>,
}

/// An export's bytes and what the exporter had to say.
#[derive(Clone, Debug)]
pub struct Exported {
    pub bytes: Vec<u8>,
    /// Semantic losses (see the module notes).
    pub warnings: Vec<String>,
    /// Information for the user (the pod snippet for a localhost profile).
    pub notes: Vec<String>,
}

/// libseccomp's name for an architecture (`SCMP_ARCH_*`).
pub const fn scmp_arch(a: Arch) -> &'static str {
    match a {
        Arch::X86_64 => "SCMP_ARCH_X86_64",
        Arch::I386 => "SCMP_ARCH_X86",
        Arch::X32 => "SCMP_ARCH_X32",
        Arch::Aarch64 => "SCMP_ARCH_AARCH64",
        Arch::Arm => "SCMP_ARCH_ARM",
        Arch::Riscv64 => "SCMP_ARCH_RISCV64",
        Arch::S390x => "SCMP_ARCH_S390X",
        Arch::Ppc64le => "SCMP_ARCH_PPC64LE",
        Arch::Loongarch64 => "SCMP_ARCH_LOONGARCH64",
    }
}

/// libseccomp's action name and the `errnoRet` it carries.
pub fn scmp_action(a: Action) -> (&'static str, Option<u16>) {
    match a {
        Action::Allow => ("SCMP_ACT_ALLOW", None),
        Action::Errno(n) => ("SCMP_ACT_ERRNO", Some(n)),
        Action::Kill => ("SCMP_ACT_KILL_PROCESS", None),
        Action::KillThread => ("SCMP_ACT_KILL_THREAD", None),
        Action::Trap(_) => ("SCMP_ACT_TRAP", None),
        Action::Log => ("SCMP_ACT_LOG", None),
        Action::Trace(n) => ("SCMP_ACT_TRACE", Some(n)),
        Action::Notify => ("SCMP_ACT_NOTIFY", None),
    }
}

/// The name libseccomp knows a table name by (aarch64, riscv64 and loongarch64 call
/// number 79 `fstatat` in sysgate's tables, `newfstatat` in libseccomp's).
fn scmp_name(name: &str) -> &str {
    match name {
        "fstatat" => "newfstatat",
        n => n,
    }
}

/// One profile entry: an action for some syscalls under some comparisons.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    pub action: Action,
    pub args: Vec<Cmp>,
}

/// The entries for one syscall's decision, against the profile's `default`.
pub fn decision_entries(d: &Decision, default: Action) -> Result<Vec<Entry>, String> {
    let mut out: Vec<Entry> = Vec::new();
    let mut earlier: Vec<Cond> = Vec::new();
    let mut push = |region: Cond, action: Action, what: &str| -> Result<(), String> {
        if action == default {
            return Ok(());
        }
        let entries = to_entries(&region).map_err(|e| {
            format!(
                "{what}: more than {} libseccomp entries would be needed (the rules before it \
                 cut it into too many pieces); simplify the conditions or reorder the rules",
                e.terms.min(super::libseccomp_conds::MAX_TERMS)
            )
        })?;
        for args in entries {
            let e = Entry { action, args };
            if !out.contains(&e) {
                out.push(e);
            }
        }
        Ok(())
    };
    for r in &d.rules {
        let mut all = vec![r.cond.clone()];
        all.extend(earlier.iter().cloned());
        push(
            Cond::And(all),
            r.ruling.action,
            &r.ruling.origin.to_string(),
        )?;
        earlier.push(Cond::Not(Box::new(r.cond.clone())));
    }
    push(
        Cond::And(earlier.clone()),
        d.otherwise.action,
        &d.otherwise.origin.to_string(),
    )?;
    if let Some(u) = out.iter().find(|e| e.args.is_empty()).cloned() {
        if out.iter().any(|e| e.action != u.action) {
            return Err(format!(
                "internal error: unconditional {} overlaps other actions",
                u.action
            ));
        }
        return Ok(vec![u]);
    }
    Ok(out)
}

/// The atoms of a condition with their widths erased (to compare decisions across ABIs).
fn erase(c: &Cond) -> Cond {
    match c {
        Cond::Atom(a) => Cond::Atom(Atom { bits: 64, ..*a }),
        Cond::Not(x) => Cond::Not(Box::new(erase(x))),
        Cond::And(v) => Cond::And(v.iter().map(erase).collect()),
        Cond::Or(v) => Cond::Or(v.iter().map(erase).collect()),
        c => c.clone(),
    }
}

/// Why one rule can be decided differently on two ABIs: a parameter narrower than 32 bits on
/// one of them (`setuid`'s 16-bit `old_uid_t` on i386), compared only on those bits there.
fn narrower_param(name: &str, a0: Arch, a1: Arch) -> String {
    let (Some(p0), Some(p1)) = (crate::arch::params(a0, name), crate::arch::params(a1, name))
    else {
        return String::new();
    };
    p0.iter()
        .zip(&p1)
        .find(|(x, y)| x.bits != y.bits && x.bits.min(y.bits) < 32)
        .map_or(String::new(), |(x, y)| {
            format!(
                " (its `{}` is {} bits wide on {a0} and {} on {a1}, and is compared on those bits)",
                x.name, x.bits, y.bits
            )
        })
}
/// `a` with each atom as wide as the same atom of `b` (same shape).
fn widen(a: &Cond, b: &Cond) -> Cond {
    match (a, b) {
        (Cond::Atom(x), Cond::Atom(y)) => Cond::Atom(Atom {
            bits: x.bits.max(y.bits),
            ..*x
        }),
        (Cond::Not(x), Cond::Not(y)) => Cond::Not(Box::new(widen(x, y))),
        (Cond::And(v), Cond::And(w)) => {
            Cond::And(v.iter().zip(w).map(|(x, y)| widen(x, y)).collect())
        }
        (Cond::Or(v), Cond::Or(w)) => Cond::Or(v.iter().zip(w).map(|(x, y)| widen(x, y)).collect()),
        (x, _) => x.clone(),
    }
}

fn erased_shape(d: &Decision) -> (Vec<(Cond, Action)>, Action) {
    let (rules, o) = d.shape();
    (rules.into_iter().map(|(c, a)| (erase(&c), a)).collect(), o)
}

/// The OCI runtime-spec `linux.seccomp` object for `p`, and the warnings.
pub fn oci_profile(p: &Policy) -> Result<(Value, Vec<String>), ExportError> {
    let first = p
        .sections
        .first()
        .ok_or_else(|| ExportError("the policy targets no architecture".into()))?;
    let default = first.default.action;
    let mut warnings = Vec::new();
    for s in &p.sections {
        if s.default.action != default {
            return Err(ExportError(format!(
                "the default action differs between {} ({}) and {} ({}); a profile has one",
                first.arch, default, s.arch, s.default.action
            )));
        }
    }
    if first.unknown.action != default {
        warnings.push(format!(
            "`unknown {}` cannot be expressed: libseccomp gives syscall numbers outside its \
             table the default action ({default})",
            first.unknown.action
        ));
    }
    if p.badarch.action.permits() {
        warnings.push(format!(
            "`badarch {}` cannot be expressed: libseccomp kills the thread on architectures \
             the profile does not list",
            p.badarch.action
        ));
    }
    if !p.landlock.fs.is_empty() || !p.landlock.net.is_empty() {
        warnings.push(
            "the policy's fs/net (Landlock) rules are not part of a seccomp profile (left out)"
                .into(),
        );
    }

    // exported name → the decision on each ABI that has it, in table order.
    let mut order: Vec<&str> = Vec::new();
    let mut per_name: BTreeMap<&str, Vec<(Arch, &Decision)>> = BTreeMap::new();
    for s in &p.sections {
        for &(n, nr) in s.arch.syscalls() {
            let Some(d) = s.syscalls.get(&nr) else {
                continue;
            };
            let name = scmp_name(n);
            let v = per_name.entry(name).or_default();
            if v.is_empty() {
                order.push(name);
            }
            v.push((s.arch, d));
        }
    }

    let mut lossy_trap = false;
    let mut notify = false;
    // entry → names, in order of first appearance.
    let mut entries: Vec<(Entry, Vec<&str>)> = Vec::new();
    for name in order {
        let decs = &per_name[name];
        let (a0, d0) = decs[0];
        let mut chosen = d0.clone();
        for &(a, d) in &decs[1..] {
            if d.same_shape(&chosen) {
                continue;
            }
            if erased_shape(d) != erased_shape(&chosen) {
                return Err(ExportError(format!(
                    "`{name}` is decided differently on {a0} and {a}{}; an OCI profile names a \
                     syscall for all its architectures at once — export one architecture at a \
                     time with --arch",
                    narrower_param(name, a0, a)
                )));
            }
            for (r, o) in chosen.rules.iter_mut().zip(&d.rules) {
                r.cond = widen(&r.cond, &o.cond);
            }
        }
        let es = decision_entries(&chosen, default)
            .map_err(|m| ExportError(format!("`{name}`: {m}")))?;
        for e in es {
            lossy_trap |= matches!(e.action, Action::Trap(n) if n != 0);
            notify |= e.action == Action::Notify;
            match entries.iter_mut().find(|(x, _)| *x == e) {
                Some((_, names)) => names.push(name),
                None => entries.push((e, vec![name])),
            }
        }
    }
    // libseccomp 2.5.4 loops forever when, below a shared comparison, an `EQ`/`MASKED_EQ`
    // rule is added after a range rule (`LE` then `MASKED_EQ` on arg1, both under `NE` on
    // arg0); in the other order it is fine. Entries without range comparisons go first.
    entries.sort_by_key(|(e, _)| {
        e.args
            .iter()
            .filter(|c| matches!(c.op, Op::Lt | Op::Le | Op::Gt | Op::Ge))
            .count()
    });
    if lossy_trap || matches!(default, Action::Trap(n) if n != 0) {
        warnings.push("`trap N`: libseccomp's SCMP_ACT_TRAP carries 0, not N".into());
    }
    if notify || default == Action::Notify {
        warnings.push(
            "`notify` needs a seccomp agent: give the runtime a listenerPath (runc) or the \
             profile will not load"
                .into(),
        );
    }

    let mut prof = Map::new();
    let (dname, derr) = scmp_action(default);
    prof.insert("defaultAction".into(), json!(dname));
    if let Some(e) = derr {
        prof.insert("defaultErrnoRet".into(), json!(e));
    }
    prof.insert(
        "architectures".into(),
        json!(p
            .sections
            .iter()
            .map(|s| scmp_arch(s.arch))
            .collect::<Vec<_>>()),
    );
    let list: Vec<Value> = entries
        .into_iter()
        .map(|(e, names)| {
            let (aname, eret) = scmp_action(e.action);
            let mut o = Map::new();
            o.insert("names".into(), json!(names));
            o.insert("action".into(), json!(aname));
            if let Some(n) = eret {
                o.insert("errnoRet".into(), json!(n));
            }
            if !e.args.is_empty() {
                let args: Vec<Value> = e
                    .args
                    .iter()
                    .map(|c| {
                        json!({
                            "index": c.index,
                            "value": c.value,
                            "valueTwo": c.value_two,
                            "op": c.op.name(),
                        })
                    })
                    .collect();
                o.insert("args".into(), Value::Array(args));
            }
            Value::Object(o)
        })
        .collect();
    prof.insert("syscalls".into(), Value::Array(list));
    Ok((Value::Object(prof), warnings))
}

/// libseccomp's verdict for a profile made by [`oci_profile`] on a 64-bit ABI: an
/// unconditional entry wins, else the most restrictive matching entry, else the default.
/// (For tests and cross-checks; `names` are not consulted: pass the entries of one syscall.)
pub fn libseccomp_decide(entries: &[Entry], default: Action, args: &[u64; 6]) -> Action {
    if let Some(e) = entries.iter().find(|e| e.args.is_empty()) {
        return e.action;
    }
    entries
        .iter()
        .filter(|e| e.args.iter().all(|c| c.eval(args[usize::from(c.index)])))
        .map(|e| e.action)
        .min_by_key(|a| super::oci::priority(*a))
        .unwrap_or(default)
}

/// A DNS-1123 name for Kubernetes from a policy name (`builtin:container` → `container`).
pub fn k8s_name(policy_name: &str) -> String {
    let base = policy_name.strip_prefix("builtin:").unwrap_or(policy_name);
    let base = std::path::Path::new(base)
        .file_stem()
        .map_or_else(|| base.to_string(), |s| s.to_string_lossy().into_owned());
    let mut out = String::new();
    for c in base.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "sysgate".into()
    } else {
        out.chars().take(63).collect()
    }
}

/// Whether `name` can be a Kubernetes object's `metadata.name` (a DNS-1123 subdomain: at
/// most 253 characters, lower-case letters, digits, `-` and `.`, starting and ending with a
/// letter or digit); if not, why.
pub fn check_k8s_name(name: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.is_empty() || name.len() > 253 {
        return Err("a Kubernetes name has 1 to 253 characters".into());
    }
    if let Some(c) = name.chars().find(|&c| !(alnum(c) || c == '-' || c == '.')) {
        return Err(format!(
            "'{c}' cannot be in a Kubernetes name (lower-case letters, digits, '-' and '.')"
        ));
    }
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Err("a Kubernetes name starts and ends with a letter or digit".into());
    }
    Ok(())
}

/// YAML for a JSON value (block style; strings as JSON strings, which YAML reads alike).
fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml(x, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml(x, indent, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {x}\n")),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        yaml(x, indent + 2, &mut inner);
                        // The first key goes on the dash line.
                        let inner = inner.replacen(&format!("{pad}  "), &format!("{pad}- "), 1);
                        out.push_str(&inner);
                    }
                    _ => out.push_str(&format!("{pad}- {x}\n")),
                }
            }
        }
        x => out.push_str(&format!("{pad}{x}\n")),
    }
}

fn k8s_doc(profile: &Value, name: &str, source: &str) -> Result<String, ExportError> {
    let mut spec = profile.clone();
    if let Some(o) = spec.as_object_mut() {
        if let Some(e) = o.remove("defaultErrnoRet") {
            if e.as_u64() != Some(1) {
                return Err(ExportError(format!(
                    "the SeccompProfile CRD has no defaultErrnoRet: a default of `errno {e}` \
                     cannot be expressed (SCMP_ACT_ERRNO means EPERM there); use --localhost, \
                     or `default deny`"
                )));
            }
        }
        for a in o
            .get("architectures")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if a == "SCMP_ARCH_LOONGARCH64" {
                return Err(ExportError(
                    "the SeccompProfile CRD does not list SCMP_ARCH_LOONGARCH64; export the \
                     other architectures with --arch"
                        .into(),
                ));
            }
        }
    }
    for e in spec
        .get("syscalls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for a in e
            .get("args")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for k in ["value", "valueTwo"] {
                if a.get(k).and_then(Value::as_u64).unwrap_or(0) > i64::MAX as u64 {
                    return Err(ExportError(format!(
                        "`{}`: the SeccompProfile CRD holds argument values as int64; {:#x} \
                         does not fit (use --localhost)",
                        e["names"][0].as_str().unwrap_or("?"),
                        a[k].as_u64().unwrap_or(0)
                    )));
                }
            }
        }
    }
    let doc = json!({
        "apiVersion": "security-profiles-operator.x-k8s.io/v1beta1",
        "kind": "SeccompProfile",
        "metadata": { "name": name },
        "spec": spec,
    });
    let mut out = format!(
        "# Security Profiles Operator SeccompProfile, by sysgate export from {source}.\n\
         # Once installed, the operator reports the path for pods in status.localhostProfile\n\
         # (securityContext.seccompProfile: {{type: Localhost, localhostProfile: operator/{name}.json}}).\n"
    );
    yaml(&doc, 0, &mut out);
    Ok(out)
}

/// Exports `p` (named `source`, a file path or `builtin:NAME`) to `target`.
pub fn export(
    p: &Policy,
    source: &str,
    target: Target,
    opts: &Options,
) -> Result<Exported, ExportError> {
    let compiled = || -> Result<Program, ExportError> {
        let weights = match &opts.weights {
            Some(w) => w.clone(),
            None => compile::Weights::builtin(&p.arches()),
        };
        compile::compile(p, &compile::Options { weights }).map_err(|e| ExportError(e.to_string()))
    };
    let mut notes = Vec::new();
    match target {
        Target::Oci => {
            let (v, warnings) = oci_profile(p)?;
            let mut bytes =
                serde_json::to_vec_pretty(&v).map_err(|e| ExportError(e.to_string()))?;
            bytes.push(b'\n');
            Ok(Exported {
                bytes,
                warnings,
                notes,
            })
        }
        Target::K8s => {
            let (v, warnings) = oci_profile(p)?;
            let name = opts.name.clone().unwrap_or_else(|| k8s_name(source));
            let bytes = if opts.localhost {
                let path = opts
                    .localhost_path
                    .clone()
                    .unwrap_or_else(|| format!("{name}.json"));
                notes.push(format!(
                    "copy the profile to /var/lib/kubelet/seccomp/{path} on every node, and in the pod:\n\
                     securityContext:\n  seccompProfile:\n    type: Localhost\n    localhostProfile: {path}"
                ));
                let mut b =
                    serde_json::to_vec_pretty(&v).map_err(|e| ExportError(e.to_string()))?;
                b.push(b'\n');
                b
            } else {
                check_k8s_name(&name)
                    .map_err(|why| ExportError(format!("name '{name}': {why}")))?;
                k8s_doc(&v, &name, source)?.into_bytes()
            };
            Ok(Exported {
                bytes,
                warnings,
                notes,
            })
        }
        Target::Crun | Target::Bwrap => {
            let prog = compiled()?;
            let format = if target == Target::Crun {
                crate::bpf::output::Format::Base64
            } else {
                crate::bpf::output::Format::Raw
            };
            if target == Target::Crun {
                notes.push(
                    "put this base64 text in config.json as annotations.\"run.oci.seccomp_bpf_data\" \
                     (crun; it replaces linux.seccomp)"
                        .into(),
                );
            }
            Ok(Exported {
                bytes: crate::bpf::output::render(&prog.insns, format, Some(&prog.arches)),
                warnings: Vec::new(),
                notes,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy as P;

    #[test]
    fn container_profile_denies_unshare_and_keeps_first_match() {
        let p = P::builtin("container").unwrap();
        let (v, w) = oci_profile(&p.resolved).unwrap();
        assert_eq!(v["defaultAction"], "SCMP_ACT_ALLOW");
        assert!(w.iter().any(|w| w.contains("unknown")), "{w:?}");
        let s = v["syscalls"].as_array().unwrap();
        assert!(s.iter().any(
            |e| e["names"].as_array().unwrap().contains(&json!("unshare"))
                && e["action"] == "SCMP_ACT_ERRNO"
                && e.get("args").is_none()
        ));
    }

    #[test]
    fn k8s_names() {
        assert_eq!(k8s_name("builtin:container"), "container");
        assert_eq!(k8s_name("/x/My_Web.policy"), "my-web");
    }
}
