//! Interrupts (Ctrl-C, SIGTERM): long loops poll [`requested`] and stop with an error, so every
//! temporary output is dropped (and deleted) instead of being left half-written.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler once; a second Ctrl-C while stopping exits at once.
pub fn install_handler() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            // The first request was not acted on (the run is blocked, e.g. reading a pipe):
            // temporary outputs may be left, but the user is told why the run ended.
            eprintln!("liftcheck: interrupted twice: stopped at once");
            std::process::exit(130);
        }
    });
}

/// Whether an interrupt asked the run to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// The message used when a loop stops because of an interrupt.
pub const INTERRUPTED: &str = "interrupted";
