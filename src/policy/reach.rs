//! Which rules can match, and the warnings about those that cannot, for [`super::resolve`].
//!
//! Every syscall (and multiplexed call) a rule adds a condition to, on every target ABI,
//! gets a [`Fate`]: the rule can decide some call there ([`Fate::Live`]), its condition can
//! never hold there ([`Fate::Unsat`]), earlier rules decide every call it would match
//! ([`Fate::Shadowed`]), or the resolver made it inapplicable there ([`Fate::Forced`], when
//! the arguments cannot be read; that has its own warning). Unsatisfiability and coverage
//! are decided exactly by [`super::satisfy`]; a question it cannot settle within its budget
//! counts as live, so a warning is only ever given for what is proven.
//!
//! Two warnings come of it: a rule with no live entry "never matches" (saying whether its
//! condition is impossible or earlier rules take every call, and for which syscalls and
//! ABIs); a rule that is live somewhere but whose condition can never hold for some
//! syscall or ABI gets a warning on the condition naming them (a comparison with a 64-bit
//! value holds on x86_64 but not on i386, where every argument is 32 bits). That earlier
//! rules take some of a rule's syscalls is what first-match-wins policies are written
//! for, so it is not reported unless they take all.

use super::diag::{Diagnostic, Source, Span};
use super::satisfy::{satisfiable, Footprint, WORDS};
use crate::arch::Arch;
use crate::ir::{Cond, CondRule, Origin, Ruling};
use std::collections::HashMap;
use std::sync::Arc;

/// What becomes of a rule for one syscall number on one ABI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Some arguments reach it and satisfy its condition (or that could not be decided).
    Live,
    /// No arguments satisfy its condition.
    Unsat,
    /// Earlier rules (at these lines of these files) decide every call its condition
    /// matches.
    Shadowed(Vec<Line>),
    /// The resolver made the condition false: its arguments cannot be read there.
    Forced,
}

/// A line of a policy file, where a rule is.
pub type Line = (Arc<str>, u32);

fn line(o: &Origin) -> Line {
    (o.file.clone(), o.line)
}

/// A rule's fate for `name` on `arch` (`via` the multiplexer it is reached through, if so).
#[derive(Clone, Debug)]
pub struct Entry {
    pub arch: Arch,
    pub name: &'static str,
    pub via: Option<&'static str>,
    pub fate: Fate,
}

/// Decides fates, remembering the satisfiability of the conditions seen.
#[derive(Default)]
pub struct Reach {
    alone: HashMap<Cond, Option<bool>>,
    /// On the current ABI, per number, the conditional rules seen so far.
    prints: HashMap<u32, Earlier>,
}

/// The footprints of a number's first conditional rules, indexed by the words they hold
/// to one value: a rule holding `request` to one value meets only those holding it to the
/// same value or not holding it to one, and long lists of rules are mostly such.
#[derive(Default)]
struct Earlier {
    prints: Vec<Footprint>,
    /// (word, value) → the rules whose footprint holds the word to that value alone.
    pinned: HashMap<(usize, u32), Vec<usize>>,
    /// Per word, the rules (that can hold) whose footprint does not hold it to one value.
    loose: [Vec<usize>; WORDS],
}

/// At most this many values of a word are looked up in [`Earlier::pinned`].
const LOOKUPS: u64 = 16;

impl Earlier {
    fn add(&mut self, p: Footprint) {
        let i = self.prints.len();
        if !p.is_empty() {
            for w in 0..WORDS {
                match p.points(w, 1).as_deref() {
                    Some(&[v]) => self.pinned.entry((w, v)).or_default().push(i),
                    _ => self.loose[w].push(i),
                }
            }
        }
        self.prints.push(p);
    }

