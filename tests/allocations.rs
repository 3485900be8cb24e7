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
/// formats its labels: on this clip the median frame took 22 allocations and 2.8 KB in the pose
/// stage, 22 and 0.5 KB in the render pass. The limits, on the median frame after the warm-up,
/// leave room for that to grow a little and fail on any buffer allocated per frame.
const MAX_ALLOCATIONS_PER_FRAME: usize = 32;
const MAX_BYTES_PER_FRAME: usize = 32 * 1024;
/// Allocations of [`LARGE_BYTES`] or more after the warm-up, in all: the pose stage's pool of
/// mask features (about 1.8 MB each, in two vectors) fills as the lifter first bends over and the
/// segmentation head starts, and the track's vectors grow by doubling. A buffer allocated per
/// frame would add one on every frame.
const MAX_LARGE_IN_ALL: usize = 24;

/// The counts after each frame: (allocations, bytes, large allocations).
type Counts = Vec<(usize, usize, usize)>;

fn note_frame(counts: &mut Counts) {
    counts.push((ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed), LARGE.load(Relaxed)));
}

fn median(mut values: Vec<usize>) -> usize {
    values.sort_unstable();
    values[values.len() / 2]
}

/// Fails when the frames after the warm-up allocated more than the limits. The decoder and the
/// frame worker run on threads of their own, so an allocation counts on the frame that was
/// done when it happened, which is why single frames are not judged, only the median frame.
fn assert_little_per_frame(stage: &str, counts: &Counts) {
    assert!(counts.len() > 2 * WARM_UP_FRAMES, "{stage}: {} frames", counts.len());
    let steady = &counts[WARM_UP_FRAMES..];
    let deltas = |field: fn(&(usize, usize, usize)) -> usize| -> Vec<usize> {
        steady.windows(2).map(|w| field(&w[1]) - field(&w[0])).collect()
    };
    let allocations = median(deltas(|c| c.0));
    let bytes = median(deltas(|c| c.1));
    let large = steady[steady.len() - 1].2 - steady[0].2;
    eprintln!(
        "{stage}, over {} frames: median frame {allocations} allocations, {bytes} bytes; \
         {large} of 64 KB or more in all",
        steady.len() - 1
    );
    assert!(
        allocations <= MAX_ALLOCATIONS_PER_FRAME,
        "{stage}: {allocations} allocations per frame"
    );
    assert!(
        bytes <= MAX_BYTES_PER_FRAME,
        "{stage}: {bytes} bytes allocated per frame"
    );
    assert!(
        large <= MAX_LARGE_IN_ALL,
        "{stage}: {large} allocations of 64 KB or more"
    );
}

/// One test, so that nothing else allocates while it counts: the pose stage, then the annotated
/// clip's render pass (decode, draw, hand over to the encoder) on its track.
#[test]
fn the_pose_stage_and_the_render_pass_allocate_no_buffer_per_frame() {
    use liftcheck::analysis::{Config, LiftVariant};
    // As `analyze` runs it: with the segmentation mask where the back outline is read.
    let mut estimator = pose_estimator();
    let clip = repo_path("tests/fixtures/side_good_2reps.mp4");
    let mut counts = Counts::new();
    let (track, _) =
        liftcheck::track::track_clip(&clip, &mut estimator, |_, _| note_frame(&mut counts)).expect("pose stage");
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
        |_, _| note_frame(&mut counts),
    )
    .expect("annotated clip");
    assert_little_per_frame("render pass", &counts);
}
