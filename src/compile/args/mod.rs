//! Argument conditions to graph nodes.
//!
//! `seccomp_data.args[i]` is a 64-bit value that classic BPF reads as two 32-bit words.
//! A 64-bit comparison therefore tests the high word first and looks at the low word only
//! when the high words are equal. A 32-bit parameter (`bits == 32`, which is every
//! parameter on i386 and arm) tests the low word alone: the kernel ignores the high word,
//! and a 64-bit task calling through `int 0x80` can put anything there.
//!
//! A decision (rules in order, first match wins) becomes a decision diagram (`diagram`):
//! conditions are rewritten over single-word predicates (`word`), and each word is loaded
//! and dispatched on once for all the rules that test it (`dispatch`), instead of once
//! per alternative. `(a == 0 && b == 1) || (a == 3 && b == 1) || (a == 3 && b == 2)` loads
//! `a`, then `b`, and never tests `a == 3` twice; `x >= 0` on a 64-bit argument tests
//! nothing at all.
//!
//! A diagram can grow exponentially where rules test many words independently. So the
//! plain translation (`sequential`) is built too; it is used when the diagram exceeds a
//! budget of 4 × the sequential program's length + 256 new nodes, or its construction a
//! fixed amount of work (which bounds the compile time), and also when, emitted on
//! its own, the sequential program is strictly shorter and its longest path is no longer
//! than the diagram's (what the filter pays per call is bounded by the longest path; size
//! only counts against the 4096-instruction limit). That choice is made between unweighted
//! programs; when the diagram wins and the profile gives value shares for the call's
//! arguments ([`ArgValues`]), the diagram is built again with its dispatches laid out for
//! them (hot values first, each dispatch's longest path at most `dispatch::SLACK` longer).

mod diagram;
mod dispatch;
mod sequential;
mod word;

#[cfg(test)]
mod tests;

use super::dag::{Dag, NodeId};
use super::emit;
use crate::arch::Arch;
use crate::bpf::Insn;
use crate::compile::weights::ArgValues;
use crate::ir::Decision;

/// Offsets of the (low, high) words of argument `i` in `seccomp_data`.
pub fn arg_offsets(arch: Arch, i: u8) -> (u32, u32) {
    let base = 16 + 8 * u32::from(i);
    if arch.big_endian() {
        (base + 4, base)
    } else {
        (base, base + 4)
    }
}

/// The graph for a decision: rules tested in order, first match wins. `values` (empty:
/// none) are the shares of the calls per argument value the dispatches are laid out for.
pub fn decision(dag: &mut Dag, arch: Arch, d: &Decision, values: &ArgValues) -> NodeId {
    let seq = sequential::decision(dag, arch, d);
    let seq_prog = emit::emit(dag, seq);
    let budget = 4 * seq_prog.len() + 256;
    let Some(dd) = diagram::decision(dag, arch, d, budget, &Vec::new()) else {
        return seq;
    };
    if dd != seq {
        let dd_prog = emit::emit(dag, dd);
        if seq_prog.len() < dd_prog.len() && longest_path(&seq_prog) <= longest_path(&dd_prog) {
            return seq;
        }
    }
    if values.is_empty() {
        return dd;
    }
    diagram::decision(dag, arch, d, budget, values).unwrap_or(dd)
}

/// The most instructions one run of `prog` executes (jumps only go forward).
fn longest_path(prog: &[Insn]) -> usize {
    let mut longest = vec![0usize; prog.len()];
    for i in (0..prog.len()).rev() {
        longest[i] = 1 + emit::targets(prog, i).map_or(0, |(t, f)| longest[t].max(longest[f]));
    }
    longest.first().copied().unwrap_or(0)
}
