//! The shape of the whole filter: the architecture check (the ABI with the most expected
//! calls first), then per architecture a search over syscall-number ranges, on the native
//! ABI preceded by a short `jeq` chain for the hottest numbers when that pays.
//!
//! Numbers that share a decision and are contiguous (counting numbers absent from the table
//! as `unknown`) form one range. The ranges are searched with `jge`, in a tree that
//! minimises the expected number of comparisons under [`Weights`] (an optimal alphabetic
//! tree, built by dynamic programming with Knuth's monotone-root speed-up, O(n²)). Every
//! range also carries a small weight per syscall it holds ([`FLOOR`]), so that cold syscalls
//! stay ordered sensibly. With no weights, the tree is balanced by syscall count.
//!
//! On x86_64 the x32 half of the number space (bit 30 set, except `-1`) is just one more
//! range of the x86_64 tree, leading to the x32 tree, weighted by the x32 share of the calls
//! (it sinks to the bottom when the mix is native).
//!
//! Only `ld` of `nr`/`arch`, `jeq`/`jge #k` and `ret` are used on the way to an
//! unconditional decision, the shape the kernel's per-syscall action cache can prove
//! constant (kernel/seccomp.c, `seccomp_is_const_allow`); argument loads appear only below a
//! node that has already singled out one syscall number.
//!
//! The front chain: a `jeq` for a very hot number costs every other call one comparison,
//! and takes that number out of the tree (a lone allowed number between denied ones, as in
//! an allow-list, then stops splitting its neighbours). For m = 0, 1, … up to
//! [`MAX_FRONT`] hottest numbers the expected cost of chain plus re-planned tree is
//! compared, stopping at the first that does not pay.
//!
//! A syscall alone in a sea of another decision (`A x A`, up to `A x A y A z A`) can be
//! split off with a short `jeq` chain instead of two `jge` each; the tree takes the chain
//! when it is cheaper under the weights.
//!
//! The worst case is bounded: a range's path is its depth in the tree plus the longest path
//! its own code runs (argument checks, or the whole x32 tree for the x32 range). The shortest
//! possible worst case of a tree over given ranges is found exactly (a greedy left-to-right
//! placement of aligned dyadic slots, one per range, each as small as its depth limit
//! allows). The native ABI's tree may exceed it by [`SLACK`]; ranges on longer paths are
//! made heavier and the tree re-planned a few times, and failing that the shortest tree is
//! built from the slots. The compat ABIs (rare calls) get no slack, and every range there
//! starts with at least the weight that keeps an optimal tree within its limit.
//!
//! What it does badly: the Knuth bounds are only exact without the chains, so the tree can
//! be slightly off the optimum; only chains of up to three `jeq` are considered; the depth
//! bound is met by reweighting, not by an exact length-limited tree, so the mean under the
//! bound can be a little above the best possible.

use super::args;
use super::dag::{Dag, NodeId};
pub use super::weights::{Weights, FLOOR};
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
    let mut scratch = Scratch::default();
    let native = audits.first().map(|a| a.0);
    for &(audit, _) in audits.iter().rev() {
        // Only the native ABI's search gets a `jeq` front: the mix is recorded there, and
        // each one costs a full search plan.
        let front = Some(audit) == native;
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
                    section(dag, &t, Half::X86_64(x32), front, &mut scratch)
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
                    section(dag, &t, Half::All, front, &mut scratch)
                })
                .unwrap_or(bad)
        };
        let body = dag.load(OFF_NR, body);
        next = dag.jump(BPF_JEQ, audit, body, next);
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

/// A range: its first number, its code, its weight. It extends to the next range's start.
type Range = (u32, NodeId, f64);

/// One architecture's table: every number it knows with its decision and weight (share of
/// the mix plus [`FLOOR`]), sorted; all other numbers go to `unknown`.
struct Table {
    entries: Vec<(u32, NodeId, f64)>,
    unknown: NodeId,
}

fn table(dag: &mut Dag, s: &ArchSection, weights: &Weights) -> Table {
    let unknown = dag.ret(s.unknown.action.ret_value());
    let total = weights.total(s.arch);
    // Compile each distinct conditional decision once (there are few: a list beats hashing).
    let mut cache: Vec<(&Decision, NodeId)> = Vec::new();
    let entries = s
        .syscalls
        .iter()
        .map(|(&nr, d)| {
            let node = if d.rules.is_empty() {
                dag.ret(d.otherwise.action.ret_value())
            } else {
                match cache.iter().find(|c| same_shape(c.0, d)) {
                    Some(c) => c.1,
                    None => {
                        let node = args::decision(dag, s.arch, d);
                        cache.push((d, node));
                        node
                    }
                }
            };
            let share = if total > 0.0 {
                weights.calls.get(&(s.arch, nr)).copied().unwrap_or(0.0) / total
            } else {
                0.0
            };
            (nr, node, share + FLOOR)
        })
        .collect();
    Table { entries, unknown }
}

