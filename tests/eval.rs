//! Evaluation over any number of rows through a fixed-batch workspace, against the per-row
//! reference (each row run alone through a batch-1 workspace), and the epoch iterator.

use stacknet::data::{batches, one_hot, Dataset, DatasetFull, PushLabelError};
use stacknet::eval::argmax;
use stacknet::kernels::{force, reset, Tier};
use stacknet::loss::Loss;
use stacknet::nn::D;
use stacknet::prelude::*;

type Relu3 = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);
type Sig3 = (Dense<4, 6>, Sigmoid<6>, Dense<6, 3>, Sigmoid<3>);

/// `n` rows of 4 inputs and their class among 3 (a function of the inputs, so that a
/// trained or random net gets some right and some wrong).
fn data(n: usize, seed: u64) -> (Vec<[f32; 4]>, Vec<[f32; 3]>, Vec<usize>) {
    let mut rng = stacknet::init::rng(seed);
    let xs: Vec<[f32; 4]> =
        (0..n).map(|_| std::array::from_fn(|_| 2.0 * stacknet::sample::uniform_pm1(&mut rng))).collect();
    let labels: Vec<usize> = xs.iter().map(|x| usize::from(x[0] > 0.0) + usize::from(x[1] > 0.5)).collect();
    let ys = labels.iter().map(|&c| one_hot::<3>(c)).collect();
    (xs, ys, labels)
}

/// Outputs, classes, mean data loss and accuracy, one row at a time (batch 1).
fn per_row<M: Layer<In = D<4>, Out = D<3>>>(
    net: &M,
    xs: &[[f32; 4]],
    ys: &[[f32; 3]],
    loss: Loss,
) -> (Vec<usize>, f32, f32) {
    let mut ws = Workspace::<M, 1>::new();
    let (mut classes, mut sum, mut hits) = (Vec::new(), 0.0f32, 0);
    for (x, y) in xs.iter().zip(ys) {
        let h = ws.forward(net, &[*x])[0];
        let mut g = [0.0; 3];
        sum += loss.eval(1, 3, &h, y, &mut g);
        classes.push(argmax(&h));
        hits += usize::from(argmax(&h) == argmax(y));
    }
    (classes, sum / xs.len() as f32, hits as f32 / xs.len() as f32)
}

/// Evaluation, predictions and accuracy (one-hot and labels) through workspace `W` with
/// batch `B`, against the per-row reference: classes and accuracy exact, the loss exact
/// when `exact` (the scalar tier), else within 1e-6 relative.
fn check<M, W, const B: usize>(net: &M, ws: &mut W, objective: &Objective, exact: bool, what: &str)
where
    M: Layer<In = D<4>, Out = D<3>>,
    W: Forward<M, B>,
{
    for (n, seed) in [(37, 1), (5, 2), (16, 3), (1, 4), (B, 5)] {
        let (xs, ys, labels) = data(n, seed);
        let (classes, loss, acc) = per_row(net, &xs, &ys, objective.loss);
        let what = format!("{what}, B = {B}, N = {n}");

        let e = evaluate(net, &xs, &ys, ws, objective);
        assert_eq!(e.rows, n, "{what}");
        assert_eq!(e.accuracy, acc, "{what}");
        if exact {
            assert_eq!(e.data_loss.to_bits(), loss.to_bits(), "{what}: {} vs {loss}", e.data_loss);
        } else {
            assert!((e.data_loss - loss).abs() <= 1e-6 * loss.abs(), "{what}: {} vs {loss}", e.data_loss);
        }
        assert_eq!(e.loss, e.data_loss + objective.penalty.value(net, n), "{what}");

        let mut got = vec![usize::MAX; n + 3];
        assert_eq!(predict_into(net, &xs, ws, &mut got), n, "{what}");
        assert_eq!(&got[..n], &classes[..], "{what}");
        assert!(got[n..].iter().all(|&c| c == usize::MAX), "{what}: wrote past the rows");
        assert_eq!(accuracy(net, &xs, &ys, ws), acc, "{what}");
        assert_eq!(accuracy(net, &xs, &labels, ws), acc, "{what}");
    }
    // Mismatched lengths: the shorter one counts.
    let (xs, ys, _) = data(37, 6);
    let e = evaluate(net, &xs, &ys[..20], ws, objective);
    assert_eq!((e.rows, e.accuracy), (20, per_row(net, &xs[..20], &ys[..20], objective.loss).2));
    assert!(evaluate(net, &xs[..0], &ys, ws, objective).loss.is_nan());
}

