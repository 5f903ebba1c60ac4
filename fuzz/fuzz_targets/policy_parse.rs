//! Policy text → parser → resolver → compiler. Must never panic or hang; a policy that
//! resolves either compiles to a program the emulator accepts or fails with a
//! `CompileError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Arc;
use sysgate::policy::diag::Source;
use sysgate::policy::resolve::{self, Loader};
use sysgate::policy::{ast::UseTarget, Options, Policy};

/// Serves built-in policies only, so that `use "/dev/zero"` in an input never touches the
/// file system.
struct BuiltinsOnly;

impl Loader for BuiltinsOnly {
    fn load(&self, target: &UseTarget, _from: &Source) -> Result<Arc<Source>, String> {
        match target {
            UseTarget::Builtin(n) => {
                sysgate::policy::builtin::source(n).ok_or_else(|| format!("no built-in '{n}'"))
            }
            UseTarget::File(f) => Err(format!("files are not read while fuzzing: {f}")),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = Source::new("fuzz.policy", text);
    let r = resolve::resolve(src, &BuiltinsOnly, &Options::default());
    for d in &r.diagnostics {
        let _ = d.to_string();
    }
    if let Some(resolved) = r.policy {
        let p = Policy {
            name: "fuzz.policy".into(),
            resolved,
            warnings: r.diagnostics,
        };
        if let Ok(prog) = p.compile() {
            sysgate::bpf::emulator::validate(&prog.insns).expect("compiled program is valid");
        }
    }
});
