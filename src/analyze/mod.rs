//! Analyses over policies and programs: `explain` (what happens to one call and why),
//! `diff` (the exact semantic difference of two filters), and `cost` (what a filter costs
//! the kernel).

pub mod cost;
pub mod decompile;
pub mod diff;
pub mod explain;
