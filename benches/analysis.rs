//! Micro-benchmarks of the analysis engine on real keypoints: the whole `analysis::analyze`
//! (signal cleaning, view, kinematics, reps, checks) on a 10 s and a 10 min sequence at 30 fps,
//! and its signal-cleaning steps on their own.
//!
//! `cargo bench --bench analysis` (needs `scripts/setup.sh` for ONNX Runtime). At start the real
//! pose stage (`track::track_clip`) runs once on `tests/fixtures/side_good_2reps.mp4` (a synthetic
//! 7.6 s side-view clip with two reps); the sequences are that track played forwards and
//! backwards (ping-pong, so the motion stays continuous) up to the wanted length.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

use liftcheck::analysis::kinematics::{self, Tracks};
use liftcheck::analysis::signal;
use liftcheck::analysis::{self, Config, LiftVariant};
use liftcheck::models::ModelStore;
use liftcheck::pose::blazepose::{BlazePose, BlazePoseConfig};
use liftcheck::pose::{PoseFrame, landmark};
use liftcheck::runtime;
use liftcheck::track::{self, PoseTrack};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/side_good_2reps.mp4");

/// The real pose stage on the fixture (keypoints, back outline, plates).
fn fixture_track() -> PoseTrack {
    let rt = runtime::load().expect("ONNX Runtime (run scripts/setup.sh)");
    let store = ModelStore::open(None).expect("models/");
    let config = BlazePoseConfig {
        keep_mask: true,
        ..BlazePoseConfig::default()
    };
    let mut estimator = BlazePose::new(&rt, &store, config).expect("estimator");
    let (track, _) =
        track::track_clip(Path::new(FIXTURE), &mut estimator, |_, _| {}).expect("pose stage on the fixture");
    assert!(track.frames.iter().filter(|f| f.pose.is_some()).count() > track.frames.len() / 2);
    track
}

/// `source` played forwards and backwards until it has `frames` frames, retimed at its frame rate.
fn ping_pong(source: &PoseTrack, frames: usize) -> PoseTrack {
    let n = source.frames.len();
    assert!(n >= 2);
    let period = 2 * (n - 1);
    let fps = if source.video.fps > 0.0 { source.video.fps } else { 30.0 };
    let mut out = PoseTrack {
        video: source.video.clone(),
        frames: Vec::with_capacity(frames),
        back: Vec::with_capacity(frames),
        plates: Vec::with_capacity(frames),
        lines: Vec::new(),
        switched_to_lifter_at: None,
    };
    for k in 0..frames {
        let phase = k % period;
        let i = if phase < n { phase } else { period - phase };
        out.frames.push(PoseFrame {
            index: k,
            time_s: k as f64 / fps,
            pose: source.frames[i].pose.clone(),
        });
        out.back.push(source.back.get(i).cloned().flatten());
        out.plates.push(source.plates.get(i).copied().flatten());
    }
    out.video.frame_count = frames;
    out
}

fn benches(c: &mut Criterion) {
    liftcheck::video::quiet_opencv_logging();
    let source = fixture_track();
    let fps = if source.video.fps > 0.0 { source.video.fps } else { 30.0 };
    let config = Config::default();

    let mut g = c.benchmark_group("analysis");
    for (name, seconds) in [("10s", 10.0), ("10min", 600.0)] {
        let track = ping_pong(&source, (seconds * fps) as usize);
        let extras = track.analysis_extras();
        let inp = track.input(&extras);
        analysis::analyze(&inp, LiftVariant::Auto, &config).expect("the fixture's track analyses");
        if seconds > 60.0 {
            g.sample_size(10).measurement_time(Duration::from_secs(10));
        }
        g.bench_function(BenchmarkId::new("analyze", name), |b| {
            b.iter(|| analysis::analyze(black_box(&inp), LiftVariant::Auto, &config).expect("analysis"))
        });
        // What the CLI calls: converts the track's extras, then analyses.
        g.bench_function(BenchmarkId::new("pose_track_analyze", name), |b| {
            b.iter(|| black_box(&track).analyze(LiftVariant::Auto, &config).expect("analysis"))
        });
    }
    g.finish();

    let track = ping_pong(&source, (10.0 * fps) as usize);
    let extras = track.analysis_extras();
    let inp = track.input(&extras);
    let mut g = c.benchmark_group("signal");
    g.bench_function("tracks_build_10s (all used keypoints cleaned)", |b| {
        b.iter(|| {
            let (mut notes, mut details) = (Vec::new(), Vec::new());
            Tracks::build(black_box(&inp), None, &config, &mut notes, &mut details).expect("tracks")
        })
    });
    let params = kinematics::clean_params(fps, track.video.height as f64, &config, &mut Vec::new());
    let hip_y: Vec<f64> = track
        .frames
        .iter()
        .map(|f| {
            f.pose
                .as_ref()
                .map_or(f64::NAN, |p| p.keypoints[landmark::LEFT_HIP].y as f64)
        })
        .collect();
    let sections = params.lowpass.expect("low-pass at 30 fps");
    g.bench_function("clean_one_series_10s", |b| {
        b.iter(|| signal::clean(black_box(&hip_y), &params))
    });
    g.bench_function("hampel_10s", |b| {
        b.iter(|| {
            signal::hampel(
                black_box(&hip_y),
                params.hampel_half_window,
                params.hampel_sigmas,
                params.hampel_min_sigma,
            )
        })
    });
    g.bench_function("fill_gaps_10s", |b| {
        b.iter(|| signal::fill_gaps(black_box(&hip_y), params.max_gap))
    });
    g.bench_function("butterworth_filtfilt_10s", |b| {
        b.iter(|| signal::filtfilt(&sections, black_box(&hip_y)))
    });
    g.finish();
}

criterion_group! {
    name = analysis_benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(analysis_benches);
