//! `svp … | head -n 1`: the CLI never panics when its reader closes the pipe.

use std::process::{Command, Stdio};

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_svp"))
        .args(["kb", "check", "--json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("svp starts");
    // Close the pipe before the command writes (it loads the knowledge base first), as a
    // reader that has had enough does.
    drop(child.stdout.take().expect("stdout"));
    let output = child.wait_with_output().expect("svp ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}
