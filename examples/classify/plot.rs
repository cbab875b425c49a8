//! The pictures of a run, drawn with `plotters` into PNGs: loss and accuracy per epoch for
//! the training and test rows, and the test set's confusion matrix. Text uses the DejaVu
//! Sans font bundled with the XOR example, so no system font packages are needed.

use crate::train::{Epoch, Outcome};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};
use std::error::Error;
use std::path::Path;

type Res = Result<(), Box<dyn Error>>;

const FONT: &str = "sans-serif";
const TRAIN: RGBColor = RGBColor(31, 119, 180);
const TEST: RGBColor = RGBColor(230, 110, 20);

/// Registers the bundled font as `sans-serif`; call once before drawing.
pub fn register() -> Result<(), String> {
    static DEJAVU_SANS: &[u8] = include_bytes!("../xor/font/DejaVuSans.ttf");
    register_font(FONT, FontStyle::Normal, DEJAVU_SANS).map_err(|_| "the bundled font does not parse".to_string())
}

/// One value per epoch for the training and the test rows.
fn curves(path: &Path, title: &str, y_desc: &str, run: &Outcome, value: fn(&Epoch) -> (f32, f32)) -> Res {
    let root = BitMapBackend::new(path, (640, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let (lo, hi) = run
        .history
        .iter()
        .map(value)
        .fold((f32::MAX, f32::MIN), |(lo, hi), (a, b)| (lo.min(a).min(b), hi.max(a).max(b)));
    let margin = ((hi - lo) * 0.05).max(1e-3);
    let epochs = run.history.last().map_or(1, |e| e.epoch.max(1));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0u32..epochs, (lo - margin)..(hi + margin))?;
    chart.configure_mesh().x_desc("epoch").y_desc(y_desc).label_style((FONT, 13)).draw()?;
    for (name, color, pick) in [("train", TRAIN, 0usize), ("test", TEST, 1)] {
        let points = run.history.iter().map(|e| {
            let (a, b) = value(e);
            (e.epoch, if pick == 0 { a } else { b })
        });
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Mean cross-entropy per epoch.
pub fn loss(path: &Path, run: &Outcome, subtitle: &str) -> Res {
    curves(path, &format!("Loss — {subtitle}"), "cross-entropy", run, |e| (e.train.loss, e.test.loss))
}

/// Accuracy per epoch.
pub fn accuracy(path: &Path, run: &Outcome, subtitle: &str) -> Res {
    curves(path, &format!("Accuracy — {subtitle}"), "accuracy", run, |e| (e.train.accuracy, e.test.accuracy))
}

/// The test set's confusion matrix: rows are true classes, columns predictions, each cell
/// shaded by its share of the row and labelled with its count.
pub fn confusion(path: &Path, run: &Outcome, classes: &[String], subtitle: &str) -> Res {
    let n = classes.len();
    let root = BitMapBackend::new(path, (640, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Test confusion matrix — {subtitle}"), (FONT, 18))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())?;
    // Segment `i` is column `i` (predicted class i) and row `n − 1 − i` (true class
    // n − 1 − i, so that true class 0 is the top row, as a matrix is read).
    let x_label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if *i < n => classes[*i].clone(),
        _ => String::new(),
    };
    let y_label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if *i < n => classes[n - 1 - *i].clone(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("predicted")
        .y_desc("true")
        .x_labels(n)
        .y_labels(n)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style((FONT, 13))
        .draw()?;
    for (t, row) in run.confusion.iter().enumerate() {
        let total = row.iter().sum::<u32>().max(1) as f64;
        for (p, &count) in row.iter().enumerate() {
            let share = f64::from(count) / total;
            let shade = RGBColor(255 - (share * 224.0) as u8, 255 - (share * 160.0) as u8, 255 - (share * 75.0) as u8);
            let (x0, x1) = (SegmentValue::Exact(p), SegmentValue::Exact(p + 1));
            let (y0, y1) = (SegmentValue::Exact(n - t - 1), SegmentValue::Exact(n - t));
            chart.draw_series([Rectangle::new([(x0, y0), (x1, y1)], shade.filled())])?;
            if count > 0 {
                let color = if share > 0.5 { WHITE } else { BLACK };
                let style = TextStyle::from((FONT, 14)).color(&color).pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series([Text::new(
                    count.to_string(),
                    (SegmentValue::CenterOf(p), SegmentValue::CenterOf(n - t - 1)),
                    style,
                )])?;
            }
        }
    }
    root.present()?;
    Ok(())
}
