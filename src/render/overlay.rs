//! Drawing on frames with OpenCV: skeleton, angles, bar path, panels and text, sized from the
//! frame height so text stays readable on phone screens in portrait and landscape.

use opencv::core::{Mat, Point as CvPoint, Rect, Scalar};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pose::geometry::Point;
use crate::pose::{Keypoint, Pose};

/// Skeleton edges between BlazePose landmarks (body only; the face gets the ear-shoulder line).
pub const SKELETON: [(usize, usize); 20] = [
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (11, 23),
    (12, 24),
    (23, 24),
    (23, 25),
    (25, 27),
    (24, 26),
    (26, 28),
    (27, 29),
    (29, 31),
    (27, 31),
    (28, 30),
    (30, 32),
    (28, 32),
    (7, 11),
    (8, 12),
];

/// Visibility above which a joint is drawn as reliable (green); below [`DOUBTFUL_VISIBILITY`]
/// it is drawn grey, in between amber.
pub const RELIABLE_VISIBILITY: f32 = 0.7;
pub const DOUBTFUL_VISIBILITY: f32 = 0.4;

/// Colours (BGR).
pub const GREEN: Scalar = Scalar::new(80.0, 200.0, 60.0, 0.0);
pub const AMBER: Scalar = Scalar::new(0.0, 190.0, 255.0, 0.0);
pub const GREY: Scalar = Scalar::new(150.0, 150.0, 150.0, 0.0);
pub const RED: Scalar = Scalar::new(40.0, 40.0, 230.0, 0.0);
pub const WHITE: Scalar = Scalar::new(255.0, 255.0, 255.0, 0.0);
pub const CYAN: Scalar = Scalar::new(230.0, 200.0, 0.0, 0.0);

/// Sizes derived from the frame: text and lines scale with the short side.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub font_scale: f64,
    pub thickness: i32,
    pub line: i32,
    pub radius: i32,
    pub margin: i32,
}

impl Style {
    pub fn for_frame(width: i32, height: i32) -> Self {
        // A 720-px short side gets 0.8-scale Hershey text (about 18 px tall): readable on a phone
        // screen when the clip is shown full-screen.
        let short = width.min(height).max(1) as f64;
        let font_scale = (short / 720.0 * 0.8).max(0.4);
        Self {
            font_scale,
            thickness: ((short / 720.0) * 2.0).round().max(1.0) as i32,
            line: ((short / 720.0) * 3.0).round().max(1.0) as i32,
            radius: ((short / 720.0) * 5.0).round().max(2.0) as i32,
            margin: ((short / 720.0) * 14.0).round().max(4.0) as i32,
        }
    }

    pub fn text_height(&self) -> i32 {
        (22.0 * self.font_scale).round() as i32 + self.margin / 2
    }
}

fn cv(p: Point) -> CvPoint {
    CvPoint::new(p.x.round() as i32, p.y.round() as i32)
}

fn visibility_colour(k: &Keypoint) -> Scalar {
    if k.visibility >= RELIABLE_VISIBILITY {
        GREEN
    } else if k.visibility >= DOUBTFUL_VISIBILITY {
        AMBER
    } else {
        GREY
    }
}

/// Draws the skeleton, each bone and joint coloured by the lower visibility of its ends.
pub fn draw_skeleton(frame: &mut Mat, pose: &Pose, style: &Style) -> opencv::Result<()> {
    let kp = &pose.keypoints;
    for &(a, b) in &SKELETON {
        let weaker = if kp[a].visibility < kp[b].visibility {
            &kp[a]
        } else {
            &kp[b]
        };
        imgproc::line(
            frame,
            cv(Point::new(kp[a].x, kp[a].y)),
            cv(Point::new(kp[b].x, kp[b].y)),
            visibility_colour(weaker),
            style.line,
            imgproc::LINE_AA,
            0,
        )?;
    }
    for k in kp.iter().skip(7) {
        imgproc::circle(
            frame,
            cv(Point::new(k.x, k.y)),
            style.radius,
            visibility_colour(k),
            -1,
            imgproc::LINE_AA,
            0,
        )?;
    }
    Ok(())
}

