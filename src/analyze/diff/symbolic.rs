//! Exact reasoning about the 32-bit words of `seccomp_data`, for [`super`] (`diff`).
//!
//! A seccomp filter can only look at its input through `ld [k]`, combine it with constants
//! (`and #m` is the only operation compilers use on a loaded word) and compare it with
//! `jeq/jgt/jge/jset`. Every branch of such a program therefore adds a constraint of the form
//!
//! ```text
//!     (w & m) ∈ S        w: one input word, m: a mask, S: a set of 32-bit values
//! ```
//!
//! where `S` is a finite union of intervals: `jeq k` gives `{k}` or its complement, `jgt k` /
//! `jge k` give `[k+1, MAX]`/`[k, MAX]` or `[0, k]`/`[0, k-1]`, and `jset k` on `w & m` gives
//! `(w & (m & k)) ∈ [1, MAX]` or `∈ {0}`. A [`WordDom`] is a conjunction of such constraints
//! on one word (one interval set per distinct mask); constraints on different words are
//! independent, so a path condition is satisfiable exactly when each word's is.
//!
//! ## Deciding one word exactly ([`WordDom::solve`])
//!
//! Depth-first search over the 32 bits of `w`, from bit 31 down, trying 0 before 1 (so the
//! witness found is the smallest satisfying value). After fixing the bits above position `i`,
//! the values `w & m` can still take are exactly `fixed | x` for `x` any submask of
//! `free = m & (2^i - 1)`, where `fixed` is the prefix masked by `m`. For each constraint the
//! search asks whether some such value lies in `S`; for each interval `[a, b]` of `S` it
//! computes the smallest value `>= a` of that shape ([`next_at_least`]) and compares it with
//! `b`. This test is exact for each constraint on its own, so a subtree is cut only when some
//! constraint has no solution in it; hence:
//! - *soundness*: a value returned at depth 32 satisfies every constraint (at depth 32 there
//!   are no free bits, and the test is exact);
//! - *completeness*: if some `w` satisfies all constraints, no prefix of `w` is ever cut (each
//!   constraint is satisfied by `w` itself, which extends the prefix), so the search reaches
//!   it or an earlier (smaller) solution.
//!
//! With a single mask per word (the usual case) the search never backtracks: every kept
//! prefix has a completion, so it costs 32 steps. Several masks on one word can make the
//! search backtrack (with arbitrary masks the problem contains SAT over 32 variables), but the
//! tree has at most 2^32 leaves and the per-constraint cuts keep real filters far from that.

use std::collections::HashSet;

/// A set of `u32` values: sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntervalSet(Vec<(u32, u32)>);

impl IntervalSet {
    pub fn full() -> IntervalSet {
        IntervalSet(vec![(0, u32::MAX)])
    }
    pub fn empty() -> IntervalSet {
        IntervalSet(Vec::new())
    }
    pub fn range(lo: u32, hi: u32) -> IntervalSet {
        if lo > hi {
            IntervalSet::empty()
        } else {
            IntervalSet(vec![(lo, hi)])
        }
    }
    pub fn single(v: u32) -> IntervalSet {
        IntervalSet::range(v, v)
    }
    /// Everything except `v`.
    pub fn except(v: u32) -> IntervalSet {
        let mut out = Vec::new();
        if v > 0 {
            out.push((0, v - 1));
        }
        if v < u32::MAX {
            out.push((v + 1, u32::MAX));
        }
        IntervalSet(out)
    }
    /// The union of single values.
    pub fn of_values(vals: impl IntoIterator<Item = u32>) -> IntervalSet {
        let mut v: Vec<u32> = vals.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        let mut out: Vec<(u32, u32)> = Vec::new();
        for x in v {
            match out.last_mut() {
                Some(last) if last.1.checked_add(1) == Some(x) => last.1 = x,
                _ => out.push((x, x)),
            }
        }
        IntervalSet(out)
    }
    pub fn intervals(&self) -> &[(u32, u32)] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn is_full(&self) -> bool {
        self.0 == [(0, u32::MAX)]
    }
    pub fn contains(&self, v: u32) -> bool {
        let i = self.0.partition_point(|&(_, hi)| hi < v);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= v)
    }
    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.0.len() && j < other.0.len() {
            let (a0, a1) = self.0[i];
            let (b0, b1) = other.0[j];
            let lo = a0.max(b0);
            let hi = a1.min(b1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet(out)
    }
    pub fn complement(&self) -> IntervalSet {
        let mut out = Vec::new();
        let mut next: u64 = 0;
        for &(lo, hi) in &self.0 {
            if u64::from(lo) > next {
                out.push((next as u32, lo - 1));
            }
            next = u64::from(hi) + 1;
        }
        if next <= u64::from(u32::MAX) {
            out.push((next as u32, u32::MAX));
        }
        IntervalSet(out)
    }
    pub fn minus(&self, other: &IntervalSet) -> IntervalSet {
        self.intersect(&other.complement())
    }
    /// The values in either set.
    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let mut all: Vec<(u32, u32)> = self.0.iter().chain(&other.0).copied().collect();
        all.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match out.last_mut() {
                Some(last) if u64::from(lo) <= u64::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        IntervalSet(out)
    }
    /// Whether some value is in both sets (without building their intersection).
    pub fn meets(&self, other: &IntervalSet) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a0, a1) = self.0[i];
            let (b0, b1) = other.0[j];
            if a0.max(b0) <= a1.min(b1) {
                return true;
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }
}

