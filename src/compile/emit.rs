//! Lays a [`Dag`] out as a linear program.
//!
//! Classic BPF only jumps forward, and a conditional jump reaches at most 255 instructions.
//! The graph is ordered so that every node precedes its successors (reverse post-order,
//! visiting the false branch last so that it usually falls through). The program is
//! then written back to front, so each jump's distance is known when it is written. Where a
//! target is too far, a `ja` trampoline (32-bit offset) is placed right after the jump;
//! a trampoline still in reach is reused by later jumps to the same target.
//!
//! A load is dropped when every path reaching it already holds that word in the
//! accumulator (`x in {1, 2, 3}` loads `x` once).
//!
//! The kernel runs the program converted to eBPF (the rules are in `analyze::cost`): a
//! conditional jump is one eBPF instruction when a target follows it (`jf == 0`, or
//! `jt == 0` for `jeq`/`jgt`/`jge`), else two, the second a `ja` that its false way runs. In
//! the order above most jumps are followed by a target; the exceptions are mostly the bottom
//! of the search tree, whose two targets are `ret`s shared by the whole program and placed
//! once. Given the expected calls ([`emit_for`]), each call is followed through the graph
//! (inside argument checks, whose values it does not know, half each way), and the
//! [`MAX_COPIES`] jumps whose false way the calls take most, each at least 0.5% of them,
//! get a copy of one of their `ret` targets right after them: one classic and one eBPF
//! instruction more each, one eBPF instruction less on those calls' paths. Classic paths
//! keep their length; the copies are `ret`s, so what the kernel's action cache proves is
//! unchanged; jumps are written after the copies, so reach is still checked.
//!
//! Then [`peephole`] runs to a fixed point: a `ja` to a `ret` becomes that `ret`, jumps to
//! a `ja` are threaded to its target when in reach, a conditional jump whose two ways meet
//! becomes a `ja`, and `ja 0` and unreachable instructions are removed (offsets only shrink,
//! so every jump stays in reach).
//!
//! What it does badly: the order is a plain depth-first one. A weighted order (hot paths
//! first, fewest trampolines) is a later refinement; the graph does not need to change for
//! it. The shared `ret`s keep the classic program small but cost the eBPF program a `ja` per
//! tree bottom (about 130 in `container`): its eBPF is larger than libseccomp's, whose
//! `ret`s are repeated. Copying every such `ret` would cost as many classic instructions;
//! only a search planned for eBPF costs (bottoms as `jge` chains whose false ways fall
//! through) could save both, and the planner counts comparisons only. The copies' budget is
//! a fixed count, not a trade-off against size, and inside argument checks the calls' split
//! is an even split (the argument value shares are not used there).

use super::dag::{Dag, Node, NodeId};
use crate::bpf::insn::{BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET, BPF_RET};
use crate::bpf::Insn;
use rustc_hash::FxHashMap as HashMap;

/// An expected call: its `AUDIT_ARCH` value, its number, and how often it is made.
pub type Call = (u32, u32, f64);

/// The linear program for the graph rooted at `root`.
pub fn emit(dag: &Dag, root: NodeId) -> Vec<Insn> {
    emit_for(dag, root, &[])
}

