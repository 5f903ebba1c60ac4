//! A decision as a decision diagram over word predicates, built by Shannon expansion.
//!
//! The remaining rules are first simplified (false conditions dropped, everything after a
//! true one dropped, trailing rules with the fallback's action dropped); with none left the
//! answer is a `ret`. Otherwise one of the words the first rule tests is examined (the one
//! with the fewest distinct predicates, see [`word`]):
//! - when every predicate on it (in any rule) is `==` or `>`, the word's range is cut at
//!   their bounds into classes on which each predicate is constant; each class continues
//!   with its predicates replaced by their values, neighbouring classes that end in the
//!   same node merge, and one `ld` with a `jeq`/`jge` dispatch ([`super::dispatch`])
//!   chooses between them (laid out for the word's value shares, when there are any);
//! - otherwise (bit masks) it expands on the first mask predicate alone, true and false,
//!   replacing every predicate on the word whose value that implies
//!   ([`WordTest::implies`]).
//!
//! Every sub-decision is built once (memoised on its simplified rules), and the dag's
//! hash-consing shares what is equal anyway. Both the nodes created and the formula work
//! (nodes visited: [`WORK_BUDGET`]) are budgeted; past either, [`decision`] gives up and the
//! caller falls back. The work of every step counts, the word choice's included, so that
//! the budget bounds the time spent (about 0.1 s on a current machine).

use super::word::{formula, Formula, Pred, WordTest};
use super::{arg_offsets, dispatch};
use crate::arch::Arch;
use crate::bpf::insn::{BPF_JEQ, BPF_JSET};
use crate::compile::dag::{Dag, NodeId};
use crate::compile::weights::ArgValues;
use crate::ir::Decision;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Formula nodes visited at most, keeping compile time in check (about 0.1 s). A value set
/// of n values on one argument costs about n·log n (so sets of up to about 20,000 values of
/// a 32-bit parameter, 10,000 of a 64-bit one, are diagrams; larger ones fall back to the
/// sequential translation, which searches 32-bit sets too). Shapes whose diagram grows
/// exponentially (alternatives testing bits of two words each) reach it in about as long.
pub(super) const WORK_BUDGET: usize = 1 << 20;

/// A node [`Formula::decide`] looks at costs about this many times less than one
/// [`Formula::substitute`] looks at (it allocates nothing); so it is charged that much less.
const DECIDE_DISCOUNT: usize = 8;

/// What remains to be decided: rules in order (condition, `ret` value), then `otherwise`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Rules {
    rules: Vec<(Rc<Formula>, u32)>,
    otherwise: u32,
}

impl Rules {
    /// Applies `known` to every condition, then simplifies; adds the formula nodes looked
    /// at to `visited`.
    fn substitute(&self, known: &impl Fn(&Pred) -> Option<bool>, visited: &mut usize) -> Rules {
        let rules = self
            .rules
            .iter()
            .map(|(f, a)| match f.substitute(known, visited) {
                Some(g) => (Rc::new(g), *a),
                None => (f.clone(), *a),
            })
            .collect();
        simplify(Rules {
            rules,
            otherwise: self.otherwise,
        })
    }

    /// Whether no rule is left once `known` is applied (what [`Rules::substitute`] would
    /// find, without building the rules left); adds the formula nodes looked at to `visited`.
    fn decided(&self, known: &impl Fn(&Pred) -> Option<bool>, visited: &mut usize) -> bool {
        // As `simplify`: false rules go, a true one ends the list and becomes `otherwise`,
        // and the undecided ones before it must all end like it to be dropped from the end.
        let mut otherwise = self.otherwise;
        let mut open: Vec<u32> = Vec::new();
        for (f, a) in &self.rules {
            match f.decide(known, visited) {
                Some(false) => {}
                Some(true) => {
                    otherwise = *a;
                    break;
                }
                None => open.push(*a),
            }
        }
        open.iter().all(|&a| a == otherwise)
    }
}

