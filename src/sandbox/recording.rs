//! What `sysgate record` observed, and the allow-list policy written from it.
//!
//! A [`Recording`] counts the calls of each syscall per architecture (and, with `--args`,
//! the values of the arguments in [`TRACKED`]). [`Recording::to_policy`] writes the smallest
//! allow-list that lets the same run through:
//!
//! ```text
//! default errno EPERM
//! unknown errno ENOSYS
//! arch x86_64 i386
//!
//! allow read                     # 1234 (x86_64 1234)
//! allow @signal                  # 52: rt_sigaction 30 (x86_64 30), rt_sigprocmask 22 (x86_64 22)
//! allow socket if domain in {AF_UNIX, AF_INET} && type == SOCK_STREAM|SOCK_CLOEXEC  # 2 (x86_64 2)
//! allow getpid                   # 1 (i386 1)
//! ```
//!
//! - one rule per syscall, most frequent first, with its count (and the count per
//!   architecture when several were recorded) in a comment;
//! - a `@group` replaces its members only when *every* member that exists on one of the
//!   recorded architectures was seen, none of them with argument conditions, and it replaces
//!   at least two rules;
//! - the policy language has no per-architecture rules, so a syscall seen on one
//!   architecture is allowed by name on all the recorded ones;
//! - argument conditions (`--args`) list the values seen for each parameter independently
//!   (`domain in {…} && type in {…}` allows every combination of them), with constant names
//!   where sysgate knows one with exactly that value on every recorded architecture, else
//!   in hex; a parameter that is not in a register on some recorded architecture (`mmap` on
//!   i386) leaves the syscall unconditional.
//!
//! With `--profile`, it also counts the values of the arguments in [`PROFILED`] (a bounded
//! number per argument, [`COUNTED_VALUES`]), and [`Recording::to_profile`] writes the
//! native ABI's calls and the most frequent of those values ([`MAX_PROFILED_VALUES`]) as a
//! `NAME COUNT` table for `--mix`.
//!
//! [`Recording::from_policy`] reads such a file back for `--merge`: its `arch` line and its
//! `allow` lines with the counts in their comments. It understands what `to_policy` writes
//! (and hand-written `allow NAME…` lines, with `==`/`in` conditions on the parameters of
//! [`TRACKED`]); any other rule is ignored with a warning, and a missing count is read as 0.

use crate::arch::{self, Arch};
use crate::policy::groups;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The syscalls whose arguments `--args` records, and which parameters.
pub const TRACKED: &[(&str, &[&str])] = &[
    ("socket", &["domain", "type"]),
    ("clone", &["flags"]),
    ("ioctl", &["request"]),
    ("prctl", &["option"]),
    ("personality", &["persona"]),
    ("mmap", &["prot"]),
    ("mmap2", &["prot"]),
    ("mprotect", &["prot"]),
];

fn tracked(name: &str) -> Option<&'static [&'static str]> {
    TRACKED.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

/// The syscalls whose argument values `--profile` counts, and which parameters: those
/// whose checks the compiler lays out for frequent values, the same as the value lines of
/// the built-in profile (`src/compile/mix.tsv`), with the 32-bit ABIs' variants (`mmap2`,
/// `fcntl64`, `futex_time64`). A parameter an ABI passes in memory (i386 `mmap`) is not
/// counted there.
pub const PROFILED: &[(&str, &[&str])] = &[
    ("futex", &["futex_op"]),
    ("futex_time64", &["futex_op"]),
    ("mmap", &["prot", "flags"]),
    ("mmap2", &["prot", "flags"]),
    ("mprotect", &["prot"]),
    ("fcntl", &["cmd"]),
    ("fcntl64", &["cmd"]),
    ("ioctl", &["request"]),
    ("madvise", &["advice"]),
    ("socket", &["domain", "type"]),
    ("clone", &["flags"]),
    ("prctl", &["option"]),
];

/// At most this many distinct values are counted per parameter (per syscall and ABI): the
/// first ones seen. Calls passing another value are only counted as such
/// ([`ParamCounts::other`]), so a program cycling through many values costs bounded memory
/// and a bounded lookup per call.
pub const COUNTED_VALUES: usize = 4096;

/// A profile lists at most this many values per parameter, the most frequent of those
/// counted: a value dispatch lays out only a few hot values anyway, and a long tail of
/// rare ones would only make the file longer.
pub const MAX_PROFILED_VALUES: usize = 64;

fn profiled(name: &str) -> Option<&'static [&'static str]> {
    PROFILED.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

/// The values one parameter of one syscall was called with, on one ABI (see [`PROFILED`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamCounts {
    /// The parameter on that ABI (its index and width).
    pub param: arch::Param,
    /// Calls per value, truncated to the parameter's width as the kernel sees it; at most
    /// [`COUNTED_VALUES`] values.
    pub counts: BTreeMap<u64, u64>,
    /// Calls that passed a value not in `counts` (it was full).
    pub other: u64,
}

impl ParamCounts {
    fn add(&mut self, v: u64, n: u64) {
        if let Some(c) = self.counts.get_mut(&v) {
            add_to(c, n);
        } else if self.counts.len() < COUNTED_VALUES {
            self.counts.insert(v, n);
        } else {
            add_to(&mut self.other, n);
        }
    }
}

/// The argument values seen for a syscall.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Args {
    /// Not recorded, or not recordable: the rule is unconditional.
    #[default]
    Any,
    /// The values seen per parameter (masked to the parameter's width).
    Values(BTreeMap<&'static str, BTreeSet<u64>>),
}

