//! Policies shipped inside the binary, usable by name (`sysgate run -p container`, `use container`).

use super::diag::Source;
use std::sync::Arc;

const BUILTINS: [(&str, &str, &str); 3] = [
    (
        "container",
        "Docker's default protection, written as a short deny-list",
        include_str!("builtin/container.policy"),
    ),
    (
        "service",
        "an allow-list for services, like systemd's @system-service; no namespaces",
        include_str!("builtin/service.policy"),
    ),
    (
        "strict",
        "compute and stdio only: start, read-only open, read/write, exit; no sockets or processes",
        include_str!("builtin/strict.policy"),
    ),
];

/// The names of the built-in policies.
pub fn names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.0).collect()
}

/// One-line descriptions, by name.
pub fn list() -> Vec<(&'static str, &'static str)> {
    BUILTINS.iter().map(|b| (b.0, b.1)).collect()
}

/// The text of built-in policy `name`, as a [`Source`] named `builtin:NAME`.
pub fn source(name: &str) -> Option<Arc<Source>> {
    BUILTINS
        .iter()
        .find(|b| b.0 == name)
        .map(|b| Source::new(format!("builtin:{}", b.0), b.2))
}
