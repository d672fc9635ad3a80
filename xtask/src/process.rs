//! Running commands, and keeping track of long-lived children so every one is stopped by PID at
//! the end of a task, also when it fails.

use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

static CHILDREN: Mutex<Vec<(String, Child)>> = Mutex::new(Vec::new());

/// Runs a command to completion, echoing it first; fails with the command line on non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = status(cmd)?;
    if !status.success() {
        bail!("`{}` failed with {status}", describe(cmd));
    }
    Ok(())
}

/// Runs a command and returns its exit status without judging it.
pub fn status(cmd: &mut Command) -> Result<ExitStatus> {
    println!("$ {}", describe(cmd));
    cmd.status()
        .with_context(|| format!("could not start `{}`", describe(cmd)))
}

/// Runs a command quietly and returns its stdout (trimmed), or `None` if it could not run or failed.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Starts a long-lived child that [`stop_all`] will stop. Returns its PID.
pub fn spawn_tracked(name: &str, cmd: &mut Command) -> Result<u32> {
    let child = cmd
        .spawn()
        .with_context(|| format!("could not start {name} (`{}`)", describe(cmd)))?;
    let pid = child.id();
    println!("xtask: started {name} (pid {pid})");
    lock().push((name.to_owned(), child));
    Ok(pid)
}

/// Tracks a child started elsewhere (e.g. one whose stdin had to be written first).
pub fn adopt(name: &str, child: Child) {
    println!("xtask: started {name} (pid {})", child.id());
    lock().push((name.to_owned(), child));
}

/// Whether a tracked child is still running.
pub fn is_running(pid: u32) -> bool {
    lock()
        .iter_mut()
        .find(|(_, child)| child.id() == pid)
        .is_some_and(|(_, child)| matches!(child.try_wait(), Ok(None)))
}

/// Stops every tracked child, newest first.
pub fn stop_all() {
    let children: Vec<_> = lock().drain(..).rev().collect();
    for (name, child) in children {
        terminate(&name, child);
    }
}

fn terminate(name: &str, mut child: Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let pid = child.id();
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                println!("xtask: stopped {name} (pid {pid})");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    println!("xtask: killed {name} (pid {pid})");
}

fn lock() -> std::sync::MutexGuard<'static, Vec<(String, Child)>> {
    CHILDREN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The command line, for messages.
pub fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Whether an executable is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(program)))
    })
}

fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Waits until `ready` holds or the timeout passes.
pub fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("timed out after {timeout:?} waiting for {what}")
}
