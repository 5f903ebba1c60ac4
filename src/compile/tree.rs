//! The search over one section's syscall-number ranges: which comparisons, in which order,
//! to reach each range's code with the fewest comparisons expected under the call weights.
//!
//! A range is a run of numbers that share one decision; the ranges are sorted and each
//! extends to the next one's start. The tree has three kinds of inner node:
//! - `jge start`: splits the ranges in two (an alphabetic tree);
//! - `jeq nr` on a *hot* number: decides that one number at once and takes it out of the
//!   subtree below. A hot number in the middle of a long, cold stretch of ranges then no
//!   longer pays for the whole stretch, and a hot number alone between two ranges of the
//!   same decision lets them meet;
//! - a `jeq` chain on the single numbers of `A x A y A` (cheaper than two `jge` each).
//!
//! [`plan`] finds the cheapest such tree by dynamic programming over (interval of ranges,
//! how many of the interval's hot numbers are already taken out). The hot numbers are
//! taken out hottest first, so that state is one small count: cost(i, j, m) is the best of
//! a `jeq` on the next hottest (W + cost(i, j, m + 1)), every `jge` split k
//! (W + cost(i, k-1, m') + cost(k, j, m - m'), m' the taken-out ones left of k) and, with
//! nothing taken out, the chain; an interval whose remaining ranges all share one decision
//! is a leaf. With no hot numbers this is the optimal alphabetic tree. Up to `EXACT`
//! ranges every split is tried, and the plan is the cheapest tree of these nodes (tested
//! against exhaustive search); beyond, the splits are searched within Knuth's monotone
//! bounds (the best split of an interval lies between those of the interval without its
//! last range and without its first), exact for alphabetic trees and a close heuristic with
//! the `jeq` nodes (widened by `WIDEN`). The states number n² × (hot + 1), so the number
//! of hot numbers shrinks for large trees ([`max_hot`]).
//!
//! The worst case is bounded: a range's path is its depth plus the longest path its own
//! code runs (argument checks, or the whole x32 tree for the x32 range). The shortest
//! possible worst case of a tree over given ranges is found exactly (a greedy left-to-right
//! placement of aligned dyadic slots, one per range, each as small as its depth limit
//! allows). [`bound_depth`] lets a tree exceed it by a given slack: ranges on longer paths
//! are made heavier and the tree re-planned a few times, and failing that the shortest tree
//! is built from the slots.

use super::dag::{Dag, NodeId};
use crate::bpf::insn::{BPF_JEQ, BPF_JGE};

/// A range: its first number, its code, its weight. It extends to the next range's start.
pub type Range = (u32, NodeId, f64);

/// The last number of `ranges[i]` (the last range extends to `u32::MAX`).
pub fn last(ranges: &[Range], i: usize) -> u32 {
    ranges.get(i + 1).map_or(u32::MAX, |next| next.0 - 1)
}

/// A number the tree may decide with its own `jeq` above its range.
#[derive(Clone, Copy, Debug)]
pub struct Hot {
    pub nr: u32,
    /// Its code (the code of its range).
    pub node: NodeId,
    /// Its weight (part of its range's weight).
    pub w: f64,
    /// The index of its range.
    pub pos: usize,
}

/// At most this many hot numbers are considered.
pub const MAX_HOT: usize = 5;

/// The states a plan may use (n² × (hot + 1)): the hot numbers a tree over n ranges may
/// have, so that planning stays within a few milliseconds and megabytes.
const STATE_BUDGET: usize = 200_000;

/// How many hot numbers a tree over `n` ranges may take.
pub fn max_hot(n: usize) -> usize {
    (STATE_BUDGET / (n * n).max(1))
        .saturating_sub(1)
        .min(MAX_HOT)
}

/// Up to this many ranges every split is tried; beyond, only those within Knuth's bounds
/// widened by `WIDEN` on each side.
const EXACT: usize = 24;
const WIDEN: usize = 2;

/// The longest `A x A y A` chain considered (single numbers in it).
const MAX_CHAIN: usize = 3;

/// What a state of the search does (a `jge` split stores the index of its range).
const LEAF: u16 = u16::MAX - 2;
const JEQ: u16 = u16::MAX - 1;
const CHAIN: u16 = u16::MAX;

