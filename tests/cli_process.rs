//! The `svp` binary as a process: a closed pipe, an unreachable database, and `serve` stopping
//! on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn svp() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_svp"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// `svp … | head`: the command ends quietly when its reader goes away.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let mut child = svp().args(["kb", "check", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("svp starts");
    // Close the pipe before the command writes (it loads the knowledge base first), as a
    // reader that has had enough does.
    drop(child.stdout.take().expect("stdout"));
    let output = child.wait_with_output().expect("svp ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

/// An unreachable database: a message that names the cause, and exit code 2.
#[test]
fn an_unreachable_database_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let output = svp()
        .args(["tickets", "list", "--database-url", "postgres://postgres@127.0.0.1:1/nothing"])
        .arg("--data-dir")
        .arg(data.path())
        .output()
        .expect("svp runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot connect to the PostgreSQL database") && stderr.contains("refused"), "{stderr}");
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// `serve` stops cleanly on SIGTERM, as on Ctrl-C.
#[cfg(unix)]
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = svp()
        .arg("serve")
        .arg("--data-dir")
        .arg(data.path())
        .env("SVP_WEB__BIND", format!("127.0.0.1:{port}"))
        .env_remove("SVP_DISCORD_TOKEN")
        .env("SVP_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let started = Instant::now();
    let health = loop {
        if let Some(r) = get(port, "/api/health") {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "serve did not come up");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(health.starts_with("HTTP/1.1 200") && health.contains("\"status\":\"ok\""), "{health}");
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let output = child.wait_with_output().expect("serve ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
}

/// Six commands started at once on an empty data directory all succeed, with the same answer:
/// they take turns to migrate the database and build the index, none deletes another's.
#[test]
fn six_commands_at_once_on_an_empty_data_directory() {
    let data = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            svp()
                .args(["ask", "le RSA pour un réfugié de 30 ans ?", "--data-dir"])
                .arg(data.path().join("data"))
                .env("SVP_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("svp starts")
        })
        .collect();
    let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().expect("svp ends")).collect();
    let decision = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout).lines().find(|l| l.contains("décision")).map(str::to_string)
    };
    let first = decision(&outputs[0]);
    for o in &outputs {
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("WARN") && !stderr.contains("ERROR"), "{stderr}");
        assert!(decision(o).is_some() && decision(o) == first, "{:?} vs {first:?}", decision(o));
    }
}
