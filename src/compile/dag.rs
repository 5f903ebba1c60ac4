//! The program as a graph before it is laid out: every node is a single BPF operation whose
//! successors are other nodes. Nodes are hash-consed, so identical tails (the same `ret`,
//! the same argument check ending in the same places) exist once and are shared; the
//! layout pass ([`super::emit`]) decides what falls through and where `ja` is needed.

use crate::bpf::insn::{BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET};
use rustc_hash::FxHashMap;

pub type NodeId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Ret(u32),
    /// `ld [off]`, then `next`.
    Load {
        off: u32,
        next: NodeId,
    },
    /// `and #k`, then `next`.
    And {
        k: u32,
        next: NodeId,
    },
    /// `op #k` on the accumulator (`op` is one of `BPF_JEQ`, `BPF_JGT`, `BPF_JGE`, `BPF_JSET`).
    Jump {
        op: u16,
        k: u32,
        jt: NodeId,
        jf: NodeId,
    },
}

impl Node {
    pub fn successors(&self) -> Vec<NodeId> {
        match *self {
            Node::Ret(_) => vec![],
            Node::Load { next, .. } | Node::And { next, .. } => vec![next],
            Node::Jump { jt, jf, .. } => vec![jt, jf],
        }
    }
}

/// Builds a hash-consed graph.
#[derive(Default)]
pub struct Dag {
    nodes: Vec<Node>,
    /// Keyed by a few small integers the compiler made itself: `FxHash` rather than the
    /// standard library's SipHash (made to resist chosen keys), which took a sixth of the
    /// compile time of `container`.
    index: FxHashMap<Node, NodeId>,
    /// Per node, the most nodes a path from it visits, itself and the `ret` included.
    heights: Vec<u32>,
}

impl Dag {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The most nodes any path from `id` visits (an upper bound on the instructions it
    /// runs: emit may drop loads).
    pub fn height(&self, id: NodeId) -> u32 {
        self.heights[id]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn intern(&mut self, n: Node) -> NodeId {
        if let Some(&id) = self.index.get(&n) {
            return id;
        }
        let id = self.nodes.len();
        let below = n.successors().iter().map(|&s| self.heights[s]).max();
        self.heights.push(1 + below.unwrap_or(0));
        self.nodes.push(n);
        self.index.insert(n, id);
        id
    }

    pub fn ret(&mut self, k: u32) -> NodeId {
        self.intern(Node::Ret(k))
    }

    pub fn load(&mut self, off: u32, next: NodeId) -> NodeId {
        self.intern(Node::Load { off, next })
    }

    pub fn and(&mut self, k: u32, next: NodeId) -> NodeId {
        if k == u32::MAX {
            return next;
        }
        self.intern(Node::And { k, next })
    }

    /// A conditional jump, folded when both ways lead to the same place or the outcome is
    /// known from `k` alone.
    pub fn jump(&mut self, op: u16, k: u32, jt: NodeId, jf: NodeId) -> NodeId {
        if jt == jf {
            return jt;
        }
        match op {
            BPF_JGE if k == 0 => return jt,
            BPF_JGT if k == u32::MAX => return jf,
            BPF_JSET if k == 0 => return jf,
            _ => {}
        }
        debug_assert!(matches!(op, BPF_JEQ | BPF_JGT | BPF_JGE | BPF_JSET));
        self.intern(Node::Jump { op, k, jt, jf })
    }
}
