//! Expected call frequencies, which decide where the search tree puts each syscall.

use crate::arch::Arch;
use std::collections::HashMap;

/// The weight every syscall in the table gets on top of its share of the mix (the mix is
/// normalised to 1): it orders the cold part of the tree.
pub const FLOOR: f64 = 1e-5;

/// How often each (arch, syscall number) is expected to be called; drives where the search
/// tree splits. Missing entries count as rare.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    pub calls: HashMap<(Arch, u32), f64>,
}

impl Weights {
    /// Reads a syscall mix: one `NAME COUNT` per line (tab or spaces), `#` comments. Every
    /// architecture in `arches` gets the counts of the names it has; the compat ABIs (i386,
    /// x32, arm) get them scaled down by 1000, so they shape their own trees without
    /// outweighing the native ABI. Returns the weights and the names no table knows.
    pub fn from_mix(text: &str, arches: &[Arch]) -> (Weights, Vec<String>) {
        let mut w = Weights::default();
        let mut unknown = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut it = line.split_whitespace();
            let (Some(name), Some(count)) = (it.next(), it.next()) else {
                continue;
            };
            let Ok(count) = count.parse::<f64>() else {
                continue;
            };
            let mut found = false;
            for &a in arches {
                if let Some(nr) = a.syscall_nr(name) {
                    found = true;
                    let scale = if matches!(a, Arch::I386 | Arch::X32 | Arch::Arm) {
                        1e-3
                    } else {
                        1.0
                    };
                    *w.calls.entry((a, nr)).or_insert(0.0) += count * scale;
                }
            }
            if !found {
                unknown.push(name.to_string());
            }
        }
        (w, unknown)
    }

    /// The total weight of `arch`, for normalising.
    pub fn total(&self, arch: Arch) -> f64 {
        self.calls
            .iter()
            .filter(|((a, _), _)| *a == arch)
            .map(|(_, w)| *w)
            .sum()
    }
}
