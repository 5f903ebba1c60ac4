//! A jump on the accumulator to one of several nodes, by which interval of the 32-bit
//! range it lies in: a short `jeq` chain when everything but one background node is a
//! single value, otherwise a `jge` search that splits the intervals in half.
//!
//! Without value frequencies ([`segments`]) the chain is ordered to bound the longest path
//! and the search splits in the middle: every value pays about the same. With them
//! ([`segments_weighted`]), a few hot values may be tested first with their own `jeq` and a
//! chain is ordered by share, whichever costs the fewest comparisons expected, as long as
//! the longest path grows by at most [`SLACK`] comparisons over the unweighted dispatch.
//! A hot value tested ahead of the search can no longer reach it, so when it is a segment
//! of its own, the search joins it to a neighbour and may get shorter for the rest.

use crate::bpf::insn::{BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET};
use crate::compile::dag::{Dag, Node, NodeId};
use rustc_hash::FxHashMap as HashMap;

/// How many comparisons a weighted dispatch's longest path may exceed the unweighted one's:
/// the price of a hot value's `jeq`, paid only by the rare values, kept small because
/// dispatches on several words of one call add up.
pub const SLACK: u32 = 2;

/// At most this many hot values are tested ahead of the search.
const HOT_MAX: usize = 3;

/// At the top, a `jeq` chain of fewer values beats a search (also: value sets of the
/// sequential translation at least this large are searched, not tested one by one).
pub(super) const SET_SEARCH_MIN: usize = 8;

/// A search ends in `jeq` chains of at most this many values.
const SET_LEAF: usize = 6;

/// Jumps to `segs[i].1` when the accumulator is in `segs[i].0 ..` up to the next start (the
/// last one up to `u32::MAX`). `segs[0].0` is the lowest value that reaches here, starts
/// increase, and neighbours lead to different nodes.
pub fn segments(dag: &mut Dag, segs: &[(u32, NodeId)]) -> NodeId {
    search(dag, segs, u32::MAX, SET_SEARCH_MIN - 1, &[])
}

/// [`segments`] laid out for `hot`: values of the accumulator with their share of the calls
/// that reach here (shares adding up to at most 1; the rest is spread evenly over the
/// segments). Of the unweighted dispatch and those testing the 1 to [`HOT_MAX`] hottest
/// values first (with the chain, where there is one, ordered by share), the one with the
/// fewest comparisons expected, among those whose longest path is at most [`SLACK`] longer
/// than the unweighted one's; ties keep the fewer `jeq` ahead.
pub fn segments_weighted(dag: &mut Dag, segs: &[(u32, NodeId)], hot: &[(u32, f64)]) -> NodeId {
    let base = segments(dag, segs);
    let lowest = segs[0].0;
    // Hottest first; each with the node its segment leads to.
    let mut hot: Vec<(u32, f64, NodeId)> = hot
        .iter()
        .filter(|h| h.0 >= lowest && h.1 > 0.0)
        .map(|&(v, p)| (v, p, segs[segs.partition_point(|s| s.0 <= v) - 1].1))
        .collect();
    if hot.is_empty() || segs.len() == 1 {
        return base;
    }
    hot.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let cold = (1.0 - hot.iter().map(|h| h.1).sum::<f64>()).max(0.0);
    let expected = |dag: &Dag, root: NodeId| {
        let on_hot: f64 = hot
            .iter()
            .map(|&(v, p, to)| p * f64::from(comparisons(dag, root, v, to)))
            .sum();
        let per_segment: u32 = segs
            .iter()
            .map(|&(v, to)| comparisons(dag, root, v, to))
            .sum();
        on_hot + cold * f64::from(per_segment) / segs.len() as f64
    };
    let limit = dag.height(base) + SLACK;
    let mut best = (expected(dag, base), base);
    let shares: Vec<(u32, f64)> = hot.iter().map(|h| (h.0, h.1)).collect();
    for k in 0..=HOT_MAX.min(hot.len()) {
        let rest = without(segs, &hot[..k]);
        let search_rest = search(dag, &rest, u32::MAX, SET_SEARCH_MIN - 1, &shares);
        let root = hot[..k]
            .iter()
            .rev()
            .fold(search_rest, |next, h| dag.jump(BPF_JEQ, h.0, h.2, next));
        if dag.height(root) > limit {
            continue;
        }
        // Only a clear gain is worth the change (and the rounding of the shares).
        let cost = expected(dag, root);
        if cost < best.0 - 1e-9 {
            best = (cost, root);
        }
    }
    best.1
}

/// The comparisons from `root` until the accumulator `x` reaches `to` (the node its segment
/// leads to; dispatch nodes are jumps on the accumulator, the nodes they lead to are not).
fn comparisons(dag: &Dag, mut n: NodeId, x: u32, to: NodeId) -> u32 {
    let mut count = 0;
    while n != to {
        let Node::Jump { op, k, jt, jf } = *dag.node(n) else {
            break;
        };
        let taken = match op {
            BPF_JEQ => x == k,
            BPF_JGE => x >= k,
            BPF_JGT => x > k,
            BPF_JSET => x & k != 0,
            _ => false,
        };
        count += 1;
        n = if taken { jt } else { jf };
    }
    count
}

