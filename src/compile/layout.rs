//! The shape of the whole filter: the architecture check (the ABI with the most expected
//! calls first), then per architecture a search over syscall-number ranges.
//!
//! Numbers that share a decision and are contiguous (counting numbers absent from the table
//! as `unknown`) form one range; [`tree`] plans the search over them under [`Weights`]
//! (every range also carries a small weight per syscall it holds, [`FLOOR`], so that cold
//! syscalls stay ordered sensibly; with no weights, the native ABI's tree is balanced by
//! syscall count).
//! On the native ABI the hottest numbers ([`tree::MAX_HOT`]) may get their own `jeq`
//! anywhere in the tree, and its worst path may exceed the shortest possible by `SLACK`.
//! The compat ABIs (rare calls) get the tree with the shortest worst path, without planning.
//!
//! On x86_64 the x32 half of the number space (bit 30 set, except `-1`) is just one more
//! range of the x86_64 tree, leading to the x32 tree, weighted by the x32 share of the calls
//! (it sinks to the bottom when the mix is native).
//!
//! Only `ld` of `nr`/`arch`, `jeq`/`jge #k` and `ret` are used on the way to an
//! unconditional decision, the shape the kernel's per-syscall action cache can prove
//! constant (kernel/seccomp.c, `seccomp_is_const_allow`); argument loads appear only where
//! the numbers still possible all share one conditional decision (neighbouring syscalls with
//! the same argument rules are one range), never on the way to an unconditional one.

use super::args;
use super::dag::{Dag, NodeId};
use super::tree::{self, Hot, Range, Scratch};
pub use super::weights::{ArgValues, Weights, FLOOR};
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::bpf::insn::{BPF_JEQ, BPF_JGE};
use crate::ir::{ArchSection, Decision, Policy};

/// Offsets in `seccomp_data`.
pub const OFF_NR: u32 = 0;
pub const OFF_ARCH: u32 = 4;

/// The root of the whole filter.
pub fn filter(dag: &mut Dag, policy: &Policy, weights: &Weights) -> NodeId {
    let bad = dag.ret(policy.badarch.action.ret_value());
    let mut next = bad;
    // Group sections by AUDIT_ARCH value (x86_64 and x32 share one); the one with the most
    // expected calls is tested first (ties keep the policy's order).
    let mut audits: Vec<(u32, f64)> = Vec::new();
    for s in &policy.sections {
        let w = weights.total(s.arch);
        match audits.iter_mut().find(|a| a.0 == s.arch.audit_arch()) {
            Some(a) => a.1 += w,
            None => audits.push((s.arch.audit_arch(), w)),
        }
    }
    audits.sort_by(|a, b| b.1.total_cmp(&a.1));
    let here = |a: Arch| policy.sections.iter().find(|s| s.arch == a);
    // The planner's tables (a few hundred KiB) are kept per thread: allocating them afresh
    // costs page faults on every compile, as much as the planning itself.
    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
    }
    let mut scratch = SCRATCH.take();
    let native = audits.first().map(|a| a.0);
    for &(audit, _) in audits.iter().rev() {
        // Only the native ABI's search is planned under the weights: the calls are there,
        // and a plan costs far more than the shortest tree.
        let planned = Some(audit) == native;
        let body = if audit == Arch::X86_64.audit_arch() {
            // One tree over the whole number space: x86_64 below bit 30 and at -1, the x32
            // tree (or badarch) for the rest.
            let x32 = match here(Arch::X32) {
                Some(s) => {
                    let t = table(dag, s, weights);
                    (
                        section(dag, &t, Half::X32, false, &mut scratch),
                        x32_weight(s, weights),
                    )
                }
                None => (bad, FLOOR),
            };
            match here(Arch::X86_64) {
                Some(s) => {
                    let t = table(dag, s, weights);
                    section(dag, &t, Half::X86_64(x32), planned, &mut scratch)
                }
                None => {
                    let minus_one = dag.jump(BPF_JEQ, u32::MAX, bad, x32.0);
                    dag.jump(BPF_JGE, X32_SYSCALL_BIT, minus_one, bad)
                }
            }
        } else {
            policy
                .sections
                .iter()
                .find(|s| s.arch.audit_arch() == audit)
                .map(|s| {
                    let t = table(dag, s, weights);
                    section(dag, &t, Half::All, planned, &mut scratch)
                })
                .unwrap_or(bad)
        };
        let body = dag.load(OFF_NR, body);
        next = dag.jump(BPF_JEQ, audit, body, next);
    }
    // Tables of large trees (megabytes) are not kept.
    if scratch.states() <= KEEP_STATES {
        SCRATCH.set(scratch);
    }
    dag.load(OFF_ARCH, next)
}

/// The weight of the whole x32 half inside the x86_64 tree: its calls relative to the
/// x86_64 mix (each section's own tree is normalised to its own total), plus the floor of
/// each syscall it holds.
fn x32_weight(s: &ArchSection, weights: &Weights) -> f64 {
    let native = weights.total(Arch::X86_64);
    let calls = if native > 0.0 {
        weights.total(Arch::X32) / native
    } else {
        0.0
    };
    calls + FLOOR * s.syscalls.len() as f64
}

/// One architecture's table: every number it knows with its decision and weight (share of
/// the mix plus [`FLOOR`]), sorted; all other numbers go to `unknown`. Argument checks are
/// laid out for the profile's value shares, on every ABI: a profile gives every ABI the
/// same shares, so an argument check the ABIs have in common stays one shared copy.
struct Table {
    entries: Vec<(u32, NodeId, f64)>,
    unknown: NodeId,
}