fn simplify(r: Rules) -> Rules {
    let mut otherwise = r.otherwise;
    let mut rules = Vec::with_capacity(r.rules.len());
    for (f, a) in r.rules {
        match *f {
            Formula::Const(false) => {}
            Formula::Const(true) => {
                otherwise = a;
                break;
            }
            _ => rules.push((f, a)),
        }
    }
    while rules.last().is_some_and(|r| r.1 == otherwise) {
        rules.pop();
    }
    Rules { rules, otherwise }
}

/// The diagram for `d`, or `None` when it would take more than `node_budget` new nodes.
/// `values` (shares of the calls per argument value, possibly none) lay out the dispatches.
pub fn decision(
    dag: &mut Dag,
    arch: Arch,
    d: &Decision,
    node_budget: usize,
    values: &ArgValues,
) -> Option<NodeId> {
    counted(dag, arch, d, node_budget, values).0
}

/// [`decision`], and the work it took (formula nodes, as [`WORK_BUDGET`] counts them).
pub(super) fn counted(
    dag: &mut Dag,
    arch: Arch,
    d: &Decision,
    node_budget: usize,
    values: &ArgValues,
) -> (Option<NodeId>, usize) {
    let rules = Rules {
        rules: d
            .rules
            .iter()
            .map(|r| (Rc::new(formula(arch, &r.cond)), r.ruling.action.ret_value()))
            .collect(),
        otherwise: d.otherwise.action.ret_value(),
    };
    let start = dag.len();
    let mut b = Builder {
        arch,
        dag,
        memo: HashMap::default(),
        node_limit: start.saturating_add(node_budget),
        work_left: Cell::new(WORK_BUDGET),
        overspent: Cell::new(false),
        hot: word_shares(arch, values),
    };
    let node = b.build(simplify(rules));
    (node, WORK_BUDGET - b.work_left.get())
}

/// The word to branch on: of those the first rule tests, the one with the fewest distinct
/// predicates in all rules (fewest branches), the earliest on ties — except that a high
/// word whose every test is `==` one value (`hi == 0` of `prot == 3`) goes last: only the
/// calls that the low words let through need it, and most calls are decided by the low
/// word alone. A low word waits while its high word is compared with `>` anywhere: a 64-bit
/// range then reads high word first, a shape the decompiler writes back as one comparison.
/// With value shares, a word whose common values decide the call at once (`escape`: the
/// share of calls for which no rule is left after the dispatch on it) comes before the
/// others: an allow-list of `prot`/`flags` pairs rejects the common `flags` values of calls
/// it refuses without looking at `prot`.
/// `None` only if the first rule's condition is constant, which simplified rules rule out.
fn word(arch: Arch, r: &Rules, preds: &[&Pred], escape: impl Fn(u32) -> f64) -> Option<u32> {
    let mut tests: HashMap<u32, HashSet<WordTest>> = HashMap::default();
    for p in preds {
        tests.entry(p.off).or_default().insert(p.test);
    }
    let words = |off: u32| arg_offsets(arch, ((off - 16) / 8) as u8);
    // The words compared with `>` (once each: a word can have thousands of tests).
    let ranged: HashSet<u32> = tests
        .iter()
        .filter(|(_, t)| t.iter().any(|t| matches!(t, WordTest::Gt(_))))
        .map(|(&off, _)| off)
        .collect();
    // The high word a low word waits for: one compared with `>`.
    let waits_for = |off: u32| {
        let (lo, hi) = words(off);
        (off == lo && ranged.contains(&hi)).then_some(hi)
    };
    // A guard: a high word whose every remaining test is `==` one value (0, mostly). Only
    // the calls a low word lets through need it, so it goes last.
    let guard = |off: u32| {
        let (_, hi) = words(off);
        off == hi
            && tests
                .get(&off)
                .is_some_and(|t| t.len() == 1 && t.iter().all(|t| matches!(t, WordTest::Eq(_))))
    };
    let mut first: Vec<&Pred> = Vec::new();
    r.rules.first()?.0.preds(&mut first);
    let key = |off: u32| (guard(off), tests.get(&off).map_or(0, HashSet::len));
    // `min_by` keeps the first of equal keys. Each word once, where it first appears.
    let mut seen: HashSet<u32> = HashSet::default();
    let candidates: Vec<u32> = first
        .iter()
        .map(|p| p.off)
        .filter(|&off| waits_for(off).is_none() && seen.insert(off))
        .collect();
    let several = candidates.len() > 1;
    let best = candidates
        .into_iter()
        .map(|off| (off, if several { escape(off) } else { 0.0 }))
        .min_by(|a, b| {
            (key(a.0).0.cmp(&key(b.0).0))
                .then(b.1.total_cmp(&a.1))
                .then(key(a.0).1.cmp(&key(b.0).1))
        })
        .map(|(off, _)| off);
    // The first rule tests only low words whose high words later rules test.
    best.or_else(|| waits_for(first.first()?.off))
}

