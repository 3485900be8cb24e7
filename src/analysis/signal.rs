//! Signal cleaning for keypoint tracks: Hampel outlier removal, interpolation of short gaps and a
//! zero-phase 4th-order Butterworth low-pass (the defaults of Sports2D, Pose2Sim and Kinovea, see
//! `docs/deadlift-reference.md`, "Pitfalls").
//!
//! Series are `f64` per frame with `NaN` marking a missing sample, so gaps survive every step:
//! the filter runs on each contiguous run of samples separately and never invents data across a
//! long gap.

use std::f64::consts::PI;

/// Scale factor from the median absolute deviation to the standard deviation of Gaussian noise.
const MAD_TO_SIGMA: f64 = 1.4826;

/// Replaces samples further than `n_sigmas` robust standard deviations from the median of their
/// `[i - half_window, i + half_window]` neighbourhood with `NaN` (Hampel identifier). `min_sigma`
/// floors the spread so a perfectly still stretch does not turn sub-pixel jitter into outliers.
pub fn hampel(series: &[f64], half_window: usize, n_sigmas: f64, min_sigma: f64) -> Vec<f64> {
    let mut out = series.to_vec();
    let mut window = Vec::with_capacity(2 * half_window + 1);
    for i in 0..series.len() {
        if series[i].is_nan() {
            continue;
        }
        let lo = i.saturating_sub(half_window);
        let hi = (i + half_window + 1).min(series.len());
        window.clear();
        window.extend(series[lo..hi].iter().copied().filter(|v| !v.is_nan()));
        // Too few neighbours to tell an outlier from the signal.
        if window.len() < 3 {
            continue;
        }
        let med = median_in_place(&mut window);
        for v in window.iter_mut() {
            *v = (*v - med).abs();
        }
        let mad = median_in_place(&mut window);
        let sigma = (MAD_TO_SIGMA * mad).max(min_sigma);
        if (series[i] - med).abs() > n_sigmas * sigma {
            out[i] = f64::NAN;
        }
    }
    out
}

/// Fills runs of at most `max_gap` missing samples that have valid samples on both sides, linearly.
/// Longer gaps and gaps at either end stay missing.
pub fn fill_gaps(series: &[f64], max_gap: usize) -> Vec<f64> {
    let mut out = series.to_vec();
    let mut last_valid: Option<usize> = None;
    for i in 0..series.len() {
        if series[i].is_nan() {
            continue;
        }
        if let Some(j) = last_valid {
            let gap = i - j - 1;
            if gap > 0 && gap <= max_gap {
                let (a, b) = (series[j], series[i]);
                for (k, v) in out.iter_mut().enumerate().take(i).skip(j + 1) {
                    let t = (k - j) as f64 / (i - j) as f64;
                    *v = a + t * (b - a);
                }
            }
        }
        last_valid = Some(i);
    }
    out
}

/// One second-order section, `b0 b1 b2 / 1 a1 a2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    pub b: [f64; 3],
    pub a: [f64; 2],
}

impl Biquad {
    /// Gain at 0 Hz.
    fn dc_gain(&self) -> f64 {
        (self.b[0] + self.b[1] + self.b[2]) / (1.0 + self.a[0] + self.a[1])
    }

    /// Runs the section over `x` in place (transposed direct form II), starting from the steady
    /// state for a constant input equal to `x[0]`.
    fn run(&self, x: &mut [f64]) {
        let Some(&x0) = x.first() else { return };
        let g = self.dc_gain();
        let mut z2 = (self.b[2] - self.a[1] * g) * x0;
        let mut z1 = (g - self.b[0]) * x0;
        for v in x.iter_mut() {
            let input = *v;
            let y = self.b[0] * input + z1;
            z1 = self.b[1] * input - self.a[0] * y + z2;
            z2 = self.b[2] * input - self.a[1] * y;
            *v = y;
        }
    }
}

