//! Outputs people look at: the annotated clip ([`annotate`]) and its drawing primitives
//! ([`overlay`]); self-contained HTML reports ([`html`]) with SVG plots ([`plots`]) and key
//! frames ([`keyframes`]).

pub mod annotate;
pub mod html;
pub mod keyframes;
pub mod overlay;
pub mod plots;
