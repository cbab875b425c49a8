//! The three pictures of the article, drawn with `plotters` into 640×480 PNGs.
//!
//! plotters is built without its default features: text is drawn by `ab_glyph` from the
//! DejaVu Sans font bundled in `font/` (see `font/LICENSE`), so nothing depends on the
//! system's fontconfig or freetype.

use crate::train::Outcome;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::error::Error;
use std::path::Path;

type Res = Result<(), Box<dyn Error>>;

const SIZE: (u32, u32) = (640, 480);
const FONT: &str = "sans-serif";
/// Class 0 (label [1, 0]) and class 1 (label [0, 1]).
const CLASS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(230, 110, 20)];
const CLASS_DARK: [RGBColor; 2] = [RGBColor(10, 50, 110), RGBColor(140, 55, 0)];

/// Registers the bundled font as `sans-serif`; call once before drawing.
pub fn register() -> Result<(), String> {
    static DEJAVU_SANS: &[u8] = include_bytes!("font/DejaVuSans.ttf");
    register_font(FONT, FontStyle::Normal, DEJAVU_SANS).map_err(|_| "the bundled font does not parse".to_string())
}

/// A legend entry: a 20-pixel line in `style`.
fn legend_line(style: impl Into<ShapeStyle>) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    let style = style.into();
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style)
}

/// The legend box of every picture, at `position`.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Res
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    Ok(())
}

