//! Syscall groups (`@mount`, `@system-service`…). STUB: to be filled in.

/// A named group: its members are syscall names or other `@groups`.
pub struct Group {
    pub name: &'static str,
    pub description: &'static str,
    pub members: &'static [&'static str],
}

/// Every group, sorted by name.
pub fn groups() -> &'static [Group] {
    &[]
}

/// The group called `name` (with its leading `@`).
pub fn group(name: &str) -> Option<&'static Group> {
    groups().iter().find(|g| g.name == name)
}

/// TEMPORARY stub.
pub fn expand(name: &str) -> Option<Vec<&'static str>> {
    group(name).map(|g| g.members.to_vec())
}
