//! Analyses over policies and programs: `explain` today; equivalence and decompilation
//! build on the same emulator and IR. `cost` says what a filter costs the kernel.

pub mod cost;
pub mod explain;
