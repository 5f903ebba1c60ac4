//! Front ends and back ends for other formats: [`oci`] reads Docker/moby and OCI runtime-spec
//! seccomp profiles into the resolved [`crate::ir::Policy`] and writes a policy back as
//! sysgate text.

pub mod oci;
pub mod text;
