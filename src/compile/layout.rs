//! The shape of the whole filter: the architecture check, then per architecture a short
//! `jeq` chain for the hottest argument-checked syscalls, then a search over syscall-number
//! ranges.
//!
//! Numbers that share a decision and are contiguous (counting numbers absent from the table
//! as `unknown`) form one range. The ranges are searched with `jge`, in a tree that
//! minimises the expected number of comparisons under [`Weights`] (an optimal alphabetic
//! tree, built by dynamic programming with Knuth's monotone-root speed-up, O(n²)). Every
//! range also carries a small weight per syscall it holds, so cold syscalls never end up far
//! deeper than in a balanced tree. With no weights, the tree is balanced by syscall count.
//!
//! On x86_64 the x32 half of the number space (bit 30 set, except `-1`) is just one more
//! range of the x86_64 tree, leading to the x32 tree; it costs hot x86_64 syscalls nothing.
//!
//! Only `ld` of `nr`/`arch`, `jeq`/`jge #k` and `ret` are used on the way to an
//! unconditional decision, the shape the kernel's per-syscall action cache can prove
//! constant (kernel/seccomp.c, `seccomp_is_const_allow`); argument loads appear only below a
//! node that has already singled out one syscall number.
//!
//! The hot-syscall chain (gVisor's idea): unconditionally allowed syscalls are served by the
//! kernel's cache and never run the filter, so the calls that do run it are mostly the
//! argument-checked ones. When one of them carries a large share of the expected calls that
//! cannot be cached (and at least 3% of all calls), a `jeq` for it goes in front of the tree.
//!
//! A syscall alone in a sea of another decision (`A x A`, up to `A x A y A z A`) can be
//! split off with a short `jeq` chain instead of two `jge` each; the tree takes the chain
//! when it is cheaper under the weights.
//!
//! What it does badly: the Knuth bounds are only exact without the chains, so the tree can
//! be slightly off the optimum; only chains of up to three `jeq` are considered.

use super::args;
use super::dag::{Dag, NodeId};
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::bpf::insn::{BPF_JEQ, BPF_JGE};
use crate::ir::{ArchSection, Decision, Policy};
use crate::policy::ast::Action;
use std::collections::HashMap;

/// Offsets in `seccomp_data`.
pub const OFF_NR: u32 = 0;
pub const OFF_ARCH: u32 = 4;

/// The weight every syscall in the table gets on top of its share of the mix (the mix is
/// normalised to 1). It bounds how deep a cold syscall can sink.
const FLOOR: f64 = 1e-3;

/// A syscall goes in front only with at least this share of all calls: every other call
/// pays one instruction for it when the filter runs.
const MIN_HOT: f64 = 0.03;

/// At most this many syscalls are tested with `jeq` before the tree.
const MAX_HOT: usize = 3;

/// How often each (arch, syscall number) is expected to be called; drives where the search
/// tree splits. Missing entries count as rare.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    pub calls: HashMap<(Arch, u32), f64>,
}

impl Weights {
    /// Reads a syscall mix: one `NAME COUNT` per line (tab or spaces), `#` comments. Every
    /// architecture in `arches` gets the counts of the names it has; the compat ABIs (i386,
    /// x32, arm) get them scaled down by 1000, so they shape their own trees without
    /// outweighing the native ABI. Returns the weights and the names no table knows.
    pub fn from_mix(text: &str, arches: &[Arch]) -> (Weights, Vec<String>) {
        let mut w = Weights::default();
        let mut unknown = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut it = line.split_whitespace();
            let (Some(name), Some(count)) = (it.next(), it.next()) else {
                continue;
            };
            let Ok(count) = count.parse::<f64>() else {
                continue;
            };
            let mut found = false;
            for &a in arches {
                if let Some(nr) = a.syscall_nr(name) {
                    found = true;
                    let scale = if matches!(a, Arch::I386 | Arch::X32 | Arch::Arm) {
                        1e-3
                    } else {
                        1.0
                    };
                    *w.calls.entry((a, nr)).or_insert(0.0) += count * scale;
                }
            }
            if !found {
                unknown.push(name.to_string());
            }
        }
        (w, unknown)
    }

    /// The total weight of `arch`, for normalising.
    fn total(&self, arch: Arch) -> f64 {
        self.calls
            .iter()
            .filter(|((a, _), _)| *a == arch)
            .map(|(_, w)| *w)
            .sum()
    }
}