/// Text with a dark outline, readable on any background. `origin` is the baseline start.
pub fn text(frame: &mut Mat, s: &str, origin: CvPoint, colour: Scalar, style: &Style) -> opencv::Result<()> {
    for (c, t) in [(Scalar::all(0.0), style.thickness + 2), (colour, style.thickness)] {
        imgproc::put_text(
            frame,
            s,
            origin,
            imgproc::FONT_HERSHEY_SIMPLEX,
            style.font_scale,
            c,
            t,
            imgproc::LINE_AA,
            false,
        )?;
    }
    Ok(())
}

/// Width in pixels of `s` in this style.
pub fn text_width(s: &str, style: &Style) -> i32 {
    let mut baseline = 0;
    imgproc::get_text_size(
        s,
        imgproc::FONT_HERSHEY_SIMPLEX,
        style.font_scale,
        style.thickness + 2,
        &mut baseline,
    )
    .map_or(0, |size| size.width)
}

/// Splits `text` into lines no wider than `max_width` pixels in this style (at word breaks;
/// a single over-long word gets a line of its own).
pub fn wrap(text: &str, max_width: i32, style: &Style) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, style) > max_width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A label next to a joint (e.g. an angle), nudged to stay inside the frame.
pub fn label_at(frame: &mut Mat, s: &str, at: Point, colour: Scalar, style: &Style) -> opencv::Result<()> {
    let w = text_width(s, style);
    let x = ((at.x as i32) + style.margin).min(frame.cols() - w - 2).max(2);
    let y = (at.y as i32).clamp(style.text_height(), frame.rows() - 2);
    text(frame, s, CvPoint::new(x, y), colour, style)
}

/// Darkens a rectangle so text on it stands out (a translucent panel). `scratch` is reused.
pub fn shade(frame: &mut Mat, rect: Rect, scratch: &mut Mat) -> opencv::Result<()> {
    let bounds = Rect::new(0, 0, frame.cols(), frame.rows());
    let rect = rect & bounds;
    if rect.width <= 0 || rect.height <= 0 {
        return Ok(());
    }
    let mut region = Mat::roi_mut(frame, rect)?;
    region.convert_to(scratch, -1, 0.35, 0.0)?;
    scratch.copy_to(&mut region)?;
    Ok(())
}

/// Lines of text on a shaded panel at `top_left`; returns the panel's rectangle.
pub fn panel(
    frame: &mut Mat,
    lines: &[(String, Scalar)],
    top_left: CvPoint,
    style: &Style,
    scratch: &mut Mat,
) -> opencv::Result<Rect> {
    let width = lines.iter().map(|(s, _)| text_width(s, style)).max().unwrap_or(0) + 2 * style.margin;
    let height = lines.len() as i32 * style.text_height() + style.margin;
    let width = width.min(frame.cols() - top_left.x);
    let rect = Rect::new(top_left.x, top_left.y, width, height);
    shade(frame, rect, scratch)?;
    for (i, (s, colour)) in lines.iter().enumerate() {
        let y = top_left.y + (i as i32 + 1) * style.text_height();
        text(frame, s, CvPoint::new(top_left.x + style.margin, y), *colour, style)?;
    }
    Ok(rect)
}

/// A polyline through `points` (the bar path).
pub fn path(frame: &mut Mat, points: &[Point], colour: Scalar, thickness: i32) -> opencv::Result<()> {
    for pair in points.windows(2) {
        imgproc::line(frame, cv(pair[0]), cv(pair[1]), colour, thickness, imgproc::LINE_AA, 0)?;
    }
    Ok(())
}

/// A filled dot.
pub fn dot(frame: &mut Mat, at: Point, radius: i32, colour: Scalar) -> opencv::Result<()> {
    imgproc::circle(frame, cv(at), radius, colour, -1, imgproc::LINE_AA, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_inside_the_width() {
        let style = Style::for_frame(640, 360);
        let text =
            "Raise your chest and hips together off the floor: keep your back angle until the bar passes the knees.";
        let lines = wrap(text, 300, &style);
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, &style) <= 300), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert!(wrap("", 300, &style).is_empty());
    }
}
