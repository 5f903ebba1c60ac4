//! Analyses over policies and programs: `explain` today; equivalence and decompilation
//! build on the same emulator and IR.

pub mod diff;
pub mod explain;
