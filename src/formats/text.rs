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
//! Conditions are written in their shortest form; a part that looks only at the low bits
//! of a parameter narrower than the argument word (a 16-bit `mode`, which the compiler
//! tests bit by bit) is written as the set of values it allows, on the parameter's name
//! (`mode >= 0o755`, `mode in {0o600, 0o644}`), when that makes no more comparisons.
//!
//! Multiplexers: on i386 a rule on `socket` also governs `socketcall(SYS_SOCKET)`. The
//! imported policy decides `socketcall` and `ipc` on their own, so their rules are written
//! first, where nothing before them can reach them, and they always get an explicit
//! unconditional line (which stops later rules from applying to them).

use crate::arch::{self, Arch};
use crate::ir::{Atom, Cond, Decision, Policy, Test};
use crate::policy::ast::Action;
use crate::policy::groups;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

/// A rule as written: action, condition text (None: unconditional).
type Line = (Action, Option<String>);

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

    // Each name's conditional lines, written once (a condition on a narrow parameter is
    // evaluated over all its values, too costly to repeat for every candidate default).
    let seen = RefCell::default();
    let texts: BTreeMap<&'static str, Written> = names
        .iter()
        .map(|&n| {
            let cx = Cx {
                narrow: narrow_params(&arches, n),
                seen: &seen,
            };
            (n, written_decision(dec[n], &cx))
        })
        .collect();
    // Candidate defaults: every unconditional action and every `otherwise`.
    let mut candidates: Vec<Action> = dec.values().map(|d| d.otherwise.action).collect();
    candidates.sort();
    candidates.dedup();
    let mut best: Option<String> = None;
    let mut fallback = String::new();
    for base in candidates {
        let t = render(p, &arches, &names, &dec, &texts, &mux, base, header);
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

#[allow(clippy::too_many_arguments)]
fn render(
    p: &Policy,
    arches: &[Arch],
    names: &[&'static str],
    dec: &BTreeMap<&'static str, &Decision>,
    texts: &BTreeMap<&'static str, Written>,
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
        for (a, c) in &texts[m].lines {
            out.push_str(&rule(*a, &[m.to_string()], c.as_deref()));
        }
        out.push_str(&rule(d.otherwise.action, &[m.to_string()], None));
    }
    // Conditional decisions, one name at a time (names whose rules read the same share a
    // line: each reads the text with its own parameters).
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
        let w = &texts[n];
        let (ls, otherwise) = match &w.flipped {
            Some(f) if w.lines.first().map(|l| l.0) == Some(base) => (vec![f.clone()], base),
            _ => (w.lines.clone(), d.otherwise.action),
        };
        match cond_groups
            .iter_mut()
            .find(|(l, o, _)| *l == ls && *o == otherwise)
        {
            Some(g) => g.2.push(n),
            None => cond_groups.push((ls, otherwise, vec![n])),
        }
    }
    for (ls, otherwise, ns) in &cond_groups {
        let targets: Vec<String> = ns.iter().map(|s| s.to_string()).collect();
        for (a, c) in ls {
            out.push_str(&rule(*a, &targets, c.as_deref()));
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

/// A decision's conditional lines as text.
struct Written {
    lines: Vec<Line>,
    /// For `A if C` then `B`: `B if !C`, when `!C` has a form of its own (`!=`, `not in`, a
    /// set of values); the text uses it when `A` is its default, one line shorter.
    flipped: Option<Line>,
}

fn written_decision(d: &Decision, cx: &Cx) -> Written {
    let conds = merged(d);
    let texts: Vec<Text> = conds.iter().map(|(_, c)| written(c, false, cx)).collect();
    let flipped = match (conds.as_slice(), texts.as_slice()) {
        ([(a, c)], [yes]) if *a != d.otherwise.action => {
            let no = written(&negate(c), false, cx);
            (no.size <= yes.size && !no.text.replace("!=", "").contains('!'))
                .then_some((d.otherwise.action, Some(no.text)))
        }
        _ => None,
    };
    Written {
        lines: conds
            .iter()
            .zip(texts)
            .map(|((a, _), t)| (*a, Some(t.text)))
            .collect(),
        flipped,
    }
}

/// `!c`, the negation pushed down to the tests (De Morgan), where most have a form of
/// their own (`!=`, `<`, `not in`).
fn negate(c: &Cond) -> Cond {
    match c {
        Cond::True => Cond::False,
        Cond::False => Cond::True,
        Cond::Not(inner) => (**inner).clone(),
        Cond::And(v) => Cond::Or(v.iter().map(negate).collect()),
        Cond::Or(v) if in_set(v).is_none() => Cond::And(v.iter().map(negate).collect()),
        other => Cond::Not(Box::new(other.clone())),
    }
}

/// A decision's conditional rules, consecutive rules with the same action merged with `||`.
fn merged(d: &Decision) -> Vec<(Action, Cond)> {
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
            (a, c)
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

fn rule(a: Action, targets: &[String], cond: Option<&str>) -> String {
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
        let _ = write!(s, " if {c}");
    }
    s.push('\n');
    s
}

/// A parameter narrower than the 32-bit word a filter reads (a 16-bit `umode_t` `mode`),
/// with the same name and position on every target architecture that has the syscall, so
/// that one line of text means the same on each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Narrow {
    arg: u8,
    name: &'static str,
    /// Its largest value, `2^bits - 1`.
    max: u64,
    octal: bool,
}

/// The narrow parameters of `syscall` that a condition may name.
fn narrow_params(arches: &[Arch], syscall: &str) -> Vec<Narrow> {
    let mut per_arch = arches
        .iter()
        .filter(|a| a.syscall_nr(syscall).is_some())
        .map(|&a| {
            arch::params(a, syscall)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.bits < 32 && arch::param_by_name(a, syscall, p.name).is_ok())
                .map(|p| Narrow {
                    arg: p.index,
                    name: p.name,
                    max: (1u64 << p.bits) - 1,
                    octal: p.octal,
                })
                .collect::<Vec<_>>()
        });
    let first = per_arch.next().unwrap_or_default();
    per_arch.fold(first, |acc, v| {
        acc.into_iter().filter(|n| v.contains(n)).collect()
    })
}

/// The condition as policy text; `nested` wraps `||`/`&&` in parentheses.
pub fn cond_text(c: &Cond, nested: bool) -> String {
    let seen = RefCell::default();
    let cx = Cx {
        narrow: Vec::new(),
        seen: &seen,
    };
    written(c, nested, &cx).text
}

/// What writing one syscall's conditions needs: its narrow parameters, and the values of
/// the tests already evaluated (one test recurs in many paths and syscalls).
struct Cx<'a> {
    narrow: Vec<Narrow>,
    seen: &'a RefCell<HashMap<(Atom, Narrow), Values>>,
}