/// The linear program for the graph rooted at `root`, with the jumps that the expected
/// `calls` run most shaped for the kernel's eBPF conversion (see the module docs).
pub fn emit_for(dag: &Dag, root: NodeId, calls: &[Call]) -> Vec<Insn> {
    let order = order(dag, root);
    let acc = accumulator_on_entry(dag, &order, root);
    let copies = copies(dag, &order, root, calls);
    // `rev` holds the program backwards: rev[0] is the last instruction. An instruction
    // pushed at rev index r jumping to rev index t skips r - t - 1 instructions.
    let mut rev: Vec<Insn> = Vec::new();
    let mut entry: Vec<usize> = vec![usize::MAX; dag.len()];
    let mut trampolines: HashMap<usize, usize> = HashMap::default();

    for &id in order.iter().rev() {
        match *dag.node(id) {
            Node::Ret(k) => rev.push(Insn::ret(k)),
            Node::Load { off, next } if acc[id] == Acc::Word(off) => {
                entry[id] = entry[next];
                continue;
            }
            Node::Load { off, next } => {
                fall_through(&mut rev, entry[next]);
                rev.push(Insn::load_abs(off));
            }
            Node::And { k, next } => {
                fall_through(&mut rev, entry[next]);
                rev.push(Insn::and(k));
            }
            Node::Jump { op, k, jt, jf } => {
                let mut targets = [entry[jt], entry[jf]];
                // A copy of one target's `ret` right after the jump, where chosen and no
                // target that makes it one eBPF instruction follows already.
                let next = rev.len().wrapping_sub(1);
                if let Some(&side) = copies.get(&id) {
                    let shaped = if op == BPF_JSET {
                        targets[1] == next
                    } else {
                        targets.contains(&next)
                    };
                    if !shaped {
                        let target = if side { jt } else { jf };
                        if let Node::Ret(v) = *dag.node(target) {
                            rev.push(Insn::ret(v));
                            targets[usize::from(!side)] = rev.len() - 1;
                        }
                    }
                }
                // Place trampolines for targets out of reach. Each one pushed moves the jump
                // one further away, so check against the final position.
                for i in 0..2 {
                    let fits =
                        |rev: &Vec<Insn>, t: usize, extra: usize| rev.len() + extra - t - 1 <= 255;
                    let extra = targets[i + 1..]
                        .iter()
                        .filter(|&&t| !fits(&rev, t, 1))
                        .count();
                    if !fits(&rev, targets[i], extra) {
                        let real = targets[i];
                        let reuse = trampolines
                            .get(&real)
                            .copied()
                            .filter(|&tr| fits(&rev, tr, 1 + extra));
                        targets[i] = match reuse {
                            Some(tr) => tr,
                            None => {
                                let r = rev.len();
                                rev.push(Insn::ja((r - real - 1) as u32));
                                trampolines.insert(real, r);
                                r
                            }
                        };
                    }
                }
                let r = rev.len();
                let off = |t: usize| (r - t - 1) as u8;
                rev.push(Insn::jump(op, k, off(targets[0]), off(targets[1])));
            }
        }
        entry[id] = rev.len() - 1;
    }
    rev.reverse();
    peephole(rev)
}

/// At most this many `ret` copies are placed for the eBPF conversion (each costs one
/// classic instruction and one eBPF instruction more).
pub const MAX_COPIES: usize = 4;

/// A copy is placed only where it saves at least this share of the calls one instruction.
const MIN_SHARE: f64 = 0.005;