/// Working memory, grown as needed and reused across sections and re-plans.
#[derive(Default)]
pub struct Scratch {
    /// Per state `((i * n + j) * (hot + 1) + m)`: expected comparisons and the choice.
    cost: Vec<f64>,
    /// The same costs indexed `((j * n + i) * (hot + 1) + m)`, so that the split loop reads
    /// both halves from nearby addresses.
    by_end: Vec<f64>,
    choice: Vec<u16>,
    /// Per state: its best `jge` split (twice), or `(i, j)` for a leaf: the bounds on the
    /// splits of the intervals one range longer (Knuth's monotone roots).
    bounds: Vec<(u16, u16)>,
}

impl Scratch {
    /// How many states the tables hold (what keeping them costs: 22 bytes each).
    pub fn states(&self) -> usize {
        self.cost.len()
    }
}

/// The plan's indexing, and the hot numbers of each interval.
struct Shape<'a> {
    ranges: &'a [Range],
    hot: &'a [Hot],
    n: usize,
}

impl Shape<'_> {
    fn at(&self, i: usize, j: usize, m: usize) -> usize {
        (i * self.n + j) * (self.hot.len() + 1) + m
    }

    /// The index of state (i, j, m) in [`Scratch::by_end`].
    fn by_end_at(&self, i: usize, j: usize, m: usize) -> usize {
        (j * self.n + i) * (self.hot.len() + 1) + m
    }

    /// The hot numbers inside ranges `i..=j`, hottest first.
    fn inside(&self, i: usize, j: usize) -> ([usize; MAX_HOT], usize) {
        let mut out = [0; MAX_HOT];
        let mut k = 0;
        for (h, x) in self.hot.iter().enumerate() {
            if (i..=j).contains(&x.pos) {
                out[k] = h;
                k += 1;
            }
        }
        (out, k)
    }

    /// Whether range `p` holds only one number and that number is among `gone`.
    fn empty(&self, p: usize, gone: &[usize]) -> bool {
        let single = last(self.ranges, p) == self.ranges[p].0;
        single && gone.iter().any(|&h| self.hot[h].pos == p)
    }

    /// The one code all numbers still in `i..=j` lead to, if there is just one.
    fn single(&self, i: usize, j: usize, gone: &[usize]) -> Option<NodeId> {
        let mut one = None;
        for p in i..=j {
            if self.empty(p, gone) {
                continue;
            }
            match one {
                None => one = Some(self.ranges[p].1),
                Some(x) if x != self.ranges[p].1 => return None,
                Some(_) => {}
            }
        }
        Some(one.unwrap_or(self.ranges[i].1))
    }
}

/// Plans the cheapest tree over `ranges` with `hot` (hottest first, at most [`MAX_HOT`]);
/// returns its expected number of comparisons (per unit of weight, unnormalised). The plan
/// stays in `scratch` for [`build`] and `depths`.
pub fn plan(ranges: &[Range], hot: &[Hot], scratch: &mut Scratch) -> f64 {
    let n = ranges.len();
    assert!(n < usize::from(LEAF), "too many ranges");
    assert!(hot.len() <= MAX_HOT);
    let s = Shape { ranges, hot, n };
    let states = n * n * (hot.len() + 1);
    if scratch.cost.len() < states {
        scratch.cost.resize(states, 0.0);
        scratch.by_end.resize(states, 0.0);
        scratch.choice.resize(states, 0);
        scratch.bounds.resize(states, (0, 0));
    }
    let Scratch {
        cost,
        by_end,
        choice,
        bounds,
    } = scratch;
    let mut prefix = vec![0.0; n + 1];
    for (i, r) in ranges.iter().enumerate() {
        prefix[i + 1] = prefix[i] + r.2;
    }
    let exact = n <= EXACT;
    // Knuth's rule holds for the plain tree (but for the chains): no need to widen.
    let widen = if hot.is_empty() { 0 } else { WIDEN };
    // Rows from the last range back, each from its shortest interval up, and within one
    // interval more taken out before fewer: every state read is written first.
    for i in (0..n).rev() {
        for j in i..n {
            let len = j - i + 1;
            let (inside, k) = s.inside(i, j);
            for m in (0..=k).rev() {
                let gone = &inside[..m];
                let at = s.at(i, j, m);
                // Neighbouring ranges differ, so the ones left can share one code only if
                // every other one was taken out.
                if len == 1 || (len <= 2 * m + 1 && s.single(i, j, gone).is_some()) {
                    cost[at] = 0.0;
                    by_end[s.by_end_at(i, j, m)] = 0.0;
                    choice[at] = LEAF;
                    // No bound on the splits of the intervals around it.
                    bounds[at] = (i as u16, j as u16);
                    continue;
                }
                let best_split = best_split(&s, cost, by_end, bounds, (i, j), gone, exact, widen);
                bounds[at] = (best_split.1 as u16, best_split.1 as u16);
                let mut best = (best_split.0, best_split.1 as u16);
                if m < k && cost[s.at(i, j, m + 1)] < best.0 {
                    best = (cost[s.at(i, j, m + 1)], JEQ);
                }
                let w = prefix[j + 1] - prefix[i] - gone.iter().map(|&h| hot[h].w).sum::<f64>();
                let mut c = best.0 + w;
                if m == 0 {
                    if let Some(chain) = chain_cost(ranges, i, j) {
                        if chain < c {
                            (c, best.1) = (chain, CHAIN);
                        }
                    }
                }
                cost[at] = c;
                by_end[s.by_end_at(i, j, m)] = c;
                choice[at] = best.1;
            }
        }
    }
    cost[s.at(0, n - 1, 0)]
}

