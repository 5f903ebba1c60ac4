//! A resolved [`ir::Policy`](crate::ir::Policy) written back as sysgate policy text: the
//! shortest faithful form this writer knows.
//!
//! Every syscall name of the target tables gets the decision of the first architecture that
//! has it (an importer gives one name the same rules on every ABI; `argN` takes each ABI's
//! width when the text is read again). The text's `default` is chosen among the actions
//! that occur, so that a profile that allows most calls becomes a deny-list and one that
//! denies most becomes an allow-list, whichever is shorter. A `@group` replaces names only
//! when every member that exists on a target architecture has that very decision.
//!
//! Multiplexers: on i386 a rule on `socket` also governs `socketcall(SYS_SOCKET)`. The
//! imported policy decides `socketcall` and `ipc` on their own, so their rules are written
//! first, where nothing before them can reach them, and they always get an explicit
//! unconditional line (which stops later rules from applying to them).

use crate::arch::{self, Arch};
use crate::ir::{Cond, Decision, Policy, Test};
use crate::policy::ast::Action;
use crate::policy::groups;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A rule as written: action, condition (None: unconditional).
type Line = (Action, Option<Cond>);

/// Writes `p` as policy text; `header` lines (comments) go first.
pub fn write(p: &Policy, header: &[String]) -> String {
    let arches = p.arches();
    // name → canonical decision, in table order of the first arch that has it.
    let mut names: Vec<&'static str> = Vec::new();
    let mut dec: BTreeMap<&'static str, &Decision> = BTreeMap::new();
    for s in &p.sections {
        for &(n, nr) in s.arch.syscalls() {
            if let std::collections::btree_map::Entry::Vacant(e) = dec.entry(n) {
                if let Some(d) = s.syscalls.get(&nr) {
                    e.insert(d);
                    names.push(n);
                }
            }
        }
    }
    let mux: BTreeSet<&'static str> = names
        .iter()
        .filter(|n| arches.iter().any(|a| !arch::multiplexed(*a, n).is_empty()))
        .flat_map(|n| {
            arches
                .iter()
                .flat_map(move |a| arch::multiplexed(*a, n))
                .map(|m| m.via.syscall_name())
        })
        .filter(|v| dec.contains_key(v))
        .collect();

    // Candidate defaults: every unconditional action and every `otherwise`.
    let mut candidates: Vec<Action> = dec.values().map(|d| d.otherwise.action).collect();
    candidates.sort();
    candidates.dedup();
    let mut best: Option<String> = None;
    let mut fallback = String::new();
    for base in candidates {
        let t = render(p, &arches, &names, &dec, &mux, base, header);
        // A table name the language cannot spell must keep the text's default.
        let spellable = names
            .iter()
            .filter(|n| !writable(n))
            .all(|n| dec[n].rules.is_empty() && dec[n].otherwise.action == base);
        if !spellable {
            fallback = t;
            continue;
        }
        if best.as_ref().map_or(true, |b| t.len() < b.len()) {
            best = Some(t);
        }
    }
    best.unwrap_or_else(|| {
        format!("# warning: some syscall names cannot be written in a policy; this text is not exact\n{fallback}")
    })
}

