//! `sysgate diff` on the command line: policies, built-ins and raw BPF files; exit status 0
//! only for equivalent filters.

#[allow(unused_imports)]
mod common;

use common::{libseccomp_available, sysgate, tmpdir, write};

#[test]
fn a_policy_and_its_own_bpf_are_equivalent() {
    let d = tmpdir("own");
    let bpf = d.join("container.bpf").to_string_lossy().into_owned();
    let o = sysgate(&["compile", "container", "-o", &bpf]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = sysgate(&["diff", "container", &bpf]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("equivalent"));
    let o = sysgate(&["diff", "container", "container", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["equivalent"], true);
}

#[test]
fn one_difference_with_its_witness() {
    let d = tmpdir("one");
    let a = write(&d, "a.policy", "arch x86_64\ndefault allow\ndeny bpf\n");
    let b = write(
        &d,
        "b.policy",
        "arch x86_64\ndefault allow\ndeny bpf\ndeny mount\n",
    );
    let o = sysgate(&["diff", &a, &b]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("mount (0xa5)"), "{out}");
    assert!(out.contains("1 difference"), "{out}");
    let o = sysgate(&["diff", &a, &b, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ds = v["differences"].as_array().unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["arch"], "x86_64");
    assert_eq!(ds[0]["numbers"]["name"], "mount");
    assert_eq!(ds[0]["witness"]["nr"], 165);
    assert_eq!(ds[0]["action_a"], "allow");
    assert_eq!(ds[0]["action_b"], "errno EPERM (1)");
}

#[test]
fn arch_option_limits_the_comparison() {
    let d = tmpdir("arch");
    let a = write(
        &d,
        "a.policy",
        "arch x86_64 i386\ndefault allow\ndeny bpf\n",
    );
    let b = write(&d, "b.policy", "arch x86_64\ndefault allow\ndeny bpf\n");
    assert_eq!(sysgate(&["diff", &a, &b]).status.code(), Some(1));
    assert_eq!(
        sysgate(&["diff", &a, &b, "--arch", "x86_64"]).status.code(),
        Some(0)
    );
    // Policies are compiled for the --arch list (as `compile --arch` does): both now
    // target i386 alike.
    assert_eq!(
        sysgate(&["diff", &a, &b, "--arch", "i386"]).status.code(),
        Some(0)
    );
    // Compiled programs keep what they were compiled for; --arch only limits the comparison.
    let (abpf, bbpf) = (d.join("a.bpf"), d.join("b.bpf"));
    for (p, out) in [(&a, &abpf), (&b, &bbpf)] {
        let o = sysgate(&["compile", p, "-o", out.to_str().unwrap()]);
        assert!(o.status.success());
    }
    let o = sysgate(&[
        "diff",
        abpf.to_str().unwrap(),
        bbpf.to_str().unwrap(),
        "--arch",
        "i386",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .skip(2)
            .all(|l| l.starts_with("i386") || l.contains("difference")),
        "{out}"
    );
}

/// One column per field whatever the architecture's name (`loongarch64` is the longest).
#[test]
fn difference_lines_line_up_across_architectures() {
    let dir = tmpdir("columns");
    let a = write(
        &dir,
        "a.policy",
        "default allow\ndeny unshare\narch x86_64 loongarch64\n",
    );
    let b = write(&dir, "b.policy", "default allow\narch x86_64 loongarch64\n");
    let o = sysgate(&["diff", &a, &b]);
    let out = String::from_utf8_lossy(&o.stdout);
    let starts: Vec<usize> = out
        .lines()
        .filter(|l| l.contains("witness:"))
        .map(|l| l.find("unshare").expect("the syscall is named"))
        .collect();
    assert_eq!(starts.len(), 2, "{out}");
    assert_eq!(starts[0], starts[1], "{out}");
}

#[test]
fn unreadable_input() {
    let o = sysgate(&["diff", "container", "/nonexistent/x.policy"]);
    assert_eq!(o.status.code(), Some(3));
}

fn libseccomp_bpf(desc: &serde_json::Value) {
    common::libseccomp_export(desc);
}

/// A deny-list on x86_64+x86+x32 written for sysgate and for libseccomp (both optimize
/// levels) is the same filter: diff proves it over every input. `unknown` is set to the
/// default, since libseccomp gives numbers outside its table the default action.
#[test]
fn equivalent_to_libseccomp() {
    if !libseccomp_available() {
        return;
    }
    let d = tmpdir("libseccomp");
    let base = "arch x86_64 i386 x32\ndefault allow\nunknown allow\n\
         deny bpf mount umount2 pivot_root swapon swapoff reboot init_module\n\
         kill kexec_load\nerrno ENOSYS clone3\n\
         deny unshare if flags & CLONE_NEWUSER\n";
    let policy = write(&d, "deny.policy", base);
    let mut rules = vec![];
    for s in [
        "bpf",
        "mount",
        "umount2",
        "pivot_root",
        "swapon",
        "swapoff",
        "reboot",
        "init_module",
    ] {
        rules.push(serde_json::json!({"action": "errno 1", "syscall": s}));
    }
    rules.push(serde_json::json!({"action": "kill_process", "syscall": "kexec_load"}));
    rules.push(serde_json::json!({"action": "errno 38", "syscall": "clone3"}));
    rules.push(serde_json::json!({"action": "errno 1", "syscall": "unshare",
        "conditions": [{"arg": 0, "op": "MASKED_EQ", "mask": 0x1000_0000u32, "value": 0x1000_0000u32}]}));
    let export = |name: &str, level: u32, rules: &[serde_json::Value]| -> String {
        let out = d.join(name);
        libseccomp_bpf(&serde_json::json!({
            "default": "allow",
            "badarch": "kill_process",
            "arches": ["x86_64", "x86", "x32"],
            "optimize": level,
            "rules": rules,
            "output": out,
        }));
        out.to_string_lossy().into_owned()
    };
    for level in [1, 2] {
        let bpf = export(&format!("libseccomp{level}.bpf"), level, &rules);
        let o = sysgate(&["diff", &policy, &bpf]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "optimize {level}:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }

    // A rule libseccomp lacks is found, with an argument witness.
    let with_socket = write(
        &d,
        "socket.policy",
        &format!("{base}deny socket if domain == 38\n"),
    );
    let bpf = export("libseccomp-base.bpf", 2, &rules);
    let o = sysgate(&["diff", &with_socket, &bpf, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ds = v["differences"].as_array().unwrap();
    // socket on each arch, and i386's socketcall(SYS_SOCKET, …), which sysgate also denies.
    assert_eq!(ds.len(), 4, "{ds:?}");
    for d in ds {
        if d["numbers"]["name"] == "socketcall" {
            assert_eq!(d["witness"]["args"][0], 1, "{d}");
        } else {
            assert_eq!(d["numbers"]["name"], "socket", "{d}");
            assert_eq!(d["witness"]["args"][0], 38);
        }
    }

    // The known argument-width difference (libseccomp_interop.rs, (b)): `domain` is an int,
    // which sysgate compares on 32 bits; libseccomp compares all 64 bits on x86_64. diff
    // finds exactly that: socket on x86_64, with the high word of domain set.
    rules.push(serde_json::json!({"action": "errno 1", "syscall": "socket",
        "conditions": [{"arg": 0, "op": "EQ", "value": 38}]}));
    for level in [1, 2] {
        let bpf = export(&format!("libseccomp-socket{level}.bpf"), level, &rules);
        let o = sysgate(&["diff", &with_socket, &bpf, "--json"]);
        assert_eq!(o.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let ds: Vec<&serde_json::Value> = v["differences"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["numbers"]["name"] != "socketcall")
            .collect();
        assert_eq!(ds.len(), 1, "{ds:?}");
        assert_eq!(ds[0]["arch"], "x86_64");
        assert_eq!(ds[0]["numbers"]["name"], "socket");
        let arg0 = ds[0]["witness"]["args"][0].as_u64().unwrap();
        assert_eq!(arg0 & 0xffff_ffff, 38);
        assert_ne!(arg0 >> 32, 0);
        assert_eq!(ds[0]["action_a"], "errno EPERM (1)");
        assert_eq!(ds[0]["action_b"], "allow");
    }
}
