//! The shape of the whole filter: the architecture check, then per architecture a search
//! over syscall-number ranges.
//!
//! Numbers that share a decision and are contiguous (counting numbers absent from the table
//! as `unknown`) form one range; ranges are found by binary search with `jge`. Only `ld`
//! of `nr`/`arch`, `jeq`/`jge`/`jset #k` and `ret` are used on the way to an unconditional
//! decision, which is the shape the kernel's per-syscall action cache can prove constant.
//! The split points are chosen by [`Weights`]; with none, the tree is balanced by count.

use super::args;
use super::dag::{Dag, NodeId};
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::bpf::insn::{BPF_JEQ, BPF_JGE};
use crate::ir::{ArchSection, Decision, Policy};
use std::collections::HashMap;

/// Offsets in `seccomp_data`.
pub const OFF_NR: u32 = 0;
pub const OFF_ARCH: u32 = 4;

/// How often each (arch, syscall number) is expected to be called; drives where the search
/// tree splits. Missing entries count as rare.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    pub calls: HashMap<(Arch, u32), f64>,
}

impl Weights {
    fn of(&self, arch: Arch, lo: u32, hi: u32, table: &[(&str, u32)]) -> f64 {
        if self.calls.is_empty() {
            return 1.0;
        }
        let w: f64 = table
            .iter()
            .filter(|(_, n)| (lo..=hi).contains(n))
            .map(|(_, n)| self.calls.get(&(arch, *n)).copied().unwrap_or(0.0))
            .sum();
        w + 1e-6
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
    for &audit in audits.iter().rev() {
        let here = |a: Arch| policy.sections.iter().find(|s| s.arch == a);
        let body = if audit == Arch::X86_64.audit_arch() {
            let x64 = here(Arch::X86_64).map(|s| section(dag, s, weights));
            let x32 = here(Arch::X32).map(|s| section(dag, s, weights));
            let low = x64.unwrap_or(bad);
            let minus_one = dag.jump(BPF_JEQ, u32::MAX, low, x32.unwrap_or(bad));
            let split = dag.jump(BPF_JGE, X32_SYSCALL_BIT, minus_one, low);
            dag.load(OFF_NR, split)
        } else {
            let s = policy
                .sections
                .iter()
                .find(|s| s.arch.audit_arch() == audit)
                .map(|s| section(dag, s, weights))
                .unwrap_or(bad);
            dag.load(OFF_NR, s)
        };
        next = dag.jump(BPF_JEQ, audit, body, next);
    }
    dag.load(OFF_ARCH, next)
}

/// The search over one architecture's numbers; the accumulator holds `nr` on entry.
fn section(dag: &mut Dag, s: &ArchSection, weights: &Weights) -> NodeId {
    let unknown = dag.ret(s.unknown.action.ret_value());
    // Compile each distinct decision once.
    let mut cache: HashMap<
        (
            Vec<(crate::ir::Cond, crate::policy::ast::Action)>,
            crate::policy::ast::Action,
        ),
        NodeId,
    > = HashMap::new();
    let mut node_of = |dag: &mut Dag, d: &Decision| {
        *cache
            .entry(d.shape())
            .or_insert_with(|| args::decision(dag, s.arch, d))
    };
    // Ranges (lo, node) covering all of u32, each up to the next one's lo.
    let mut ranges: Vec<(u32, NodeId)> = vec![(0, unknown)];
    let mut expect = 0u64;
    for (&nr, d) in &s.syscalls {
        let n = node_of(dag, d);
        if u64::from(nr) != expect {
            push_range(&mut ranges, expect as u32, unknown);
        }
        push_range(&mut ranges, nr, n);
        expect = u64::from(nr) + 1;
    }
    if expect <= u64::from(u32::MAX) {
        push_range(&mut ranges, expect as u32, unknown);
    }
    let table = s.arch.syscalls();
    tree(dag, &ranges, s.arch, weights, table)
}

fn push_range(ranges: &mut Vec<(u32, NodeId)>, lo: u32, node: NodeId) {
    match ranges.last_mut() {
        Some(last) if last.1 == node => {}
        Some(last) if last.0 == lo => last.1 = node,
        _ => ranges.push((lo, node)),
    }
    // Merging may have made the last two equal again.
    while ranges.len() >= 2 && ranges[ranges.len() - 1].1 == ranges[ranges.len() - 2].1 {
        ranges.pop();
    }
}

/// A binary search over `ranges` (sorted by start; each extends to the next start).
fn tree(
    dag: &mut Dag,
    ranges: &[(u32, NodeId)],
    arch: Arch,
    weights: &Weights,
    table: &[(&str, u32)],
) -> NodeId {
    if ranges.len() == 1 {
        return ranges[0].1;
    }
    let split = if weights.calls.is_empty() {
        ranges.len() / 2
    } else {
        // Split where the weight on each side is closest to half.
        let hi_of = |i: usize| ranges.get(i + 1).map_or(u32::MAX, |r| r.0 - 1);
        let w: Vec<f64> = (0..ranges.len())
            .map(|i| weights.of(arch, ranges[i].0, hi_of(i), table))
            .collect();
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        let mut best = (f64::MAX, 1);
        for (i, wi) in w.iter().enumerate().take(ranges.len() - 1) {
            acc += wi;
            let d = (total / 2.0 - acc).abs();
            if d < best.0 {
                best = (d, i + 1);
            }
        }
        best.1
    };
    let lower = tree(dag, &ranges[..split], arch, weights, table);
    let upper = tree(dag, &ranges[split..], arch, weights, table);
    dag.jump(BPF_JGE, ranges[split].0, upper, lower)
}