/// Per word offset, the share of the calls with each value of that word, hottest first: an
/// argument's value shares projected on its low word and on its high word.
fn word_shares(arch: Arch, values: &ArgValues) -> HashMap<u32, Vec<(u32, f64)>> {
    let mut by_word: HashMap<u32, BTreeMap<u32, f64>> = HashMap::default();
    for &(i, v, share) in values {
        let (lo, hi) = arg_offsets(arch, i);
        *by_word
            .entry(lo)
            .or_default()
            .entry(v as u32)
            .or_insert(0.0) += share;
        *by_word
            .entry(hi)
            .or_default()
            .entry((v >> 32) as u32)
            .or_insert(0.0) += share;
    }
    by_word
        .into_iter()
        .map(|(off, m)| {
            let mut v: Vec<(u32, f64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            (off, v)
        })
        .collect()
}

struct Builder<'a> {
    arch: Arch,
    /// Value shares per word offset ([`word_shares`]).
    hot: HashMap<u32, Vec<(u32, f64)>>,
    dag: &'a mut Dag,
    memo: HashMap<Rules, NodeId>,
    /// `dag.len()` may not exceed this.
    node_limit: usize,
    /// Formula nodes that may still be visited ([`WORK_BUDGET`]); `overspent` once more were
    /// asked for (a `Cell`: the word choice spends some through a shared borrow).
    work_left: Cell<usize>,
    overspent: Cell<bool>,
}

