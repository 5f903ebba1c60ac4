//! `sysgate export --to k8s` against the Security Profiles Operator's own CRD
//! (`../shared/fixtures/spo-seccompprofile-crd.yaml`): the exported `SeccompProfile`
//! validates against the OpenAPI v3 schema of the version it names, and `--localhost`
//! writes a plain profile plus the pod snippet.
//!
//! The schema checker covers the subset the CRD uses: `type`, `properties`, `required`,
//! `enum`, `items`, `additionalProperties`, `minimum`, `minItems`, `maxItems`, `format`
//! int32/int64 ranges (`pattern` appears only on `listenerPath`, which sysgate never writes;
//! it is reported if present). Kubernetes prunes unknown fields, so an unknown field is an
//! error here too (it would silently vanish).

#[allow(unused_imports)]
mod common;

use common::sysgate;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn crd() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/spo-seccompprofile-crd.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).expect("the CRD is YAML")
}

fn schema_for(crd: &Value, version: &str) -> Value {
    crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == version)
        .unwrap_or_else(|| panic!("the CRD has no version {version}"))["schema"]["openAPIV3Schema"]
        .clone()
}

fn check(schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if !ok {
            errs.push(format!("{path}: expected {t}, got {v}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errs.push(format!(
                "{path}: {v} is not one of {}",
                Value::Array(e.clone())
            ));
        }
    }
    if let Some(n) = v.as_i64().or_else(|| v.as_u64().map(|_| i64::MAX)) {
        if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
            if n < min {
                errs.push(format!("{path}: {v} < minimum {min}"));
            }
        }
        match schema.get("format").and_then(Value::as_str) {
            Some("int32") if i32::try_from(n).is_err() => {
                errs.push(format!("{path}: {v} is not an int32"))
            }
            Some("int64") if v.as_i64().is_none() => {
                errs.push(format!("{path}: {v} is not an int64"))
            }
            _ => {}
        }
    }
    if schema.get("pattern").is_some() {
        errs.push(format!(
            "{path}: has a pattern this checker does not evaluate"
        ));
    }
    if let Some(o) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !o.contains_key(r.as_str().unwrap()) {
                errs.push(format!("{path}: missing required field {r}"));
            }
        }
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(s, x, &format!("{path}.{k}"), errs),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errs.push(format!("{path}: field {k} is not allowed"))
                    }
                    Some(s @ Value::Object(_)) => check(s, x, &format!("{path}.{k}"), errs),
                    _ if props.is_some() => errs.push(format!(
                        "{path}: unknown field {k} (Kubernetes would prune it)"
                    )),
                    _ => {}
                },
            }
        }
    }
    if let Some(a) = v.as_array() {
        if let Some(n) = schema.get("minItems").and_then(Value::as_u64) {
            if (a.len() as u64) < n {
                errs.push(format!("{path}: fewer than {n} items"));
            }
        }
        if let Some(n) = schema.get("maxItems").and_then(Value::as_u64) {
            if a.len() as u64 > n {
                errs.push(format!("{path}: more than {n} items"));
            }
        }
        if let Some(s) = schema.get("items") {
            for (i, x) in a.iter().enumerate() {
                check(s, x, &format!("{path}[{i}]"), errs);
            }
        }
    }
}

