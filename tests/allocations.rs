//! The hot paths reuse their buffers: in the pose stage frames come from a pool and the model
//! inputs, crops and mask features are kept between frames; the render pass keeps its frame,
//! its resized copy and the encoder's YUV copy. This counts the heap allocations Rust code
//! makes per frame (a counting global allocator, for this test binary only) on a real clip
//! through the real models, so a buffer allocated afresh per frame fails it. OpenCV's and ONNX
//! Runtime's own C++ allocations are not seen here (`scripts/bench/README.md` counts those
//! with `perf`).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use common::*;

/// Allocations (and reallocations) and the bytes asked for, over every thread of the process.
struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static LARGE: AtomicUsize = AtomicUsize::new(0);
/// An allocation this size or more is a buffer: a crop (256 x 256 x 3 floats is 768 KB), a
/// frame, a mask.
const LARGE_BYTES: usize = 64 * 1024;

fn count(size: usize) {
    ALLOCATIONS.fetch_add(1, Relaxed);
    BYTES.fetch_add(size, Relaxed);
    if size >= LARGE_BYTES {
        LARGE.fetch_add(1, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Frames left out at the start: the detector's runs, the pools and the worker's queue filling.
const WARM_UP_FRAMES: usize = 30;

/// Per frame, what the track keeps (a pose's keypoints, a back outline) and the model runs'
/// small bookkeeping take a few allocations of a few hundred bytes each, and the render pass
/// formats its labels: measured on this clip at 8.4 allocations and 2.9 KB a frame in the pose
/// stage, 21.5 and 0.7 KB in the render pass. The limits leave room for that to grow a little
/// and fail on any buffer allocated per frame.
const MAX_ALLOCATIONS_PER_FRAME: f64 = 32.0;
const MAX_BYTES_PER_FRAME: f64 = 32.0 * 1024.0;
/// The track's vectors grow by doubling, which passes [`LARGE_BYTES`] a few times per clip.
const MAX_LARGE_PER_FRAME: f64 = 0.1;

/// The counts after each frame: (frames done, allocations, bytes, large allocations).
type Counts = Vec<(usize, usize, usize, usize)>;

fn note_frame(counts: &mut Counts, done: usize) {
    counts.push((
        done,
        ALLOCATIONS.load(Relaxed),
        BYTES.load(Relaxed),
        LARGE.load(Relaxed),
    ));
}

/// Fails when the frames after the warm-up allocated more, per frame, than the limits.
fn assert_little_per_frame(stage: &str, counts: &Counts) {
    assert!(counts.len() > 2 * WARM_UP_FRAMES, "{stage}: {} frames", counts.len());
    let (from, to) = (counts[WARM_UP_FRAMES], counts[counts.len() - 1]);
    let frames = (to.0 - from.0) as f64;
    let per_frame = |a: usize, b: usize| (b - a) as f64 / frames;
    let (allocations, bytes, large) = (
        per_frame(from.1, to.1),
        per_frame(from.2, to.2),
        per_frame(from.3, to.3),
    );
    eprintln!(
        "{stage}, over {frames} frames, per frame: {allocations:.1} allocations, {bytes:.0} bytes, \
         {large:.2} of 64 KB or more"
    );
    assert!(
        allocations <= MAX_ALLOCATIONS_PER_FRAME,
        "{stage}: {allocations:.1} allocations per frame"
    );
    assert!(
        bytes <= MAX_BYTES_PER_FRAME,
        "{stage}: {bytes:.0} bytes allocated per frame"
    );
    assert!(
        large <= MAX_LARGE_PER_FRAME,
        "{stage}: {large:.2} allocations of 64 KB or more per frame"
    );
}

/// One test, so that nothing else allocates while it counts: the pose stage, then the annotated
/// clip's render pass (decode, draw, hand over to the encoder) on its track.
#[test]
fn the_pose_stage_and_the_render_pass_allocate_no_buffer_per_frame() {
    use liftcheck::analysis::{Config, LiftVariant};
    use liftcheck::pose::blazepose::{BlazePose, BlazePoseConfig};

    let runtime = liftcheck::runtime::load().expect("ONNX Runtime (scripts/setup.sh)");
    let store = liftcheck::models::ModelStore::open(Some(&repo_path("models"))).expect("models folder");
    let mut estimator = BlazePose::new(&runtime, &store, BlazePoseConfig::default()).expect("pose models");
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let mut counts = Counts::new();
    let (track, _) = liftcheck::track::track_clip(&clip, &mut estimator, |done, _| note_frame(&mut counts, done))
        .expect("pose stage");
    assert_little_per_frame("pose stage", &counts);

    let analysis = track.analyze(LiftVariant::Auto, &Config::default()).expect("analysis");
    let out = tempfile::tempdir().expect("temp dir");
    let mut counts = Counts::new();
    liftcheck::render::annotate::annotate(
        &clip,
        &track,
        &analysis,
        &out.path().join("a.mp4"),
        Some(720),
        |done, _| note_frame(&mut counts, done),
    )
    .expect("annotated clip");
    assert_little_per_frame("render pass", &counts);
}
