//! Expected call frequencies, which decide where the search tree puts each syscall.
//!
//! A profile says how often each syscall is called. The compiler puts frequent syscalls on
//! short paths; the filter's decisions never depend on it, only the number of instructions
//! each call runs. Three sources:
//!
//! - [`Weights::builtin`]: the mix sysgate ships ([`BUILTIN_MIX`], recorded with
//!   `strace -f -c` over seven workloads: a cargo build, a Python web server, curl, tar, shell
//!   loops, sqlite3, threaded Python). [`Policy::compile`](crate::policy::Policy::compile)
//!   uses it; [`Options::default()`](super::Options) has no weights (a balanced tree).
//! - A `NAME COUNT` table ([`Weights::from_mix`], or strictly [`Weights::read_profile`]).
//!   It may also say how often an argument takes a value: `futex arg1=0x81 63309` means that
//!   63309 of the `futex` calls passed 0x81 (`FUTEX_WAKE_PRIVATE`) as argument 1. The
//!   argument checks then test the frequent values first (see
//!   [`args`](super::args)), within a bound on their longest path.
//! - A policy written by `sysgate record`, whose `allow NAME  # COUNT` lines carry the
//!   counts ([`Weights::from_recording`], or from its text [`Weights::read_profile`]).
//!
//! Value counts are shares of the syscall's calls: a value's share is its count over the
//! syscall's count, or over the sum of that argument's value counts when that is larger
//! (so a table may also give plain relative shares, without the syscall's count).
//!
//! ```
//! use sysgate::arch::Arch;
//! use sysgate::compile::{self, Weights};
//! use sysgate::policy::Policy;
//!
//! let p = Policy::parse("example", "default allow\ndeny unshare\narch x86_64\n").unwrap();
//! // What `Policy::compile` does: the built-in mix for the policy's architectures.
//! let opts = compile::Options { weights: Weights::builtin(&p.resolved.arches()) };
//! assert_eq!(compile::compile(&p.resolved, &opts).unwrap(), p.compile().unwrap());
//!
//! // A profile of one program: `sysgate record` output, or `NAME COUNT` lines.
//! let text = "arch x86_64\nallow getpid  # 900\nallow read  # 100\n";
//! let profile = Weights::read_profile(text, &[Arch::X86_64]).unwrap();
//! assert!(profile.warnings.is_empty());
//! let opts = compile::Options { weights: profile.weights };
//! let prog = compile::compile(&p.resolved, &opts).unwrap();
//! # let _ = prog;
//! ```

use crate::arch::Arch;
use crate::sandbox::recording::{ReadIssue, Recording};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// The weight every syscall in the table gets on top of its share of the mix (the mix is
/// normalised to 1): it orders the cold part of the tree.
pub const FLOOR: f64 = 1e-5;

/// What a call the kernel's action cache serves weighs, against its count, in
/// [`Weights::for_action_cache`]: little, but enough to keep those calls ordered among
/// themselves for kernels without the cache.
pub const CACHED_SHARE: f64 = 0.01;

/// The built-in call-frequency profile, as `NAME COUNT` lines (see the module notes).
pub const BUILTIN_MIX: &str = include_str!("mix.tsv");

/// How often each (arch, syscall number) is expected to be called; drives where the search
/// tree splits. Missing entries count as rare.
///
/// `Weights::default()` is empty: every syscall is equally rare, and the first
/// architecture's search tree is balanced by syscall count (the other architectures' trees
/// are the shortest, with or without weights); argument checks are ordered for their
/// longest path only.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    pub calls: HashMap<(Arch, u32), f64>,
    /// Per (arch, syscall number, argument index): how many calls passed each value, in the
    /// units of `calls` (see [`Weights::arg_values`] for the shares they stand for). Only the
    /// values a profile lists; the other calls passed something else.
    pub values: HashMap<(Arch, u32, u8), BTreeMap<u64, f64>>,
}

/// Of one syscall's calls, the share that passed each value, per argument: `(argument
/// index, value, share)`, sorted by index then value; the shares of one argument add up to
/// at most 1. What [`Weights::arg_values`] returns and the argument checks are laid out for.
pub type ArgValues = Vec<(u8, u64, f64)>;

/// Weights read by [`Weights::read_profile`], with what the reader had to say.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub weights: Weights,
    /// Things the user should know, not errors: syscall names none of the target
    /// architectures has, unknown groups or architectures in a recording, a profile
    /// without a single count.
    pub warnings: Vec<String>,
}