/// The values of one narrow parameter satisfying a condition: bit `v` of the bitmap set
/// when `v` does.
#[derive(Clone)]
struct Values {
    p: Narrow,
    bits: Vec<u64>,
}

impl Values {
    fn of_atom(a: &Atom, p: Narrow, cx: &Cx) -> Values {
        if let Some(v) = cx.seen.borrow().get(&(*a, p)) {
            return v.clone();
        }
        let mut bits = vec![0u64; (p.max / 64 + 1) as usize];
        let mut args = [0u64; 6];
        for v in 0..=p.max {
            args[usize::from(p.arg)] = v;
            if a.eval(&args) {
                bits[(v / 64) as usize] |= 1 << (v % 64);
            }
        }
        let v = Values { p, bits };
        cx.seen.borrow_mut().insert((*a, p), v.clone());
        v
    }

    fn not(mut self) -> Values {
        for w in &mut self.bits {
            *w = !*w;
        }
        if let Some(last) = self.bits.last_mut() {
            if (self.p.max + 1) % 64 != 0 {
                *last &= (1u64 << ((self.p.max + 1) % 64)) - 1;
            }
        }
        self
    }

    /// The bitwise combination of children that all have values of the same parameter.
    fn combine(kids: &[Option<Values>], f: fn(u64, u64) -> u64) -> Option<Values> {
        let (first, rest) = kids.split_first()?;
        let mut acc = first.clone()?;
        for k in rest {
            let k = k.as_ref().filter(|k| k.p == acc.p)?;
            for (a, b) in acc.bits.iter_mut().zip(&k.bits) {
                *a = f(*a, *b);
            }
        }
        Some(acc)
    }

