//! Building networks: `Layer::random` and `Dense::new` draw every parameter, with the same
//! draws as the zero placeholder followed by `init`; a zero network trains without error
//! but cannot move off the uniform prediction, while a drawn one learns.

use stacknet::eval::argmax;
use stacknet::prelude::*;

type Net = (Dense<4, 16>, Relu<16>, Dense<16, 8>, Relu<8>, Dense<8, 3>);

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.visit(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
    v
}

#[test]
fn random_is_zeroed_then_init() {
    for scheme in [Init::UniformFanIn, Init::XavierUniform, Init::HeNormal] {
        let net: Net = Layer::random(&mut stacknet::init::rng(9), scheme);
        let mut by_hand: Net =
            (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With));
        by_hand.init(&mut stacknet::init::rng(9), scheme);
        assert_eq!(bits(&net), bits(&by_hand), "{scheme:?}");
        // Every weight drawn: none of the 64 + 128 + 24 weights is exactly zero.
        let mut zeros = 0;
        net.visit(&mut |kind, s| {
            if kind == stacknet::nn::ParamKind::Weight {
                zeros += s.iter().filter(|&&w| w == 0.0).count();
            }
        });
        assert_eq!(zeros, 0, "{scheme:?}");
    }
}

#[test]
fn dense_new_keeps_the_bias_choice_and_draws_like_init() {
    let mut rng = stacknet::init::rng(3);
    let without: Dense<3, 2> = Dense::new(Bias::Without, &mut rng, Init::UniformFanIn);
    assert_eq!(without.bias(), None);
    let with: Dense<3, 2> = Dense::new(Bias::With, &mut rng, Init::UniformFanIn);
    assert!(with.bias().unwrap().iter().all(|&b| b != 0.0 && b.abs() <= 1.0 / 3f32.sqrt()));

    let mut rng = stacknet::init::rng(3);
    let mut a = Dense::<3, 2>::zeros(Bias::Without);
    a.init(&mut rng, Init::UniformFanIn);
    let mut b = Dense::<3, 2>::zeros(Bias::With);
    b.init(&mut rng, Init::UniformFanIn);
    assert_eq!((a, b), (without, with));
}

/// Three Gaussian blobs in 4-D, one-hot labels.
fn blobs() -> ([[f32; 4]; 30], [[f32; 3]; 30]) {
    let mut rng = stacknet::init::rng(21);
    let centres = [[1.0, 0.0, 0.0, 0.5], [0.0, 1.0, 0.0, -0.5], [0.0, 0.0, 1.0, 0.0]];
    let mut x = [[0.0f32; 4]; 30];
    let mut y = [[0.0f32; 3]; 30];
    for i in 0..30 {
        let c = i % 3;
        for j in 0..4 {
            x[i][j] = centres[c][j] + 0.2 * Init::UniformFanIn.weight(&mut rng, 1, 1);
        }
        y[i][c] = 1.0;
    }
    (x, y)
}

/// The failure a zero network hides: every step is `Ok`, the loss stays at ln 3 and the
/// first layer stays zero. The same network drawn with `Layer::random` learns the blobs.
#[test]
fn a_zero_network_stays_at_ln3_a_random_one_learns() {
    let (x, y) = blobs();
    let objective = Objective::softmax_cross_entropy();
    let train = |mut net: Net| {
        let mut ws = Workspace::<Net, 30>::new();
        let mut opt = Sgd::new(0.1).unwrap().with_momentum(0.9, &net).unwrap();
        let mut last = 0.0;
        for _ in 0..300 {
            last = train_step(&mut net, &x, &y, &mut ws, &mut opt, &objective).unwrap().loss;
        }
        let out = *ws.forward(&net, &x);
        let right = out.iter().zip(&y).filter(|(o, t)| argmax(&o[..]) == argmax(&t[..])).count();
        (net, last, right)
    };

    let zero: Net = (Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With), Relu, Dense::zeros(Bias::With));
    let (zero, loss, _) = train(zero);
    assert!((loss - 3f32.ln()).abs() < 1e-6, "zero network: loss {loss}");
    assert!(zero.0.weights().as_flattened().iter().all(|&w| w == 0.0));

    let (_, loss, right) = train(Layer::random(&mut stacknet::init::rng(5), Init::HeNormal));
    assert!(loss < 0.05, "random network: loss {loss}");
    assert_eq!(right, 30);
}
