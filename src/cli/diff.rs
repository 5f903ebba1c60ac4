//! `sysgate diff`.

use super::common::*;
use clap::Args;
use sysgate::arch::Arch;

pub const DIFF_EXIT_CODES: &str = "\
Exit status:
  0    the two filters are equivalent (for every number, architecture and argument value)
  1    they differ (each difference is printed with a witness), or an input has errors
  2    wrong command-line usage
  3    an input file could not be read";

#[derive(Args)]
pub struct DiffArgs {
    /// First filter: policy file, built-in name, or raw BPF file (`.bpf`, or not text)
    a: String,
    /// Second filter: policy file, built-in name, or raw BPF file
    b: String,
    /// Compare only for these architectures (comma-separated, or `native`); policies and
    /// profiles are compiled for them. Default: each input's own architectures, compared on
    /// every `seccomp_data.arch` value
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// For Docker/OCI profiles (`.json`): the capabilities the container has
    /// (docker = Docker's 14 defaults, all, or CAP_X,CAP_Y…)
    #[arg(long, default_value = "docker")]
    caps: String,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

/// The program `diff` compares for `input`. Every front end that yields a program plugs in
/// here (an OCI/Docker JSON profile, once `formats::oci` can import one, is compiled the same
/// way as a policy).
/// One side of `diff` as a program: raw BPF as is; a Docker/OCI profile (`.json`) imported
/// and compiled; a policy compiled. `arches` retargets profiles and policies.
pub fn diff_input(
    input: &str,
    arches: Option<Vec<Arch>>,
    caps: &sysgate::formats::oci::Caps,
) -> Result<Vec<sysgate::bpf::Insn>, Fail> {
    use sysgate::formats::oci;
    if is_bpf_file(input) {
        return read_filter(input);
    }
    if input.ends_with(".json") {
        let json = std::fs::read_to_string(input)
            .map_err(|e| err(format!("cannot read '{input}': {e}"), 3))?;
        let opts = oci::Options {
            caps: caps.clone(),
            arches,
            kernel: None,
        };
        let imported = oci::import(input, &json, &opts).map_err(|e| err(e, 1))?;
        return sysgate::compile::compile(&imported.policy, &Default::default())
            .map(|prog| prog.insns)
            .map_err(|e| err(format!("{input}: {e}"), 1));
    }
    let p = load(input, arches, false)?;
    p.compile()
        .map(|prog| prog.insns)
        .map_err(|e| err(format!("{input}: {e}"), 1))
}

pub fn cmd_diff(a: DiffArgs) -> Res {
    use sysgate::analyze::diff;
    let caps =
        sysgate::formats::oci::Caps::parse(&a.caps).map_err(|m| err(format!("--caps: {m}"), 2))?;
    let arches = parse_arches(&ArchOpt { arch: a.arch })?;
    let pa = diff_input(&a.a, arches.clone(), &caps)?;
    let pb = diff_input(&a.b, arches.clone(), &caps)?;
    let opts = diff::Options {
        arches,
        ..Default::default()
    };
    let report = diff::diff(&pa, &pb, &opts).map_err(|e| err(e, 1))?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else if report.equivalent {
        println!("equivalent: {} and {} decide every call alike", a.a, a.b);
    } else {
        println!("A = {}\nB = {}", a.a, a.b);
        // Differences are listed per architecture and pair of actions; long lists (a whole
        // architecture covered by one side only, a different default) are shortened, and
        // --json lists every one.
        const SHOWN: usize = 5;
        let mut groups: Vec<Vec<&diff::Difference>> = Vec::new();
        for d in &report.differences {
            let same = |g: &Vec<&diff::Difference>| {
                g[0].arch == d.arch && g[0].ret_a == d.ret_a && g[0].ret_b == d.ret_b
            };
            match groups.iter_mut().find(|g| same(g)) {
                Some(g) => g.push(d),
                None => groups.push(vec![d]),
            }
        }
        for g in &groups {
            let shown = if g.len() > 2 * SHOWN { SHOWN } else { g.len() };
            for d in &g[..shown] {
                print_difference(d);
            }
            if shown < g.len() {
                println!(
                    "{:<w$} … and {} more with the same actions (--json lists every one)",
                    g[0].arch,
                    g.len() - shown,
                    w = arch_width()
                );
            }
        }
        let n = report.differences.len();
        println!("{n} difference{}", if n == 1 { "" } else { "s" });
    }
    if report.equivalent {
        Ok(())
    } else {
        Err(Fail(1))
    }
}

pub fn print_difference(d: &sysgate::analyze::diff::Difference) {
    use sysgate::analyze::diff::Numbers;
    let what = match &d.numbers {
        Numbers::Syscall { name, nr } => format!("{name} ({nr:#x})"),
        Numbers::Range { lo, hi, every } => format!(
            "{}{lo:#x}..={hi:#x}",
            if *every {
                "numbers "
            } else {
                "some numbers in "
            }
        ),
    };
    let w = &d.witness;
    let mut wit = format!("nr={:#x} arch={:#x}", w.nr, w.arch);
    if w.args.iter().any(|&v| v != 0) {
        let args: Vec<String> = w.args.iter().map(|v| format!("{v:#x}")).collect();
        wit.push_str(&format!(" args=[{}]", args.join(", ")));
    }
    if w.instruction_pointer != 0 {
        wit.push_str(&format!(" ip={:#x}", w.instruction_pointer));
    }
    println!(
        "{:<w$} {what:<32} A: {:<20} B: {:<20} witness: {wit}",
        d.arch,
        d.action_a,
        d.action_b,
        w = arch_width()
    );
}

/// The arch column: as wide as the longest architecture name (`loongarch64`).
fn arch_width() -> usize {
    sysgate::arch::Arch::ALL
        .iter()
        .map(|a| a.name().len())
        .max()
        .unwrap_or(8)
}
