//! The memory figures the README quotes, so they cannot drift from the code.

use core::mem::size_of;
use stacknet::optim::Momentum;
use stacknet::prelude::*;

type Net<const H: usize> = (Dense<2, H>, Sigmoid<H>, Dense<H, 2>, Sigmoid<2>);

#[test]
fn model_workspace_and_optimizer_sizes() {
    // Dense<IN, OUT>: IN·OUT weights + OUT biases + a bias flag (padded to 4 bytes).
    assert_eq!(size_of::<Net<3>>(), (6 + 3 + 6 + 2) * 4 + 2 * 4);
    assert_eq!(size_of::<Net<10>>(), (20 + 10 + 20 + 2) * 4 + 2 * 4);
    // Workspace: y and dy of each brick (4 bricks) plus one gradient per parameter.
    assert_eq!(Workspace::<Net<3>, 4>::BYTES, 2 * 4 * (3 + 3 + 2 + 2) * 4 + size_of::<Net<3>>());
    assert_eq!(Workspace::<Net<3>, 4>::BYTES, 396);
    assert_eq!(Workspace::<Net<10>, 4>::BYTES, 984);
    assert_eq!(Workspace::<Net<10>, 300>::BYTES, 57_816);
    assert_eq!(size_of::<Sgd>(), 32);
    assert_eq!(size_of::<Sgd<Momentum<Net<3>>>>(), 32 + size_of::<Net<3>>());
    // Adam: two moments shaped like the model, plus 52 B of settings and the step counter.
    assert_eq!(size_of::<Adam<Net<3>>>(), 52 + 2 * size_of::<Net<3>>());
    assert_eq!(size_of::<Adam<Net<3>>>(), 204);
}