/// The smallest `y >= a` with `y & !free == fixed` (that is: `y` agrees with `fixed` outside
/// `free` and is arbitrary inside), or `None`. `fixed` must not have bits inside `free`.
///
/// Scans from the top bit while `y` equals `a`'s prefix. A fixed bit above `a`'s makes `y`
/// larger whatever follows: the rest is set to its minimum. A fixed bit below `a`'s makes the
/// current prefix impossible: the answer then raises the lowest free bit seen so far where `a`
/// had a 0 (remembered in `cand`), with everything after it minimal.
pub fn next_at_least(a: u32, fixed: u32, free: u32) -> Option<u32> {
    let mut y = 0u32;
    let mut cand = None;
    for j in (0..32).rev() {
        let bit = 1u32 << j;
        let below = bit - 1;
        if free & bit != 0 {
            if a & bit != 0 {
                y |= bit;
            } else {
                cand = Some(y | bit | (fixed & below));
            }
        } else {
            let (fb, ab) = (fixed & bit, a & bit);
            if fb == ab {
                y |= fb;
            } else if fb > ab {
                return Some(y | fb | (fixed & below));
            } else {
                return cand;
            }
        }
    }
    Some(y)
}

/// Whether some `fixed | x` (`x` a submask of `free`) lies in `set`.
fn reachable(set: &IntervalSet, fixed: u32, free: u32) -> bool {
    let (lo, hi) = (fixed, fixed | free);
    let ivs = set.intervals();
    let start = ivs.partition_point(|&(_, b)| b < lo);
    for &(a, b) in &ivs[start..] {
        if a > hi {
            break;
        }
        if next_at_least(a.max(lo), fixed, free).is_some_and(|y| y <= b) {
            return true;
        }
    }
    false
}

/// The constraints on one input word: `(w & mask) ∈ set` for each entry (masks distinct and
/// non-zero). No entry: any value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordDom {
    cons: Vec<(u32, IntervalSet)>,
}

impl WordDom {
    /// Adds `(w & mask) ∈ set`. Returns false when that alone makes the word infeasible
    /// (cheap checks only; use [`WordDom::solve`] for the exact answer).
    pub fn constrain(&mut self, mask: u32, set: &IntervalSet) -> bool {
        if mask == 0 {
            return set.contains(0);
        }
        if let Some((_, s)) = self.cons.iter_mut().find(|(m, _)| *m == mask) {
            *s = s.intersect(set);
            return !s.is_empty();
        }
        if set.is_full() {
            return true;
        }
        self.cons.push((mask, set.clone()));
        !set.is_empty()
    }

    /// The constraints, `(mask, set)` pairs (for `decompile`, which writes them back as
    /// argument conditions).
    pub fn constraints(&self) -> &[(u32, IntervalSet)] {
        &self.cons
    }