    /// The set as sorted, maximal intervals (a word at a time where it is all in or out),
    /// or `None` when there are more than `most`.
    fn intervals(&self, most: usize) -> Option<Vec<(u64, u64)>> {
        fn add(out: &mut Vec<(u64, u64)>, a: u64, b: u64) {
            match out.last_mut() {
                Some(last) if last.1 + 1 == a => last.1 = b,
                _ => out.push((a, b)),
            }
        }
        let mut out = Vec::new();
        for (i, &w) in self.bits.iter().enumerate() {
            let base = i as u64 * 64;
            match w {
                0 => {}
                u64::MAX => add(&mut out, base, base + 63),
                w => (0..64)
                    .filter(|b| w >> b & 1 == 1)
                    .for_each(|b| add(&mut out, base + b, base + b)),
            }
            if out.len() > most {
                return None;
            }
        }
        Some(out)
    }
}

/// The narrow parameter an atom can be said of: one whose tests look only at its low bits.
fn narrow_of(a: &Atom, narrow: &[Narrow]) -> Option<Narrow> {
    let mask = match a.test {
        Test::AnySet(m) | Test::MaskedEq { mask: m, .. } => m,
        Test::Eq(_) | Test::Gt(_) | Test::Ge(_) => return None,
    };
    narrow
        .iter()
        .copied()
        .find(|p| p.arg == a.arg && mask & !p.max == 0)
}

fn num(v: u64, octal: bool) -> String {
    match (octal, v) {
        (true, 0) => "0".into(),
        (true, v) => format!("0o{v:o}"),
        (false, v) => format!("{v:#x}"),
    }
}

/// A condition as written: its text, its size (the number of comparisons it makes, each
/// value of an `in {…}` counted), and the values it allows when it looks at one narrow
/// parameter only.
struct Text {
    text: String,
    size: usize,
    values: Option<Values>,
}

/// `c` in its shortest form: test by test, or as a set of a narrow parameter's values
/// (preferred on a tie: it says what the tests mean).
///
/// Why: the kernel truncates a 16-bit `mode` to its low bits, so the compiler tests those
/// bits of the 32-bit word (`ir::Cond::atom`): `mode >= 0o755` becomes a chain of bit
/// tests, and a program read back gives that chain. A part of a condition that looks only
/// at the low bits of one narrow parameter is exactly a set of its values; that set is
/// computed (each atom evaluated on every value, then combined as bitmaps) and written as
/// ranges and equalities on the parameter's name when that is shorter than the tests
/// themselves. Read again, the name (like `argN`) is compared on the parameter's own width,
/// so the text means the same set.
fn written(c: &Cond, nested: bool, cx: &Cx) -> Text {
    let plain = structural(c, nested, cx);
    match plain
        .values
        .as_ref()
        .and_then(|v| set_text(v, nested, plain.size))
    {
        Some((text, size)) if size <= plain.size => Text {
            text,
            size,
            values: plain.values,
        },
        _ => plain,
    }
}