impl Builder<'_> {
    /// Takes `n` from the work budget: `None` (and for good) once it is spent.
    fn spend(&self, n: usize) -> Option<()> {
        match self.work_left.get().checked_sub(n) {
            Some(left) if !self.overspent.get() => {
                self.work_left.set(left);
                Some(())
            }
            _ => {
                self.overspent.set(true);
                None
            }
        }
    }

    /// `r.substitute(known)`, its work taken from the budget.
    fn substitute(&self, r: &Rules, known: &impl Fn(&Pred) -> Option<bool>) -> Option<Rules> {
        let mut visited = 0;
        let out = r.substitute(known, &mut visited);
        self.spend(visited)?;
        Some(out)
    }

    /// `r` is simplified.
    fn build(&mut self, r: Rules) -> Option<NodeId> {
        if r.rules.is_empty() {
            return Some(self.dag.ret(r.otherwise));
        }
        if let Some(&n) = self.memo.get(&r) {
            return Some(n);
        }
        // Hashing, comparing and walking the rules once each.
        let work: usize = r.rules.iter().map(|(f, _)| f.size()).sum();
        self.spend(work)?;
        let mut preds: Vec<&Pred> = Vec::new();
        for (f, _) in &r.rules {
            f.preds(&mut preds);
        }
        let escape = |off: u32| self.escape(&r, off);
        let off = word(self.arch, &r, &preds, escape)?;
        if self.overspent.get() {
            return None;
        }
        let on_word: Vec<WordTest> = preds
            .iter()
            .filter(|p| p.off == off)
            .map(|p| p.test)
            .collect();
        let node = match on_word.iter().find(|t| !t.is_interval()) {
            Some(&t) => self.expand(&r, off, t)?,
            None => self.classes(&r, off, &on_word)?,
        };
        if self.dag.len() > self.node_limit {
            return None;
        }
        self.memo.insert(r, node);
        Some(node)
    }

    /// The share of the calls (by the word's recorded values) that a dispatch on the word
    /// at `off` decides outright: no rule is left once its value is known.
    fn escape(&self, r: &Rules, off: u32) -> f64 {
        let Some(values) = self.hot.get(&off) else {
            return 0.0;
        };
        // The hottest few decide the order; the rest would only cost time.
        values
            .iter()
            .take(8)
            .filter(|&&(v, _)| {
                let known = |p: &Pred| (p.off == off).then(|| p.test.holds(v));
                let mut visited = 0;
                let rest = r.decided(&known, &mut visited);
                // Out of budget, no value escapes; `build` then gives up.
                self.spend(visited.div_ceil(DECIDE_DISCOUNT)).is_some() && rest
            })
            .map(|&(_, share)| share)
            .sum()
    }

    /// Shannon expansion on the mask test `t` of the word at `off`.
    fn expand(&mut self, r: &Rules, off: u32, t: WordTest) -> Option<NodeId> {
        let branch = |b: bool| {
            self.substitute(r, &|p: &Pred| {
                if p.off == off {
                    t.implies(b, p.test)
                } else {
                    None
                }
            })
        };
        let (yes, no) = (branch(true)?, branch(false)?);
        let yes = self.build(yes)?;
        let no = self.build(no)?;
        if yes == no {
            return Some(yes);
        }
        let dag = &mut *self.dag;
        let test = match t {
            WordTest::AnySet(m) => dag.jump(BPF_JSET, m, yes, no),
            WordTest::Masked { mask, value } => {
                let j = dag.jump(BPF_JEQ, value, yes, no);
                dag.and(mask, j)
            }
            WordTest::Eq(_) | WordTest::Gt(_) => unreachable!("interval tests are split"),
        };
        Some(dag.load(off, test))
    }

    /// The word's range cut into the classes on which every test in `tests` is constant.
    fn classes(&mut self, r: &Rules, off: u32, tests: &[WordTest]) -> Option<NodeId> {
        let mut starts = vec![0u32];
        for t in tests {
            match *t {
                WordTest::Eq(k) => starts.extend([Some(k), k.checked_add(1)].into_iter().flatten()),
                WordTest::Gt(k) => starts.push(k + 1),
                _ => {}
            }
        }
        starts.sort_unstable();
        starts.dedup();
        let mut segs: Vec<(u32, NodeId)> = Vec::new();
        self.split(r, off, &starts, u32::MAX, &mut segs)?;
        if segs.len() == 1 {
            return Some(segs[0].1);
        }
        let d = match self.hot.get(&off) {
            Some(hot) => dispatch::segments_weighted(self.dag, &segs, hot),
            None => dispatch::segments(self.dag, &segs),
        };
        Some(self.dag.load(off, d))
    }

    /// Builds the classes `starts` (the last one ending at `hi`) in order, appending each
    /// to `segs` unless it ends in the node its left neighbour does. `r` has the word at `off`
    /// in `starts[0] ..= hi` substituted.
    ///
    /// Why halves: substituting each class's value into all the rules costs the rules' size
    /// per class, quadratic in a value set's size. Halving the range first drops, at each
    /// step, the tests that are constant on the half (`x == k` for a `k` outside it), so
    /// each test is looked at in a logarithmic number of steps. A class's rules come out as
    /// substituting its value at once makes them (the operands' order aside, where a literal
    /// absorbed at one step what a later one would have reduced to it).
    fn split(
        &mut self,
        r: &Rules,
        off: u32,
        starts: &[u32],
        hi: u32,
        segs: &mut Vec<(u32, NodeId)>,
    ) -> Option<()> {
        let lo = starts[0];
        // Tests on the word left undecided (an overcount: some go with their junction).
        let open = Cell::new(0usize);
        let known = |p: &Pred| {
            if p.off != off {
                return None;
            }
            let v = p.test.on_interval(lo, hi);
            open.set(open.get() + usize::from(v.is_none()));
            v
        };
        let r = self.substitute(r, &known)?;
        // With no test of the word left, every class here has these rules.
        if starts.len() == 1 || open.get() == 0 {
            let n = self.build(r)?;
            if segs.last().map(|l| l.1) != Some(n) {
                segs.push((lo, n));
            }
            return Some(());
        }
        let mid = starts.len() / 2;
        self.split(&r, off, &starts[..mid], starts[mid] - 1, segs)?;
        self.split(&r, off, &starts[mid..], hi, segs)
    }
}
