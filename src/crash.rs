//! Named crash points, for the fault-injection tests: a process started
//! with `WIKIUPLOAD_CRASH_POINT=<name>` aborts at once (no destructor, no
//! flush: what `kill -9` leaves) when it reaches the point of that name.
//! Without the variable a point costs one comparison.

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
