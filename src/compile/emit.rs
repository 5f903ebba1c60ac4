//! Lays a [`Dag`] out as a linear program.
//!
//! Classic BPF only jumps forward, and a conditional jump reaches at most 255 instructions.
//! The graph is ordered so that every node precedes its successors (reverse post-order,
//! visiting the false branch last so that it usually falls through: the kernel turns a
//! `jeq`/`jgt`/`jge`/`jset` with `jf == 0` into a single eBPF instruction). The program is
//! then written back to front, so each jump's distance is known when it is written. Where a
//! target is too far, a `ja` trampoline (32-bit offset) is placed right after the jump;
//! a trampoline still in reach is reused by later jumps to the same target.
//!
//! A load is dropped when every path reaching it already holds that word in the
//! accumulator (`x in {1, 2, 3}` loads `x` once).
//!
//! Then [`peephole`] runs to a fixed point: a `ja` to a `ret` becomes that `ret`, jumps to
//! a `ja` are threaded to its target when in reach, a conditional jump whose two ways meet
//! becomes a `ja`, and `ja 0` and unreachable instructions are removed (offsets only shrink,
//! so every jump stays in reach).
//!
//! What it does badly: the order is a plain depth-first one. A weighted order (hot paths
//! first, fewest trampolines) is a later refinement; the graph does not need to change for it.

use super::dag::{Dag, Node, NodeId};
use crate::bpf::insn::{BPF_JA, BPF_JMP, BPF_RET};
use crate::bpf::Insn;
use std::collections::HashMap;

/// The linear program for the graph rooted at `root`.
pub fn emit(dag: &Dag, root: NodeId) -> Vec<Insn> {
    let order = order(dag, root);
    let acc = accumulator_on_entry(dag, &order, root);
    // `rev` holds the program backwards: rev[0] is the last instruction. An instruction
    // pushed at rev index r jumping to rev index t skips r - t - 1 instructions.
    let mut rev: Vec<Insn> = Vec::new();
    let mut entry: Vec<usize> = vec![usize::MAX; dag.len()];
    let mut trampolines: HashMap<usize, usize> = HashMap::new();

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
    use crate::bpf::insn::BPF_JEQ;

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

    #[test]
    fn peephole_threads_jumps_and_drops_dead_code() {
        use crate::bpf::insn::BPF_JGE;
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