/// The root of the whole filter.
pub fn filter(dag: &mut Dag, policy: &Policy, weights: &Weights) -> NodeId {
    let bad = dag.ret(policy.badarch.action.ret_value());
    let mut next = bad;
    // Group sections by AUDIT_ARCH value (x86_64 and x32 share one).
    let mut audits: Vec<u32> = Vec::new();
    for s in &policy.sections {
        if !audits.contains(&s.arch.audit_arch()) {
            audits.push(s.arch.audit_arch());
        }
    }
    let here = |a: Arch| policy.sections.iter().find(|s| s.arch == a);
    for &audit in audits.iter().rev() {
        let body = if audit == Arch::X86_64.audit_arch() {
            // One tree over the whole number space: x86_64 below bit 30 and at -1, the x32
            // tree (or badarch) for the rest.
            let x32 = match here(Arch::X32) {
                Some(s) => {
                    let p = prepare(dag, s, weights);
                    let ranges = clip(&p.ranges, X32_SYSCALL_BIT, u32::MAX - 1);
                    let node = tree(dag, &ranges);
                    (node, p.ranges.iter().map(|r| r.2).sum::<f64>())
                }
                None => (bad, FLOOR),
            };
            match here(Arch::X86_64) {
                Some(s) => {
                    let p = prepare(dag, s, weights);
                    let mut ranges = clip(&p.ranges, 0, X32_SYSCALL_BIT - 1);
                    ranges.push((X32_SYSCALL_BIT, x32.0, x32.1));
                    let minus_one = clip(&p.ranges, u32::MAX, u32::MAX)[0];
                    ranges.push(minus_one);
                    let ranges = merge(ranges);
                    let t = tree(dag, &ranges);
                    let body = hot_chain(dag, &p.hot, t);
                    dag.load(OFF_NR, body)
                }
                None => {
                    let minus_one = dag.jump(BPF_JEQ, u32::MAX, bad, x32.0);
                    let split = dag.jump(BPF_JGE, X32_SYSCALL_BIT, minus_one, bad);
                    dag.load(OFF_NR, split)
                }
            }
        } else {
            let s = policy
                .sections
                .iter()
                .find(|s| s.arch.audit_arch() == audit)
                .map(|s| {
                    let p = prepare(dag, s, weights);
                    let t = tree(dag, &p.ranges);
                    hot_chain(dag, &p.hot, t)
                })
                .unwrap_or(bad);
            dag.load(OFF_NR, s)
        };
        next = dag.jump(BPF_JEQ, audit, body, next);
    }
    dag.load(OFF_ARCH, next)
}

/// A range: its first number, its code, its weight. It extends to the next range's start.
type Range = (u32, NodeId, f64);

struct Prepared {
    ranges: Vec<Range>,
    /// (nr, decision node) tested with `jeq` before the tree, hottest first.
    hot: Vec<(u32, NodeId)>,
}

fn hot_chain(dag: &mut Dag, hot: &[(u32, NodeId)], tail: NodeId) -> NodeId {
    hot.iter()
        .rev()
        .fold(tail, |next, &(nr, node)| dag.jump(BPF_JEQ, nr, node, next))
}

/// The ranges of one architecture, weighted, and its hot argument-checked syscalls.
fn prepare(dag: &mut Dag, s: &ArchSection, weights: &Weights) -> Prepared {
    let unknown = dag.ret(s.unknown.action.ret_value());
    let total = weights.total(s.arch);
    let share = |nr: u32| {
        if total > 0.0 {
            weights.calls.get(&(s.arch, nr)).copied().unwrap_or(0.0) / total
        } else {
            0.0
        }
    };
    // Compile each distinct decision once.
    let mut cache: HashMap<(Vec<(crate::ir::Cond, Action)>, Action), NodeId> = HashMap::new();
    let mut node_of = |dag: &mut Dag, d: &Decision| {
        *cache
            .entry(d.shape())
            .or_insert_with(|| args::decision(dag, s.arch, d))
    };

    // Hot argument-checked syscalls: worth a `jeq` in front when they carry at least a
    // quarter of the weight that the kernel's cache cannot serve.
    let uncached: f64 = s
        .syscalls
        .iter()
        .filter(|(_, d)| !(d.rules.is_empty() && d.otherwise.action == Action::Allow))
        .map(|(&nr, _)| share(nr))
        .sum();
    let mut cands: Vec<(u32, f64)> = s
        .syscalls
        .iter()
        .filter(|(_, d)| !d.rules.is_empty())
        .map(|(&nr, _)| (nr, share(nr)))
        .filter(|&(_, w)| w >= MIN_HOT && w >= 0.25 * uncached)
        .collect();
    cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    cands.truncate(MAX_HOT);
    let hot: Vec<(u32, NodeId)> = cands
        .iter()
        .map(|&(nr, _)| (nr, node_of(dag, &s.syscalls[&nr])))
        .collect();

    let weight = |nr: u32| {
        if hot.iter().any(|h| h.0 == nr) {
            FLOOR
        } else {
            share(nr) + FLOOR
        }
    };
    let mut ranges: Vec<Range> = Vec::new();
    let mut expect = 0u64;
    for (&nr, d) in &s.syscalls {
        let n = node_of(dag, d);
        if u64::from(nr) != expect {
            ranges.push((expect as u32, unknown, FLOOR / 4.0));
        }
        ranges.push((nr, n, weight(nr)));
        expect = u64::from(nr) + 1;
    }
    if expect <= u64::from(u32::MAX) {
        ranges.push((expect as u32, unknown, FLOOR / 4.0));
    }
    Prepared {
        ranges: merge(ranges),
        hot,
    }
}