/// A 4th-order Butterworth low-pass as two second-order sections (bilinear transform with
/// pre-warping at the cut-off, identical to `scipy.signal.butter(4, cutoff, fs=fs, output="sos")`
/// up to how the gain is spread over the sections). `cutoff_hz` must lie in `(0, fs / 2)`.
pub fn butterworth4_lowpass(cutoff_hz: f64, fs: f64) -> [Biquad; 2] {
    let w0 = 2.0 * PI * cutoff_hz / fs;
    let (sin, cos) = w0.sin_cos();
    // Pole-pair quality factors of a 4th-order Butterworth: 1 / (2 cos(pi (2k - 1) / 8)).
    let qs = [1.0 / (2.0 * (PI / 8.0).cos()), 1.0 / (2.0 * (3.0 * PI / 8.0).cos())];
    qs.map(|q| {
        let alpha = sin / (2.0 * q);
        let a0 = 1.0 + alpha;
        let b0 = (1.0 - cos) / 2.0 / a0;
        Biquad {
            b: [b0, 2.0 * b0, b0],
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
        }
    })
}

/// Samples of odd extension added at each end before filtering forward and backward (scipy's
/// `sosfiltfilt` default for two sections: `3 * (2 * sections + 1)`).
const FILTFILT_PAD: usize = 15;

/// Zero-phase filtering (forward, then backward) of one gap-free run, with odd extension at both
/// ends and steady-state initial conditions, as `scipy.signal.sosfiltfilt` does.
pub fn filtfilt(sections: &[Biquad], x: &[f64]) -> Vec<f64> {
    let n = x.len();
    if n < 2 {
        return x.to_vec();
    }
    let pad = FILTFILT_PAD.min(n - 1);
    let mut ext = Vec::with_capacity(n + 2 * pad);
    for i in (1..=pad).rev() {
        ext.push(2.0 * x[0] - x[i]);
    }
    ext.extend_from_slice(x);
    for i in 1..=pad {
        ext.push(2.0 * x[n - 1] - x[n - 1 - i]);
    }
    for s in sections {
        s.run(&mut ext);
    }
    ext.reverse();
    for s in sections {
        s.run(&mut ext);
    }
    ext.reverse();
    ext[pad..pad + n].to_vec()
}

/// Shortest run the low-pass is applied to; shorter runs are kept as they are (too short to hold
/// any motion the filter could separate from noise).
const MIN_FILTER_RUN: usize = 4;

/// Low-pass filters each contiguous run of valid samples separately; missing samples stay missing.
pub fn lowpass_runs(series: &[f64], sections: &[Biquad]) -> Vec<f64> {
    let mut out = series.to_vec();
    for (start, end) in valid_runs(series) {
        if end - start >= MIN_FILTER_RUN {
            let filtered = filtfilt(sections, &series[start..end]);
            out[start..end].copy_from_slice(&filtered);
        }
    }
    out
}

/// `[start, end)` ranges of consecutive non-missing samples.
pub fn valid_runs(series: &[f64]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, v) in series.iter().enumerate() {
        match (v.is_nan(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, series.len()));
    }
    runs
}

/// Parameters of [`clean`], already converted from seconds to samples.
#[derive(Clone, Copy, Debug)]
pub struct CleanParams {
    pub hampel_half_window: usize,
    pub hampel_sigmas: f64,
    pub hampel_min_sigma: f64,
    pub max_gap: usize,
    /// `None` when the frame rate is too low for the cut-off: the series is left unfiltered.
    pub lowpass: Option<[Biquad; 2]>,
}

/// The whole cleaning chain: outliers out, short gaps filled, then zero-phase low-pass.
pub fn clean(series: &[f64], p: &CleanParams) -> Vec<f64> {
    let despiked = hampel(series, p.hampel_half_window, p.hampel_sigmas, p.hampel_min_sigma);
    let filled = fill_gaps(&despiked, p.max_gap);
    match &p.lowpass {
        Some(sections) => lowpass_runs(&filled, sections),
        None => filled,
    }
}