impl Args {
    fn union(&mut self, other: &Args) {
        match (&mut *self, other) {
            (Args::Values(a), Args::Values(b)) => {
                for (p, vs) in b {
                    a.entry(p).or_default().extend(vs);
                }
            }
            _ => *self = Args::Any,
        }
    }
}

/// One syscall's record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Call {
    /// Number of calls per architecture.
    pub counts: BTreeMap<Arch, u64>,
    pub args: Args,
}

impl Call {
    /// The calls on every architecture (at most `u64::MAX`: counts read from a file can be
    /// anything).
    pub fn total(&self) -> u64 {
        sum(self.counts.values().copied())
    }
}

/// Everything one or more recordings saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    /// The architectures calls were made on.
    pub arches: BTreeSet<Arch>,
    /// Per syscall name.
    pub calls: BTreeMap<&'static str, Call>,
    /// Numbers not in sysgate's table, per architecture (they get the `unknown` action).
    pub unknown: BTreeMap<(Arch, u32), u64>,
    /// Calls on an `AUDIT_ARCH` sysgate has no ABI for, per value.
    pub foreign: BTreeMap<u32, u64>,
    /// With `--profile`: the argument values of the [`PROFILED`] syscalls, per ABI and
    /// syscall (the parameters that ABI passes in registers).
    pub values: BTreeMap<(Arch, &'static str), Vec<ParamCounts>>,
}

impl Recording {
    /// Counts one call of number `nr` on `arch` (x32 numbers with bit 30); with
    /// `with_args`, records the values of its [`TRACKED`] parameters.
    pub fn add(&mut self, arch: Arch, nr: u32, args: &[u64; 6], with_args: bool) {
        self.add_call(arch, nr, args, with_args, false);
    }

    /// [`Recording::add`], and with `with_values` also counts the values of its
    /// [`PROFILED`] parameters (for [`Recording::to_profile`]).
    pub fn add_call(
        &mut self,
        arch: Arch,
        nr: u32,
        args: &[u64; 6],
        with_args: bool,
        with_values: bool,
    ) {
        self.arches.insert(arch);
        let Some(name) = arch.syscall_name(nr) else {
            add_to(self.unknown.entry((arch, nr)).or_default(), 1);
            return;
        };
        if with_values {
            self.count_values(arch, name, args);
        }
        let new = !self.calls.contains_key(name);
        let call = self.calls.entry(name).or_default();
        add_to(call.counts.entry(arch).or_default(), 1);
        let Some(params) = tracked(name).filter(|_| with_args) else {
            return;
        };
        if new {
            call.args = Args::Values(BTreeMap::new());
        }
        let Args::Values(map) = &mut call.args else {
            return;
        };
        for p in params {
            match arch::param_by_name(arch, name, p) {
                Ok(param) => {
                    let v = args[usize::from(param.index)];
                    let v = param.operand(v);
                    map.entry(p).or_default().insert(v);
                }
                Err(_) => {
                    call.args = Args::Any;
                    return;
                }
            }
        }
    }

    /// Counts the values of `name`'s [`PROFILED`] parameters in `args`.
    fn count_values(&mut self, arch: Arch, name: &'static str, args: &[u64; 6]) {
        let Some(params) = profiled(name) else {
            return;
        };
        let slot = self.values.entry((arch, name)).or_insert_with(|| {
            params
                .iter()
                .filter_map(|p| arch::param_by_name(arch, name, p).ok())
                .map(|param| ParamCounts {
                    param,
                    counts: BTreeMap::new(),
                    other: 0,
                })
                .collect()
        });
        for pc in slot {
            let v = pc.param.operand(args[usize::from(pc.param.index)]);
            pc.add(v, 1);
        }
    }

    /// Counts a call on an architecture sysgate does not know.
    pub fn add_foreign(&mut self, audit_arch: u32, _nr: u32) {
        add_to(self.foreign.entry(audit_arch).or_default(), 1);
    }

    /// Adds everything `other` saw (counts add up, stopping at `u64::MAX`; argument values are united, and a
    /// syscall unconditional in either stays unconditional).
    pub fn merge(&mut self, other: &Recording) {
        self.arches.extend(&other.arches);
        for (name, c) in &other.calls {
            match self.calls.get_mut(name) {
                None => {
                    self.calls.insert(name, c.clone());
                }
                Some(mine) => {
                    for (a, n) in &c.counts {
                        add_to(mine.counts.entry(*a).or_default(), *n);
                    }
                    mine.args.union(&c.args);
                }
            }
        }
        for (k, n) in &other.unknown {
            add_to(self.unknown.entry(*k).or_default(), *n);
        }
        for (k, n) in &other.foreign {
            add_to(self.foreign.entry(*k).or_default(), *n);
        }
        for (k, theirs) in &other.values {
            let mine = self.values.entry(*k).or_insert_with(|| {
                theirs
                    .iter()
                    .map(|pc| ParamCounts {
                        counts: BTreeMap::new(),
                        other: 0,
                        ..pc.clone()
                    })
                    .collect()
            });
            for pc in theirs {
                if let Some(m) = mine.iter_mut().find(|m| m.param == pc.param) {
                    for (v, n) in &pc.counts {
                        m.add(*v, *n);
                    }
                    add_to(&mut m.other, pc.other);
                }
            }
        }
    }

