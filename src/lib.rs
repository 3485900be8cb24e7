//! liftcheck: deadlift form checking from video.
//!
//! The crate is split into pure computation and I/O:
//!
//! * pure: [`pose::geometry`], [`pose::detector`], [`pose::landmarks`] (BlazePose pre/post-processing
//!   maths), and later the analysis engine (signals, reps, faults);
//! * I/O: [`runtime`] (loading ONNX Runtime), [`models`] (verified model files), [`video`] (decoding
//!   with OpenCV), [`pose::blazepose`] (running the models on frames), [`pipeline`] (decode and
//!   inference overlapped), [`output`] (keypoint files, written atomically).

pub mod analysis;
pub mod cancel;
pub mod eval;
pub mod lines;
pub mod models;
pub mod output;
pub mod pipeline;
pub mod plate;
pub mod pose;
pub mod render;
pub mod report;
pub mod runtime;
pub mod track;
pub mod video;