fn table(dag: &mut Dag, s: &ArchSection, weights: &Weights) -> Table {
    let unknown = dag.ret(s.unknown.action.ret_value());
    let total = weights.total(s.arch);
    // Compile each distinct conditional decision once per value shares (there are few: a
    // list beats hashing).
    let mut cache: Vec<(&Decision, ArgValues, NodeId)> = Vec::new();
    // The same few `ret`s again and again: a list beats interning each one.
    let mut rets: Vec<(u32, NodeId)> = Vec::new();
    // This ABI's weights by number, walked alongside the (sorted) table rather than looked
    // up a thousand times in the hash map.
    let mut counts: Vec<(u32, f64)> = weights
        .calls
        .iter()
        .filter(|((a, _), _)| *a == s.arch)
        .map(|(&(_, nr), &w)| (nr, w))
        .collect();
    counts.sort_by_key(|c| c.0);
    let mut counts = counts.into_iter().peekable();
    let entries = s
        .syscalls
        .iter()
        .map(|(&nr, d)| {
            let node = if d.rules.is_empty() {
                let k = d.otherwise.action.ret_value();
                match rets.iter().find(|r| r.0 == k) {
                    Some(r) => r.1,
                    None => {
                        let n = dag.ret(k);
                        rets.push((k, n));
                        n
                    }
                }
            } else {
                let values = weights.arg_values(s.arch, nr);
                match cache.iter().find(|c| c.0.same_shape(d) && c.1 == values) {
                    Some(c) => c.2,
                    None => {
                        let node = args::decision(dag, s.arch, d, &values);
                        cache.push((d, values, node));
                        node
                    }
                }
            };
            while counts.next_if(|c| c.0 < nr).is_some() {}
            let count = counts.next_if(|c| c.0 == nr).map_or(0.0, |c| c.1);
            let share = if total > 0.0 { count / total } else { 0.0 };
            (nr, node, share + FLOOR)
        })
        .collect();
    Table { entries, unknown }
}

/// Which numbers a section's search decides.
#[derive(Clone, Copy)]
enum Half {
    /// All of them.
    All,
    /// x86_64: below bit 30 and -1; the rest goes to this node (the x32 search or
    /// `badarch`) with this weight.
    X86_64((NodeId, f64)),
    /// x32: bit 30 set, except -1.
    X32,
}

/// The ranges of `t` that `half` decides.
fn ranges(t: &Table, half: Half) -> Vec<Range> {
    let mut out: Vec<Range> = Vec::with_capacity(2 * t.entries.len() + 2);
    let mut expect = 0u64;
    for &(nr, node, w) in &t.entries {
        if u64::from(nr) != expect {
            out.push((expect as u32, t.unknown, FLOOR / 4.0));
        }
        expect = u64::from(nr) + 1;
        out.push((nr, node, w));
    }
    if expect <= u64::from(u32::MAX) {
        out.push((expect as u32, t.unknown, FLOOR / 4.0));
    }
    let out = merge(out);
    match half {
        Half::All => out,
        Half::X32 => clip(&out, X32_SYSCALL_BIT, u32::MAX - 1),
        Half::X86_64(x32) => {
            let mut r = clip(&out, 0, X32_SYSCALL_BIT - 1);
            r.push((X32_SYSCALL_BIT, x32.0, x32.1));
            r.extend(clip(&out, u32::MAX, u32::MAX));
            merge(r)
        }
    }
}

/// The search over one section. On the native ABI the tree is planned under the weights,
/// and the hottest numbers may be tested with their own `jeq` wherever that pays (see
/// [`tree`]); the compat ABIs' calls are rare, so their trees are just the shortest.
fn section(dag: &mut Dag, t: &Table, half: Half, native: bool, scratch: &mut Scratch) -> NodeId {
    let r = ranges(t, half);
    if !native {
        tree::shortest_tree(dag, &r, scratch);
        return tree::build(dag, &r, &[], scratch);
    }
    let hot = hot_numbers(t, &r);
    tree::plan(&r, &hot, scratch);
    tree::bound_depth(dag, &r, &hot, SLACK, scratch);
    tree::build(dag, &r, &hot, scratch)
}

/// The heaviest numbers of the table that `ranges` decide ([`tree::max_hot`] of them, each
/// carrying more than the floor weight), hottest first, with the index of their range.
fn hot_numbers(t: &Table, ranges: &[Range]) -> Vec<Hot> {
    let first = ranges[0].0;
    let mut hot: Vec<Hot> = t
        .entries
        .iter()
        .filter(|e| e.2 > 2.0 * FLOOR && e.0 >= first)
        .map(|&(nr, node, w)| {
            let pos = ranges.partition_point(|r| r.0 <= nr) - 1;
            Hot { nr, node, w, pos }
        })
        // Numbers of the other half (x32 inside x86_64's tree) have another code there.
        .filter(|h| ranges[h.pos].1 == h.node && h.nr <= tree::last(ranges, h.pos))
        .collect();
    hot.sort_by(|a, b| b.w.total_cmp(&a.w).then(a.nr.cmp(&b.nr)));
    hot.truncate(tree::max_hot(ranges.len()));
    hot
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
        let end = tree::last(ranges, i);
        if end < lo || r.0 > hi {
            continue;
        }
        out.push((r.0.max(lo), r.1, r.2));
    }
    out
}

/// The largest planner tables kept per thread between compilations, in states.
const KEEP_STATES: usize = 50_000;

/// How many comparisons more than the shortest possible worst case the native ABI's tree
/// may take on its worst path (the compat ABIs' trees get none: their calls are rare).
const SLACK: u32 = 6;