/// Whether two decisions compile to the same code (only conditions and actions matter).
fn same_shape(a: &Decision, b: &Decision) -> bool {
    a.otherwise.action == b.otherwise.action
        && a.rules.len() == b.rules.len()
        && a.rules
            .iter()
            .zip(&b.rules)
            .all(|(x, y)| x.ruling.action == y.ruling.action && x.cond == y.cond)
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

/// The ranges of `t` that `half` decides, leaving out the numbers in `skip` (decided before
/// the search: each joins the range before it).
fn ranges(t: &Table, skip: &[u32], half: Half) -> Vec<Range> {
    let mut out: Vec<Range> = Vec::with_capacity(2 * t.entries.len() + 2);
    let mut expect = 0u64;
    for &(nr, node, w) in &t.entries {
        if u64::from(nr) != expect {
            out.push((expect as u32, t.unknown, FLOOR / 4.0));
        }
        expect = u64::from(nr) + 1;
        if !out.is_empty() && skip.contains(&nr) {
            continue;
        }
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

/// At most this many numbers are tested with `jeq` in front of a section's range search.
const MAX_FRONT: usize = 4;

/// The search over one section: the range tree, preceded by a `jeq` for each of the
/// hottest numbers when that lowers the expected number of comparisons (every other call
/// pays one more for each; the number itself drops out of the tree, often merging the
/// ranges around it).
fn section(dag: &mut Dag, t: &Table, half: Half, front: bool, scratch: &mut Scratch) -> NodeId {
    let inside = |nr: u32| match half {
        Half::All => true,
        Half::X86_64(_) => nr < X32_SYSCALL_BIT,
        Half::X32 => (X32_SYSCALL_BIT..u32::MAX).contains(&nr),
    };
    let mut hot: Vec<(u32, NodeId, f64)> = t
        .entries
        .iter()
        .copied()
        .filter(|e| inside(e.0) && e.2 > 2.0 * FLOOR)
        .collect();
    hot.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    hot.truncate(if front { MAX_FRONT } else { 0 });
    let mut best: Option<(f64, usize, Vec<Range>, Vec<u16>)> = None;
    for m in 0..=hot.len() {
        let skip: Vec<u32> = hot[..m].iter().map(|h| h.0).collect();
        let mut r = ranges(t, &skip, half);
        if !front {
            // A compat ABI: its calls are rare, so its tree is first of all short.
            shortest_first(dag, &mut r, &mut scratch.heights);
        }
        let tree_cost = plan(&r, scratch);
        let n = r.len();
        let rest: f64 = r.iter().map(|x| x.2).sum();
        let front: f64 = hot[..m]
            .iter()
            .enumerate()
            .map(|(k, h)| h.2 * (k + 1) as f64)
            .sum();
        let cost = front + rest * m as f64 + tree_cost;
        match &best {
            // One more `jeq` that does not pay: neither will the next (they are colder).
            Some(b) if cost >= b.0 - 1e-12 => break,
            _ => best = Some((cost, m, r, scratch.root[..n * n].to_vec())),
        }
    }
    let (_, m, r, mut root) = best.expect("at least the plain tree");
    bound_depth(dag, &r, &mut root, if front { SLACK } else { 0 }, scratch);
    let tree = build(dag, &r, &root, 0, r.len() - 1);
    hot[..m]
        .iter()
        .rev()
        .fold(tree, |next, h| dag.jump(BPF_JEQ, h.0, h.1, next))
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

/// Working memory for [`plan`].
#[derive(Default)]
struct Scratch {
    /// `cost[i * n + j]`, and the same transposed (`by_end[j * n + i]`) so that the split
    /// loop reads both halves from consecutive addresses.
    cost: Vec<f64>,
    by_end: Vec<f64>,
    split: Vec<u16>,
    /// Per interval `i * n + j`: the range its `jge` splits at, or [`CHAIN`].
    root: Vec<u16>,
    /// Per dag node: the most instructions a path from it runs (see [`height`]).
    heights: Vec<u32>,
}

/// The search over `ranges` (sorted by start, each up to the next start) that minimises the
/// expected number of comparisons: cost(i, j) = W(i, j) + min over the split k of
/// cost(i, k-1) + cost(k, j), with the best split monotone in i and j (Knuth).
fn plan(ranges: &[Range], scratch: &mut Scratch) -> f64 {
    let n = ranges.len();
    assert!(n < usize::from(CHAIN), "too many ranges");
    let Scratch {
        cost,
        by_end,
        split,
        root,
        ..
    } = scratch;
    // Every cell the search reads is written first (shorter intervals before longer ones),
    // so the buffers are only grown, never cleared.
    for v in [&mut *split, &mut *root] {
        if v.len() < n * n {
            v.resize(n * n, 0);
        }
    }
    if n == 1 {
        return 0.0;
    }
    let mut prefix = vec![0.0; n + 1];
    for (i, r) in ranges.iter().enumerate() {
        prefix[i + 1] = prefix[i] + r.2;
    }
    let at = |i: usize, j: usize| i * n + j;
    for v in [&mut *cost, &mut *by_end] {
        if v.len() < n * n {
            v.resize(n * n, 0.0);
        }
    }
    // `split`: the best `jge` split, which bounds the search of the larger intervals
    // (Knuth); `root`: that split or CHAIN.
    for i in 0..n {
        split[at(i, i)] = i as u16;
        root[at(i, i)] = i as u16;
        cost[at(i, i)] = 0.0;
        by_end[at(i, i)] = 0.0;
    }
    for len in 2..=n {
        for i in 0..=n - len {
            let j = i + len - 1;
            let lo = usize::from(split[at(i, j - 1)]).max(i + 1);
            let hi = usize::from(split[at(i + 1, j)]).max(lo).min(j);
            let mut best = (f64::MAX, lo);
            let left = &cost[at(i, lo - 1)..at(i, hi)];
            let right = &by_end[at(j, lo)..=at(j, hi)];
            for (d, (a, b)) in left.iter().zip(right).enumerate() {
                if a + b < best.0 {
                    best = (a + b, lo + d);
                }
            }
            let mut c = best.0 + prefix[j + 1] - prefix[i];
            split[at(i, j)] = best.1 as u16;
            let mut r = best.1 as u16;
            if len % 2 == 1 && len <= 2 * MAX_CHAIN + 1 {
                if let Some(chain) = chain_cost(ranges, i, j) {
                    if chain < c {
                        (c, r) = (chain, CHAIN);
                    }
                }
            }
            cost[at(i, j)] = c;
            by_end[at(j, i)] = c;
            root[at(i, j)] = r;
        }
    }
    cost[at(0, n - 1)]
}

/// Marks a subtree laid out as a `jeq` chain.
const CHAIN: u16 = u16::MAX;

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
    let mut buf = [0.0f64; MAX_CHAIN];
    let mut m = 0;
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
            buf[m] = r.2;
            m += 1;
        }
    }
    let singles = &mut buf[..m];
    singles.sort_by(|a, b| b.total_cmp(a));
    let m = m as f64;
    Some(
        singles
            .iter()
            .enumerate()
            .map(|(k, w)| w * (k + 1) as f64)
            .sum::<f64>()
            + outer_w * m,
    )
}

fn build(dag: &mut Dag, ranges: &[Range], root: &[u16], i: usize, j: usize) -> NodeId {
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
    let k = usize::from(k);
    let lower = build(dag, ranges, root, i, k - 1);
    let upper = build(dag, ranges, root, k, j);
    dag.jump(BPF_JGE, ranges[k].0, upper, lower)
}

/// How many comparisons more than the shortest possible worst case the native ABI's tree
/// may take on its worst path (the compat ABIs' trees get none: their calls are rare).
const SLACK: u32 = 6;

/// Reweighting rounds before [`bound_depth`] falls back to the shortest tree.
const BOUND_ROUNDS: usize = 4;

/// The most instructions any path from `id` runs, `ret` included. `heights` caches every
/// node's (a node's successors are always built before it, so one pass in id order does).
fn height(dag: &Dag, id: NodeId, heights: &mut Vec<u32>) -> u32 {
    while heights.len() <= id {
        let h = 1 + dag
            .node(heights.len())
            .successors()
            .into_iter()
            .map(|s| heights[s])
            .max()
            .unwrap_or(0);
        heights.push(h);
    }
    heights[id]
}

/// The depth of every range in the tree `root` (comparisons before its code runs).
fn depths(ranges: &[Range], root: &[u16], i: usize, j: usize, d: u32, out: &mut [u32]) {
    if i == j {
        out[i] = d;
        return;
    }
    let n = ranges.len();
    let k = root[i * n + j];
    if k == CHAIN {
        let mut singles: Vec<usize> = (i + 1..=j).step_by(2).collect();
        let m = singles.len() as u32;
        singles.sort_by(|&a, &b| ranges[b].2.total_cmp(&ranges[a].2).then(a.cmp(&b)));
        for (pos, &s) in singles.iter().enumerate() {
            out[s] = d + pos as u32 + 1;
        }
        for o in (i..=j).step_by(2) {
            out[o] = d + m;
        }
        return;
    }
    let k = usize::from(k);
    depths(ranges, root, i, k - 1, d + 1, out);
    depths(ranges, root, k, j, d + 1, out);
}

/// The depth limit of each leaf that keeps every path within `bound`, if all are met.
fn limits(lens: &[u32], bound: u32) -> Option<Vec<u32>> {
    lens.iter().map(|&l| bound.checked_sub(l)).collect()
}

/// Whether an alphabetic tree exists whose leaves sit no deeper than `limit` (left to
/// right, each leaf takes the smallest aligned slot of size 2^-limit it may: exact, since
/// any valid tree's slots start no earlier), and the slots' starts.
fn fits(limit: &[u32]) -> Option<Vec<u64>> {
    const ONE: u64 = 1 << 62;
    let mut x = 0u64;
    let mut starts = Vec::with_capacity(limit.len());
    for &d in limit {
        let size = ONE >> d.min(62);
        x = x.div_ceil(size) * size;
        starts.push(x);
        x += size;
        if x > ONE {
            return None;
        }
    }
    Some(starts)
}

/// A tree from slot starts (see [`fits`]): split where the slots cross the middle of the
/// interval `lo..lo + size`.
fn slots_tree(starts: &[u64], i: usize, j: usize, lo: u64, size: u64, n: usize, root: &mut [u16]) {
    if i == j {
        return;
    }
    let mid = lo + size / 2;
    let k = (i..=j).find(|&k| starts[k] >= mid).unwrap_or(j + 1);
    if k == i || k == j + 1 {
        // Everything in one half: descend without a comparison.
        let lo = if k == i { mid } else { lo };
        return slots_tree(starts, i, j, lo, size / 2, n, root);
    }
    root[i * n + j] = k as u16;
    slots_tree(starts, i, k - 1, lo, size / 2, n, root);
    slots_tree(starts, k, j, mid, size / 2, n, root);
}

/// Makes every range at least as heavy as an optimal tree needs to keep it on a path no
/// longer than the shortest possible worst case.
fn shortest_first(dag: &Dag, r: &mut [Range], heights: &mut Vec<u32>) {
    let (lens, bound) = shortest(dag, r, heights);
    let total: f64 = r.iter().map(|x| x.2).sum();
    for (x, l) in r.iter_mut().zip(lens) {
        // An optimal tree keeps a range of share p within log2(1/p) + 2 comparisons.
        let limit = bound.saturating_sub(l).min(60) as i32 - 2;
        x.2 = x.2.max(total * 0.5f64.powi(limit));
    }
}

/// What each range's code runs at most, and the shortest worst case any tree can have.
fn shortest(dag: &Dag, r: &[Range], heights: &mut Vec<u32>) -> (Vec<u32>, u32) {
    let lens: Vec<u32> = r.iter().map(|x| height(dag, x.1, heights)).collect();
    let low = lens.iter().copied().max().unwrap_or(0);
    let bound = (low..)
        .find(|&b| limits(&lens, b).and_then(|l| fits(&l)).is_some())
        .expect("a balanced tree fits");
    (lens, bound)
}

/// Keeps the worst path through the tree `root` (its depth plus what the range's code runs)
/// within `slack` of the shortest possible: ranges on too long a path are made heavier and
/// the tree re-planned, a few times; failing that, the shortest tree is taken.
fn bound_depth(dag: &Dag, r: &[Range], root: &mut [u16], slack: u32, scratch: &mut Scratch) {
    let n = r.len();
    if n < 2 {
        return;
    }
    let (lens, shortest) = shortest(dag, r, &mut scratch.heights);
    let bound = shortest + slack;
    let mut w: Vec<Range> = r.to_vec();
    let mut d = vec![0u32; n];
    let rounds = BOUND_ROUNDS;
    let total: f64 = r.iter().map(|x| x.2).sum();
    for round in 0..=rounds {
        depths(r, root, 0, n - 1, 0, &mut d);
        let mut over = false;
        for l in 0..n {
            if d[l] + lens[l] > bound {
                over = true;
                // At least the weight that an optimal tree keeps within the limit.
                let limit = bound.saturating_sub(lens[l]).min(60) as i32;
                w[l].2 = (w[l].2 * 16.0).max(total * 0.5f64.powi(limit));
            }
        }
        if !over {
            return;
        }
        if round == rounds {
            break;
        }
        plan(&w, scratch);
        root.copy_from_slice(&scratch.root[..n * n]);
    }

    let starts =
        fits(&limits(&lens, bound).expect("bound above every length")).expect("the bound fits");
    slots_tree(&starts, 0, n - 1, 0, 1 << 62, n, root);
}
