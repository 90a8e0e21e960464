//! Named crash points, for the fault-injection tests: a process started
//! with `WIKIUPLOAD_CRASH_POINT=<name>` aborts at once (no destructor, no
//! flush: what `kill -9` leaves) when it reaches the point of that name.
//! `WIKIUPLOAD_DISK_FULL_AT=<name>` makes the write at that point fail with
//! `ENOSPC` instead, as a full disk does (a test double for that one error).
//! Without the variables a point costs one comparison.

use std::sync::OnceLock;

/// The environment variable naming the point to crash at.
pub const CRASH_POINT_VARIABLE: &str = "WIKIUPLOAD_CRASH_POINT";

/// Aborts the process if it was told to crash at `name`.
pub fn point(name: &str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(CRASH_POINT_VARIABLE).ok());
    if chosen.as_deref() == Some(name) {
        eprintln!("crash point {name} reached: aborting");
        std::process::abort();
    }
}

/// The environment variable naming the write that finds the disk full.
pub const DISK_FULL_VARIABLE: &str = "WIKIUPLOAD_DISK_FULL_AT";

/// Fails with "No space left on device" if the process was told the disk
/// is full at `name`.
pub fn disk_full_at(name: &str) -> std::io::Result<()> {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var(DISK_FULL_VARIABLE).ok());
    match chosen.as_deref() == Some(name) {
        // ENOSPC, as the kernel reports it (Linux's number).
        true => Err(std::io::Error::from_raw_os_error(28)),
        false => Ok(()),
    }
}
