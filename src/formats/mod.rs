//! Front ends and back ends for other formats: [`oci`] reads Docker/moby and OCI runtime-spec
//! seccomp profiles into the resolved [`crate::ir::Policy`] and writes a policy back as
//! sysgate text; [`export`] writes a policy as an OCI profile, a Kubernetes
//! `SeccompProfile`, or BPF for crun and bubblewrap.

pub mod export;
pub mod libseccomp_conds;
pub mod oci;
pub mod text;
