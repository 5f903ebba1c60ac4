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
//! What it does badly: the order is a plain depth-first one. A weighted order (hot paths
//! first, fewest trampolines) is a later refinement; the graph does not need to change for it.

use super::dag::{Dag, Node, NodeId};
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
    rev
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
        let far = dag.ret(1);
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
}