/// The best `jge` split of state (i, j, m) with `gone` (the first m hot numbers of the
/// interval) taken out: its cost and its range.
#[allow(clippy::too_many_arguments)]
fn best_split(
    s: &Shape,
    cost: &[f64],
    by_end: &[f64],
    bounds: &[(u16, u16)],
    (i, j): (usize, usize),
    gone: &[usize],
    exact: bool,
    widen: usize,
) -> (f64, usize) {
    let m = gone.len();
    let k1 = s.hot.len() + 1;
    // The taken-out numbers' ranges in order: how many lie left of each split.
    let mut gone_pos = [0usize; MAX_HOT];
    for (g, &h) in gone_pos.iter_mut().zip(gone) {
        *g = s.hot[h].pos;
    }
    let gone_pos = &mut gone_pos[..m];
    gone_pos.sort_unstable();
    // Knuth: the best split lies between those of the interval without its last range and
    // without its first (with the same numbers taken out); widened, since the `jeq` nodes
    // break the rule now and then.
    let (lo, hi) = if exact {
        (i + 1, j)
    } else {
        let without_last = gone_pos.iter().filter(|&&p| p < j).count();
        let without_first = gone_pos.iter().filter(|&&p| p > i).count();
        let lo = usize::from(bounds[s.at(i, j - 1, without_last)].0)
            .saturating_sub(widen)
            .max(i + 1);
        let hi = usize::from(bounds[s.at(i + 1, j, without_first)].1) + widen;
        (lo, hi.max(lo).min(j))
    };
    let mut best = (f64::MAX, lo);
    if m == 0 {
        // Nothing taken out (every state of a plain tree): the same search without the
        // bookkeeping, on consecutive states of both tables. This loop is most of the
        // compile time.
        let left = &cost[s.at(i, lo - 1, 0)..];
        let right = &by_end[s.by_end_at(lo, j, 0)..];
        for d in 0..=hi - lo {
            let c = left[d * k1] + right[d * k1];
            if c < best.0 {
                best = (c, lo + d);
            }
        }
        return best;
    }
    let mut left = gone_pos.iter().filter(|&&p| p < lo).count();
    for kk in lo..=hi {
        while left < m && gone_pos[left] < kk {
            left += 1;
        }
        let c = cost[s.at(i, kk - 1, left)] + by_end[s.by_end_at(kk, j, m - left)];
        if c < best.0 {
            best = (c, kk);
        }
    }
    best
}

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
            if last(ranges, i + pos) != r.0 {
                return None;
            }
            buf[m] = r.2;
            m += 1;
        }
    }
    let singles = &mut buf[..m];
    singles.sort_by(|a, b| b.total_cmp(a));
    Some(
        singles
            .iter()
            .enumerate()
            .map(|(k, w)| w * (k + 1) as f64)
            .sum::<f64>()
            + outer_w * m as f64,
    )
}