/// `c` written test by test (its parts each in their shortest form).
fn structural(c: &Cond, nested: bool, cx: &Cx) -> Text {
    let wrap = |s: String| if nested { format!("({s})") } else { s };
    let operand = |a: &Atom| match narrow_of(a, &cx.narrow) {
        Some(p) => (p.name.to_string(), p.octal, Some(p)),
        None => (format!("arg{}", a.arg), false, None),
    };
    let one = |text: String, values: Option<Values>| Text {
        text,
        size: 1,
        values,
    };
    match c {
        // Constant conditions are folded away before a policy reaches here.
        Cond::True => one("arg0 >= 0x0".into(), None),
        Cond::False => one("arg0 < 0x0".into(), None),
        Cond::Atom(a) => {
            let (x, o, p) = operand(a);
            let n = |v| num(v, o);
            let t = match a.test {
                Test::Eq(v) => format!("{x} == {}", n(v)),
                Test::Gt(v) => format!("{x} > {}", n(v)),
                Test::Ge(v) => format!("{x} >= {}", n(v)),
                Test::AnySet(m) => format!("{x} & {}", n(m)),
                Test::MaskedEq { mask, value } => format!("({x} & {}) == {}", n(mask), n(value)),
            };
            one(t, p.map(|p| Values::of_atom(a, p, cx)))
        }
        Cond::Not(inner) => match inner.as_ref() {
            Cond::Atom(a) => {
                let (x, o, p) = operand(a);
                let n = |v| num(v, o);
                let t = match a.test {
                    Test::Eq(v) => format!("{x} != {}", n(v)),
                    Test::Gt(v) => format!("{x} <= {}", n(v)),
                    Test::Ge(v) => format!("{x} < {}", n(v)),
                    // `(x & M) != 0` is `x & M`.
                    Test::MaskedEq { mask, value: 0 } => format!("{x} & {}", n(mask)),
                    Test::MaskedEq { mask, value } => {
                        format!("({x} & {}) != {}", n(mask), n(value))
                    }
                    Test::AnySet(m) => format!("!({x} & {})", n(m)),
                };
                one(t, p.map(|p| Values::of_atom(a, p, cx).not()))
            }
            Cond::Or(v) if in_set(v).is_some() => {
                let (arg, vals) = in_set(v).unwrap_or_default();
                Text {
                    text: format!("arg{arg} not in {{{vals}}}"),
                    size: v.len(),
                    values: None,
                }
            }
            other => {
                let t = written(other, true, cx);
                Text {
                    text: format!("!{}", t.text),
                    size: t.size,
                    values: t.values.map(Values::not),
                }
            }
        },
        Cond::And(v) | Cond::Or(v) => {
            let and = matches!(c, Cond::And(_));
            if !and {
                if let Some((arg, vals)) = in_set(v) {
                    return Text {
                        text: format!("arg{arg} in {{{vals}}}"),
                        size: v.len(),
                        values: None,
                    };
                }
            }
            let kids: Vec<Text> = v.iter().map(|c| written(c, true, cx)).collect();
            let mut texts: Vec<String> = kids.iter().map(|k| k.text.clone()).collect();
            // `(x & M && …)` would read as a masked operand `(x & M) …`: close it first.
            if let Some(t) = texts.first_mut().filter(|t| nested && any_set_text(t)) {
                *t = format!("({t})");
            }
            let f: fn(u64, u64) -> u64 = if and { |a, b| a & b } else { |a, b| a | b };
            let values: Vec<Option<Values>> = kids.iter().map(|k| k.values.clone()).collect();
            Text {
                text: wrap(texts.join(if and { " && " } else { " || " })),
                size: kids.iter().map(|k| k.size).sum(),
                values: Values::combine(&values, f),
            }
        }
    }
}

/// Whether `t` is a bare `x & M` test (which, first in a parenthesized group, the parser
/// would take for the start of `(x & M) == V`).
fn any_set_text(t: &str) -> bool {
    let rest = t.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    rest.len() < t.len() && rest.starts_with(" & ")
}