/// Accuracy on all training points over steps.
pub fn accuracy(path: &Path, run: &Outcome, subtitle: &str) -> Res {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let steps = run.last().step.max(run.refusal.map_or(0, |r| r.0)).max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Training accuracy — {subtitle}"), (FONT, 18))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0u32..steps, 0f32..1.02f32)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("accuracy (300 points)")
        .max_light_lines(1)
        .light_line_style(BLACK.mix(0.05))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()?;
    chart
        .draw_series(LineSeries::new([(0, 0.97f32), (steps, 0.97)], BLACK.mix(0.35).stroke_width(1)))?
        .label("0.97")
        .legend(legend_line(BLACK.mix(0.35)));
    let last = run.last();
    chart
        .draw_series(LineSeries::new(run.evals.iter().map(|e| (e.step, e.accuracy)), CLASS[0].stroke_width(2)))?
        .label(format!("accuracy (final {:.4})", last.accuracy))
        .legend(legend_line(CLASS[0].stroke_width(2)));
    if let Some((step, _)) = run.refusal {
        chart
            .draw_series(LineSeries::new([(step, 0.0), (step, 1.02)], RED.stroke_width(2)))?
            .label(format!("step {step}: update refused"))
            .legend(legend_line(RED.stroke_width(2)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    root.present()?;
    Ok(())
}

/// The loss over steps on a log scale: the objective on all points, and (with
/// mini-batches) each step's own batch loss; a red line marks a refused step.
pub fn loss(path: &Path, run: &Outcome, full_batch: bool, subtitle: &str) -> Res {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let steps = run.last().step.max(run.refusal.map_or(0, |r| r.0)).max(1);
    // A run that blew up can hold losses that overflowed f32: leave those out.
    let full: Vec<(u32, f32)> = run.evals.iter().map(|e| (e.step, e.loss)).filter(|p| p.1.is_finite()).collect();
    let batch: Vec<(u32, f32)> = run.batch_loss.iter().copied().filter(|p| p.1.is_finite()).collect();
    let (lo, hi) = log_range(full.iter().chain(&batch).map(|p| p.1));
    let mut chart = log_loss_chart(&root, format!("Loss — {subtitle}"), "MSE + ridge (log scale)", steps, (lo, hi))?;
    if !full_batch {
        chart
            .draw_series(LineSeries::new(batch, CLASS[1].mix(0.25)))?
            .label("mini-batch loss")
            .legend(legend_line(CLASS[1].mix(0.6)));
    }
    // The initial loss as a reference: a blow-up in the first steps is a jump above it.
    let initial = run.evals[0].loss;
    if initial.is_finite() {
        chart
            .draw_series(LineSeries::new([(0, initial), (steps, initial)], BLACK.mix(0.35)))?
            .label(format!("loss at step 0 ({initial:.3})"))
            .legend(legend_line(BLACK.mix(0.35)));
    }
    chart
        .draw_series(LineSeries::new(full, CLASS[0].stroke_width(2)))?
        .label(format!("loss on all 300 points (final {:.5})", run.last().loss))
        .legend(legend_line(CLASS[0].stroke_width(2)));
    if let Some((step, _)) = run.refusal {
        chart
            .draw_series(LineSeries::new([(step, lo), (step, hi)], RED.stroke_width(2)))?
            .label(format!("step {step}: update refused (non-finite)"))
            .legend(legend_line(RED.stroke_width(2)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present()?;
    Ok(())
}

/// The loss on all points over steps, one line per optimizer, on a log scale
/// (`--compare`).
pub fn compare(path: &Path, runs: &[(String, Outcome)], subtitle: &str) -> Res {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let steps = runs.iter().map(|(_, r)| r.last().step).max().unwrap_or(1).max(1);
    let (lo, hi) = log_range(runs.iter().flat_map(|(_, r)| r.evals.iter().map(|e| e.loss)).filter(|v| v.is_finite()));
    let caption = format!("Loss by optimizer — {subtitle}");
    let mut chart = log_loss_chart(&root, caption, "MSE + ridge on all 300 points (log scale)", steps, (lo, hi))?;
    let colours = [CLASS[0], CLASS[1], RGBColor(44, 160, 44)];
    for ((label, run), colour) in runs.iter().zip(colours.iter().cycle()) {
        let line = run.evals.iter().map(|e| (e.step, e.loss)).filter(|p| p.1.is_finite());
        chart
            .draw_series(LineSeries::new(line, colour.stroke_width(2)))?
            .label(format!("{label} (final {:.5}, accuracy {:.4})", run.last().loss, run.last().accuracy))
            .legend(legend_line(colour.stroke_width(2)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present()?;
    Ok(())
}

/// The y range of a log-scale loss chart holding `values` (finite ones), with a margin.
fn log_range(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (lo, hi) = values.fold((f32::INFINITY, 0.0f32), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = lo.clamp(1e-6, 1e30) * 0.8;
    (lo, hi.clamp(lo * 2.0, 1e30) * 1.25)
}

/// The frame of every loss picture: steps `0..steps` across, `lo..hi` up on a log scale,
/// the caption, the axis names and the mesh drawn.
fn log_loss_chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    caption: String,
    y_desc: &str,
    steps: u32,
    (lo, hi): (f32, f32),
) -> Result<ChartContext<'a, BitMapBackend<'b>, impl CoordTranslate<From = (u32, f32)> + use<'a, 'b>>, Box<dyn Error>> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (FONT, 18))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(0u32..steps, (lo..hi).log_scale().with_key_points(log_ticks(lo, hi)))?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc(y_desc)
        .y_label_formatter(&|v| if (0.01..100.0).contains(v) { format!("{v:.2}") } else { format!("{v:.0e}") })
        .max_light_lines(1)
        .light_line_style(BLACK.mix(0.05))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()?;
    Ok(chart)
}

/// Tick values 1, 2, 5 × 10^k inside `[lo, hi]` (plotters' own log ticks skip the lower
/// decades of short ranges).
fn log_ticks(lo: f32, hi: f32) -> Vec<f32> {
    let (k0, k1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let ticks = |mantissas: &[f32]| -> Vec<f32> {
        (k0..=k1)
            .flat_map(|k| mantissas.iter().map(move |m| m * 10f32.powi(k)))
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let few = ticks(&[1.0, 2.0, 5.0]);
    if few.len() > 12 {
        // Whole decades, thinned to about ten ticks.
        let decades = ticks(&[1.0]);
        let every = decades.len().div_ceil(10);
        decades.into_iter().step_by(every).collect()
    } else if few.len() < 3 {
        ticks(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    } else {
        few
    }
}

fn blend(c: RGBColor, t: f64) -> RGBColor {
    let mix = |v: u8| (255.0 + (f64::from(v) - 255.0) * t).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The learned decision boundary: each grid cell is coloured by the predicted class
/// (paler where the two outputs are close), with the training points on top; points the
/// network gets wrong are ringed in black.
pub fn boundary(path: &Path, run: &Outcome, subtitle: &str) -> Res {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let g = &run.grid;
    let e = g.extent;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Decision boundary — {subtitle}"), (FONT, 18))
        .margin(14)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(-e..e, -e..e)?;
    let cell = 2.0 * e / g.n as f32;
    chart.draw_series(g.out.iter().enumerate().map(|(i, o)| {
        let (x0, y0) = (-e + (i % g.n) as f32 * cell, -e + (i / g.n) as f32 * cell);
        let class = usize::from(o[1] > o[0]);
        // Four bands of |out₁ − out₀|: contour-like, and the PNG stays small.
        let confidence = (f64::from((o[1] - o[0]).abs()).min(0.999) * 4.0).floor() / 3.0;
        Rectangle::new([(x0, y0), (x0 + cell, y0 + cell)], blend(CLASS[class], 0.18 + 0.42 * confidence).filled())
    }))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x₀")
        .y_desc("x₁")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()?;

    for class in 0..2 {
        let pts = run.points.iter().filter(|p| p.1 == class).map(|p| p.0);
        let label = if class == 0 { "label 0: x₀·x₁ > 0" } else { "label 1: x₀·x₁ < 0" };
        chart
            .draw_series(pts.map(|p| {
                EmptyElement::at((p[0], p[1]))
                    + Circle::new((0, 0), 4, CLASS[class].filled())
                    + Circle::new((0, 0), 4, CLASS_DARK[class].stroke_width(1))
            }))?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, CLASS[class].filled()));
    }
    let wrong = run.points.iter().zip(&run.predicted).filter(|(p, &q)| p.1 != q).map(|(p, _)| p.0);
    let n_wrong = run.points.iter().zip(&run.predicted).filter(|(p, &q)| p.1 != q).count();
    chart
        .draw_series(wrong.map(|p| Circle::new((p[0], p[1]), 7, BLACK.stroke_width(2))))?
        .label(format!("misclassified ({n_wrong})"))
        .legend(|(x, y)| Circle::new((x + 10, y), 6, BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    root.present()?;
    Ok(())
}
