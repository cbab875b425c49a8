#!/usr/bin/env bash
# Reruns the XOR example's documented runs (docs/xor.md): rewrites the pictures of the
# runs shown there under docs/images/xor/<run>/, and prints every run's final line.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example xor
# --tier scalar: the SIMD tiers round differently, and the chaotic runs would differ.
bin="target/release/examples/xor --tier scalar"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# run NAME ARGS...: pictures kept in docs/images/xor/NAME. text NAME ARGS...: final line only.
run() {
    local name=$1
    shift
    echo "== $name: cargo run --release --example xor -- $*"
    $bin "$@" --out "docs/images/xor/$name" | grep -E '^(final|stopped|clipping|step [0-9]+: )'
}
text() {
    local name=$1
    shift
    echo "== $name: cargo run --release --example xor -- $*"
    $bin "$@" --out "$scratch/$name" | grep -E '^(final|stopped|clipping|step [0-9]+: )'
}
run reference
run hidden3 --hidden 3
run wide-lr50 --hidden 50 --lr 50
run wide-lr50-first50 --hidden 50 --lr 50 --steps 50
run wide-lr50-clip --hidden 50 --lr 50 --clip 0.05
text wide-lr50-decay --hidden 50 --lr 50 --decay exp:0.001
text wide-lr50-step-decay --hidden 50 --lr 50 --decay step:100:0.5
run wide-batch25-lr30 --hidden 50 --batch 25 --lr 30 --seed 2
run wide-batch25-lr30-decay --hidden 50 --batch 25 --lr 30 --decay exp:0.0005 --seed 2
for seed in 1 2 3 4 5; do
    text "wide-batch25-lr30-seed$seed" --hidden 50 --batch 25 --lr 30 --seed "$seed"
    text "wide-batch25-lr30-decay-seed$seed" --hidden 50 --batch 25 --lr 30 --decay exp:0.0005 --seed "$seed"
    text "wide-batch25-lr30-clip-seed$seed" --hidden 50 --batch 25 --lr 30 --clip 0.05 --seed "$seed"
done
run wide-lr1e7 --hidden 50 --lr 1e7
run no-bias --no-bias
run no-bias-seed3 --no-bias --seed 3
text no-bias-h50-seed3 --no-bias --hidden 50 --seed 3
text no-bias-mirror --no-bias --mirror
text bias-mirror --mirror
echo "== optimizers: cargo run --release --example xor -- --compare"
$bin --compare --out "$scratch/optimizers" | grep -E '^(--compare: .*final|final)'
mkdir -p docs/images/xor/optimizers
cp "$scratch/optimizers/optimizers.png" docs/images/xor/optimizers/
# The README shows some of these pictures and the published package ships those: recompress
# them losslessly (the same pixels in under a third of plotters' bytes), with Debian's
# optipng and then zopflipng (a few minutes).
command -v optipng >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends optipng >/dev/null; }
command -v zopflipng >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends zopfli >/dev/null; }
optipng -o7 -strip all -quiet docs/images/xor/*/*.png
for f in docs/images/xor/*/*.png; do zopflipng -y --filters=0me "$f" "$f" >/dev/null; done