/// Why a profile could not be read: a line (1-based) and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ProfileError {}

/// Compat ABIs get a table's counts scaled down by this, so that they shape their own trees
/// without outweighing the native ABI.
fn compat_scale(a: Arch) -> f64 {
    if is_compat(a) {
        1e-3
    } else {
        1.0
    }
}

/// Whether a `NAME COUNT` table's counts reach `a` scaled down (by 1000), as a compat ABI
/// (i386, x32, arm) rather than a native one.
pub fn is_compat(a: Arch) -> bool {
    matches!(a, Arch::I386 | Arch::X32 | Arch::Arm)
}

/// An architecture a recording has no calls on gets the counts by name scaled down by this
/// (see [`Weights::from_recording`]), so that the recorded architectures stay the ones with
/// the most calls.
const UNRECORDED_SCALE: f64 = 1e-3;

/// The largest count a `NAME COUNT` table may give: far above any real run, and low
/// enough that no sum of counts comes near the limits of `f64`.
pub const MAX_COUNT: f64 = 1e15;

/// Whether `w` is a word a statement of the policy language starts with (the parser's
/// own lists). A `NAME COUNT` table has none of them first, unless as a syscall name with
/// its count (`kill 5`).
fn is_policy_word(w: &str) -> bool {
    use crate::policy::parser::{RULE_ACTIONS, STATEMENTS};
    RULE_ACTIONS.contains(&w) || STATEMENTS.contains(&w)
}

impl Weights {
    /// The built-in profile ([`BUILTIN_MIX`]) for `arches`, as [`Weights::from_mix`] reads it.
    pub fn builtin(arches: &[Arch]) -> Weights {
        Weights::from_mix(BUILTIN_MIX, arches).0
    }

    /// Reads a syscall mix: one `NAME COUNT` or `NAME argN=VALUE… COUNT` per line (tab or
    /// spaces), `#` comments. Every architecture in `arches` gets the counts of the names it
    /// has; the compat ABIs (i386, x32, arm) get them scaled down by 1000, so they shape
    /// their own trees without outweighing the native ABI (value counts are scaled alike,
    /// so every ABI gets the same value shares). Returns the weights and the names none of
    /// `arches` has. Lines that do not read (or give more than [`MAX_COUNT`] calls) are
    /// skipped; [`Weights::read_profile`] rejects them instead.
    pub fn from_mix(text: &str, arches: &[Arch]) -> (Weights, Vec<String>) {
        Weights::from_table(text, arches, false).unwrap_or_default()
    }

