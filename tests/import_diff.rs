//! Importing Docker's default profile gives policy text that `sysgate diff` proves
//! equivalent to the JSON itself — over every number and argument value.

#[allow(unused_imports)]
mod common;

use common::sysgate;

const DOCKER: &str = "../shared/fixtures/docker-default.json";

#[test]
fn imported_docker_profile_is_equivalent_to_the_json() {
    let dir = std::env::temp_dir().join(format!("sysgate-import-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for arches in ["x86_64,i386,x32", "aarch64,arm"] {
        let out = dir.join(format!("docker-{}.policy", arches.replace(',', "-")));
        let o = sysgate(&[
            "import",
            DOCKER,
            "--caps",
            "docker",
            "--arch",
            arches,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        let lines = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count();
        assert!(lines < 60, "{lines} lines for {arches}:\n{text}");
        let o = sysgate(&["diff", out.to_str().unwrap(), DOCKER, "--arch", arches]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{arches}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
