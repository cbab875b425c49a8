//! Reading a labelled CSV (one row per sample, numeric features, one label column), the
//! fixed train/test split and the feature scaling, on the host with `std`.

use std::collections::BTreeMap;
use std::path::Path;

/// A labelled table: `features[i]` has class index `labels[i]` into `classes`.
pub struct Table {
    /// One row of feature values per sample.
    pub features: Vec<Vec<f32>>,
    /// The class index of each row.
    pub labels: Vec<usize>,
    /// The class names as written in the label column, in index order (numeric order when
    /// every label is a number, else text order).
    pub classes: Vec<String>,
}

/// Where the label is in each row.
#[derive(Clone, Copy, Debug)]
pub enum LabelColumn {
    /// The last column.
    Last,
    /// This column, counted from 1 (as a spreadsheet counts).
    At(usize),
}

/// Reads `path`: every row must have the same number of fields; every field except the label
/// is a finite number. An error names the line and the column.
pub fn read_csv(path: &Path, label: LabelColumn, header: bool) -> Result<Table, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("--data: cannot open {}: {e}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(header).flexible(true).from_reader(file);
    let mut rows: Vec<(u64, Vec<f32>, String)> = Vec::new();
    let mut width = None;
    for record in reader.records() {
        let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
        let line = record.position().map_or(0, |p| p.line());
        let n = record.len();
        let width = *width.get_or_insert(n);
        if n != width {
            return Err(format!("{}: line {line} has {n} fields, the first row has {width}", path.display()));
        }
        if n < 2 {
            return Err(format!("{}: line {line} has {n} field(s); need features and a label", path.display()));
        }
        let label_at = match label {
            LabelColumn::Last => n - 1,
            LabelColumn::At(c) if (1..=n).contains(&c) => c - 1,
            LabelColumn::At(c) => {
                return Err(format!("--label-column {c}: the rows of {} have {n} columns", path.display()))
            }
        };
        let mut features = Vec::with_capacity(n - 1);
        for (col, field) in record.iter().enumerate().filter(|&(c, _)| c != label_at) {
            let v: f32 = field.trim().parse().map_err(|_| {
                format!("{}: line {line}, column {}: `{field}` is not a number", path.display(), col + 1)
            })?;
            if !v.is_finite() {
                return Err(format!("{}: line {line}, column {}: `{field}` is not finite", path.display(), col + 1));
            }
            features.push(v);
        }
        rows.push((line, features, record[label_at].trim().to_string()));
    }
    if rows.is_empty() {
        return Err(format!("{}: no data rows", path.display()));
    }
    let classes = class_names(rows.iter().map(|r| r.2.as_str()));
    let index: BTreeMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let labels = rows.iter().map(|r| index[r.2.as_str()]).collect();
    Ok(Table { features: rows.into_iter().map(|r| r.1).collect(), labels, classes })
}

/// The distinct labels in index order: numeric order when all are numbers (so "10" comes
/// after "9"), text order otherwise.
fn class_names<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> =
        labels.map(str::to_string).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        names.sort_by(|a, b| a.parse::<f64>().unwrap().total_cmp(&b.parse::<f64>().unwrap()));
    }
    names
}

/// The training and test rows, features scaled.
pub struct Split {
    /// Per feature: the mean and standard deviation used to scale it, `(x − mean) / std` in
    /// `f32` (so a firmware that scales its sensor values with these gets the same bits).
    pub scale: Vec<(f32, f32)>,
    /// Training features (scaled) and class indices.
    pub train: (Vec<Vec<f32>>, Vec<usize>),
    /// Test features (scaled with the training statistics) and class indices.
    pub test: (Vec<Vec<f32>>, Vec<usize>),
}