/// A set of a narrow parameter's values as ranges and equalities on its name, or as the
/// negation of its complement's, whichever makes fewer comparisons (the first on a tie),
/// with its size; `None` for the empty and full sets (constants, which the caller writes
/// as it can) and when either form would make more than `limit` comparisons.
fn set_text(values: &Values, nested: bool, limit: usize) -> Option<(String, usize)> {
    let p = values.p;
    // Each interval costs at least one comparison: a finely cut set (bit tests) is given
    // up before it is written out.
    let ivs = values.intervals(limit);
    let comp = values.clone().not().intervals(limit);
    if [&ivs, &comp]
        .iter()
        .any(|v| v.as_ref().is_some_and(|v| v.is_empty()))
    {
        return None;
    }
    let n = |v| num(v, p.octal);
    let x = p.name;
    // `negated`: the complement's ranges, each negated, joined with `&&`.
    let write = |ivs: &[(u64, u64)], negated: bool| {
        let singles: Vec<u64> = ivs.iter().filter(|(a, b)| a == b).map(|iv| iv.0).collect();
        // (first value, text, whether it needs parentheses among others)
        let mut terms: Vec<(u64, String, bool)> = Vec::new();
        let list = || singles.iter().map(|&v| n(v)).collect::<Vec<_>>().join(", ");
        match (singles.as_slice(), negated) {
            ([], _) => {}
            ([v], false) => terms.push((*v, format!("{x} == {}", n(*v)), false)),
            ([v], true) => terms.push((*v, format!("{x} != {}", n(*v)), false)),
            ([v, ..], false) => terms.push((*v, format!("{x} in {{{}}}", list()), false)),
            ([v, ..], true) => terms.push((*v, format!("{x} not in {{{}}}", list()), false)),
        }
        let mut size = singles.len();
        for &(a, b) in ivs.iter().filter(|(a, b)| a != b) {
            let (t, compound) = match (a == 0, b == p.max, negated) {
                (true, _, false) => (format!("{x} <= {}", n(b)), false),
                (_, true, false) => (format!("{x} >= {}", n(a)), false),
                (_, _, false) => (format!("{x} >= {} && {x} <= {}", n(a), n(b)), true),
                (true, _, true) => (format!("{x} > {}", n(b)), false),
                (_, true, true) => (format!("{x} < {}", n(a)), false),
                (_, _, true) => (format!("{x} < {} || {x} > {}", n(a), n(b)), true),
            };
            size += if compound { 2 } else { 1 };
            terms.push((a, t, compound));
        }
        terms.sort_by_key(|t| t.0);
        if let [(_, t, compound)] = terms.as_slice() {
            let t = if *compound && nested {
                format!("({t})")
            } else {
                t.clone()
            };
            return (t, size);
        }
        let joined = terms
            .iter()
            .map(|(_, t, compound)| {
                if *compound {
                    format!("({t})")
                } else {
                    t.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(if negated { " && " } else { " || " });
        (
            if nested {
                format!("({joined})")
            } else {
                joined
            },
            size,
        )
    };
    match (ivs.map(|v| write(&v, false)), comp.map(|v| write(&v, true))) {
        (Some(yes), Some(no)) if no.1 < yes.1 => Some(no),
        (Some(yes), _) => Some(yes),
        (None, no) => no,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn resolved(text: &str) -> Policy {
        Policy::parse("t.policy", text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// The compiler's form of a condition on a 16-bit `mode` (bit tests of the low word,
    /// `ir::Cond::atom`) is written back as the values it allows, on the parameter's name,
    /// and reads back to the same decisions, on every value of the low 17 bits.
    #[test]
    fn narrow_parameters_are_written_as_values() {
        let src = resolved(
            "default allow\narch x86_64 i386\n\
             deny fchmod if mode >= 0o755\n\
             errno EACCES openat if flags & O_CREAT && (mode & 0o7000) == 0o4000\n\
             kill mkdir if mode not in {0o700, 0o755}\n",
        );
        let text = write(&src.resolved, &[]);
        for want in [
            "deny fchmod if mode >= 0o755\n",
            "errno EACCES openat if arg2 & 0x40 && (mode & 0o7000) == 0o4000\n",
            "kill mkdir if mode not in {0o700, 0o755}\n",
        ] {
            assert!(text.contains(want), "wanted {want:?} in\n{text}");
        }
        let back = resolved(&text);
        for arch in [Arch::X86_64, Arch::I386] {
            for (sc, at) in [("fchmod", 1), ("openat", 3), ("mkdir", 1)] {
                let Some(nr) = arch.syscall_nr(sc) else {
                    continue;
                };
                for mode in 0..0x2_0000u64 {
                    let mut args = [3, 0, 0x40, 0, 0, 0];
                    args[at] = mode;
                    let decide =
                        |p: &Policy| p.resolved.decide(arch.audit_arch(), nr, &args).action;
                    assert_eq!(decide(&src), decide(&back), "{arch} {sc} {mode:#o}\n{text}");
                }
            }
        }
    }

    /// A parenthesized group that opens with a bare `x & M` test is written so that it does
    /// not read as the masked operand `(x & M) == V`.
    #[test]
    fn a_group_opening_with_a_bit_test_reads_back() {
        let atom = |arg, test| {
            Cond::Atom(Atom {
                arg,
                bits: 32,
                test,
            })
        };
        let c = Cond::Or(vec![
            Cond::And(vec![atom(0, Test::AnySet(4)), atom(1, Test::Eq(2))]),
            atom(2, Test::Eq(3)),
        ]);
        let text = format!("allow read if {}\n", cond_text(&c, false));
        let back = resolved(&text);
        let nr = Arch::X86_64.syscall_nr("read").unwrap_or_default();
        let audit = Arch::X86_64.audit_arch();
        for args in [
            [4, 2, 0, 0, 0, 0],
            [4, 1, 0, 0, 0, 0],
            [0, 2, 3, 0, 0, 0],
            [0, 2, 0, 0, 0, 0],
        ] {
            let want = if c.eval(&args) {
                Action::Allow
            } else {
                Action::Errno(1)
            };
            assert_eq!(
                back.resolved.decide(audit, nr, &args).action,
                want,
                "{text}"
            );
        }
    }
}