fn validate(doc: &Value) -> Vec<String> {
    let crd = crd();
    let version = doc["apiVersion"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let mut errs = Vec::new();
    check(&schema_for(&crd, &version), doc, "", &mut errs);
    errs
}

#[test]
fn k8s_export_validates_against_the_spo_crd() {
    for policy in ["container", "strict", "service"] {
        let o = sysgate(&["export", policy, "--to", "k8s"]);
        assert!(
            o.status.success(),
            "{policy}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let doc: Value = serde_yaml::from_slice(&o.stdout).expect("the export is YAML");
        assert_eq!(
            doc["apiVersion"],
            "security-profiles-operator.x-k8s.io/v1beta1"
        );
        assert_eq!(doc["kind"], "SeccompProfile");
        assert_eq!(doc["metadata"]["name"], policy);
        let errs = validate(&doc);
        assert!(errs.is_empty(), "{policy}:\n{}", errs.join("\n"));
        // The spec is the OCI profile (minus defaultErrnoRet, which the CRD lacks).
        let oci: Value =
            serde_json::from_slice(&sysgate(&["export", policy, "--to", "oci"]).stdout).unwrap();
        assert_eq!(doc["spec"]["syscalls"], oci["syscalls"], "{policy}");
        assert_eq!(doc["spec"]["defaultAction"], oci["defaultAction"]);
        // The same spec is also valid under the stored version v1.
        let mut v1 = doc.clone();
        v1["apiVersion"] = "security-profiles-operator.x-k8s.io/v1".into();
        let errs = validate(&v1);
        assert!(errs.is_empty(), "{policy} as v1:\n{}", errs.join("\n"));
    }
}

#[test]
fn the_checker_catches_bad_documents() {
    let o = sysgate(&["export", "container", "--to", "k8s"]);
    let good: Value = serde_yaml::from_slice(&o.stdout).unwrap();
    let mut bad = good.clone();
    bad["spec"]["defaultAction"] = "SCMP_ACT_MAYBE".into();
    bad["spec"]["syscalls"][0]["args"][0]["index"] = (-1).into();
    bad["spec"]["bogus"] = 1.into();
    let errs = validate(&bad);
    assert_eq!(errs.len(), 3, "{errs:?}");
}

#[test]
fn a_default_errno_other_than_eperm_is_refused_for_the_crd() {
    let dir = std::env::temp_dir().join(format!("sysgate-export-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("enosys.policy");
    std::fs::write(&p, "default errno ENOSYS\nallow read write exit_group\n").unwrap();
    let out = dir.join("p.yaml");
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", p.to_str().unwrap(), "--to", "k8s", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("defaultErrnoRet"));
    assert!(!out.exists(), "nothing is written on error");
    // A localhost profile is plain runtime-spec JSON and keeps it.
    let lp = dir.join("enosys.json");
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args([
            "export",
            p.to_str().unwrap(),
            "--to",
            "k8s",
            "--localhost",
            "-o",
        ])
        .arg(&lp)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("type: Localhost") && err.contains("localhostProfile: enosys.json"));
    let v: Value = serde_json::from_slice(&std::fs::read(&lp).unwrap()).unwrap();
    assert_eq!(v["defaultAction"], "SCMP_ACT_ERRNO");
    assert_eq!(v["defaultErrnoRet"], 38);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--name` is the SeccompProfile's `metadata.name`: one Kubernetes would refuse is a usage
/// error, as is `--name` with a target that has no name; a kubelet profile's name is a file
/// name, free of that rule.
#[test]
fn name_must_be_a_kubernetes_name_and_go_with_k8s() {
    let o = sysgate(&["export", "container", "--to", "k8s", "--name", "web-1.prod"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let doc: Value = serde_yaml::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["metadata"]["name"], "web-1.prod");
    for bad in ["My Profile", "web_1", "-web", "web.", "", &"a".repeat(254)] {
        let o = sysgate(&[
            "export",
            "container",
            "--to",
            "k8s",
            &format!("--name={bad}"),
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", common::stderr(&o));
        assert!(o.stdout.is_empty(), "{bad:?}");
        assert!(common::stderr(&o).contains("Kubernetes name"), "{bad:?}");
    }
    let o = sysgate(&[
        "export",
        "container",
        "--to",
        "k8s",
        "--localhost",
        "--name",
        "web_1",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("localhostProfile: web_1.json"));
    for to in ["oci", "crun", "bwrap"] {
        let o = sysgate(&["export", "container", "--to", to, "--name", "web"]);
        assert_eq!(o.status.code(), Some(2), "{to}");
        assert_eq!(
            common::stderr(&o),
            "sysgate: --name goes with --to k8s\n",
            "{to}"
        );
    }
}