    /// The rules whose footprints meet `own`, in order.
    fn meeting(&self, own: &Footprint) -> Vec<usize> {
        let narrow = (0..WORDS)
            .filter_map(|w| own.points(w, LOOKUPS).map(|v| (w, v)))
            .min_by_key(|(w, v)| self.loose[*w].len() + v.len());
        let mut cands: Vec<usize> = match narrow {
            Some((w, values)) => {
                let mut c = self.loose[w].clone();
                for v in values {
                    c.extend(self.pinned.get(&(w, v)).into_iter().flatten());
                }
                c.sort_unstable();
                c.dedup();
                c
            }
            None => (0..self.prints.len()).collect(),
        };
        cands.retain(|&i| !own.disjoint(&self.prints[i]));
        cands
    }
}

impl Reach {
    /// Starts on another ABI: numbers mean other syscalls.
    pub fn next_abi(&mut self) {
        self.prints.clear();
    }

    /// The fate of a rule with condition `cond` added after the conditional rules
    /// `earlier` and, if one, the unconditional rule `closed` for number `nr` of the
    /// current ABI (`earlier` only ever grows at its end, until [`Reach::next_abi`]).
    /// `forced`: the resolver chose `cond` (false) because the arguments cannot be read.
    pub fn fate(
        &mut self,
        nr: u32,
        cond: &Cond,
        forced: bool,
        earlier: &[CondRule],
        closed: Option<&Ruling>,
    ) -> Fate {
        if forced {
            return Fate::Forced;
        }
        let c = cond.clone().simplify();
        let alone = match &c {
            Cond::True => Some(true),
            Cond::False => Some(false),
            c => *self
                .alone
                .entry(c.clone())
                .or_insert_with(|| satisfiable(c, &[])),
        };
        match (alone, closed) {
            (Some(false), _) => Fate::Unsat,
            (_, Some(r)) => Fate::Shadowed(vec![line(&r.origin)]),
            (None, None) => Fate::Live,
            (Some(true), None) => {
                // Only the earlier rules that can hold with it matter.
                let seen = self.prints.entry(nr).or_default();
                for r in &earlier[seen.prints.len().min(earlier.len())..] {
                    seen.add(Footprint::of(&r.cond));
                }
                let earlier: Vec<&CondRule> = seen
                    .meeting(&Footprint::of(&c))
                    .into_iter()
                    .filter_map(|i| earlier.get(i))
                    .collect();
                let conds: Vec<&Cond> = earlier.iter().map(|r| &r.cond).collect();
                if earlier.is_empty() || satisfiable(&c, &conds) != Some(false) {
                    return Fate::Live;
                }
                // The earlier rules that take some of its calls.
                let mut by: Vec<Line> = Vec::new();
                for r in earlier {
                    let both = Cond::And(vec![c.clone(), r.cond.clone()]);
                    let at = line(&r.ruling.origin);
                    if satisfiable(&both, &[]) != Some(false) && !by.contains(&at) {
                        by.push(at);
                    }
                }
                Fate::Shadowed(by)
            }
        }
    }
}

/// Whether the entries leave the rule some call to decide.
pub fn live(entries: &[Entry]) -> bool {
    entries.iter().any(|e| e.fate == Fate::Live)
}

/// At most this many syscalls (and groups of them) are named in one message.
const NAMED: usize = 4;

