//! Draws time per training step against size for stacknet and each peer (log–log) from the
//! table `scripts/bench-train-step.sh` writes (`target/train_step_times.tsv`: lines of
//! `impl  config  nanoseconds`, config as `BxH`), with the font bundled with the XOR example (`examples/xor/font`).
//!
//! Usage: `cargo run --release -p stacknet-tools --bin step_plot -- [TSV] [PNG]`
//! (defaults: `target/train_step_times.tsv`, `docs/train_step.png`)

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::collections::BTreeMap;
use std::error::Error;

const FONT: &str = "sans-serif";
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(230, 110, 20),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(90, 90, 90),
];

/// `"50x10"` → batch × hidden = 500, the x coordinate.
fn size(config: &str) -> Option<f64> {
    let (b, h) = config.split_once('x')?;
    Some(b.parse::<f64>().ok()? * h.parse::<f64>().ok()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let tsv = args.get(1).map_or("target/train_step_times.tsv", String::as_str);
    let png = args.get(2).map_or("docs/train_step.png", String::as_str);
    static DEJAVU_SANS: &[u8] = include_bytes!("../../../examples/xor/font/DejaVuSans.ttf");
    register_font(FONT, FontStyle::Normal, DEJAVU_SANS).map_err(|_| "the bundled font does not parse")?;

    // impl → [(size, µs, config)]
    let mut series: BTreeMap<String, Vec<(f64, f64, String)>> = BTreeMap::new();
    for line in std::fs::read_to_string(tsv)?.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let [imp, cfg, ns] = f.as_slice() {
            if let (Some(x), Ok(ns)) = (size(cfg), ns.parse::<f64>()) {
                series.entry(imp.to_string()).or_default().push((x, ns / 1000.0, cfg.to_string()));
            }
        }
    }
    if series.is_empty() {
        return Err(format!("no `impl config ns` lines in {tsv}").into());
    }
    let (mut lo, mut hi) = (f64::MAX, 0.0f64);
    for (_, us, _) in series.values().flatten() {
        lo = lo.min(*us);
        hi = hi.max(*us);
    }

    let root = BitMapBackend::new(png, (800, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("One training step (2-H-2, sigmoid, MSE + ridge, SGD)", (FONT, 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d((6.0f64..150_000.0).log_scale(), (lo / 2.0..hi * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("batch × hidden  (4×3, 50×10, 300×50, 256×256)")
        .y_desc("time per step, µs (median)")
        .light_line_style(BLACK.mix(0.05))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()?;
    for (i, (name, pts)) in series.iter_mut().enumerate() {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        chart.draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 4, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    root.present()?;
    println!("wrote {png}");
    Ok(())
}