/// The last `ceil(rows · test_fraction)` rows are the test set, the rest trains (no shuffle:
/// in the digits file, later rows come from other writers than most earlier ones). Each
/// feature is standardised with the training rows' mean and standard deviation (a feature
/// that is constant there is only centred).
pub fn split(table: &Table, test_fraction: f64) -> Result<Split, String> {
    let n = table.features.len();
    let test = (n as f64 * test_fraction).ceil() as usize;
    if !(0.0..1.0).contains(&test_fraction) || test == 0 || test >= n {
        return Err(format!("--test-fraction {test_fraction}: {n} rows leave no training or no test rows"));
    }
    let cut = n - test;
    let width = table.features[0].len();
    let mut mean = vec![0.0f64; width];
    let mut sq = vec![0.0f64; width];
    for row in &table.features[..cut] {
        for (j, &v) in row.iter().enumerate() {
            mean[j] += f64::from(v);
            sq[j] += f64::from(v) * f64::from(v);
        }
    }
    let scale: Vec<(f32, f32)> = (0..width)
        .map(|j| {
            let m = mean[j] / cut as f64;
            let var = (sq[j] / cut as f64 - m * m).max(0.0);
            (m as f32, if var > 1e-12 { var.sqrt() as f32 } else { 1.0 })
        })
        .collect();
    let scaled = |rows: &[Vec<f32>]| -> Vec<Vec<f32>> {
        rows.iter().map(|r| r.iter().zip(&scale).map(|(&v, &(m, s))| (v - m) / s).collect()).collect()
    };
    let (train, test) = (scaled(&table.features[..cut]), scaled(&table.features[cut..]));
    Ok(Split { scale, train: (train, table.labels[..cut].to_vec()), test: (test, table.labels[cut..].to_vec()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("stacknet-classify-{name}-{}.csv", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_labels_as_classes_in_numeric_order() {
        let path = write("ok", "1,2,10\n3,4,9\n5,6,10\n");
        let t = read_csv(&path, LabelColumn::Last, false).unwrap();
        assert_eq!(t.classes, ["9", "10"]);
        assert_eq!(t.labels, [1, 0, 1]);
        assert_eq!(t.features[2], [5.0, 6.0]);
        let t = read_csv(&path, LabelColumn::At(1), false).unwrap();
        assert_eq!(t.classes, ["1", "3", "5"]);
        assert_eq!(t.features[0], [2.0, 10.0]);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn errors_name_line_and_column() {
        let path = write("bad", "a,b,label\n1,2,x\n3,oops,y\n");
        let err = read_csv(&path, LabelColumn::Last, true).err().unwrap();
        assert!(err.ends_with("line 3, column 2: `oops` is not a number"), "{err}");
        let err = read_csv(&path, LabelColumn::Last, false).err().unwrap();
        assert!(err.ends_with("line 1, column 1: `a` is not a number"), "{err}");
        std::fs::write(&path, "1,2,x\n3,y\n").unwrap();
        let err = read_csv(&path, LabelColumn::Last, false).err().unwrap();
        assert!(err.ends_with("line 2 has 2 fields, the first row has 3"), "{err}");
        std::fs::write(&path, "1,inf,x\n").unwrap();
        let err = read_csv(&path, LabelColumn::Last, false).err().unwrap();
        assert!(err.ends_with("line 1, column 2: `inf` is not finite"), "{err}");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn split_scales_with_training_statistics() {
        let table = Table {
            features: vec![vec![1.0, 5.0], vec![3.0, 5.0], vec![5.0, 5.0], vec![7.0, 9.0]],
            labels: vec![0, 1, 0, 1],
            classes: vec!["a".into(), "b".into()],
        };
        let s = split(&table, 0.25).unwrap();
        assert_eq!(s.train.0.len(), 3);
        // Mean 3, population std √(8/3) for the first feature; the second is constant.
        let sd = (8.0f64 / 3.0).sqrt() as f32;
        assert_eq!(s.scale, [(3.0, sd), (5.0, 1.0)]);
        assert_eq!(s.train.0[0], [-2.0 / sd, 0.0]);
        assert_eq!(s.test.0[0], [4.0 / sd, 4.0]);
        assert_eq!(s.test.1, [1]);
        assert!(split(&table, 0.0).is_err() && split(&table, 1.0).is_err());
    }
}