/// The singles of a chain over `i..=j`, hottest first.
fn chain_order(ranges: &[Range], i: usize, j: usize) -> Vec<usize> {
    let mut singles: Vec<usize> = (i + 1..=j).step_by(2).collect();
    singles.sort_by(|&a, &b| ranges[b].2.total_cmp(&ranges[a].2).then(a.cmp(&b)));
    singles
}

/// The tree [`plan`] (or [`bound_depth`]) left in `scratch`, as graph nodes.
pub fn build(dag: &mut Dag, ranges: &[Range], hot: &[Hot], scratch: &Scratch) -> NodeId {
    let s = Shape {
        ranges,
        hot,
        n: ranges.len(),
    };
    build_at(dag, &s, &scratch.choice, 0, s.n - 1, 0)
}

fn build_at(dag: &mut Dag, s: &Shape, choice: &[u16], i: usize, j: usize, m: usize) -> NodeId {
    let (inside, _) = s.inside(i, j);
    let gone = &inside[..m];
    match choice[s.at(i, j, m)] {
        LEAF => s.single(i, j, gone).unwrap_or(s.ranges[i].1),
        JEQ => {
            let h = s.hot[inside[m]];
            let rest = build_at(dag, s, choice, i, j, m + 1);
            dag.jump(BPF_JEQ, h.nr, h.node, rest)
        }
        CHAIN => chain_order(s.ranges, i, j)
            .iter()
            .rev()
            .fold(s.ranges[i].1, |next, &p| {
                dag.jump(BPF_JEQ, s.ranges[p].0, s.ranges[p].1, next)
            }),
        k => {
            let k = usize::from(k);
            let left = gone.iter().filter(|&&h| s.hot[h].pos < k).count();
            let lower = build_at(dag, s, choice, i, k - 1, left);
            let upper = build_at(dag, s, choice, k, j, m - left);
            dag.jump(BPF_JGE, s.ranges[k].0, upper, lower)
        }
    }
}

/// The most comparisons before any number of each range is decided, in the planned tree.
fn depths(s: &Shape, choice: &[u16], out: &mut [u32]) {
    out.fill(0);
    depths_at(s, choice, 0, s.n - 1, 0, 0, out);
}

fn depths_at(s: &Shape, choice: &[u16], i: usize, j: usize, m: usize, d: u32, out: &mut [u32]) {
    let (inside, _) = s.inside(i, j);
    let gone = &inside[..m];
    match choice[s.at(i, j, m)] {
        LEAF => {
            for (p, o) in out.iter_mut().enumerate().take(j + 1).skip(i) {
                if !s.empty(p, gone) {
                    *o = (*o).max(d);
                }
            }
        }
        JEQ => {
            let pos = s.hot[inside[m]].pos;
            out[pos] = out[pos].max(d + 1);
            depths_at(s, choice, i, j, m + 1, d + 1, out);
        }
        CHAIN => {
            let singles = chain_order(s.ranges, i, j);
            for (k, &p) in singles.iter().enumerate() {
                out[p] = out[p].max(d + k as u32 + 1);
            }
            for p in (i..=j).step_by(2) {
                out[p] = out[p].max(d + singles.len() as u32);
            }
        }
        k => {
            let k = usize::from(k);
            let left = gone.iter().filter(|&&h| s.hot[h].pos < k).count();
            depths_at(s, choice, i, k - 1, left, d + 1, out);
            depths_at(s, choice, k, j, m - left, d + 1, out);
        }
    }
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

/// The slots of [`fits`] as a tree, written as plain splits into the states with nothing
/// taken out: split where the slots cross the middle of the interval `lo..lo + size`. Where
/// an `A x A y A` chain keeps every leaf within its `limit` (comparisons above it), the chain
/// is taken instead: no deeper, and one instruction per single number smaller.
struct Slots<'a> {
    s: Shape<'a>,
    starts: Vec<u64>,
    limit: Vec<u32>,
}