/// Running median over `[i - half, i + half]` of the valid samples; missing samples stay missing.
pub fn running_median(series: &[f64], half: usize) -> Vec<f64> {
    let mut window = Vec::with_capacity(2 * half + 1);
    (0..series.len())
        .map(|i| {
            if series[i].is_nan() {
                return f64::NAN;
            }
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(series.len());
            window.clear();
            window.extend(series[lo..hi].iter().copied().filter(|v| !v.is_nan()));
            median_in_place(&mut window)
        })
        .collect()
}

/// Median of the values (reorders them); `NaN` for an empty slice.
pub fn median_in_place(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// Percentile `q` (0..=100, linear interpolation) of the non-missing values; `NaN` if none.
pub fn percentile(values: impl IntoIterator<Item = f64>, q: f64) -> f64 {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let pos = (q / 100.0).clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (pos - lo as f64) * (v[hi] - v[lo])
}

/// Median of the non-missing values; `NaN` if none.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    percentile(values, 50.0)
}

/// Removes jumps of more than 180 degrees between consecutive valid samples so an angle series is
/// continuous (a guard: the canonical side-view frame already keeps angles away from the wrap).
#[allow(dead_code)] // kept for series that do wrap (e.g. headings); see kinematics
pub fn unwrap_degrees(series: &mut [f64]) {
    let mut prev: Option<f64> = None;
    for v in series.iter_mut() {
        if v.is_nan() {
            continue;
        }
        if let Some(p) = prev {
            while *v - p > 180.0 {
                *v -= 360.0;
            }
            while *v - p < -180.0 {
                *v += 360.0;
            }
        }
        prev = Some(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    fn same(a: &[f64], b: &[f64], tol: f64) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol)
    }

    #[test]
    fn butterworth_matches_scipy_sos() {
        // scipy.signal.butter(4, 6.0, fs=30.0, output="sos"): the overall transfer function is
        // the product of the sections, so compare the normalised denominators and total gain.
        let s = butterworth4_lowpass(6.0, 30.0);
        let want_a = [[-0.32897568, 0.06458765], [-0.45311952, 0.46632557]];
        for (sec, a) in s.iter().zip(want_a) {
            assert!(
                (sec.a[0] - a[0]).abs() < 1e-7 && (sec.a[1] - a[1]).abs() < 1e-7,
                "{sec:?}"
            );
            assert!((sec.dc_gain() - 1.0).abs() < 1e-12);
        }
        let total_b0 = s[0].b[0] * s[1].b[0];
        assert!((total_b0 - 0.04658291).abs() < 1e-7, "{total_b0}");
    }

    #[test]
    fn filtfilt_matches_scipy_sosfiltfilt() {
        let x = [
            0., 0., 0., 10., 10., 10., 10., 0., 0., 0., 5., 5., 5., 5., 5., 5., 5., 5., 5., 5., 3., 2., 1., 0., 0., 0.,
            0., 0., 0., 0.,
        ];
        // scipy 1.x: sosfiltfilt(butter(4, 6, fs=30, output="sos"), x), rounded to 1e-6.
        let want = [
            -0.000155, -0.074344, 2.406095, 7.109779, 10.966858, 11.034471, 7.193381, 2.303027, -0.238971, 0.673973,
            3.326136, 5.285401, 5.636753, 5.118706, 4.733629, 4.789214, 5.055253, 5.236749, 5.105534, 4.480441,
            3.354551, 2.005583, 0.850397, 0.163384, -0.065637, -0.045194, 0.013153, 0.023996, 0.00887, -0.000228,
        ];
        let got = filtfilt(&butterworth4_lowpass(6.0, 30.0), &x);
        assert!(same(&got, &want, 2e-6), "{got:?}");
    }

    #[test]
    fn filtfilt_keeps_constants_and_ramps() {
        let s = butterworth4_lowpass(6.0, 30.0);
        let constant = vec![7.5; 40];
        assert!(same(&filtfilt(&s, &constant), &constant, 1e-9));
        // A ramp passes through except for a small start-up transient near the ends (scipy alike).
        let ramp: Vec<f64> = (0..60).map(|i| 3.0 * i as f64 - 10.0).collect();
        let got = filtfilt(&s, &ramp);
        assert!(same(&got[15..45], &ramp[15..45], 1e-3), "{got:?}");
        assert!(same(&got, &ramp, 0.5), "{got:?}");
    }

    #[test]
    fn hampel_cases() {
        struct Case {
            name: &'static str,
            input: Vec<f64>,
            want: Vec<f64>,
        }
        let cases = [
            Case {
                name: "single spike removed",
                input: vec![1., 1., 1., 50., 1., 1., 1.],
                want: vec![1., 1., 1., NAN, 1., 1., 1.],
            },
            Case {
                name: "ramp untouched",
                input: (0..8).map(|i| i as f64 * 4.0).collect(),
                want: (0..8).map(|i| i as f64 * 4.0).collect(),
            },
            Case {
                name: "jitter under the floor kept",
                input: vec![1., 1.2, 0.9, 1.4, 1., 1.1, 1.],
                want: vec![1., 1.2, 0.9, 1.4, 1., 1.1, 1.],
            },
            Case {
                name: "missing samples stay missing",
                input: vec![1., NAN, 1., 1., 60., 1., NAN],
                want: vec![1., NAN, 1., 1., NAN, 1., NAN],
            },
        ];
        for c in cases {
            let got = hampel(&c.input, 3, 3.0, 1.0);
            assert!(same(&got, &c.want, 1e-12), "{}: {got:?}", c.name);
        }
    }

    #[test]
    fn fill_gaps_cases() {
        let cases: [(&str, Vec<f64>, usize, Vec<f64>); 4] = [
            ("short gap", vec![0., NAN, NAN, 3.], 2, vec![0., 1., 2., 3.]),
            ("long gap kept", vec![0., NAN, NAN, 3.], 1, vec![0., NAN, NAN, 3.]),
            ("ends not extrapolated", vec![NAN, 1., NAN], 3, vec![NAN, 1., NAN]),
            ("nothing missing", vec![1., 2.], 3, vec![1., 2.]),
        ];
        for (name, input, max_gap, want) in cases {
            let got = fill_gaps(&input, max_gap);
            assert!(same(&got, &want, 1e-12), "{name}: {got:?}");
        }
    }

    #[test]
    fn lowpass_runs_respects_gaps() {
        let s = butterworth4_lowpass(6.0, 30.0);
        let mut x: Vec<f64> = vec![2.0; 30];
        x[10] = NAN;
        let got = lowpass_runs(&x, &s);
        assert!(got[10].is_nan());
        assert!((got[5] - 2.0).abs() < 1e-9 && (got[20] - 2.0).abs() < 1e-9);
    }

    #[test]
    fn running_median_drops_short_glitches() {
        let x = [0.0, 0.0, 5.0, 0.0, 0.0, NAN, 1.0];
        let got = running_median(&x, 1);
        assert!(same(&got, &[0.0, 0.0, 0.0, 0.0, 0.0, NAN, 1.0], 1e-12), "{got:?}");
    }

    #[test]
    fn percentile_and_median() {
        assert_eq!(median([3.0, 1.0, NAN, 2.0]), 2.0);
        assert_eq!(percentile([0.0, 10.0], 25.0), 2.5);
        assert!(median([NAN]).is_nan());
    }

    #[test]
    fn unwrap_removes_full_turns() {
        let mut x = vec![170.0, 179.0, -178.0, NAN, -170.0, 181.0 - 360.0];
        unwrap_degrees(&mut x);
        assert!(same(&x, &[170.0, 179.0, 182.0, NAN, 190.0, 181.0], 1e-9), "{x:?}");
    }
}