    /// The ABI a profile table ([`Recording::to_profile`]) counts: the native ABI with the
    /// most calls, or when only compat ABIs (i386, x32, arm) made calls, the one of them
    /// with the most; `None` when nothing was recorded.
    pub fn profile_arch(&self) -> Option<Arch> {
        let mut per: BTreeMap<Arch, u64> = BTreeMap::new();
        for c in self.calls.values() {
            for (a, n) in &c.counts {
                add_to(per.entry(*a).or_default(), *n);
            }
        }
        let best = |native: bool| {
            per.iter()
                .filter(|(a, _)| crate::compile::weights::is_compat(**a) != native)
                .max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0)))
                .map(|(a, _)| *a)
        };
        best(true).or_else(|| best(false))
    }

    /// A call-frequency profile for `--mix` (a `NAME COUNT` table, see
    /// [`Weights::read_profile`](crate::compile::Weights::read_profile)), with `header` as
    /// leading comment lines.
    ///
    /// A table's names apply to every target ABI, the native ones at full weight and the
    /// compat ones scaled down, so it counts one ABI, [`Recording::profile_arch`]: one
    /// `NAME COUNT` line per syscall called on it (most frequent first), then
    /// `NAME argN=VALUE COUNT` lines for the values of its [`PROFILED`] parameters, with
    /// that ABI's argument index (values in hex, the [`MAX_PROFILED_VALUES`] most frequent
    /// per parameter). Calls on the other ABIs are listed in comments only: as table lines they
    /// would count as calls of the native ABI.
    pub fn to_profile(&self, header: &[String]) -> String {
        let mut out = String::new();
        for h in header {
            for line in h.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        let Some(arch) = self.profile_arch() else {
            out.push_str("# No calls were recorded.\n");
            return out;
        };
        let mut calls: Vec<(&str, u64)> = self
            .calls
            .iter()
            .filter_map(|(name, c)| c.counts.get(&arch).map(|n| (*name, *n)))
            .collect();
        calls.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let _ = writeln!(
            out,
            "# A call-frequency profile for `--mix` (sysgate run/compile/check/explain/export):\n\
             # `NAME COUNT` is how often the program called NAME on {arch} ({} calls of {} \
             syscalls);\n\
             # `NAME argN=VALUE COUNT`: how many of them passed VALUE as argument N (0-based), \
             for the\n\
             # arguments whose checks are laid out for frequent values (the {} most frequent \
             of each).",
            sum(calls.iter().map(|c| c.1)),
            calls.len(),
            MAX_PROFILED_VALUES,
        );
        for (name, n) in &calls {
            let _ = writeln!(out, "{name}\t{n}");
        }
        let mut lines = String::new();
        let mut others = Vec::new();
        for (name, _) in &calls {
            let Some(params) = self.values.get(&(arch, *name)) else {
                continue;
            };
            for pc in params {
                let mut vs: Vec<(u64, u64)> = pc.counts.iter().map(|(v, n)| (*v, *n)).collect();
                vs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let rest = vs.split_off(vs.len().min(MAX_PROFILED_VALUES));
                for (v, n) in vs {
                    let _ = writeln!(lines, "{name}\targ{}={v:#x}\t{n}", pc.param.index);
                }
                let unlisted = sum(rest.iter().map(|r| r.1).chain([pc.other]));
                if unlisted > 0 {
                    others.push(format!("{name} arg{}: {unlisted} calls", pc.param.index));
                }
            }
        }
        if !lines.is_empty() {
            out.push_str("\n# Argument values.\n");
            out.push_str(&lines);
        }
        if !others.is_empty() {
            let _ = writeln!(
                out,
                "# Not listed (values less frequent than the {MAX_PROFILED_VALUES} above): {}",
                others.join(", ")
            );
        }
        let mut elsewhere: BTreeMap<Arch, Vec<String>> = BTreeMap::new();
        for (name, c) in &self.calls {
            for (a, n) in c.counts.iter().filter(|(a, _)| **a != arch) {
                elsewhere.entry(*a).or_default().push(format!("{name} {n}"));
            }
        }
        for (a, list) in &elsewhere {
            let _ = writeln!(
                out,
                "\n# Also called on {a}, not counted above (a table's counts go to every \
                 architecture):"
            );
            for chunk in list.chunks(8) {
                let _ = writeln!(out, "#   {}", chunk.join(", "));
            }
        }
        out
    }

    /// The architectures the policy targets: those recorded, or the host's native set
    /// when nothing was recorded.
    pub fn target_arches(&self) -> Vec<Arch> {
        if self.arches.is_empty() {
            Arch::native()
        } else {
            self.arches.iter().copied().collect()
        }
    }

    /// Total number of recorded calls (known syscalls only).
    pub fn total(&self) -> u64 {
        sum(self.calls.values().map(Call::total))
    }

    /// The allow-list policy text, with `header` as leading comment lines.
    pub fn to_policy(&self, header: &[String]) -> String {
        let arches = self.target_arches();
        let multi = arches.len() > 1;
        let mut out = String::new();
        for h in header {
            for line in h.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        let _ = writeln!(
            out,
            "# {} calls of {} syscalls. After each rule: its count{}.\n\
             # `sysgate record --merge THIS_FILE` reads the arch line, the allow lines and these counts back.",
            self.total(),
            self.calls.len(),
            if multi { " (per architecture)" } else { "" }
        );
        out.push_str("default errno EPERM\nunknown errno ENOSYS\n");
        let _ = writeln!(
            out,
            "arch {}\n",
            arches
                .iter()
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(" ")
        );

        // (total, rule text, comment)
        let mut rules: Vec<(u64, String, String)> = Vec::new();
        let chosen = self.choose_groups(&arches);
        let mut covered: BTreeSet<&str> = BTreeSet::new();
        for (g, members) in &chosen {
            covered.extend(members.iter().copied());
            let total = sum(members.iter().map(|m| self.calls[m].total()));
            let list = members
                .iter()
                .map(|m| format!("{m} {}", count_text(&self.calls[m], multi)))
                .collect::<Vec<_>>()
                .join(", ");
            rules.push((total, format!("allow {g}"), format!("{total}: {list}")));
        }
        for (name, call) in &self.calls {
            if covered.contains(name) {
                continue;
            }
            let rule = match self.condition(name, call, &arches) {
                Some(c) => format!("allow {name} if {c}"),
                None => format!("allow {name}"),
            };
            rules.push((call.total(), rule, count_text(call, multi)));
        }
        rules.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (_, rule, comment) in &rules {
            let _ = writeln!(out, "{rule:<32} # {comment}");
        }
        if !self.unknown.is_empty() {
            out.push_str(
                "\n# Numbers not in sysgate's syscall table (they get the `unknown` action):\n",
            );
            for ((a, nr), n) in &self.unknown {
                let _ = writeln!(out, "#   {a} #{nr:#x}: {n}");
            }
        }
        if !self.foreign.is_empty() {
            out.push_str("\n# Calls on architectures sysgate does not know (AUDIT_ARCH value):\n");
            for (a, n) in &self.foreign {
                let _ = writeln!(out, "#   {a:#010x}: {n}");
            }
        }
        out
    }

    /// Names allowed without condition (candidates for groups).
    fn plain_names(&self) -> BTreeSet<&'static str> {
        self.calls
            .iter()
            .filter(|(_, c)| c.args == Args::Any)
            .map(|(n, _)| *n)
            .collect()
    }

    /// Groups to use, each with the members it covers, chosen greedily (largest gain first).
    fn choose_groups(&self, arches: &[Arch]) -> Vec<(&'static str, Vec<&'static str>)> {
        let plain = self.plain_names();
        let mut candidates: Vec<(&'static str, Vec<&'static str>)> = groups::groups()
            .iter()
            .filter(|g| !g.is_all_known())
            .filter_map(|g| {
                let members: Vec<&'static str> = groups::expand(g.name)?
                    .into_iter()
                    .filter(|m| arches.iter().any(|a| a.syscall_nr(m).is_some()))
                    .collect();
                (members.len() >= 2 && members.iter().all(|m| plain.contains(m)))
                    .then_some((g.name, members))
            })
            .collect();
        let mut covered: BTreeSet<&str> = BTreeSet::new();
        let mut chosen = Vec::new();
        loop {
            let best = candidates
                .iter()
                .enumerate()
                .map(|(i, (_, m))| (m.iter().filter(|x| !covered.contains(*x)).count(), i))
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
            match best {
                Some((gain, i)) if gain >= 2 => {
                    let (g, members) = candidates.remove(i);
                    covered.extend(members.iter().copied());
                    chosen.push((g, members));
                }
                _ => break,
            }
        }
        chosen
    }

    /// The condition for `name`'s rule, if its argument values were recorded and can be
    /// checked on every target architecture.
    fn condition(&self, name: &str, call: &Call, arches: &[Arch]) -> Option<String> {
        let Args::Values(map) = &call.args else {
            return None;
        };
        let params = tracked(name)?;
        let on: Vec<Arch> = arches
            .iter()
            .copied()
            .filter(|a| a.syscall_nr(name).is_some())
            .collect();
        let mut parts = Vec::new();
        for p in params {
            if on.iter().any(|a| arch::param_by_name(*a, name, p).is_err()) {
                return None;
            }
            let Some(values) = map.get(p).filter(|v| !v.is_empty()) else {
                continue;
            };
            let texts: Vec<String> = values
                .iter()
                .map(|v| value_text(name, p, *v, &on))
                .collect();
            parts.push(if texts.len() == 1 {
                format!("{p} == {}", texts[0])
            } else {
                format!("{p} in {{{}}}", texts.join(", "))
            });
        }
        (!parts.is_empty()).then(|| parts.join(" && "))
    }

    /// Reads back a policy `sysgate record` wrote (see the module documentation). Returns
    /// the recording and warnings about lines it could not use.
    pub fn from_policy(text: &str) -> (Recording, Vec<String>) {
        let (rec, notes) = Recording::read_policy(text);
        (rec, notes.iter().map(ReadNote::to_string).collect())
    }

    /// [`Recording::from_policy`] with its remarks as data, for callers that treat some of
    /// them differently (a call-frequency profile makes a malformed count an error).
    pub fn read_policy(text: &str) -> (Recording, Vec<ReadNote>) {
        let mut rec = Recording::default();
        let mut warnings = Vec::new();
        let note = |line: usize, kind: ReadIssue| ReadNote { line, kind };
        let mut arches: Vec<Arch> = Vec::new();
        let lines: Vec<(usize, &str, &str)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let (code, comment) = l.split_once('#').unwrap_or((l, ""));
                (i + 1, code.trim(), comment.trim())
            })
            .filter(|(_, code, _)| !code.is_empty())
            .collect();
        for (ln, code, _) in &lines {
            if let Some(rest) = code.strip_prefix("arch ") {
                for w in rest.split_whitespace() {
                    if w == "native" {
                        arches.extend(Arch::native());
                    } else if let Some(a) = Arch::from_name(w) {
                        arches.push(a);
                    } else {
                        warnings.push(note(*ln, ReadIssue::UnknownArch(w.to_string())));
                    }
                }
            }
        }
        if arches.is_empty() {
            arches = Arch::native();
        }
        arches.sort();
        arches.dedup();
        rec.arches.extend(&arches);
        for (ln, code, comment) in &lines {
            let word = code.split_whitespace().next().unwrap_or("");
            match word {
                "default" | "unknown" | "badarch" | "arch" => continue,
                "allow" => {}
                _ => {
                    warnings.push(note(*ln, ReadIssue::NotAllow));
                    continue;
                }
            }
            let body = code["allow".len()..].trim();
            let (targets, cond) = match body.split_once(" if ") {
                Some((t, c)) => (t, Some(c.trim())),
                None => (body, None),
            };
            let targets: Vec<&str> = targets
                .split(|c: char| c.is_whitespace() || c == '{' || c == '}')
                .filter(|t| !t.is_empty())
                .collect();
            if targets.is_empty() {
                warnings.push(note(*ln, ReadIssue::NoSyscall));
                continue;
            }
            let single = targets.len() == 1;
            for t in targets {
                if t.starts_with('@') {
                    let Some(members) = groups::expand(t) else {
                        warnings.push(note(*ln, ReadIssue::UnknownGroup(t.to_string())));
                        continue;
                    };
                    let counts = if single {
                        match group_counts(comment) {
                            Ok(c) => c,
                            Err(bad) => {
                                warnings.push(note(*ln, bad_count(bad)));
                                BTreeMap::new()
                            }
                        }
                    } else {
                        BTreeMap::new()
                    };
                    for m in members {
                        if !arches.iter().any(|a| a.syscall_nr(m).is_some()) {
                            continue;
                        }
                        let spec = counts.get(m).cloned().unwrap_or_default();
                        rec.insert_read(m, &spec, &arches, Args::Any);
                    }
                    continue;
                }
                let Some(name) = static_name(t) else {
                    warnings.push(note(*ln, ReadIssue::UnknownSyscall(t.to_string())));
                    continue;
                };
                let spec = if single { parse_count(comment) } else { None };
                if single && spec.is_none() && looks_like_count(comment) {
                    warnings.push(note(*ln, bad_count(comment.to_string())));
                }
                let spec = spec.unwrap_or_default();
                let args = match cond {
                    None => Args::Any,
                    Some(c) => match parse_condition(name, c, arches[0]) {
                        Some(a) if single => a,
                        _ => {
                            warnings.push(note(*ln, ReadIssue::Condition(name)));
                            Args::Any
                        }
                    },
                };
                rec.insert_read(name, &spec, &arches, args);
            }
        }
        (rec, warnings)
    }

    /// Adds a syscall read from a file: `spec` is its total and per-architecture counts.
    fn insert_read(&mut self, name: &'static str, spec: &CountSpec, arches: &[Arch], args: Args) {
        let mut call = Call {
            counts: BTreeMap::new(),
            args,
        };
        if spec.per_arch.is_empty() {
            let a = arches
                .iter()
                .copied()
                .find(|a| a.syscall_nr(name).is_some())
                .unwrap_or(arches[0]);
            call.counts.insert(a, spec.total);
        } else {
            for (a, n) in &spec.per_arch {
                call.counts.insert(*a, *n);
            }
        }
        let mut one = Recording::default();
        one.calls.insert(name, call);
        self.merge(&one);
    }
}