impl Slots<'_> {
    fn tree(&self, i: usize, j: usize, lo: u64, size: u64, depth: u32, choice: &mut [u16]) {
        let at = self.s.at(i, j, 0);
        if i == j {
            choice[at] = LEAF;
            return;
        }
        if chain_cost(self.s.ranges, i, j).is_some() {
            let singles = chain_order(self.s.ranges, i, j);
            let m = singles.len() as u32;
            let fits = singles
                .iter()
                .enumerate()
                .all(|(k, &p)| depth + (k as u32) < self.limit[p])
                && (i..=j).step_by(2).all(|o| depth + m <= self.limit[o]);
            if fits {
                choice[at] = CHAIN;
                return;
            }
        }
        let mid = lo + size / 2;
        let k = (i..=j).find(|&k| self.starts[k] >= mid).unwrap_or(j + 1);
        if k == i || k == j + 1 {
            // Everything in one half: descend without a comparison.
            let lo = if k == i { mid } else { lo };
            return self.tree(i, j, lo, size / 2, depth, choice);
        }
        choice[at] = k as u16;
        self.tree(i, k - 1, lo, size / 2, depth + 1, choice);
        self.tree(k, j, mid, size / 2, depth + 1, choice);
    }
}

/// Leaves in `scratch` a tree with the shortest possible worst path (a range's depth plus
/// what its code runs), without planning: for rarely called ABIs, where a plan would cost
/// more compile time than it could save.
pub fn shortest_tree(dag: &Dag, r: &[Range], scratch: &mut Scratch) {
    let n = r.len();
    if scratch.choice.len() < n * n {
        scratch.choice.resize(n * n, LEAF);
    }
    let (lens, bound) = shortest(dag, r);
    slots(r, &[], &lens, bound, &mut scratch.choice);
}

/// Writes the tree of [`fits`]' slots for `bound` into `choice`.
fn slots(r: &[Range], hot: &[Hot], lens: &[u32], bound: u32, choice: &mut [u16]) {
    let limit = limits(lens, bound).expect("bound above every length");
    let slots = Slots {
        s: Shape {
            ranges: r,
            hot,
            n: r.len(),
        },
        starts: fits(&limit).expect("the bound fits"),
        limit,
    };
    slots.tree(0, r.len() - 1, 0, 1 << 62, 0, choice);
}

/// What each range's code runs at most, and the shortest worst case any tree can have.
fn shortest(dag: &Dag, r: &[Range]) -> (Vec<u32>, u32) {
    let lens: Vec<u32> = r.iter().map(|x| dag.height(x.1)).collect();
    let low = lens.iter().copied().max().unwrap_or(0);
    let bound = (low..)
        .find(|&b| limits(&lens, b).and_then(|l| fits(&l)).is_some())
        .expect("a balanced tree fits");
    (lens, bound)
}

/// Reweighting rounds before [`bound_depth`] falls back to the shortest tree.
const BOUND_ROUNDS: usize = 4;