/// `segs` for the values that get past the `jeq` on each of `taken`: a segment that is one
/// of them alone leads where its neighbour does (it is never reached), so that neighbours
/// may meet.
fn without(segs: &[(u32, NodeId)], taken: &[(u32, f64, NodeId)]) -> Vec<(u32, NodeId)> {
    let mut out: Vec<(u32, NodeId)> = segs.to_vec();
    for &(v, _, _) in taken {
        let Some(i) = out.iter().position(|s| s.0 == v) else {
            continue;
        };
        let alone = out.get(i + 1).map_or(v == u32::MAX, |next| next.0 == v + 1);
        if !alone || out.len() == 1 {
            continue;
        }
        if i > 0 {
            // Joins the one before (and the one after too, when that leads there as well).
            out.remove(i);
            if out.get(i).is_some_and(|next| next.1 == out[i - 1].1) {
                out.remove(i);
            }
        } else {
            // The next one starts at the lowest value that reaches here instead.
            out.remove(0);
            out[0].0 = v;
        }
    }
    out
}

/// Whether the accumulator is one of `values` (sorted, distinct).
pub fn member(dag: &mut Dag, values: &[u32], t: NodeId, f: NodeId) -> NodeId {
    let mut segs: Vec<(u32, NodeId)> = Vec::with_capacity(2 * values.len() + 1);
    let mut push = |start: u32, n: NodeId| match segs.last() {
        Some(&(_, last)) if last == n => {}
        _ => segs.push((start, n)),
    };
    // The first value not covered yet (2^32 once all are).
    let mut next = 0u64;
    for &v in values {
        if u64::from(v) > next {
            push(next as u32, f);
        }
        push(v, t);
        next = u64::from(v) + 1;
    }
    if next <= u64::from(u32::MAX) {
        push(next as u32, f);
    }
    segments(dag, &segs)
}

/// `segs` covers `segs[0].0 ..= hi`. `hot` (value, share) orders a chain: the hotter a
/// value, the sooner it is tested (before the longest continuation first).
fn search(
    dag: &mut Dag,
    segs: &[(u32, NodeId)],
    hi: u32,
    chain_max: usize,
    hot: &[(u32, f64)],
) -> NodeId {
    if segs.len() == 1 {
        return segs[0].1;
    }
    let end = |i: usize| segs.get(i + 1).map_or(hi, |s| s.0 - 1);
    let single = |i: usize| segs[i].0 == end(i);
    let background = background(segs, &single);
    let exceptions: Vec<usize> = match background {
        Some(bg) => (0..segs.len()).filter(|&i| segs[i].1 != bg).collect(),
        None => Vec::new(),
    };
    if let Some(bg) = background {
        if exceptions.len() <= chain_max {
            // Longest continuation first: that keeps the longest path through the chain
            // shortest (a value that leads on to more tests is tested sooner).
            // With value shares, the hotter values first (a stable sort keeps the longest
            // continuation first among equally hot ones).
            let mut exceptions = exceptions;
            exceptions.sort_by_key(|&i| std::cmp::Reverse(dag.height(segs[i].1)));
            if !hot.is_empty() {
                let share = |i: usize| {
                    hot.iter()
                        .filter(|h| segs[i].0 <= h.0 && h.0 <= end(i))
                        .map(|h| h.1)
                        .sum::<f64>()
                };
                exceptions.sort_by(|&a, &b| share(b).total_cmp(&share(a)));
            }
            return exceptions
                .iter()
                .rev()
                .fold(bg, |next, &i| dag.jump(BPF_JEQ, segs[i].0, segs[i].1, next));
        }
    }
    // Split at the middle exception (a value set), or the middle interval.
    let mid = match background {
        Some(_) => exceptions[exceptions.len() / 2],
        None => segs.len() / 2,
    }
    .max(1);
    let split = segs[mid].0;
    let upper = search(dag, &segs[mid..], hi, SET_LEAF, hot);
    let lower = search(dag, &segs[..mid], split - 1, SET_LEAF, hot);
    dag.jump(BPF_JGE, split, upper, lower)
}

/// The node every interval of more than one value leads to, when there is one such node;
/// with single values only, the most frequent node.
fn background(segs: &[(u32, NodeId)], single: &impl Fn(usize) -> bool) -> Option<NodeId> {
    let mut wide = (0..segs.len()).filter(|&i| !single(i)).map(|i| segs[i].1);
    match wide.next() {
        Some(bg) => wide.all(|n| n == bg).then_some(bg),
        None => {
            // Counted once each: a search over thousands of single values asks at every step.
            let mut count: HashMap<NodeId, usize> = HashMap::default();
            for s in segs {
                *count.entry(s.1).or_default() += 1;
            }
            count
                .into_iter()
                .max_by_key(|&(n, c)| (c, usize::MAX - n))
                .map(|(n, _)| n)
        }
    }
}