/// Adds `n` to a count, stopping at `u64::MAX` (counts read from a file can be anything).
fn add_to(count: &mut u64, n: u64) {
    *count = count.saturating_add(n);
}

/// The sum of counts, stopping at `u64::MAX`.
fn sum(counts: impl Iterator<Item = u64>) -> u64 {
    counts.fold(0, u64::saturating_add)
}

/// A line of a recorded policy that [`Recording::read_policy`] could not fully use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadNote {
    /// 1-based line number.
    pub line: usize,
    pub kind: ReadIssue,
}

/// What was wrong with a line (see [`ReadNote`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadIssue {
    /// A rule other than `allow` (ignored).
    NotAllow,
    /// An `allow` with no syscall on its line (multi-line lists are not read back).
    NoSyscall,
    /// An `arch` name sysgate does not know (ignored).
    UnknownArch(String),
    /// A syscall name no table knows (ignored).
    UnknownSyscall(String),
    /// A `@group` sysgate does not know (ignored).
    UnknownGroup(String),
    /// A condition `--merge` cannot read back: the syscall is merged unconditionally.
    Condition(&'static str),
    /// A comment that starts like a count but is not one (the count is read as 0).
    BadCount(String),
    /// A count above `u64::MAX` (the number as written; the count is read as 0).
    CountTooLarge(String),
}

