//! A jump on the accumulator to one of several nodes, by which interval of the 32-bit
//! range it lies in: a short `jeq` chain when everything but one background node is a
//! single value, otherwise a `jge` search that splits the intervals in half.
//!
//! What it does badly: it knows no argument frequencies, so the chain is ordered to bound
//! the longest path, not the common one.

use crate::bpf::insn::{BPF_JEQ, BPF_JGE};
use crate::compile::dag::{Dag, NodeId};

/// At the top, a `jeq` chain of fewer values beats a search (also: value sets of the
/// sequential translation at least this large are searched, not tested one by one).
pub(super) const SET_SEARCH_MIN: usize = 8;

/// A search ends in `jeq` chains of at most this many values.
const SET_LEAF: usize = 6;

/// Jumps to `segs[i].1` when the accumulator is in `segs[i].0 ..` up to the next start (the
/// last one up to `u32::MAX`). `segs[0].0` is the lowest value that reaches here, starts
/// increase, and neighbours lead to different nodes.
pub fn segments(dag: &mut Dag, segs: &[(u32, NodeId)]) -> NodeId {
    search(dag, segs, u32::MAX, SET_SEARCH_MIN - 1)
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

/// `segs` covers `segs[0].0 ..= hi`.
fn search(dag: &mut Dag, segs: &[(u32, NodeId)], hi: u32, chain_max: usize) -> NodeId {
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
            let mut exceptions = exceptions;
            exceptions.sort_by_key(|&i| std::cmp::Reverse(dag.height(segs[i].1)));
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
    let upper = search(dag, &segs[mid..], hi, SET_LEAF);
    let lower = search(dag, &segs[..mid], split - 1, SET_LEAF);
    dag.jump(BPF_JGE, split, upper, lower)
}

/// The node every interval of more than one value leads to, when there is one such node;
/// with single values only, the most frequent node.
fn background(segs: &[(u32, NodeId)], single: &impl Fn(usize) -> bool) -> Option<NodeId> {
    let mut wide = (0..segs.len()).filter(|&i| !single(i)).map(|i| segs[i].1);
    match wide.next() {
        Some(bg) => wide.all(|n| n == bg).then_some(bg),
        None => segs
            .iter()
            .map(|s| s.1)
            .max_by_key(|&n| (segs.iter().filter(|s| s.1 == n).count(), usize::MAX - n)),
    }
}
