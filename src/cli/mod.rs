//! The subcommands of the `liftcheck` binary.

pub mod analyze;
pub mod batch;
pub mod common;
pub mod doctor;
pub mod eval;