/// Keeps the worst path through the planned tree (a range's depth plus what its code runs)
/// within `slack` of the shortest possible: ranges on too long a path are made heavier and
/// the tree re-planned, a few times; failing that, the shortest tree is taken.
pub fn bound_depth(dag: &Dag, r: &[Range], hot: &[Hot], slack: u32, scratch: &mut Scratch) {
    let n = r.len();
    if n < 2 {
        return;
    }
    let (lens, shortest) = shortest(dag, r);
    let bound = shortest + slack;
    let mut w: Vec<Range> = r.to_vec();
    let mut d = vec![0u32; n];
    let total: f64 = r.iter().map(|x| x.2).sum();
    for round in 0..=BOUND_ROUNDS {
        let s = Shape { ranges: r, hot, n };
        depths(&s, &scratch.choice, &mut d);
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
        if round == BOUND_ROUNDS {
            break;
        }
        plan(&w, hot, scratch);
    }
    slots(r, hot, &lens, bound, &mut scratch.choice);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::dag::Node;

    use crate::test_rng::Rng;

    /// Random ranges (neighbours differ) over a few codes, each code a chain of `extra`
    /// comparisons ending in its own `ret`, so codes have different lengths; weights skewed
    /// so that some numbers are hot; and the hot numbers, some of them alone in their range.
    fn instance(rng: &mut Rng, dag: &mut Dag, n: usize, hot_n: usize) -> (Vec<Range>, Vec<Hot>) {
        let codes: Vec<NodeId> = (0..4u32)
            .map(|c| {
                let ret = dag.ret(c);
                let other = dag.ret(100 + c);
                (0..c).fold(ret, |next, k| dag.jump(BPF_JEQ, 1000 + k, other, next))
            })
            .collect();
        let mut ranges: Vec<Range> = Vec::new();
        let mut start = 0u32;
        for _ in 0..n {
            let mut code = codes[rng.below(codes.len())];
            while ranges.last().is_some_and(|r| r.1 == code) {
                code = codes[rng.below(codes.len())];
            }
            let w = if rng.below(4) == 0 {
                rng.below(1000) as f64
            } else {
                1e-3
            };
            ranges.push((start, code, w));
            start += 1 + rng.below(3) as u32;
        }
        let mut hot = Vec::new();
        for _ in 0..hot_n {
            let pos = rng.below(n);
            let end = ranges.get(pos + 1).map_or(start, |r| r.0);
            let nr = ranges[pos].0 + rng.below((end - ranges[pos].0) as usize) as u32;
            if hot.iter().any(|h: &Hot| h.nr == nr) {
                continue;
            }
            // A range of one number weighs what that number weighs.
            let w = if end - ranges[pos].0 == 1 {
                ranges[pos].2
            } else {
                ranges[pos].2 * (0.2 + 0.8 * rng.below(100) as f64 / 100.0)
            };
            // The other numbers of a range split among hot ones keep some weight.
            if hot.iter().any(|h: &Hot| h.pos == pos) {
                continue;
            }
            hot.push(Hot {
                nr,
                node: ranges[pos].1,
                w,
                pos,
            });
        }
        hot.sort_by(|a, b| b.w.total_cmp(&a.w).then(a.nr.cmp(&b.nr)));
        (ranges, hot)
    }

    /// Follows the tree from `root` for number `nr` until it reaches one of `codes`: that
    /// code and the comparisons made.
    fn walk(dag: &Dag, root: NodeId, nr: u32, codes: &[NodeId]) -> (NodeId, u32) {
        let (mut at, mut steps) = (root, 0);
        while !codes.contains(&at) {
            let Node::Jump { op, k, jt, jf } = *dag.node(at) else {
                panic!("the tree holds only jumps above the codes");
            };
            let taken = if op == BPF_JEQ { nr == k } else { nr >= k };
            at = if taken { jt } else { jf };
            steps += 1;
        }
        (at, steps)
    }

    /// Every number reaches its range's code, and the tree costs exactly what the plan says.
    #[test]
    fn planned_trees_decide_every_number_and_cost_what_the_plan_says() {
        let mut rng = Rng(0x5eed_1234_abcd);
        let mut scratch = Scratch::default();
        for round in 0..300 {
            let mut dag = Dag::default();
            let n = 1 + rng.below(40);
            let hot_n = rng.below(MAX_HOT + 1);
            let (ranges, hot) = instance(&mut rng, &mut dag, n, hot_n);
            let planned = plan(&ranges, &hot, &mut scratch);
            let root = build(&mut dag, &ranges, &hot, &scratch);
            let codes: Vec<NodeId> = ranges.iter().map(|r| r.1).collect();
            let last = ranges.last().unwrap().0;
            let mut cost = 0.0;
            for (p, r) in ranges.iter().enumerate() {
                let end = ranges.get(p + 1).map_or(last + 3, |x| x.0);
                let mut rest = r.2;
                let mut rest_depth = None;
                for nr in r.0..end {
                    let (got, steps) = walk(&dag, root, nr, &codes);
                    assert_eq!(got, r.1, "round {round}: number {nr} in range {p}");
                    match hot.iter().find(|h| h.nr == nr) {
                        Some(h) => {
                            cost += h.w * f64::from(steps);
                            rest -= h.w;
                        }
                        None => {
                            // Every other number of a range takes the same path length.
                            assert!(rest_depth.is_none_or(|d| d == steps), "round {round}");
                            rest_depth = Some(steps);
                        }
                    }
                }
                cost += rest * f64::from(rest_depth.unwrap_or(0));
            }
            assert!(
                (cost - planned).abs() <= 1e-9 * planned.max(1.0),
                "round {round}: tree costs {cost}, plan said {planned}"
            );
        }
    }

    /// The cheapest tree by exhaustive search over the same kinds of node.
    fn brute(ranges: &[Range], hot: &[Hot], i: usize, j: usize, gone: &mut Vec<usize>) -> f64 {
        let s = Shape {
            ranges,
            hot,
            n: ranges.len(),
        };
        if i == j || s.single(i, j, gone).is_some() {
            return 0.0;
        }
        let w: f64 = ranges[i..=j].iter().map(|r| r.2).sum::<f64>()
            - gone
                .iter()
                .filter(|&&h| (i..=j).contains(&hot[h].pos))
                .map(|&h| hot[h].w)
                .sum::<f64>();
        let (inside, k) = s.inside(i, j);
        let m = gone
            .iter()
            .filter(|&&h| (i..=j).contains(&hot[h].pos))
            .count();
        let mut best = f64::MAX;
        if m < k {
            gone.push(inside[m]);
            best = brute(ranges, hot, i, j, gone);
            gone.pop();
        }
        for kk in i + 1..=j {
            best = best.min(brute(ranges, hot, i, kk - 1, gone) + brute(ranges, hot, kk, j, gone));
        }
        let mut c = best + w;
        if m == 0 {
            if let Some(chain) = chain_cost(ranges, i, j) {
                c = c.min(chain);
            }
        }
        c
    }

    #[test]
    fn plans_are_optimal_on_small_cases() {
        let mut rng = Rng(0xfeed_5678);
        let mut scratch = Scratch::default();
        for round in 0..300 {
            let mut dag = Dag::default();
            let n = 1 + rng.below(8);
            let hot_n = rng.below(4);
            let (ranges, hot) = instance(&mut rng, &mut dag, n, hot_n);
            let planned = plan(&ranges, &hot, &mut scratch);
            let best = brute(&ranges, &hot, 0, n - 1, &mut Vec::new());
            assert!(
                planned <= best + 1e-9 * best.max(1.0),
                "round {round}: plan {planned}, best {best}"
            );
        }
    }

    /// Hot numbers' `jeq`s never make the expected cost worse than the plain tree.
    #[test]
    fn hot_numbers_never_cost_more() {
        let mut rng = Rng(0xabad_cafe);
        let mut scratch = Scratch::default();
        for round in 0..200 {
            let mut dag = Dag::default();
            let n = 2 + rng.below(60);
            let hot_n = 1 + rng.below(MAX_HOT);
            let (ranges, hot) = instance(&mut rng, &mut dag, n, hot_n);
            let plain = plan(&ranges, &[], &mut scratch);
            let with = plan(&ranges, &hot, &mut scratch);
            assert!(
                with <= plain + 1e-9 * plain,
                "round {round}: {with} > {plain}"
            );
        }
    }

    #[test]
    fn the_worst_path_stays_within_the_bound() {
        let mut rng = Rng(0x0dd_ba11);
        let mut scratch = Scratch::default();
        for round in 0..1000 {
            let mut dag = Dag::default();
            let n = 2 + rng.below(60);
            let hot_n = rng.below(MAX_HOT + 1);
            let (ranges, hot) = instance(&mut rng, &mut dag, n, hot_n);
            // Every other round: the shortest tree, unplanned.
            let unplanned = round % 2 == 0;
            let hot = if unplanned { Vec::new() } else { hot };
            let slack = if unplanned { 0 } else { rng.below(4) as u32 };
            let (lens, shortest) = shortest(&dag, &ranges);
            if unplanned {
                shortest_tree(&dag, &ranges, &mut scratch);
            } else {
                plan(&ranges, &hot, &mut scratch);
                bound_depth(&dag, &ranges, &hot, slack, &mut scratch);
            }
            let root = build(&mut dag, &ranges, &hot, &scratch);
            let codes: Vec<NodeId> = ranges.iter().map(|r| r.1).collect();
            let last = ranges.last().unwrap().0;
            for (p, r) in ranges.iter().enumerate() {
                let end = ranges.get(p + 1).map_or(last + 3, |x| x.0);
                for nr in r.0..end {
                    let (got, steps) = walk(&dag, root, nr, &codes);
                    assert_eq!(got, r.1, "round {round}: number {nr}");
                    assert!(
                        steps + lens[p] <= shortest + slack,
                        "round {round}: number {nr} runs {} + {}, bound {shortest} + {slack}",
                        steps,
                        lens[p]
                    );
                }
            }
        }
    }
}