/// Joins neighbouring ranges with the same code.
fn merge(ranges: Vec<Range>) -> Vec<Range> {
    let mut out: Vec<Range> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if last.1 == r.1 => last.2 += r.2,
            _ => out.push(r),
        }
    }
    out
}

/// The ranges restricted to `lo..=hi` (the numbers that can reach a subtree).
fn clip(ranges: &[Range], lo: u32, hi: u32) -> Vec<Range> {
    let mut out = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        let end = ranges.get(i + 1).map_or(u32::MAX, |n| n.0 - 1);
        if end < lo || r.0 > hi {
            continue;
        }
        out.push((r.0.max(lo), r.1, r.2));
    }
    out
}

/// The search over `ranges` (sorted by start, each up to the next start) that minimises the
/// expected number of comparisons: cost(i, j) = W(i, j) + min over the split k of
/// cost(i, k-1) + cost(k, j), with the best split monotone in i and j (Knuth).
fn tree(dag: &mut Dag, ranges: &[Range]) -> NodeId {
    let n = ranges.len();
    if n == 1 {
        return ranges[0].1;
    }
    let mut prefix = vec![0.0; n + 1];
    for (i, r) in ranges.iter().enumerate() {
        prefix[i + 1] = prefix[i] + r.2;
    }
    let at = |i: usize, j: usize| i * n + j;
    let mut cost = vec![0.0f64; n * n];
    let mut root = vec![0usize; n * n];
    for i in 0..n {
        root[at(i, i)] = i;
    }
    for len in 2..=n {
        for i in 0..=n - len {
            let j = i + len - 1;
            let bound = |r: usize, dflt: usize| if r == CHAIN { dflt } else { r };
            let lo = bound(root[at(i, j - 1)], i + 1).max(i + 1);
            let hi = bound(root[at(i + 1, j)], j).max(lo).min(j);
            let mut best = (f64::MAX, lo);
            for k in lo..=hi {
                let c = cost[at(i, k - 1)] + cost[at(k, j)];
                if c < best.0 {
                    best = (c, k);
                }
            }
            let mut c = best.0 + prefix[j + 1] - prefix[i];
            let mut r = best.1;
            if let Some(chain) = chain_cost(ranges, i, j) {
                if chain < c {
                    (c, r) = (chain, CHAIN);
                }
            }
            cost[at(i, j)] = c;
            root[at(i, j)] = r;
        }
    }
    build(dag, ranges, &root, 0, n - 1)
}

/// Marks a subtree laid out as a `jeq` chain.
const CHAIN: usize = usize::MAX;

/// The longest `jeq` chain considered.
const MAX_CHAIN: usize = 3;

/// When `ranges[i..=j]` alternate between one code and single numbers (`A x A y A`), a
/// chain of `jeq` on the single numbers (hottest first) decides them: its expected cost.
fn chain_cost(ranges: &[Range], i: usize, j: usize) -> Option<f64> {
    let len = j - i + 1;
    if len < 3 || len % 2 == 0 || len > 2 * MAX_CHAIN + 1 {
        return None;
    }
    let outer = ranges[i].1;
    let mut singles = Vec::new();
    let mut outer_w = 0.0;
    for (pos, r) in ranges[i..=j].iter().enumerate() {
        if pos % 2 == 0 {
            if r.1 != outer {
                return None;
            }
            outer_w += r.2;
        } else {
            // Single numbers only: the next range starts right after.
            if ranges[i + pos + 1].0 != r.0.wrapping_add(1) {
                return None;
            }
            singles.push(r.2);
        }
    }
    singles.sort_by(|a, b| b.total_cmp(a));
    let m = singles.len() as f64;
    Some(
        singles
            .iter()
            .enumerate()
            .map(|(k, w)| w * (k + 1) as f64)
            .sum::<f64>()
            + outer_w * m,
    )
}

fn build(dag: &mut Dag, ranges: &[Range], root: &[usize], i: usize, j: usize) -> NodeId {
    if i == j {
        return ranges[i].1;
    }
    let n = ranges.len();
    let k = root[i * n + j];
    if k == CHAIN {
        let mut singles: Vec<&Range> = ranges[i..=j].iter().skip(1).step_by(2).collect();
        singles.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        return singles
            .iter()
            .rev()
            .fold(ranges[i].1, |next, r| dag.jump(BPF_JEQ, r.0, r.1, next));
    }
    let lower = build(dag, ranges, root, i, k - 1);
    let upper = build(dag, ranges, root, k, j);
    dag.jump(BPF_JGE, ranges[k].0, upper, lower)
}
