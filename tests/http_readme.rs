//! The README's curl examples work as written: `redline serve --demo` is started on an
//! ephemeral loopback port, every `curl` line of the "Service" section is run with the printed
//! token (only the port and the fixtures folder are substituted), and SIGTERM stops the server
//! gracefully.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn service_curl_lines() -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let section = readme
        .split("\n## Service\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Service section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("an sh block");
    block
        .lines()
        .filter(|l| l.starts_with("curl "))
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_curl_examples_work_against_serve_demo() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lines = service_curl_lines();
    assert!(lines.len() >= 10, "{lines:?}");
    let work = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
        .arg(work.path().join("data"))
        .current_dir(&root)
        .env(
            "PROJ_DATA",
            std::env::var("PROJ_DATA").unwrap_or_else(|_| "/usr/share/proj".into()),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redline serve --demo");
    let stdout = child.stdout.take().expect("stdout");
    let mut out = BufReader::new(stdout).lines();
    let mut base = None;
    let mut token = None;
    for _ in 0..2 {
        let Some(Ok(line)) = out.next() else { break };
        if let Some(i) = line.find("http://") {
            base = Some(line[i..].trim().to_string());
        }
        if let Some((_, t)) = line.split_once("(admin token): ") {
            token = Some(t.trim().to_string());
        }
    }
    let (Some(base), Some(token)) = (base, token) else {
        let _ = child.kill();
        panic!("serve --demo did not print the address and the token");
    };
    assert_eq!(token.len(), 64);
    let fixtures = format!("{}/fixtures/", root.display());
    let mut failures = Vec::new();
    for line in &lines {
        let cmd = line
            .replacen("curl -s", "curl -s --fail-with-body --max-time 60", 1)
            .replace("http://127.0.0.1:8080", &base)
            .replace("@fixtures/", &format!("@{fixtures}"));
        let r = Command::new("bash")
            .arg("-c")
            .arg(&cmd)
            .current_dir(work.path())
            .env("TOKEN", &token)
            .output()
            .expect("bash");
        let body = String::from_utf8_lossy(&r.stdout).to_string();
        let writes_file = line.contains(" -o ");
        if !r.status.success() || (!writes_file && body.trim().is_empty()) {
            failures.push(format!("{line}\n  → {:?} {body}", r.status.code()));
        }
    }
    // The files the examples download.
    let xlsx = std::fs::read(work.path().join("汇总.xlsx")).unwrap_or_default();
    let zip = std::fs::read(work.path().join("台账.zip")).unwrap_or_default();
    // Graceful shutdown on SIGTERM.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let status = child.wait().expect("wait");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(xlsx.starts_with(b"PK\x03\x04") && zip.starts_with(b"PK\x03\x04"));
    assert!(killed.success());
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
}