    /// A `NAME COUNT` table's weights and the names none of `arches` has. A line that does
    /// not read is the error when `strict`, else skipped.
    fn from_table(
        text: &str,
        arches: &[Arch],
        strict: bool,
    ) -> Result<(Weights, Vec<String>), ProfileError> {
        let mut w = Weights::default();
        let mut unknown = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let (name, args, count) = match mix_line(line) {
                Ok(Some(entry)) => entry,
                Ok(None) => continue,
                Err(message) if strict => {
                    return Err(ProfileError {
                        line: i + 1,
                        message,
                    })
                }
                Err(_) => continue,
            };
            let known = if args.is_empty() {
                w.add_everywhere(name, count, arches, compat_scale)
            } else {
                w.add_values(name, &args, count, arches)
            };
            if !known && !unknown.iter().any(|u| u == name) {
                unknown.push(name.to_string());
            }
        }
        Ok((w, unknown))
    }

    /// Weights from what `sysgate record` saw. A syscall's count on an architecture goes to
    /// that architecture; an architecture of `arches` the recording has no calls on gets the
    /// counts by name scaled down by 1000, so a profile recorded on x86_64 still orders the
    /// i386 and x32 trees, and one recorded on i386 leaves i386 the architecture with the
    /// most calls (the one whose tree is laid out for them). Returns the weights and the
    /// names none of `arches` has.
    pub fn from_recording(rec: &Recording, arches: &[Arch]) -> (Weights, Vec<String>) {
        let mut w = Weights::default();
        let mut unknown = Vec::new();
        let seen: Vec<Arch> = arches
            .iter()
            .copied()
            .filter(|a| rec.calls.values().any(|c| c.counts.contains_key(a)))
            .collect();
        let unseen: Vec<Arch> = arches
            .iter()
            .copied()
            .filter(|a| !seen.contains(a))
            .collect();
        for (name, call) in &rec.calls {
            if !arches.iter().any(|a| a.syscall_nr(name).is_some()) {
                unknown.push(name.to_string());
                continue;
            }
            for (a, n) in &call.counts {
                if let (true, Some(nr)) = (seen.contains(a), a.syscall_nr(name)) {
                    *w.calls.entry((*a, nr)).or_insert(0.0) += *n as f64;
                }
            }
            w.add_everywhere(name, call.total() as f64, &unseen, |_| UNRECORDED_SCALE);
        }
        (w, unknown)
    }

    /// Reads a profile, in either format: a `NAME COUNT` table, or a policy written by
    /// `sysgate record` or by hand (recognised by its first statement: `default`, `arch`,
    /// `allow`, `deny`…; a policy's rules other than `allow` are not counted).
    /// Names none of `arches` has, and the notes of [`Recording::read_policy`] about unknown
    /// names, are warnings; a line that is not `NAME COUNT` or `NAME argN=VALUE… COUNT` in a
    /// table (an argument index above 5, a value that is not a 64-bit number…), or an
    /// `allow` whose comment starts like a count but is not one, is an error; so is a count
    /// above [`MAX_COUNT`] in a table, or above `u64::MAX` in a policy. A policy carries no
    /// argument values.
    pub fn read_profile(text: &str, arches: &[Arch]) -> Result<Profile, ProfileError> {
        let is_policy = text
            .lines()
            .find(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
            .is_some_and(|l| {
                let mut words = l.split('#').next().unwrap_or("").split_whitespace();
                let (first, second) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                // `kill 5` (or `kill arg1=9 5`) is a count of the syscall `kill`;
                // `kill ptrace` a rule.
                let counted_syscall = crate::arch::syscall_names().binary_search(&first).is_ok()
                    && (second.parse::<f64>().is_ok() || arg_word(second));
                is_policy_word(first) && !counted_syscall
            });
        let mut warnings = Vec::new();
        let (weights, unknown) = if is_policy {
            let (rec, notes) = Recording::read_policy(text);
            for n in notes {
                match &n.kind {
                    ReadIssue::BadCount(c) => {
                        return Err(ProfileError {
                            line: n.line,
                            message: format!(
                                "'{c}' is not a count (expected `# COUNT` or \
                                 `# COUNT (ARCH COUNT, …)` after the rule)"
                            ),
                        })
                    }
                    ReadIssue::CountTooLarge(c) => {
                        return Err(ProfileError {
                            line: n.line,
                            message: format!("count {c} is too large (at most {})", u64::MAX),
                        })
                    }
                    ReadIssue::UnknownSyscall(_)
                    | ReadIssue::UnknownGroup(_)
                    | ReadIssue::UnknownArch(_) => warnings.push(n.to_string()),
                    // Rules other than `allow`, conditions: nothing to count.
                    _ => {}
                }
            }
            Weights::from_recording(&rec, arches)
        } else {
            Weights::from_table(text, arches, true)?
        };
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|n| format!("'{n}'")).collect();
            warnings.push(format!(
                "{} not on {}, ignored: {}",
                if unknown.len() == 1 {
                    "a syscall name"
                } else {
                    "syscall names"
                },
                if arches.len() == 1 {
                    format!("the target architecture ({})", arches[0].name())
                } else {
                    "any target architecture".to_string()
                },
                names.join(", ")
            ));
        }
        if weights.calls.values().all(|w| *w == 0.0) {
            warnings.push(
                "no call counts for the target architectures; the search tree is balanced \
                 as without a profile"
                    .to_string(),
            );
        }
        Ok(Profile { weights, warnings })
    }

    /// Adds `count` calls of `name`, times `scale` of the architecture, on every one of
    /// `arches` that has it; false if none has it.
    fn add_everywhere(
        &mut self,
        name: &str,
        count: f64,
        arches: &[Arch],
        scale: impl Fn(Arch) -> f64,
    ) -> bool {
        let mut found = false;
        for &a in arches {
            if let Some(nr) = a.syscall_nr(name) {
                found = true;
                *self.calls.entry((a, nr)).or_insert(0.0) += count * scale(a);
            }
        }
        found
    }

    /// Adds `count` calls passing each of `args` (index, value) to the value counts of
    /// `name` on every one of `arches` that has it, scaled like its call count; false if
    /// none has it.
    fn add_values(&mut self, name: &str, args: &[(u8, u64)], count: f64, arches: &[Arch]) -> bool {
        let mut found = false;
        for &a in arches {
            if let Some(nr) = a.syscall_nr(name) {
                found = true;
                for &(i, v) in args {
                    let counts = self.values.entry((a, nr, i)).or_default();
                    *counts.entry(v).or_insert(0.0) += count * compat_scale(a);
                }
            }
        }
        found
    }

    /// The share of `nr`'s calls on `arch` that passed each value the profile lists, per
    /// argument ([`ArgValues`]): a value's count over the syscall's call count, or over the
    /// sum of the argument's value counts when that is larger. Empty without value counts.
    pub fn arg_values(&self, arch: Arch, nr: u32) -> ArgValues {
        let calls = self.calls.get(&(arch, nr)).copied().unwrap_or(0.0);
        let mut out: ArgValues = Vec::new();
        for i in 0..6u8 {
            let Some(counts) = self.values.get(&(arch, nr, i)) else {
                continue;
            };
            let total = calls.max(counts.values().sum());
            if total <= 0.0 {
                continue;
            }
            out.extend(
                counts
                    .iter()
                    .filter(|(_, c)| **c > 0.0)
                    .map(|(&v, &c)| (i, v, c / total)),
            );
        }
        out
    }

    /// The weights for a kernel with the seccomp action cache (Linux 5.11+), which serves
    /// the calls `policy` allows whatever their arguments (on every ABI but x32) without
    /// running the filter: those weigh [`CACHED_SHARE`] of their count, so that the short
    /// paths go to the calls that still run it, argument checks and refusals. Where the
    /// cache is missing (older kernels, x32), such a layout costs more instructions than the
    /// plain one; it never changes a decision.
    ///
    /// ```
    /// use sysgate::compile::{self, Weights};
    /// use sysgate::policy::Policy;
    ///
    /// let p = Policy::parse("p", "arch x86_64\ndefault allow\ndeny futex if futex_op == 9\n").unwrap();
    /// let plain = Weights::builtin(&p.resolved.arches());
    /// let cached = plain.clone().for_action_cache(&p.resolved);
    /// let futex = (sysgate::arch::Arch::X86_64, 202);
    /// let read = (sysgate::arch::Arch::X86_64, 0);
    /// assert_eq!(cached.calls[&futex], plain.calls[&futex]);
    /// assert!(cached.calls[&read] < plain.calls[&read]);
    /// let opts = compile::Options { weights: cached };
    /// # let _ = compile::compile(&p.resolved, &opts).unwrap();
    /// ```
    pub fn for_action_cache(mut self, policy: &crate::ir::Policy) -> Weights {
        use crate::policy::ast::Action;
        for ((arch, nr), w) in self.calls.iter_mut() {
            let cached = crate::analyze::cost::has_cache(*arch)
                && policy
                    .section(*arch)
                    .and_then(|s| s.syscalls.get(nr))
                    .is_some_and(|d| d.rules.is_empty() && d.otherwise.action == Action::Allow);
            if cached {
                *w *= CACHED_SHARE;
            }
        }
        self
    }

    /// The total weight of `arch`, for normalising. Summed in number order: a float sum in
    /// the map's (random) order can differ in its last bits from run to run, and with it a
    /// tie in the layout, so one policy would not always compile to one program.
    pub fn total(&self, arch: Arch) -> f64 {
        let mut ws: Vec<(u32, f64)> = self
            .calls
            .iter()
            .filter(|((a, _), _)| *a == arch)
            .map(|(&(_, nr), &w)| (nr, w))
            .collect();
        ws.sort_by_key(|&(nr, _)| nr);
        ws.iter().map(|&(_, w)| w).sum()
    }
}

