//! Outputs people look at: the annotated clip ([`annotate`]) and its drawing primitives
//! ([`overlay`]).

pub mod annotate;
pub mod overlay;