    /// Whether `v` satisfies every constraint.
    pub fn contains(&self, v: u32) -> bool {
        self.cons.iter().all(|(m, s)| s.contains(v & m))
    }

    /// The interval set constraining the whole word (mask `0xffffffff`), if any.
    pub fn full_mask_set(&self) -> Option<&IntervalSet> {
        self.cons
            .iter()
            .find(|(m, _)| *m == u32::MAX)
            .map(|(_, s)| s)
    }

    /// Whether every constraint is on the whole word (so the domain is exactly an interval
    /// set).
    pub fn is_intervals_only(&self) -> bool {
        self.cons.iter().all(|(m, _)| *m == u32::MAX)
    }

    pub fn is_unconstrained(&self) -> bool {
        self.cons.is_empty()
    }

    /// The smallest value satisfying every constraint, or `None` when there is none. Exact;
    /// see the module documentation for the argument.
    pub fn solve(&self) -> Option<u32> {
        // The search tree has fewer than 2^33 nodes: this many steps never run out.
        let mut unlimited = usize::MAX;
        self.solve_within(&mut unlimited).unwrap_or(None)
    }

    /// [`WordDom::solve`], taking at most `*steps` steps of the search (one per node of the
    /// search tree visited) and subtracting those it takes; `Err` when they run out first.
    /// With one mask per word the search never backtracks and takes at most 33 steps.
    pub fn solve_within(&self, steps: &mut usize) -> Result<Option<u32>, OutOfSteps> {
        if self.cons.is_empty() {
            return Ok(Some(0));
        }
        if self.cons.len() == 1 && self.cons[0].0 == u32::MAX {
            return Ok(self.cons[0].1.intervals().first().map(|&(lo, _)| lo));
        }
        let relevant = self.cons.iter().fold(0, |u, (m, _)| u | m);
        let mut failed = HashSet::new();
        self.search(0, 32, relevant, &mut failed, steps)
    }

    /// `prefix` holds the decided bits (those at positions `>= depth`); the rest are 0.
    /// Bits outside every mask (`relevant`) cannot matter and stay 0. `failed` remembers
    /// subproblems already proven to have no solution: below `depth`, constraint `(m, S)`
    /// only sees the part of `S` inside the window `[F, F | (2^depth - 1)]`, `F` the prefix
    /// masked by `m`, so the windows (shifted to start at 0) determine the whole subproblem.
    /// This keeps the search from re-proving one conflict in the low bits under every choice
    /// of the high bits.
    fn search(
        &self,
        prefix: u32,
        depth: u32,
        relevant: u32,
        failed: &mut HashSet<Subproblem>,
        steps: &mut usize,
    ) -> Result<Option<u32>, OutOfSteps> {
        *steps = steps.checked_sub(1).ok_or(OutOfSteps)?;
        let low = if depth == 32 {
            u32::MAX
        } else {
            (1u32 << depth) - 1
        };
        let ok = self
            .cons
            .iter()
            .all(|(m, s)| reachable(s, prefix & m, m & low));
        if !ok {
            return Ok(None);
        }
        if depth == 0 {
            return Ok(Some(prefix));
        }
        let key = (
            depth,
            self.cons
                .iter()
                .map(|(m, s)| window(s, prefix & m, low))
                .collect::<Vec<_>>(),
        );
        if failed.contains(&key) {
            return Ok(None);
        }
        let bit = 1u32 << (depth - 1);
        let mut found = self.search(prefix, depth - 1, relevant, failed, steps)?;
        if found.is_none() && relevant & bit != 0 {
            found = self.search(prefix | bit, depth - 1, relevant, failed, steps)?;
        }
        if found.is_none() {
            failed.insert(key);
        }
        Ok(found)
    }
}

/// The steps [`WordDom::solve_within`] was given ran out before it had an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfSteps;

/// A subproblem of [`WordDom::search`]: the depth and each constraint's window.
type Subproblem = (u32, Vec<Vec<(u32, u32)>>);