#[test]
fn eval_over_n_not_divisible_by_b_equals_the_per_row_reference() {
    let mut rng = stacknet::init::rng(11);
    let mut relu: Relu3 = (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::Without));
    relu.init(&mut rng, Init::HeNormal);
    let mut sig: Sig3 = (Dense::zeros(Bias::With), Sigmoid, Dense::zeros(Bias::With), Sigmoid);
    sig.init(&mut rng, Init::UniformFanIn);
    let ce = Objective { loss: Loss::SoftmaxCrossEntropy, penalty: Penalty::ridge(1e-3).unwrap() };
    let mse = Objective { loss: Loss::Mse, penalty: Penalty::NONE };

    // One test: the tier is process-wide. The scalar tier computes each row the same way
    // wherever it sits in a batch, so there the loss is exact too.
    for tier in [Tier::Scalar, stacknet::kernels::best_available()] {
        force(tier).unwrap();
        let exact = tier == Tier::Scalar;
        let t = format!("{tier:?}");
        check::<_, _, 8>(&relu, &mut Workspace::<Relu3, 8>::new(), &ce, exact, &format!("{t} relu ce"));
        check::<_, _, 8>(&relu, &mut Inference::<Relu3, 8>::new(), &ce, exact, &format!("{t} relu ce inference"));
        check::<_, _, 3>(&relu, &mut Workspace::<Relu3, 3>::new(), &mse, exact, &format!("{t} relu mse"));
        check::<_, _, 8>(&sig, &mut Workspace::<Sig3, 8>::new(), &mse, exact, &format!("{t} sigmoid mse"));
        check::<_, _, 5>(&sig, &mut Inference::<Sig3, 5>::new(), &ce, exact, &format!("{t} sigmoid ce inference"));
        check::<_, _, 1>(&sig, &mut Inference::<Sig3, 1>::new(), &mse, exact, &format!("{t} sigmoid mse B=1"));
    }
    reset();
}

#[test]
fn the_iterator_covers_each_sample_exactly_once_per_epoch() {
    const N: usize = 37;
    let mut data = Dataset::<N, 2, 3>::new();
    for i in 0..N {
        data.push_label([i as f32, -(i as f32)], i % 3).unwrap();
    }
    let mut rng = stacknet::init::rng(5);
    let mut dropped_sets = std::collections::HashSet::new();
    for _ in 0..6 {
        let mut seen = vec![0u32; N];
        let mut count = 0;
        for (x, y) in data.epoch::<8, _>(&mut rng) {
            for (x, y) in x.iter().zip(y) {
                let i = x[0] as usize;
                assert_eq!(x[1], -x[0]);
                assert_eq!(*y, one_hot::<3>(i % 3), "a target travelled with its input");
                seen[i] += 1;
            }
            count += 1;
        }
        assert_eq!(count, N / 8, "4 full batches, the last 5 rows dropped");
        assert!(seen.iter().all(|&s| s <= 1), "a sample repeated within an epoch: {seen:?}");
        assert_eq!(seen.iter().sum::<u32>(), (N / 8 * 8) as u32);
        dropped_sets.insert(seen.iter().enumerate().filter(|(_, &s)| s == 0).map(|(i, _)| i).collect::<Vec<_>>());
    }
    assert!(dropped_sets.len() > 1, "shuffling changes which rows are dropped");

    // The caller's own arrays, in order; `nth` skips without copying; the shorter length counts.
    let xs: Vec<[f32; 1]> = (0..21).map(|i| [i as f32]).collect();
    let ys: Vec<[f32; 1]> = (0..20).map(|i| [-(i as f32)]).collect();
    let it = batches::<4, 1, 1>(&xs, &ys);
    assert_eq!(it.len(), 5);
    let firsts: Vec<f32> = it
        .map(|(x, y)| {
            assert_eq!(x[0][0], -y[0][0]);
            x[0][0]
        })
        .collect();
    assert_eq!(firsts, [0.0, 4.0, 8.0, 12.0, 16.0]);
    assert_eq!(batches::<4, 1, 1>(&xs, &ys).nth(3).unwrap().0[3], [15.0]);
    assert!(batches::<4, 1, 1>(&xs, &ys).nth(5).is_none());
    assert_eq!(batches::<32, 1, 1>(&xs, &ys).count(), 0);
}

#[test]
fn one_hot_labels_and_dataset_errors() {
    assert_eq!(one_hot::<4>(2), [0.0, 0.0, 1.0, 0.0]);
    assert_eq!(one_hot::<2>(0), [1.0, 0.0]);
    assert_eq!(one_hot::<3>(3), [0.0; 3], "a label past the classes is no class");
    const TABLE: [[f32; 3]; 2] = [one_hot(0), one_hot(2)];
    assert_eq!(TABLE[1], [0.0, 0.0, 1.0]);

    let mut d = Dataset::<2, 1, 3>::new();
    assert_eq!(d.push_label([0.0], 3), Err(PushLabelError::NoSuchClass { label: 3, classes: 3 }));
    assert!(d.is_empty());
    d.push_label([1.0], 2).unwrap();
    d.push([2.0], [0.5, 0.5, 0.0]).unwrap();
    assert_eq!(d.push([3.0], [0.0; 3]), Err(DatasetFull));
    assert_eq!(d.push_label([3.0], 0), Err(PushLabelError::Full));
    assert_eq!((d.len(), d.xs(), d.ys()), (2, &[[1.0], [2.0]][..], &[one_hot(2), [0.5, 0.5, 0.0]][..]));

    let errors: [(&dyn std::error::Error, &str); 3] = [
        (&DatasetFull, "the dataset is full"),
        (&PushLabelError::Full, "the dataset is full"),
        (&PushLabelError::NoSuchClass { label: 3, classes: 3 }, "class 3 does not exist: there are 3 classes (0 to 2)"),
    ];
    for (e, want) in errors {
        assert_eq!(e.to_string(), want);
    }
}