impl std::fmt::Display for ReadNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ln = self.line;
        match &self.kind {
            ReadIssue::NotAllow => write!(
                f,
                "line {ln}: ignored (--merge reads only the allow lines sysgate record writes)"
            ),
            ReadIssue::NoSyscall => write!(
                f,
                "line {ln}: no syscall named (multi-line lists are not read back)"
            ),
            ReadIssue::UnknownArch(w) => {
                write!(f, "line {ln}: unknown architecture '{w}' ignored")
            }
            ReadIssue::UnknownSyscall(t) => write!(f, "line {ln}: unknown syscall '{t}' ignored"),
            ReadIssue::UnknownGroup(t) => write!(f, "line {ln}: unknown group '{t}' ignored"),
            ReadIssue::Condition(name) => write!(
                f,
                "line {ln}: condition not understood; '{name}' is merged unconditionally"
            ),
            ReadIssue::BadCount(c) => {
                write!(f, "line {ln}: '{c}' is not a count; read as 0")
            }
            ReadIssue::CountTooLarge(n) => write!(
                f,
                "line {ln}: count {n} is too large (at most {}); read as 0",
                u64::MAX
            ),
        }
    }
}

/// `1234`, or `1234 (x86_64 1230, i386 4)` when several architectures are targeted.
fn count_text(c: &Call, multi: bool) -> String {
    if !multi {
        return c.total().to_string();
    }
    let per = c
        .counts
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{} ({per})", c.total())
}

