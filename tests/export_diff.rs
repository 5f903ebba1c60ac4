//! The exported OCI profile, compiled by real libseccomp the way runc loads it, is proven
//! equivalent to the source policy by `sysgate diff` — exactly, over every number and
//! argument value — on every target architecture, apart from what OCI cannot say.

mod common;

use common::{libseccomp_available, sysgate};

use std::path::PathBuf;
use std::process::Command;

const PYTHON: &str = "/usr/bin/python3";

/// Exports `policy` to OCI, loads it into libseccomp and diffs the result with `policy`.
fn diff_with_libseccomp(name: &str, policy: &str) -> serde_json::Value {
    let dir =
        std::env::temp_dir().join(format!("sysgate-export-diff-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("profile.json");
    let bpf = dir.join("libseccomp.bpf");
    let o = sysgate(&[
        "export",
        policy,
        "--to",
        "oci",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let helper = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/libseccomp_oci.py");
    let o = Command::new(PYTHON)
        .arg(helper)
        .arg(&json)
        .arg(&bpf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sysgate(&[
        "diff",
        policy,
        bpf.to_str().unwrap(),
        "--arch",
        "x86_64,i386,x32",
        "--json",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn a_policy_oci_can_express_round_trips_exactly() {
    if !libseccomp_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sysgate-export-diff-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.policy");
    std::fs::write(
        &p,
        "default allow\nunknown allow\narch x86_64 i386 x32\n\
         deny socket if domain in {AF_ALG, AF_VSOCK}\n\
         errno 5 personality if persona in {3, PER_LINUX32}\n\
         allow clone if (flags & CLONE_NEWUSER) == 0\nerrno 7 clone\n\
         kill kexec_load\nerrno 9 ioctl if request == TIOCSTI\n",
    )
    .unwrap();
    let r = diff_with_libseccomp("exact", p.to_str().unwrap());
    assert_eq!(r["equivalent"], true, "{r:#}");

    // `!=`/`not in` on a 32-bit parameter has no exact OCI form (libseccomp compares all 64
    // bits): the two differ exactly where the high word is set, and nowhere else.
    std::fs::write(
        &p,
        "default allow\nunknown allow\narch x86_64 i386 x32\n\
         errno 5 personality if persona not in {0, PER_LINUX32}\n",
    )
    .unwrap();
    let r = diff_with_libseccomp("not-in", p.to_str().unwrap());
    let ds = r["differences"].as_array().unwrap();
    assert!(!ds.is_empty());
    for d in ds {
        assert_eq!(d["numbers"]["name"], "personality", "{d}");
        let persona = d["witness"]["args"][0].as_u64().unwrap();
        assert_ne!(
            persona >> 32,
            0,
            "a difference with the high word clear: {d}"
        );
    }
    assert!(
        ds.iter().all(|d| d["arch"] != "i386"),
        "i386 has no high word"
    );
}

#[test]
fn container_differs_only_where_oci_cannot_follow() {
    if !libseccomp_available() {
        return;
    }
    let r = diff_with_libseccomp("container", "container");
    let mut named = Vec::new();
    for d in r["differences"].as_array().unwrap() {
        let n = &d["numbers"];
        if n["kind"] == "syscall" {
            named.push(format!(
                "{} {}",
                d["arch"].as_str().unwrap(),
                n["name"].as_str().unwrap()
            ));
        } else {
            // `unknown errno ENOSYS` has no OCI form: libseccomp gives those numbers the
            // default action.
            assert_eq!(d["action_a"], "errno ENOSYS (38)", "{d}");
            assert_eq!(d["action_b"], "allow", "{d}");
        }
    }
    named.sort();
    // libseccomp 2.5.4 does not know open_tree_attr, and runc skips names it does not know.
    assert_eq!(
        named,
        [
            "i386 open_tree_attr",
            "x32 open_tree_attr",
            "x86_64 open_tree_attr"
        ],
        "{r:#}"
    );
}