/// Whether `w` is written like an argument value, `argN=…` (a table line, not a rule).
fn arg_word(w: &str) -> bool {
    w.strip_prefix("arg")
        .and_then(|r| r.split_once('='))
        .is_some_and(|(i, _)| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
}

/// A number as a profile writes an argument value: decimal, `0x` hex, or a negative decimal
/// (two's complement, as the kernel sees `-1`).
fn arg_value(v: &str) -> Option<u64> {
    if let Some(hex) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if v.starts_with('-') {
        v.parse::<i64>().ok().map(|n| n as u64)
    } else {
        v.parse::<u64>().ok()
    }
}

/// One table line: the name, the argument values it counts, the count.
type MixLine<'a> = (&'a str, Vec<(u8, u64)>, f64);

/// One line of a `NAME COUNT` or `NAME argN=VALUE… COUNT` table: `None` for a blank or
/// comment line.
fn mix_line(line: &str) -> Result<Option<MixLine<'_>>, String> {
    let code = line.split('#').next().unwrap_or("").trim();
    let words: Vec<&str> = code.split_whitespace().collect();
    let Some((&name, rest)) = words.split_first() else {
        return Ok(None);
    };
    let Some((&count, specs)) = rest.split_last() else {
        return Err(format!("expected `NAME COUNT`, found '{code}'"));
    };
    let mut args = Vec::with_capacity(specs.len());
    for &spec in specs {
        if !arg_word(spec) {
            // `read 5 6`: something after what reads as the count.
            if spec.parse::<f64>().is_ok() {
                let after = rest.iter().skip_while(|&&w| w != spec).nth(1);
                return Err(format!(
                    "expected `NAME COUNT`, found '{}' after the count '{spec}'",
                    after.unwrap_or(&count)
                ));
            }
            return Err(format!(
                "expected `argN=VALUE` (N from 0 to 5) between the name and the count, \
                 found '{spec}'"
            ));
        }
        let (i, v) = spec[3..].split_once('=').unwrap_or_default();
        let index = match i.parse::<u8>() {
            Ok(n) if n < 6 => n,
            _ => {
                return Err(format!(
                    "'{spec}': no argument {i} (a syscall has arguments 0 to 5)"
                ))
            }
        };
        let Some(value) = arg_value(v) else {
            return Err(format!(
                "'{spec}': '{v}' is not an argument value (a 64-bit number, decimal or 0x hex)"
            ));
        };
        if args.iter().any(|&(j, _)| j == index) {
            return Err(format!(
                "'{spec}': argument {index} twice on one line (one line is one set of calls)"
            ));
        }
        args.push((index, value));
    }
    if specs.is_empty() && arg_word(count) {
        return Err(format!("expected a count after '{count}'"));
    }
    match count.parse::<f64>() {
        Ok(n) if n.is_finite() && n > MAX_COUNT => Err(format!(
            "'{count}' is too large (at most {MAX_COUNT:e} calls)"
        )),
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(Some((name, args, n))),
        _ => Err(format!(
            "'{count}' is not a count (a number of calls, 0 or more)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every map has its own iteration order: the total must not depend on it (with the
    /// action cache's fractional weights, a sum's last bits depend on its order).
    #[test]
    fn the_total_is_the_same_whatever_the_maps_order() {
        let policy = crate::policy::Policy::load("container", &Default::default()).unwrap();
        let total = |_: usize| {
            Weights::from_mix(BUILTIN_MIX, &Arch::native())
                .0
                .for_action_cache(&policy.resolved)
                .total(Arch::X86_64)
        };
        let first = total(0);
        assert!((1..40).map(total).all(|t| t.to_bits() == first.to_bits()));
    }

    #[test]
    fn the_builtin_mix_names_only_known_syscalls() {
        let (w, unknown) = Weights::from_mix(BUILTIN_MIX, &[Arch::X86_64]);
        assert!(unknown.is_empty(), "{unknown:?}");
        let futex = Arch::X86_64.syscall_nr("futex").unwrap();
        assert!(w.calls[&(Arch::X86_64, futex)] > 0.0);
        assert!(Weights::read_profile(BUILTIN_MIX, &[Arch::X86_64])
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn table_errors_are_located() {
        let x = [Arch::X86_64];
        let e = Weights::read_profile("# c\nread 5\nwrite lots\n", &x).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: 'lots' is not a count (a number of calls, 0 or more)"
        );
        let e = Weights::read_profile("read\n", &x).unwrap_err();
        assert_eq!(e.to_string(), "line 1: expected `NAME COUNT`, found 'read'");
        let e = Weights::read_profile("read -1\n", &x).unwrap_err();
        assert_eq!(e.line, 1);
        let p = Weights::read_profile("read 5\nopne 3\n", &x).unwrap();
        assert_eq!(
            p.warnings,
            ["a syscall name not on the target architecture (x86_64), ignored: 'opne'"]
        );
    }

    #[test]
    fn a_recording_gives_each_architecture_its_own_counts() {
        let text = "# recorded\ndefault errno EPERM\narch x86_64 i386\n\
            allow read                       # 1000 (x86_64 990, i386 10)\n\
            allow getpid                     # 7 (i386 7)\n\
            allow @timer                     # 8: timer_create 5 (x86_64 5), timer_delete 3 (x86_64 3)\n\
            allow frobnicate                 # 4\n";
        let arches = [Arch::X86_64, Arch::I386, Arch::X32];
        let p = Weights::read_profile(text, &arches).unwrap();
        assert_eq!(p.warnings, ["line 7: unknown syscall 'frobnicate' ignored"]);
        let w = |a: Arch, n: &str| {
            p.weights
                .calls
                .get(&(a, a.syscall_nr(n).unwrap()))
                .copied()
                .unwrap_or(0.0)
        };
        assert_eq!(w(Arch::X86_64, "read"), 990.0);
        assert_eq!(w(Arch::I386, "read"), 10.0);
        assert_eq!(w(Arch::X86_64, "getpid"), 0.0);
        assert_eq!(w(Arch::I386, "getpid"), 7.0);
        assert_eq!(w(Arch::X86_64, "timer_create"), 5.0);
        // x32 was not recorded: it gets the totals by name, scaled down.
        assert_eq!(w(Arch::X32, "read"), 1000.0 * 1e-3);
        assert_eq!(w(Arch::X32, "getpid"), 7.0 * 1e-3);

        let bad = "arch x86_64\nallow read  # 12x\n";
        let e = Weights::read_profile(bad, &arches).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("'12x' is not a count"), "{e}");
    }

    /// What `sysgate record` writes (several architectures, a group) reads back as weights:
    /// each count on its own architecture.
    #[test]
    fn a_record_output_reads_back_per_architecture() {
        use crate::policy::groups;
        let (x, i) = (Arch::X86_64, Arch::I386);
        let mut r = Recording::default();
        let mut add = |a: Arch, name: &str, n: usize| {
            for _ in 0..n {
                r.add(a, a.syscall_nr(name).unwrap(), &[0; 6], false);
            }
        };
        add(x, "read", 30);
        add(i, "read", 2);
        add(i, "getpid", 5);
        let timer: Vec<&str> = groups::expand("@timer")
            .unwrap()
            .into_iter()
            .filter(|m| x.syscall_nr(m).is_some() || i.syscall_nr(m).is_some())
            .collect();
        // Each member on x86_64 where it exists (the `*_time64` ones are i386 only).
        let on = |m: &str| if x.syscall_nr(m).is_some() { x } else { i };
        for (k, m) in timer.iter().enumerate() {
            add(on(m), m, k + 1);
        }
        let text = r.to_policy(&["test".into()]);
        assert!(text.contains("allow @timer"), "{text}");
        let p = Weights::read_profile(&text, &[x, i]).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let w = |a: Arch, n: &str| p.weights.calls.get(&(a, a.syscall_nr(n).unwrap())).copied();
        assert_eq!(w(x, "read"), Some(30.0));
        assert_eq!(w(i, "read"), Some(2.0));
        assert_eq!(w(i, "getpid"), Some(5.0));
        assert_eq!(w(x, "getpid"), None);
        for (k, m) in timer.iter().enumerate() {
            assert_eq!(w(on(m), m), Some((k + 1) as f64), "{m}\n{text}");
        }
        // Only the architectures compiled for get weights.
        let p = Weights::read_profile(&text, &[x]).unwrap();
        assert!(p.weights.calls.keys().all(|(a, _)| *a == x));
    }

    #[test]
    fn a_profile_without_counts_says_so() {
        let p = Weights::read_profile("default allow\ndeny bpf\n", &[Arch::X86_64]).unwrap();
        assert!(p.weights.calls.is_empty());
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].starts_with("no call counts"));
    }

    fn weight(p: &Profile, a: Arch, name: &str) -> f64 {
        let nr = a.syscall_nr(name).unwrap();
        p.weights.calls.get(&(a, nr)).copied().unwrap_or(0.0)
    }

    /// A program recorded on i386 only: i386 keeps the most calls, so its tree is the one
    /// laid out for them; the other architectures get the counts by name, far lighter.
    #[test]
    fn the_recorded_architecture_outweighs_the_copies() {
        let text = "arch i386\nallow read # 100000\nallow write # 50000\n\
                    allow getpid # 10000\nallow brk # 10000\n";
        let arches = [Arch::X86_64, Arch::I386, Arch::X32, Arch::Aarch64];
        let p = Weights::read_profile(text, &arches).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(weight(&p, Arch::I386, "read"), 100000.0);
        assert_eq!(p.weights.total(Arch::I386), 170000.0);
        for a in [Arch::X86_64, Arch::X32, Arch::Aarch64] {
            assert_eq!(weight(&p, a, "read"), 100.0, "{a}");
            assert!(
                p.weights.total(a) * 100.0 < p.weights.total(Arch::I386),
                "{a}"
            );
        }
    }

    /// Counts past `u64::MAX` stop there, and the weights stay finite.
    #[test]
    fn huge_recorded_counts_give_finite_weights() {
        let max = u64::MAX;
        let arches = [Arch::X86_64, Arch::I386, Arch::X32];
        for text in [
            format!("arch x86_64 i386\nallow read # 5 (x86_64 {max}, i386 5)\n"),
            format!("arch x86_64\nallow read # {max}\nallow read # {max}\nallow write # {max}\n"),
        ] {
            let p = Weights::read_profile(&text, &arches).unwrap();
            for a in arches {
                assert!(p.weights.total(a).is_finite(), "{a}: {text}");
            }
            assert_eq!(weight(&p, Arch::X86_64, "read"), max as f64, "{text}");
        }
        let big = "99999999999999999999999";
        let e = Weights::read_profile(&format!("arch x86_64\nallow read  # {big}\n"), &arches)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("line 2: count {big} is too large (at most {max})")
        );
    }

    /// A table's counts have a ceiling, so no sum of them is infinite.
    #[test]
    fn table_counts_above_the_limit_are_errors() {
        let x = [Arch::X86_64];
        for text in [
            "read 1e308\nread 1e308\n",
            "read 5\nwrite 1e16\n",
            "read 99999999999999999999999\n",
        ] {
            let e = Weights::read_profile(text, &x).unwrap_err();
            assert!(
                e.message.ends_with("is too large (at most 1e15 calls)"),
                "{e}"
            );
        }
        let e = Weights::read_profile("read 5\nwrite 1e308\n", &x).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: '1e308' is too large (at most 1e15 calls)"
        );
        let e = Weights::read_profile("read inf\n", &x).unwrap_err();
        assert!(
            e.message
                .ends_with("is not a count (a number of calls, 0 or more)"),
            "{e}"
        );
        // At the limit, many times over: finite.
        let text = "read 1e15\n".repeat(1000) + "write 1e15\n";
        let p = Weights::read_profile(&text, &x).unwrap();
        assert_eq!(p.weights.total(Arch::X86_64), 1001e15);
        // `from_mix` skips what `read_profile` rejects.
        let (w, _) = Weights::from_mix("read 1e308\nread 1e308\nwrite 3\n", &x);
        assert_eq!(w.calls.len(), 1);
        assert_eq!(w.total(Arch::X86_64), 3.0);
    }

    /// A hand-written policy is read as a policy whatever statement it starts with: its
    /// `allow NAME # COUNT` lines are the counts, its other rules are not counted.
    #[test]
    fn a_policy_is_a_policy_whatever_it_starts_with() {
        let x = [Arch::X86_64];
        for first in [
            "deny ptrace",
            "errno EPERM mount",
            "kill ptrace",
            "kill-process ptrace",
            "kill-thread ptrace",
            "trap ptrace",
            "log ptrace",
            "trace 7 ptrace",
            "notify ptrace",
            "fs read /usr",
            "net connect 443",
            "use container",
            "badarch kill",
            "unknown errno ENOSYS",
        ] {
            let text = format!("# hand-written\n{first}  # 3\nallow read  # 10\n");
            let p = Weights::read_profile(&text, &x).unwrap_or_else(|e| panic!("{first}: {e}"));
            assert!(p.warnings.is_empty(), "{first}: {:?}", p.warnings);
            assert_eq!(p.weights.total(Arch::X86_64), 10.0, "{first}");
        }
        // A table may count the syscall `kill` first.
        let p = Weights::read_profile("kill 5\nread 10\n", &x).unwrap();
        assert_eq!(weight(&p, Arch::X86_64, "kill"), 5.0);
        assert_eq!(weight(&p, Arch::X86_64, "read"), 10.0);
    }

    /// `NAME argN=VALUE… COUNT` lines give value counts, scaled like the call counts; a
    /// value's share is over the syscall's count (or the argument's value counts, when
    /// larger).
    #[test]
    fn value_lines_give_shares_of_the_calls() {
        let arches = [Arch::X86_64, Arch::I386];
        let text = "futex 1000
futex arg1=0x81 600
futex arg1=128 200
                    mmap arg2=3 arg3=0x22 30
mmap arg2=1 10
kill arg1=-1 4
";
        let p = Weights::read_profile(text, &arches).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let x = Arch::X86_64;
        let futex = x.syscall_nr("futex").unwrap();
        assert_eq!(
            p.weights.arg_values(x, futex),
            [(1, 0x80, 0.2), (1, 0x81, 0.6)]
        );
        // The compat ABI gets the same shares (its counts are scaled down alike).
        let i = Arch::I386;
        assert_eq!(
            p.weights.arg_values(i, i.syscall_nr("futex").unwrap()),
            p.weights.arg_values(x, futex)
        );
        // No call count: shares of the listed values; one line may count several arguments.
        let mmap = x.syscall_nr("mmap").unwrap();
        assert_eq!(
            p.weights.arg_values(x, mmap),
            [(2, 1, 0.25), (2, 3, 0.75), (3, 0x22, 1.0)]
        );
        assert_eq!(p.weights.calls.get(&(x, mmap)), None);
        let kill = x.syscall_nr("kill").unwrap();
        assert_eq!(p.weights.arg_values(x, kill), [(1, u64::MAX, 1.0)]);
        // The built-in profile has them, adding up to at most the call counts.
        let b = Weights::builtin(&[x]);
        let shares = b.arg_values(x, futex);
        assert!(
            shares.iter().any(|v| v.1 == 0x81 && v.2 > 0.5),
            "{shares:?}"
        );
        for &(_, nr, i) in b.values.keys() {
            let sum: f64 = b
                .arg_values(x, nr)
                .iter()
                .filter(|v| v.0 == i)
                .map(|v| v.2)
                .sum();
            assert!(sum <= 1.0 + 1e-9, "{nr} arg{i}: {sum}");
        }
        // Without value lines, no values.
        assert!(Weights::default().arg_values(x, futex).is_empty());
    }

    #[test]
    fn value_line_errors_are_located() {
        let x = [Arch::X86_64];
        for (text, want) in [
            (
                "futex 10
futex arg1=0x81
",
                "line 2: expected a count after 'arg1=0x81'",
            ),
            (
                "futex arg6=1 5
",
                "line 1: 'arg6=1': no argument 6 (a syscall has arguments 0 to 5)",
            ),
            (
                "# c
read 1
futex arg1=zz 5
",
                "line 3: 'arg1=zz': 'zz' is not an argument value (a 64-bit number, decimal or 0x hex)",
            ),
            (
                "futex arg1= 5
",
                "line 1: 'arg1=': '' is not an argument value (a 64-bit number, decimal or 0x hex)",
            ),
            (
                "futex op=1 5
",
                "line 1: expected `argN=VALUE` (N from 0 to 5) between the name and the count, \
                 found 'op=1'",
            ),
            (
                "futex arg1=1 lots
",
                "line 1: 'lots' is not a count (a number of calls, 0 or more)",
            ),
            (
                "futex arg1=0x10000000000000000 5
",
                "line 1: 'arg1=0x10000000000000000': '0x10000000000000000' is not an argument \
                 value (a 64-bit number, decimal or 0x hex)",
            ),
            ("read 5 6
", "line 1: expected `NAME COUNT`, found '6' after the count '5'"),
        ] {
            let e = Weights::read_profile(text, &x).unwrap_err();
            assert_eq!(e.to_string(), want, "{text:?}");
        }
        // `kill arg…` starts a table, not a policy; an unknown name is a warning.
        let p = Weights::read_profile(
            "kill arg1=9 5
frob arg0=1 3
",
            &x,
        )
        .unwrap();
        assert_eq!(
            p.warnings[0],
            "a syscall name not on the target architecture (x86_64), ignored: 'frob'"
        );
        // `from_mix` skips what `read_profile` rejects.
        let (w, _) = Weights::from_mix(
            "futex arg9=1 5
futex arg1=1 5
",
            &x,
        );
        assert_eq!(w.values.len(), 1);
    }
}
