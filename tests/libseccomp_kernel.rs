//! The libseccomp comparison, confirmed by the kernel on a sample: libseccomp's program
//! and sysgate's, loaded for real, answer the same calls alike through every x86 door —
//! and as each one's emulation says.

mod common;

use common::{raw_syscall, run_filtered, Door, Outcome};
use sysgate::bpf::emulator::{run, SeccompData};
use sysgate::bpf::{from_bytes, Insn};
use sysgate::policy::Policy;

fn libseccomp(desc: &serde_json::Value) -> Option<Vec<Insn>> {
    if !common::libseccomp_available() {
        return None;
    }
    Some(from_bytes(&common::libseccomp_export(desc)).unwrap())
}

/// What the kernel did, as the return value a filter would have given.
fn observed(o: &Outcome) -> String {
    match o {
        Outcome::Returned(r) if *r < 0 => format!("errno {}", -r),
        Outcome::Returned(_) => "ran".into(),
        Outcome::Signaled(s) => format!("signal {s}"),
        other => format!("{other:?}"),
    }
}

/// What the emulator predicts for the same call (`ran` for allow).
fn predicted(prog: &[Insn], data: &SeccompData) -> String {
    let r = run(prog, data).unwrap().ret;
    match r & 0xffff_0000 {
        0x7fff_0000 => "ran".into(),
        0x0005_0000 => format!("errno {}", r & 0xffff),
        _ => "signal 31".into(),
    }
}

#[test]
fn libseccomp_and_sysgate_agree_in_the_kernel() {
    // getpgid(pid): x86_64 121, i386 132; getppid: 110 / 64; getuid: 102 / 199 (uid32).
    let desc = serde_json::json!({
        "default": "allow",
        "arches": ["x86_64", "x86", "x32"],
        "optimize": 2,
        "rules": [
            {"action": "errno 71", "syscall": "getpgid",
             "conditions": [{"arg": 0, "op": "EQ", "value": 5, "mask": 0}]},
            {"action": "errno 72", "syscall": "getppid", "conditions": []},
            {"action": "errno 73", "syscall": "getuid", "conditions": []},
        ]
    });
    let Some(lib) = libseccomp(&desc) else {
        return;
    };
    let ours = Policy::parse(
        "k.policy",
        "default allow\nunknown allow\nbadarch kill-thread\narch x86_64 i386 x32\n\
         errno 71 getpgid if arg0 == 5\nerrno 72 getppid\nerrno 73 getuid\n",
    )
    .unwrap()
    .compile()
    .unwrap()
    .insns;
    let calls: [(Door, u64, u32, u64); 9] = [
        (Door::Native, 121, 0xc000_003e, 5),
        (Door::Native, 121, 0xc000_003e, 6),
        (Door::Native, 110, 0xc000_003e, 0),
        (Door::Native, 102, 0xc000_003e, 0),
        (Door::I386, 132, 0x4000_0003, 5),
        (Door::I386, 132, 0x4000_0003, 7),
        (Door::I386, 64, 0x4000_0003, 0),
        (Door::X32, 110, 0xc000_003e, 0),
        (Door::X32, 121, 0xc000_003e, 5),
    ];
    for (door, nr, arch, a0) in calls {
        let seen_nr = if matches!(door, Door::X32) {
            nr as u32 | 0x4000_0000
        } else {
            nr as u32
        };
        let data = SeccompData {
            nr: seen_nr,
            arch,
            instruction_pointer: 0,
            args: [a0, 0, 0, 0, 0, 0],
        };
        for (who, prog) in [("libseccomp", &lib), ("sysgate", &ours)] {
            let o = run_filtered(prog, move || raw_syscall(door, nr, [a0, 0, 0, 0, 0, 0]));
            let got = observed(&o);
            let want = predicted(prog, &data);
            // Allowed x32 calls end in ENOSYS: this kernel has no x32 ABI.
            let want = if want == "ran" && matches!(door, Door::X32) {
                "errno 38".to_string()
            } else {
                want
            };
            // getpgid of a pid that does not exist fails with ESRCH: the call ran.
            let esrch_from_getpgid = (nr == 121 || nr == 132) && got == "errno 3";
            let got = if esrch_from_getpgid {
                "ran".to_string()
            } else {
                got
            };
            assert_eq!(got, want, "{who}: {door:?} nr {nr} arg0 {a0}");
        }
        assert_eq!(
            predicted(&lib, &data),
            predicted(&ours, &data),
            "{door:?} nr {nr} arg0 {a0}"
        );
    }
}
