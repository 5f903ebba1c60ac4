//! `sysgate export`.

use super::common::*;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct ExportArgs {
    /// Policy file or built-in name
    policy: String,
    /// oci: runtime-spec `linux.seccomp` JSON (runc, crun, podman); k8s: Security Profiles
    /// Operator SeccompProfile YAML (or a kubelet profile with --localhost); crun: base64 BPF
    /// for the `run.oci.seccomp_bpf_data` annotation; bwrap: raw BPF for `bwrap --seccomp FD`
    #[arg(long)]
    to: sysgate::formats::export::Target,
    #[command(flatten)]
    arch: ArchOpt,
    #[command(flatten)]
    mix: MixOpt,
    /// k8s: write a plain profile for /var/lib/kubelet/seccomp/ and print the pod's
    /// securityContext snippet on stderr
    #[arg(long)]
    localhost: bool,
    /// k8s: metadata.name of the SeccompProfile (default: from the policy's name)
    #[arg(long)]
    name: Option<String>,
    /// Write to this file (written only when the export succeeds; `-`: standard output)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn cmd_export(a: ExportArgs) -> Res {
    use sysgate::formats::export::{self, Target};
    if a.localhost && a.to != Target::K8s {
        return Err(err("--localhost goes with --to k8s", 2));
    }
    if let Some(name) = &a.name {
        if a.to != Target::K8s {
            return Err(err("--name goes with --to k8s", 2));
        }
        // A kubelet profile's name is a file name; the CRD's is a Kubernetes name.
        if let (false, Err(why)) = (a.localhost, export::check_k8s_name(name)) {
            return Err(err(format!("--name '{name}': {why}"), 2));
        }
    }
    let carries_bpf = matches!(a.to, Target::Crun | Target::Bwrap);
    if let Some(flag) = a.mix.given().filter(|_| !carries_bpf) {
        return Err(err(
            format!("{flag} goes with --to crun or --to bwrap (the targets that carry BPF)"),
            2,
        ));
    }
    let arches = parse_arches(&a.arch)?;
    let p = load(&a.policy, arches, true)?;
    let weights = if carries_bpf {
        Some(a.mix.options(&p)?.weights)
    } else {
        None
    };
    let opts = export::Options {
        name: a.name.clone(),
        localhost: a.localhost,
        localhost_path: a
            .output
            .as_ref()
            .and_then(|o| o.file_name().map(|f| f.to_string_lossy().into_owned())),
        weights,
    };
    let out = export::export(&p.resolved, &p.name, a.to, &opts)
        .map_err(|e| err(format!("{}: cannot export to {}: {e}", a.policy, a.to), 1))?;
    for w in &out.warnings {
        eprintln!("sysgate: warning: {}: {w}", a.policy);
    }
    match &a.output {
        Some(path) => {
            write_output(path, &out.bytes)?;
            eprintln!("sysgate: wrote {}", output_name(path));
        }
        None => std::io::stdout()
            .write_all(&out.bytes)
            .map_err(|e| err(format!("cannot write to standard output: {e}"), 3))?,
    }
    for n in &out.notes {
        eprintln!("sysgate: {n}");
    }
    Ok(())
}