#[derive(Clone, Debug, Default)]
struct CountSpec {
    total: u64,
    per_arch: Vec<(Arch, u64)>,
}

/// Parses `1234` or `1234 (x86_64 1230, i386 4)`.
fn parse_count(s: &str) -> Option<CountSpec> {
    let s = s.trim();
    let (num, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    let total = num.trim_end_matches(':').parse().ok()?;
    let mut per_arch = Vec::new();
    if let Some(inner) = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
    {
        for item in inner.split(',') {
            let mut w = item.split_whitespace();
            let a = w.next().and_then(Arch::from_name)?;
            let n = w.next()?.parse().ok()?;
            per_arch.push((a, n));
        }
    }
    Some(CountSpec { total, per_arch })
}

/// Parses a group rule's comment: `52: name 30 (x86_64 30), name 22 (…)`. A comment that
/// starts like a count but does not read as one is returned as the error.
fn group_counts(s: &str) -> Result<BTreeMap<&'static str, CountSpec>, String> {
    let mut out = BTreeMap::new();
    let Some((total, list)) = s.split_once(':') else {
        // A bare total cannot be shared out among the members.
        if looks_like_count(s) && parse_count(s).is_none() {
            return Err(s.to_string());
        }
        return Ok(out);
    };
    if total.trim().parse::<u64>().is_err() {
        if looks_like_count(s) {
            return Err(s.to_string());
        }
        return Ok(out);
    }
    let mut depth = 0;
    let mut start = 0;
    let mut items = Vec::new();
    for (i, ch) in list.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    for item in items {
        let item = item.trim();
        let Some((name, spec)) = item.split_once(char::is_whitespace) else {
            return Err(item.to_string());
        };
        let Some(spec) = parse_count(spec) else {
            return Err(item.to_string());
        };
        // A member sysgate does not know is not counted (the group's own members are).
        if let Some(name) = static_name(name) {
            out.insert(name, spec);
        }
    }
    Ok(out)
}

/// What is wrong with a count comment that does not read: a number too large for a count,
/// or else not a count at all.
fn bad_count(comment: String) -> ReadIssue {
    let too_large = comment
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':'))
        .find(|w| {
            !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) && w.parse::<u64>().is_err()
        });
    match too_large {
        Some(n) => ReadIssue::CountTooLarge(n.to_string()),
        None => ReadIssue::BadCount(comment),
    }
}

/// Whether a rule's comment is meant as a count (it starts with a digit).
fn looks_like_count(comment: &str) -> bool {
    comment.trim().starts_with(|c: char| c.is_ascii_digit())
}

/// The table's own `&'static str` for a syscall name.
fn static_name(name: &str) -> Option<&'static str> {
    let names = arch::syscall_names();
    names.binary_search(&name).ok().map(|i| names[i])
}

/// Parses `p == V && q in {V, V|V}` for a tracked syscall.
fn parse_condition(name: &str, cond: &str, arch: Arch) -> Option<Args> {
    let params = tracked(name)?;
    let mut map = BTreeMap::new();
    for clause in cond.split("&&") {
        let clause = clause.trim();
        let (p, values): (&str, Vec<&str>) = if let Some((p, v)) = clause.split_once("==") {
            (p.trim(), vec![v.trim()])
        } else if let Some((p, v)) = clause.split_once(" in ") {
            let v = v.trim().strip_prefix('{')?.strip_suffix('}')?;
            (p.trim(), v.split(',').map(str::trim).collect())
        } else {
            return None;
        };
        let p = *params.iter().find(|x| **x == p)?;
        let set: &mut BTreeSet<u64> = map.entry(p).or_default();
        for v in values {
            let mut n = 0u64;
            for part in v.split('|').map(str::trim) {
                n |=
                    crate::policy::lexer::parse_int(part).or_else(|| arch::constant(arch, part))?;
            }
            set.insert(n);
        }
    }
    Some(Args::Values(map))
}

/// How a value of `syscall`'s parameter `param` is written.
fn value_text(syscall: &str, param: &str, v: u64, arches: &[Arch]) -> String {
    let named = match (syscall, param) {
        ("socket", "domain") => exact(v, &["AF_"], arches),
        ("socket", "type") => flags(v, 0xf, &["SOCK_"], &["SOCK_"], arches),
        ("clone", "flags") => flags(v, 0xff, &["SIG"], &["CLONE_"], arches),
        ("ioctl", "request") => exact(v, &["TC", "TIOC", "FIO", "FIC", "SIOC", "BLK"], arches),
        ("prctl", "option") => exact(v, &["PR_"], arches),
        ("personality", "persona") => exact(v, &["PER_"], arches),
        (_, "prot") if v == 0 => exact(0, &["PROT_NONE"], arches),
        (_, "prot") => flags(v, 0, &[], &["PROT_"], arches),
        _ => None,
    };
    named.unwrap_or_else(|| hex(v))
}

fn hex(v: u64) -> String {
    if v < 10 {
        v.to_string()
    } else {
        format!("{v:#x}")
    }
}