/// The jumps that get a copy of one of their `ret` targets right after them, and which
/// target (`true`: `jt`). The kernel converts a conditional jump to one eBPF instruction
/// when `jf == 0`, or `jt == 0` for `jeq`/`jgt`/`jge`; otherwise it adds a `ja` that the
/// false way runs (`analyze::cost::ebpf_len`). In the layout's order most jumps are
/// followed by one of their targets; the ones that are not (mostly the bottom of the search
/// tree, whose two targets are shared `ret`s placed once, further down) are found here, and
/// the [`MAX_COPIES`] whose false way the calls take most get a copy.
fn copies(dag: &Dag, order: &[NodeId], root: NodeId, calls: &[Call]) -> HashMap<NodeId, bool> {
    let mut out = HashMap::default();
    if calls.is_empty() {
        return out;
    }
    let flow = traffic(dag, order, root, calls);
    let total: f64 = calls.iter().map(|c| c.2).sum();
    let mut candidates: Vec<(f64, NodeId, bool)> = Vec::new();
    for (p, &id) in order.iter().enumerate() {
        let Node::Jump { op, jt, jf, .. } = *dag.node(id) else {
            continue;
        };
        let follower = order.get(p + 1).copied();
        let is_ret = |n: NodeId| matches!(dag.node(n), Node::Ret(_));
        let side = if op == BPF_JSET {
            // Only `jf == 0` makes a `jset` one instruction.
            if follower == Some(jf) || !is_ret(jf) {
                continue;
            }
            false
        } else {
            if follower == Some(jt) || follower == Some(jf) {
                continue;
            }
            match (is_ret(jt), is_ret(jf)) {
                (_, true) => false,
                (true, false) => true,
                (false, false) => continue,
            }
        };
        let saved = flow[id].1;
        if saved >= MIN_SHARE * total {
            candidates.push((saved, id, side));
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, id, side) in candidates.iter().take(MAX_COPIES) {
        out.insert(id, side);
    }
    out
}

/// Per node, the expected calls that leave it by its true way and by its false way (a load
/// or `and` counts its one way as true). Each call is followed from `root` while the
/// accumulator holds its number or architecture; from a load of anything else on (an
/// argument), what reaches a node is split evenly between a jump's two ways.
fn traffic(dag: &Dag, order: &[NodeId], root: NodeId, calls: &[Call]) -> Vec<(f64, f64)> {
    let mut flow = vec![(0.0, 0.0); dag.len()];
    // What reaches each node with the accumulator unknown.
    let mut unknown = vec![0.0; dag.len()];
    for &(arch, nr, w) in calls {
        let mut at = root;
        let mut a = 0u32;
        loop {
            match *dag.node(at) {
                Node::Ret(_) => break,
                Node::Load { off, next } => {
                    flow[at].0 += w;
                    a = match off {
                        0 => nr,
                        4 => arch,
                        _ => {
                            unknown[next] += w;
                            break;
                        }
                    };
                    at = next;
                }
                Node::And { k, next } => {
                    flow[at].0 += w;
                    a &= k;
                    at = next;
                }
                Node::Jump { op, k, jt, jf } => {
                    let taken = match op {
                        BPF_JEQ => a == k,
                        BPF_JGT => a > k,
                        BPF_JGE => a >= k,
                        _ => a & k != 0,
                    };
                    if taken {
                        flow[at].0 += w;
                        at = jt;
                    } else {
                        flow[at].1 += w;
                        at = jf;
                    }
                }
            }
        }
    }
    for &id in order {
        let w = unknown[id];
        if w == 0.0 {
            continue;
        }
        match *dag.node(id) {
            Node::Ret(_) => {}
            Node::Load { next, .. } | Node::And { next, .. } => {
                flow[id].0 += w;
                unknown[next] += w;
            }
            Node::Jump { jt, jf, .. } => {
                flow[id].0 += w / 2.0;
                flow[id].1 += w / 2.0;
                unknown[jt] += w / 2.0;
                unknown[jf] += w / 2.0;
            }
        }
    }
    flow
}

/// Where the jump at `i` goes: (true target, false target); both equal for `ja`.
pub fn targets(prog: &[Insn], i: usize) -> Option<(usize, usize)> {
    let ins = prog[i];
    match ins.class() {
        BPF_RET => None,
        BPF_JMP if ins.code == BPF_JMP | BPF_JA => {
            let t = i + 1 + ins.k as usize;
            Some((t, t))
        }
        BPF_JMP => Some((i + 1 + usize::from(ins.jt), i + 1 + usize::from(ins.jf))),
        _ => Some((i + 1, i + 1)),
    }
}

fn is_ja(ins: &Insn) -> bool {
    ins.code == BPF_JMP | BPF_JA
}

/// Small rewrites that never lengthen a path, to a fixed point.
pub fn peephole(mut prog: Vec<Insn>) -> Vec<Insn> {
    loop {
        let mut changed = false;
        for i in 0..prog.len() {
            let ins = prog[i];
            if is_ja(&ins) {
                let t = i + 1 + ins.k as usize;
                if prog[t].class() == BPF_RET {
                    prog[i] = prog[t];
                    changed = true;
                } else if is_ja(&prog[t]) {
                    prog[i].k += 1 + prog[t].k;
                    changed = true;
                }
            } else if ins.class() == BPF_JMP {
                // Thread each way through a `ja` when the final target stays in reach.
                let mut jt = usize::from(ins.jt);
                let mut jf = usize::from(ins.jf);
                for off in [&mut jt, &mut jf] {
                    let t = i + 1 + *off;
                    if is_ja(&prog[t]) {
                        let nt = *off + 1 + prog[t].k as usize;
                        if nt <= 255 {
                            *off = nt;
                            changed = true;
                        }
                    }
                }
                if jt == jf {
                    prog[i] = Insn::ja(jt as u32);
                    changed = true;
                } else {
                    prog[i].jt = jt as u8;
                    prog[i].jf = jf as u8;
                }
            }
        }
        let before = prog.len();
        prog = compact(prog);
        if !changed && prog.len() == before {
            return prog;
        }
    }
}

/// Removes unreachable instructions and `ja 0`, rewriting offsets.
fn compact(prog: Vec<Insn>) -> Vec<Insn> {
    let n = prog.len();
    let mut reach = vec![false; n];
    reach[0] = true;
    for i in 0..n {
        if !reach[i] {
            continue;
        }
        if let Some((t, f)) = targets(&prog, i) {
            reach[t] = true;
            reach[f] = true;
        }
    }
    let keep: Vec<bool> = (0..n)
        .map(|i| reach[i] && !(is_ja(&prog[i]) && prog[i].k == 0))
        .collect();
    // new_index[i]: the index in the new program of the first kept instruction at or after i.
    let mut new_index = vec![0usize; n + 1];
    let mut count = 0;
    for i in 0..n {
        new_index[i] = count;
        if keep[i] {
            count += 1;
        }
    }
    new_index[n] = count;
    if count == n {
        return prog;
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..n {
        if !keep[i] {
            continue;
        }
        let mut ins = prog[i];
        let me = new_index[i];
        if let Some((t, f)) = targets(&prog, i) {
            if is_ja(&ins) {
                ins.k = (new_index[t] - me - 1) as u32;
            } else if ins.class() == BPF_JMP {
                ins.jt = (new_index[t] - me - 1) as u8;
                ins.jf = (new_index[f] - me - 1) as u8;
            }
        }
        out.push(ins);
    }
    out
}

/// What the accumulator holds when a node starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Acc {
    /// No path reaches the node (yet).
    Unreached,
    /// The word at this offset of `seccomp_data`, on every path.
    Word(u32),
    Unknown,
}

/// Forward data flow over the graph in `order` (predecessors before successors).
fn accumulator_on_entry(dag: &Dag, order: &[NodeId], root: NodeId) -> Vec<Acc> {
    let mut acc = vec![Acc::Unreached; dag.len()];
    acc[root] = Acc::Unknown;
    for &id in order {
        let out = match *dag.node(id) {
            Node::Ret(_) => continue,
            Node::Load { off, .. } => Acc::Word(off),
            Node::And { .. } => Acc::Unknown,
            Node::Jump { .. } => acc[id],
        };
        for s in dag.node(id).successors() {
            acc[s] = match acc[s] {
                Acc::Unreached => out,
                a if a == out => a,
                _ => Acc::Unknown,
            };
        }
    }
    acc
}

/// Makes the next instruction pushed continue at `target`: a `ja` unless it is adjacent.
fn fall_through(rev: &mut Vec<Insn>, target: usize) {
    let r = rev.len();
    if target + 1 != r {
        rev.push(Insn::ja((r - target - 1) as u32));
    }
}

/// Reverse post-order from `root`; the false branch of a jump is visited last so it
/// follows its jump directly when nothing else claimed it first.
fn order(dag: &Dag, root: NodeId) -> Vec<NodeId> {
    let mut seen = vec![false; dag.len()];
    let mut post = Vec::with_capacity(dag.len());
    // Iterative DFS: (node, next child index).
    let mut stack: Vec<(NodeId, usize)> = vec![(root, 0)];
    seen[root] = true;
    while let Some(&mut (id, ref mut child)) = stack.last_mut() {
        let succ = dag.node(id).successors();
        if *child < succ.len() {
            let s = succ[*child];
            *child += 1;
            if !seen[s] {
                seen[s] = true;
                stack.push((s, 0));
            }
        } else {
            post.push(id);
            stack.pop();
        }
    }
    post.reverse();
    post
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_jumps_get_trampolines() {
        // A jump whose true target lies beyond 300 other instructions.
        let mut dag = Dag::default();
        // The far target is not a `ret` (a `ja` to a `ret` becomes that `ret`).
        let (r1, r3) = (dag.ret(1), dag.ret(3));
        let far_check = dag.jump(BPF_JEQ, 5, r1, r3);
        let far = dag.load(16, far_check);
        let mut chain = dag.ret(2);
        for i in 0..300 {
            chain = dag.jump(BPF_JEQ, 1000 + i, far, chain);
        }
        let root = dag.load(0, chain);
        let prog = emit(&dag, root);
        // Every jump stays in range and lands inside the program.
        for (i, ins) in prog.iter().enumerate() {
            if ins.code & 0x07 == 0x05 {
                if ins.code == 0x05 {
                    assert!(i + 1 + (ins.k as usize) < prog.len());
                } else {
                    assert!(i + 1 + usize::from(ins.jt) < prog.len());
                    assert!(i + 1 + usize::from(ins.jf) < prog.len());
                }
            }
        }
        assert!(
            prog.iter().any(|i| i.code == 0x05),
            "expected a ja trampoline"
        );
    }

    /// A two-level tree whose bottom jumps both end in the same two `ret`s: `low` (numbers
    /// below 20) is followed by `high` in the layout, so its false way needs the kernel's
    /// extra `ja`, unless the calls make it worth a copy of its `ret`.
    fn two_bottoms() -> (Dag, NodeId) {
        let mut dag = Dag::default();
        let (allow, deny) = (dag.ret(0x7fff_0000), dag.ret(0x0005_0001));
        let low = dag.jump(BPF_JGE, 10, allow, deny);
        let high = dag.jump(BPF_JGE, 30, deny, allow);
        let top = dag.jump(BPF_JGE, 20, high, low);
        let root = dag.load(0, top);
        (dag, root)
    }

    #[test]
    fn hot_false_ways_get_a_copy_of_their_ret() {
        use crate::analyze::cost::{ebpf_executed, ebpf_size};
        use crate::bpf::emulator::{run, SeccompData};
        let (dag, root) = two_bottoms();
        let plain = emit(&dag, root);
        // Most calls are number 5: the false way of `low`.
        let calls = [(1, 5, 100.0), (1, 25, 1.0)];
        let shaped = emit_for(&dag, root, &calls);
        assert_eq!(shaped.len(), plain.len() + 1, "one copy: {shaped:?}");
        assert_eq!(ebpf_size(&shaped), ebpf_size(&plain) + 1);
        let data = |nr| SeccompData {
            nr,
            arch: 1,
            ..Default::default()
        };
        for nr in 0..40 {
            let (a, b) = (
                run(&plain, &data(nr)).unwrap(),
                run(&shaped, &data(nr)).unwrap(),
            );
            assert_eq!(a.ret, b.ret, "nr {nr}");
            assert_eq!(a.executed, b.executed, "nr {nr}");
        }
        let e = |p: &[Insn]| ebpf_executed(p, &data(5)).unwrap();
        assert_eq!(e(&shaped) + 1, e(&plain));
        // Without calls, or with calls that never take a false way that needs the `ja`,
        // nothing changes.
        assert_eq!(emit_for(&dag, root, &[]), plain);
        assert_eq!(emit_for(&dag, root, &[(1, 15, 100.0)]), plain);
    }

    #[test]
    fn peephole_threads_jumps_and_drops_dead_code() {
        let prog = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JGE, 10, 0, 1), // true: to the ja; false: to ret 2
            Insn::ja(1),                   // to ret 1
            Insn::ret(2),
            Insn::ret(1),
            Insn::ret(9), // unreachable
        ];
        let out = peephole(prog);
        assert_eq!(
            out,
            vec![
                Insn::load_abs(0),
                Insn::jump(BPF_JGE, 10, 1, 0),
                Insn::ret(2),
                Insn::ret(1),
            ]
        );
    }
}