/// `'read' and 'pread64' on x86_64 and i386; 'write' on x86_64`: the entries' syscalls
/// (and multiplexers), each with the ABIs it appears on, those with the same ABIs (and the
/// same `extra`) together, in order of appearance; `show` adds what `extra` gives a group.
fn describe<'e, K: PartialEq>(
    entries: impl Iterator<Item = &'e Entry>,
    extra: impl Fn(&'e Entry) -> K,
    show: impl Fn(&K) -> String,
) -> String {
    let mut each: Vec<(String, K, Vec<Arch>)> = Vec::new();
    for e in entries {
        let label = match e.via {
            None => format!("'{}'", e.name),
            Some(v) => format!("'{}' through {v}", e.name),
        };
        let k = extra(e);
        match each.iter_mut().find(|g| g.0 == label && g.1 == k) {
            Some(g) if g.2.contains(&e.arch) => {}
            Some(g) => g.2.push(e.arch),
            None => each.push((label, k, vec![e.arch])),
        }
    }
    let mut together: Vec<(Vec<String>, K, Vec<Arch>)> = Vec::new();
    for (label, k, arches) in each {
        match together.iter_mut().find(|g| g.1 == k && g.2 == arches) {
            Some(g) => g.0.push(label),
            None => together.push((vec![label], k, arches)),
        }
    }
    let mut parts: Vec<String> = together
        .iter()
        .take(NAMED)
        .map(|(labels, k, arches)| {
            let mut names: Vec<&str> = labels.iter().take(NAMED).map(String::as_str).collect();
            let more = format!("{} more", labels.len().saturating_sub(NAMED));
            if labels.len() > NAMED {
                names.push(&more);
            }
            let arches: Vec<&str> = arches.iter().map(|a| a.name()).collect();
            format!("{} on {}{}", and_list(&names), and_list(&arches), show(k))
        })
        .collect();
    if together.len() > NAMED {
        let rest: usize = together[NAMED..].iter().map(|g| g.0.len()).sum();
        parts.push(format!("{rest} more syscalls elsewhere"));
    }
    parts.join("; ")
}

fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `line 3`, `lines 3 and 5`; `base.policy:7 and main.policy:3` when some line is in
/// another file than `file`.
fn lines(at: &[Line], file: &str) -> String {
    let local = at.iter().all(|(f, _)| &**f == file);
    let each: Vec<String> = at
        .iter()
        .map(|(f, n)| {
            if local {
                n.to_string()
            } else {
                format!("{f}:{n}")
            }
        })
        .collect();
    let each: Vec<&str> = each.iter().map(String::as_str).collect();
    match (local, each.len()) {
        (false, _) => and_list(&each),
        (true, 1) => format!("line {}", each[0]),
        (true, _) => format!("lines {}", and_list(&each)),
    }
}

/// The warning for a rule none of whose entries is live, at `span` (the rule).
pub fn never_matches(src: &Source, span: Span, entries: &[Entry]) -> Diagnostic {
    let unsat = || entries.iter().filter(|e| e.fate == Fate::Unsat);
    let shadowed = || {
        entries
            .iter()
            .filter(|e| matches!(e.fate, Fate::Shadowed(_)))
    };
    let by = |e: &Entry| match &e.fate {
        Fate::Shadowed(o) => o.clone(),
        _ => Vec::new(),
    };
    let never = || describe(unsat(), |_| (), |_| String::new());
    let taken = || {
        describe(shadowed(), by, |o: &Vec<Line>| {
            format!(" by {}", lines(o, &src.name))
        })
    };
    let base = "this rule never matches";
    let d = |msg: String| Diagnostic::warning(src, span, msg);
    match (unsat().next().is_some(), shadowed().next().is_some()) {
        (true, false) => d(format!("{base}: its condition can never hold for {}", never()))
            .with_hint("no argument values satisfy it, each parameter compared at its width there"),
        (false, true) => d(format!("{base}: earlier rules decide every call it would match"))
            .with_hint(format!("decided first: {}", taken())),
        (true, true) => d(base.to_string()).with_hint(format!(
            "its condition can never hold for {}; earlier rules decide the rest first: {}",
            never(),
            taken()
        )),
        (false, false) => d(base.to_string())
            .with_hint("where its arguments cannot be checked it never applies (the safe choice for a permitting rule)"),
    }
}

/// The warning for a rule that can match, but whose condition can never hold for some of
/// the syscalls or ABIs it names, at `span` (the condition); `None` when there are none.
pub fn partly_unsat(src: &Source, span: Span, entries: &[Entry]) -> Option<Diagnostic> {
    let mut unsat = entries
        .iter()
        .filter(|e| e.fate == Fate::Unsat && e.via.is_none())
        .peekable();
    unsat.peek()?;
    Some(
        Diagnostic::warning(
            src,
            span,
            format!(
                "this condition can never hold for {}",
                describe(unsat, |_| (), |_| String::new())
            ),
        )
        .with_hint(
            "there the rule never applies; parameter widths and constants differ between syscalls and architectures",
        ),
    )
}