/// Whether a table name can be written as a target.
fn writable(n: &str) -> bool {
    n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && n.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

fn render(
    p: &Policy,
    arches: &[Arch],
    names: &[&'static str],
    dec: &BTreeMap<&'static str, &Decision>,
    mux: &BTreeSet<&'static str>,
    base: Action,
    header: &[String],
) -> String {
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "# {h}");
    }
    let _ = writeln!(
        out,
        "arch {}",
        arches
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = writeln!(out, "default {base}");
    if let Some(s) = p.sections.first() {
        let _ = writeln!(out, "unknown {}", s.unknown.action);
    }
    let _ = writeln!(out, "badarch {}", p.badarch.action);

    // Multiplexers first.
    for m in mux {
        let d = dec[m];
        for (a, c) in lines(d) {
            out.push_str(&rule(a, &[m.to_string()], c.as_ref()));
        }
        out.push_str(&rule(d.otherwise.action, &[m.to_string()], None));
    }
    // Conditional decisions, one name at a time (names with equal shapes share a line).
    let mut cond_groups: Vec<(Vec<Line>, Action, Vec<&str>)> = Vec::new();
    // Unconditional decisions other than `base`, by action.
    let mut flat: BTreeMap<Action, BTreeSet<&'static str>> = BTreeMap::new();
    for &n in names {
        if mux.contains(n) || !writable(n) {
            continue;
        }
        let d = dec[n];
        if d.rules.is_empty() {
            flat.entry(d.otherwise.action).or_default().insert(n);
            continue;
        }
        let ls = lines(d);
        match cond_groups
            .iter_mut()
            .find(|(l, o, _)| *l == ls && *o == d.otherwise.action)
        {
            Some(g) => g.2.push(n),
            None => cond_groups.push((ls, d.otherwise.action, vec![n])),
        }
    }
    for (ls, otherwise, ns) in &cond_groups {
        let targets: Vec<String> = ns.iter().map(|s| s.to_string()).collect();
        for (a, c) in ls {
            out.push_str(&rule(*a, &targets, c.as_ref()));
        }
        if *otherwise != base {
            out.push_str(&rule(*otherwise, &targets, None));
        }
    }
    let decided: BTreeMap<&str, Action> = names
        .iter()
        .filter(|n| dec[*n].rules.is_empty())
        .map(|n| (*n, dec[*n].otherwise.action))
        .collect();
    for (a, set) in &flat {
        if *a == base {
            continue;
        }
        let targets = with_groups(set, &decided, *a, arches, mux);
        out.push_str(&rule(*a, &targets, None));
    }
    out
}

/// A decision's conditional rules, consecutive rules with the same action merged with `||`.
fn lines(d: &Decision) -> Vec<Line> {
    let mut v: Vec<(Action, Vec<Cond>)> = Vec::new();
    for r in &d.rules {
        match v.last_mut() {
            Some((a, cs)) if *a == r.ruling.action => cs.push(r.cond.clone()),
            _ => v.push((r.ruling.action, vec![r.cond.clone()])),
        }
    }
    v.into_iter()
        .map(|(a, mut cs)| {
            let c = if cs.len() == 1 {
                cs.pop().unwrap_or(Cond::True)
            } else {
                Cond::Or(cs)
            };
            (a, Some(c))
        })
        .collect()
}

/// Names replaced by the groups all of whose members (on the targets) have action `a`.
fn with_groups(
    set: &BTreeSet<&'static str>,
    decided: &BTreeMap<&str, Action>,
    a: Action,
    arches: &[Arch],
    mux: &BTreeSet<&'static str>,
) -> Vec<String> {
    let exists = |n: &str| arches.iter().any(|x| x.syscall_nr(n).is_some());
    let mut cands: Vec<(&'static str, BTreeSet<&'static str>)> = groups::groups()
        .iter()
        .filter(|g| !g.is_all_known())
        .filter_map(|g| {
            let members: BTreeSet<&'static str> = groups::expand(g.name)?
                .into_iter()
                .filter(|n| exists(n))
                .collect();
            let ok = members.len() >= 2
                && members
                    .iter()
                    .all(|n| decided.get(n) == Some(&a) && !mux.contains(n));
            ok.then_some((g.name, members))
        })
        .collect();
    // Greedy: the group covering most still-uncovered names first.
    let mut left: BTreeSet<&'static str> = set.clone();
    let mut out = Vec::new();
    loop {
        cands.sort_by_key(|(_, m)| std::cmp::Reverse(m.intersection(&left).count()));
        match cands.first() {
            Some((g, m)) if m.intersection(&left).count() >= 2 => {
                out.push(g.to_string());
                for n in m {
                    left.remove(n);
                }
                cands.remove(0);
            }
            _ => break,
        }
    }
    out.sort();
    out.extend(left.into_iter().map(str::to_string));
    out
}

fn rule(a: Action, targets: &[String], cond: Option<&Cond>) -> String {
    let mut s = format!("{a} ");
    let list = targets.join(" ");
    if targets.len() == 1 {
        s.push_str(&list);
    } else if list.len() + s.len() <= 88 {
        let _ = write!(s, "{{ {list} }}");
    } else {
        s.push_str("{\n");
        let mut line = String::from(" ");
        for t in targets {
            if line.len() + t.len() + 1 > 88 {
                s.push_str(&line);
                s.push('\n');
                line = String::from(" ");
            }
            line.push(' ');
            line.push_str(t);
        }
        s.push_str(&line);
        s.push_str("\n}");
    }
    if let Some(c) = cond {
        let _ = write!(s, " if {}", cond_text(c, false));
    }
    s.push('\n');
    s
}

/// The condition as policy text; `nested` wraps `||`/`&&` in parentheses.
pub fn cond_text(c: &Cond, nested: bool) -> String {
    let wrap = |s: String| if nested { format!("({s})") } else { s };
    match c {
        // Constant conditions are folded away before a policy reaches here.
        Cond::True => "arg0 >= 0x0".into(),
        Cond::False => "arg0 < 0x0".into(),
        Cond::Atom(a) => {
            let x = format!("arg{}", a.arg);
            match a.test {
                Test::Eq(v) => format!("{x} == {v:#x}"),
                Test::Gt(v) => format!("{x} > {v:#x}"),
                Test::Ge(v) => format!("{x} >= {v:#x}"),
                Test::AnySet(m) => format!("{x} & {m:#x}"),
                Test::MaskedEq { mask, value } => format!("({x} & {mask:#x}) == {value:#x}"),
            }
        }
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Atom(a) => {
                let x = format!("arg{}", a.arg);
                match a.test {
                    Test::Eq(v) => format!("{x} != {v:#x}"),
                    Test::Gt(v) => format!("{x} <= {v:#x}"),
                    Test::Ge(v) => format!("{x} < {v:#x}"),
                    Test::MaskedEq { mask, value } => {
                        format!("({x} & {mask:#x}) != {value:#x}")
                    }
                    Test::AnySet(_) => format!("!({})", cond_text(inner, false)),
                }
            }
            Cond::Or(v) if in_set(v).is_some() => {
                let (arg, vals) = in_set(v).unwrap_or_default();
                format!("arg{arg} not in {{{vals}}}")
            }
            other => format!("!{}", cond_text(other, true)),
        },
        Cond::And(v) => wrap(
            v.iter()
                .map(|c| cond_text(c, true))
                .collect::<Vec<_>>()
                .join(" && "),
        ),
        Cond::Or(v) => match in_set(v) {
            Some((arg, vals)) => format!("arg{arg} in {{{vals}}}"),
            None => wrap(
                v.iter()
                    .map(|c| cond_text(c, true))
                    .collect::<Vec<_>>()
                    .join(" || "),
            ),
        },
    }
}

/// `Or` of equalities on one argument: (arg, "v1, v2, …").
fn in_set(v: &[Cond]) -> Option<(u8, String)> {
    let mut arg = None;
    let mut vals = Vec::new();
    for c in v {
        let Cond::Atom(a) = c else { return None };
        let Test::Eq(x) = a.test else { return None };
        if arg.is_some_and(|g| g != a.arg) {
            return None;
        }
        arg = Some(a.arg);
        vals.push(format!("{x:#x}"));
    }
    Some((arg?, vals.join(", ")))
}
