//! The built-in `container` policy against Docker's default profile (imported with Docker's
//! default capabilities): every syscall number of the x86 and arm tables, with arguments
//! around every constant of either policy. The syscalls where they differ must be exactly
//! the documented list below; each difference is explained in `container.policy`.
//!
//! Numbers beyond the tables are left out on purpose: there Docker gives EPERM (libseccomp
//! gives them the default action) and `container` gives ENOSYS so libc falls back.

use std::collections::BTreeSet;
use sysgate::arch::Arch;
use sysgate::formats::oci;
use sysgate::ir::{Atom, Decision, Policy, Test};

/// Syscalls Docker refuses and `container` allows (or refuses with another errno), and the
/// reverse. See the comments in src/policy/builtin/container.policy.
const EXPECTED: &[&str] = &[
    // newer than Docker's list (Docker: EPERM; container: allowed, unprivileged)
    "file_getattr",
    "lsm_get_self_attr",
    "lsm_list_modules",
    "lsm_set_self_attr",
    "uprobe",
    // i386: socket's domain cannot be checked through socketcall, so SYS_SOCKET is refused
    "socketcall",
    // not in Docker's list, harmless: i386 break (unimplemented), arm private calls
    "break",
    "get_tls",
    "usr26",
    "usr32",
];

/// The mask and each of its bits alone.
fn bits(m: u64) -> Vec<u64> {
    let mut v = vec![m];
    v.extend((0..64).map(|i| 1u64 << i).filter(|b| m & b != 0));
    v
}

fn arg_vectors(ds: &[&Decision]) -> Vec<[u64; 6]> {
    let mut atoms: Vec<Atom> = Vec::new();
    for d in ds {
        for r in &d.rules {
            r.cond.atoms(&mut atoms);
        }
    }
    let mut out = vec![[0u64; 6]];
    for a in atoms {
        let k = match a.test {
            Test::Eq(v) | Test::Gt(v) | Test::Ge(v) => vec![v],
            Test::AnySet(m) => bits(m),
            Test::MaskedEq { mask, value } => {
                let mut v = bits(mask);
                v.extend([value, value | !mask]);
                v
            }
        };
        for v in k {
            for x in [
                v.wrapping_sub(1),
                v,
                v.wrapping_add(1),
                0,
                u64::from(u32::MAX),
                v | (1 << 32),
            ] {
                let mut args = [0u64; 6];
                args[usize::from(a.arg)] = x;
                out.push(args);
            }
        }
    }
    out
}

fn differing(docker: &Policy, ours: &Policy, arches: &[Arch]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for &arch in arches {
        let (sd, so) = (docker.section(arch).unwrap(), ours.section(arch).unwrap());
        for &(name, nr) in arch.syscalls() {
            let ds = [&sd.syscalls[&nr], &so.syscalls[&nr]];
            for args in arg_vectors(&ds) {
                let a = docker.decide(arch.audit_arch(), nr, &args);
                let b = ours.decide(arch.audit_arch(), nr, &args);
                if a.action != b.action {
                    eprintln!(
                        "{arch} {name} {args:x?}: docker {} ({}) / container {} ({})",
                        a.action, a.origin, b.action, b.origin
                    );
                    names.insert(name.to_string());
                    break;
                }
            }
        }
    }
    names
}

fn compare(host: Vec<Arch>) -> BTreeSet<String> {
    let json = std::fs::read_to_string("../shared/fixtures/docker-default.json").unwrap();
    let docker = oci::import(
        "docker-default.json",
        &json,
        &oci::Options {
            caps: oci::Caps::Docker,
            arches: Some(host.clone()),
            kernel: Some((6, 1)),
        },
    )
    .unwrap()
    .policy;
    let ours = sysgate::policy::Policy::load(
        "container",
        &sysgate::policy::Options {
            arches: Some(host.clone()),
        },
    )
    .unwrap()
    .resolved;
    differing(&docker, &ours, &host)
}

#[test]
fn container_differs_from_docker_only_where_documented() {
    let mut got = compare(vec![Arch::X86_64, Arch::I386, Arch::X32]);
    got.extend(compare(vec![Arch::Aarch64, Arch::Arm]));
    let want: BTreeSet<String> = EXPECTED.iter().map(|s| s.to_string()).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    let gone: Vec<_> = want.difference(&got).collect();
    assert!(
        extra.is_empty() && gone.is_empty(),
        "new differences: {extra:?}\nno longer different: {gone:?}"
    );
}