/// `set ∩ [base, base | low]`, shifted down by `base` (whose bits in `low` are 0).
fn window(set: &IntervalSet, base: u32, low: u32) -> Vec<(u32, u32)> {
    let hi = base | low;
    let ivs = set.intervals();
    let start = ivs.partition_point(|&(_, b)| b < base);
    ivs[start..]
        .iter()
        .take_while(|&&(a, _)| a <= hi)
        .map(|&(a, b)| (a.max(base) - base, b.min(hi) - base))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_at_least_matches_brute_force_on_small_words() {
        // Exhaustive over 6-bit patterns placed in the top and in the bottom bits. Outside
        // the pattern, `free` and `fixed` are 0, so the answers are the patterns' own values
        // shifted into place.
        for free in 0u32..64 {
            for fixed in 0u32..64 {
                if fixed & free != 0 {
                    continue;
                }
                for a in 0u32..64 {
                    let want = (a..64).find(|y| y & !free == fixed);
                    assert_eq!(
                        next_at_least(a << 26, fixed << 26, free << 26),
                        want.map(|y| y << 26),
                        "a {a} fixed {fixed} free {free}"
                    );
                    assert_eq!(next_at_least(a, fixed, free), want);
                }
            }
        }
    }

    #[test]
    fn solve_is_exact_on_a_small_universe() {
        // Constraints whose masks live in the low 4 bits and the top bit, checked against
        // brute force over those 5 bits (other bits 0 in the smallest solution).
        let masks = [0x3u32, 0x6, 0x8000_0009, 0xf, u32::MAX];
        let mut rng = 0x1234_5678u32;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            rng
        };
        for _ in 0..2000 {
            let mut d = WordDom::default();
            for _ in 0..(next() % 4) {
                let m = masks[(next() % 5) as usize];
                let v = (next() % 16) | if next() % 3 == 0 { 0x8000_0000 } else { 0 };
                let set = match next() % 5 {
                    0 => IntervalSet::single(v & m),
                    1 => IntervalSet::except(v & m),
                    2 => IntervalSet::range(v & m, u32::MAX),
                    3 => IntervalSet::range(0, v & m),
                    _ => IntervalSet::range(1, u32::MAX),
                };
                d.constrain(m, &set);
            }
            let got = d.solve();
            let mut steps = 40;
            if let Ok(answer) = d.solve_within(&mut steps) {
                assert_eq!(answer, got, "{d:?}");
            }
            if d.constraints().len() > 1 {
                assert_eq!(d.solve_within(&mut 0), Err(OutOfSteps), "{d:?}");
            }
            let cands = (0u32..16).flat_map(|x| [x, x | 0x8000_0000]);
            let want = cands.filter(|&x| d.contains(x)).min();
            match (got, want) {
                (Some(g), _) => assert!(d.contains(g), "{d:?} -> {g:#x}"),
                (None, None) => {}
                (None, Some(w)) => panic!("{d:?}: missed {w:#x}"),
            }
            // The smallest solution, when one exists in the sample, is found.
            if let (Some(g), Some(w)) = (got, want) {
                assert!(g <= w);
            }
        }
    }

    #[test]
    fn interval_sets() {
        let s = IntervalSet::except(5).intersect(&IntervalSet::range(3, 9));
        assert_eq!(s.intervals(), &[(3, 4), (6, 9)]);
        assert!(s.contains(4) && !s.contains(5));
        assert_eq!(
            s.complement().intervals(),
            &[(0, 2), (5, 5), (10, u32::MAX)]
        );
        assert_eq!(
            IntervalSet::of_values([3, 1, 2, 7]).intervals(),
            &[(1, 3), (7, 7)]
        );
        let u = s.union(&IntervalSet::of_values([5, 11, u32::MAX]));
        assert_eq!(u.intervals(), &[(3, 9), (11, 11), (u32::MAX, u32::MAX)]);
        assert_eq!(u.union(&u.complement()), IntervalSet::full());
        assert!(u.meets(&IntervalSet::range(10, 11)) && !u.meets(&IntervalSet::range(12, 20)));
        assert!(!u.meets(&IntervalSet::empty()));
    }
}