/// Aliases that are not the usual name of their value.
const ALIASES: &[&str] = &["AF_LOCAL", "AF_ROUTE", "AF_FILE"];

/// The constant with exactly value `v` on every one of `arches`, among names starting
/// with one of `prefixes`. Prefers a name no other constant is a prefix of (`PR_GET_…`
/// rather than `PR_CAP_AMBIENT_RAISE`, a value of `PR_CAP_AMBIENT`), then the shortest.
fn exact(v: u64, prefixes: &[&str], arches: &[Arch]) -> Option<String> {
    let names = arch::constant_names();
    let mut cands: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| prefixes.iter().any(|p| n.starts_with(p)))
        .filter(|n| !ALIASES.contains(n))
        .filter(|n| arches.iter().all(|a| arch::constant(*a, n) == Some(v)))
        .collect();
    let sub_value = |n: &str| {
        names
            .iter()
            .any(|o| o.len() < n.len() && n.starts_with(o) && n.as_bytes()[o.len()] == b'_')
    };
    cands.sort_by_key(|n| (sub_value(n), n.len(), *n));
    cands.first().map(|s| s.to_string())
}

/// `v` as `BASE|FLAG|FLAG`: the bits under `base_mask` as one exact name, every other bit as
/// a one-bit name; `None` if some part has no name.
fn flags(
    v: u64,
    base_mask: u64,
    base_prefixes: &[&str],
    bit_prefixes: &[&str],
    arches: &[Arch],
) -> Option<String> {
    let mut parts = Vec::new();
    let base = v & base_mask;
    if base != 0 || (base_mask != 0 && v == 0) {
        parts.push(exact(base, base_prefixes, arches)?);
    }
    let rest = v & !base_mask;
    for bit in 0..64 {
        let b = 1u64 << bit;
        if rest & b != 0 {
            parts.push(exact(b, bit_prefixes, arches)?);
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nr(a: Arch, n: &str) -> u32 {
        a.syscall_nr(n).unwrap()
    }

    #[test]
    fn names_of_values() {
        let x = [Arch::X86_64];
        assert_eq!(value_text("socket", "domain", 1, &x), "AF_UNIX");
        assert_eq!(value_text("socket", "domain", 16, &x), "AF_NETLINK");
        assert_eq!(
            value_text("socket", "type", 0x80001, &x),
            "SOCK_STREAM|SOCK_CLOEXEC"
        );
        assert_eq!(
            value_text("clone", "flags", 0x0120_0011, &x),
            "SIGCHLD|CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID"
        );
        assert_eq!(value_text("mmap", "prot", 3, &x), "PROT_READ|PROT_WRITE");
        assert_eq!(value_text("mprotect", "prot", 0, &x), "PROT_NONE");
        assert_eq!(value_text("prctl", "option", 2, &x), "PR_GET_PDEATHSIG");
        assert_eq!(
            value_text("personality", "persona", 0xffff_ffff, &x),
            "0xffffffff"
        );
        assert_eq!(value_text("ioctl", "request", 0x5401, &x), "TCGETS");
    }

    #[test]
    fn a_profile_counts_the_native_abi_and_its_register_arguments() {
        let (x, i) = (Arch::X86_64, Arch::I386);
        let mut r = Recording::default();
        // fcntl's cmd is an int: the upper half of the register is not the kernel's.
        for _ in 0..5 {
            r.add_call(
                x,
                nr(x, "fcntl"),
                &[3, 0xdead_0000_0001, 0, 0, 0, 0],
                false,
                true,
            );
        }
        r.add_call(x, nr(x, "fcntl"), &[3, 2, 0, 0, 0, 0], false, true);
        r.add_call(x, nr(x, "mmap"), &[0, 4096, 3, 0x22, 0, 0], false, true);
        // i386: mmap's arguments are in memory (not counted), mmap2's in registers.
        r.add_call(i, nr(i, "mmap"), &[0x1000, 0, 0, 0, 0, 0], false, true);
        r.add_call(i, nr(i, "mmap2"), &[0, 4096, 1, 2, 0, 0], false, true);
        r.add_call(i, nr(i, "getpid"), &[0; 6], false, true);
        assert_eq!(r.values[&(i, "mmap")], Vec::new());
        assert_eq!(r.values[&(i, "mmap2")].len(), 2);
        assert_eq!(r.profile_arch(), Some(x));

        let text = r.to_profile(&["test".into()]);
        assert!(text.starts_with("# test\n"), "{text}");
        for line in [
            "\nfcntl\t6\n",
            "\nmmap\t1\n",
            "\nfcntl\targ1=0x1\t5\n",
            "\nfcntl\targ1=0x2\t1\n",
            "\nmmap\targ2=0x3\t1\n",
            "\nmmap\targ3=0x22\t1\n",
            "\n#   getpid 1, mmap 1, mmap2 1\n",
        ] {
            assert!(text.contains(line), "{line:?} in\n{text}");
        }
        assert!(!text.contains("\ngetpid\t"), "{text}");
        let p = crate::compile::Weights::read_profile(&text, &[x, i]).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.weights.calls[&(x, nr(x, "fcntl"))], 6.0);

        // Only i386 calls: the table counts i386.
        let mut r = Recording::default();
        r.add_call(i, nr(i, "mmap2"), &[0, 4096, 1, 2, 0, 0], false, true);
        assert_eq!(r.profile_arch(), Some(i));
        assert!(r.to_profile(&[]).contains("\nmmap2\targ3=0x2\t1\n"));
        assert_eq!(Recording::default().profile_arch(), None);
    }

    #[test]
    fn profiles_list_the_most_frequent_values_and_counting_is_bounded() {
        let x = Arch::X86_64;
        let ioctl = |r: &mut Recording, v: u64| {
            r.add_call(x, nr(x, "ioctl"), &[0, v, 0, 0, 0, 0], false, true);
        };
        // 10 rare values first, then MAX_PROFILED_VALUES values called twice each.
        let mut r = Recording::default();
        for v in 0..10 {
            ioctl(&mut r, 0x1000 + v);
        }
        for v in 0..MAX_PROFILED_VALUES as u64 {
            ioctl(&mut r, v);
            ioctl(&mut r, v);
        }
        let text = r.to_profile(&[]);
        let listed: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("ioctl\targ1="))
            .collect();
        assert_eq!(listed.len(), MAX_PROFILED_VALUES, "{text}");
        assert!(listed.iter().all(|l| l.ends_with("\t2")), "{listed:?}");
        assert!(!text.contains("arg1=0x1000"), "{text}");
        assert!(
            text.contains("less frequent than the 64 above): ioctl arg1: 10 calls"),
            "{text}"
        );

        // Beyond COUNTED_VALUES distinct values, calls are only counted as `other`.
        let mut r = Recording::default();
        for v in 0..COUNTED_VALUES as u64 + 10 {
            ioctl(&mut r, v);
        }
        ioctl(&mut r, 0);
        let pc = &r.values[&(x, "ioctl")][0];
        assert_eq!(pc.counts.len(), COUNTED_VALUES);
        assert_eq!((pc.counts[&0], pc.other), (2, 10));
        let mut twice = r.clone();
        twice.merge(&r);
        let pc = &twice.values[&(x, "ioctl")][0];
        assert_eq!((pc.counts[&0], pc.other), (4, 20));
    }

    #[test]
    fn policy_round_trips_through_merge() {
        let mut r = Recording::default();
        let (x, i) = (Arch::X86_64, Arch::I386);
        for _ in 0..3 {
            r.add(x, nr(x, "read"), &[0; 6], true);
        }
        r.add(i, nr(i, "getpid"), &[0; 6], true);
        r.add(x, nr(x, "socket"), &[1, 0x80001, 0, 0, 0, 0], true);
        r.add(x, nr(x, "socket"), &[2, 2, 0, 0, 0, 0], true);
        r.add(x, 999, &[0; 6], true);
        let text = r.to_policy(&["test".into()]);
        assert!(text.contains("arch x86_64 i386\n"), "{text}");
        assert!(
            text.contains("allow socket if domain in {AF_UNIX, AF_INET} && type in {SOCK_DGRAM, SOCK_STREAM|SOCK_CLOEXEC}"),
            "{text}"
        );
        crate::policy::Policy::parse("rec.policy", &text).expect("valid policy");
        let (back, warnings) = Recording::from_policy(&text);
        assert!(warnings.is_empty(), "{warnings:?}");
        let mut expected = r.clone();
        expected.unknown.clear();
        assert_eq!(back, expected);
    }

    #[test]
    fn a_group_only_when_every_member_was_seen() {
        let x = Arch::X86_64;
        let members: Vec<&str> = groups::expand("@timer")
            .unwrap()
            .into_iter()
            .filter(|m| x.syscall_nr(m).is_some())
            .collect();
        let mut r = Recording::default();
        for m in &members[1..] {
            r.add(x, nr(x, m), &[0; 6], false);
        }
        assert!(!r.to_policy(&[]).contains("@timer"));
        r.add(x, nr(x, members[0]), &[0; 6], false);
        let text = r.to_policy(&[]);
        assert!(text.contains("allow @timer"), "{text}");
        let (back, _) = Recording::from_policy(&text);
        assert_eq!(back, r);
    }

    #[test]
    fn huge_counts_stop_at_the_largest_count() {
        let max = u64::MAX;
        let text = format!("arch x86_64 i386\nallow read  # 5 (x86_64 {max}, i386 5)\n");
        let (r, notes) = Recording::read_policy(&text);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(r.calls["read"].total(), max);
        assert_eq!(r.total(), max);
        assert!(r
            .to_policy(&[])
            .contains(&format!("# {max} (x86_64 {max}, i386 5)")));

        let text = format!("arch x86_64\nallow read  # {max}\nallow read  # {max}\n");
        let (mut r, notes) = Recording::read_policy(&text);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(r.calls["read"].counts[&Arch::X86_64], max);
        r.unknown.insert((Arch::X86_64, 999), max);
        r.foreign.insert(7, max);
        let copy = r.clone();
        r.merge(&copy);
        assert_eq!(r, copy);
    }

    #[test]
    fn a_count_above_u64_is_too_large() {
        let big = "99999999999999999999999";
        let text = format!(
            "arch x86_64\nallow read  # {big}\nallow write  # 7x\n\
             allow @timer  # 5: timer_create {big} (x86_64 {big})\n"
        );
        let (_, notes) = Recording::read_policy(&text);
        let kinds: Vec<&ReadIssue> = notes.iter().map(|n| &n.kind).collect();
        assert_eq!(
            kinds,
            [
                &ReadIssue::CountTooLarge(big.into()),
                &ReadIssue::BadCount("7x".into()),
                &ReadIssue::CountTooLarge(big.into()),
            ]
        );
        assert_eq!(
            notes[0].to_string(),
            format!(
                "line 2: count {big} is too large (at most {}); read as 0",
                u64::MAX
            )
        );
    }
}
