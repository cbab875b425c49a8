/* The C baseline of docs/embedded.md: one training step of the 2-3-2 XOR network written
 * by hand in static float arrays, the same work as stacknet's `train_step` in
 * examples/firmware (bench windows 1 and 6):
 *   2-3-2 with biases, batch 4 (the four XOR corners at ±1), a sigmoid after each layer,
 *   σ(z) = 1/(1+expf(−z)) with newlib's expf,
 *   L  = Σ(Y−H2)²/(2B) [+ λ(ΣW1² + ΣW2²)/(2B) with -DRIDGE=1],
 *   the true gradient of L (README, "The math, exactly"), plain SGD w −= lr·g.
 * No finiteness checks and no rollback (stacknet's step checks inputs, targets, loss,
 * gradients and the update, and refuses a step that fails).
 *
 * main() brackets an empty window (window 0, the markers' own cost) and one step (window 1)
 * with bench_start()/bench_end(), whose addresses are the QEMU plugin's start=/end=; then it
 * trains 2000 steps and exits 0 through semihosting if all four corners are classified
 * right. Built and run by scripts/embedded/c-baseline.sh. */
#include <math.h>
#include <stdio.h>

#ifndef RIDGE
#define RIDGE 0
#endif
#define B 4
#define LR 2.0f
#define LAMBDA 1e-4f /* the ridge coefficient of stacknet's bench window 6 */

/* External linkage, so the compiler cannot treat the data as constants (stacknet's bench
 * passes the corners through black_box). */
float X[B][2] = {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
float Y[B][2] = {{1, 0}, {0, 1}, {0, 1}, {1, 0}};
float W1[2][3], b1[3], W2[3][2], b2[2];
float loss;

static float H1[B][3], H2[B][2], G1[B][3], G2[B][2];
static float dW1[2][3], db1[3], dW2[3][2], db2[2];

static float sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

__attribute__((noinline)) void step(void) {
    /* forward */
    for (int r = 0; r < B; r++) {
        for (int j = 0; j < 3; j++) {
            float z = b1[j];
            for (int i = 0; i < 2; i++) z += X[r][i] * W1[i][j];
            H1[r][j] = sigmoid(z);
        }
        for (int k = 0; k < 2; k++) {
            float z = b2[k];
            for (int j = 0; j < 3; j++) z += H1[r][j] * W2[j][k];
            H2[r][k] = sigmoid(z);
        }
    }
    /* loss and output gradient G2 = (H2−Y)⊙H2⊙(1−H2)/B */
    float l = 0.0f;
    for (int r = 0; r < B; r++)
        for (int k = 0; k < 2; k++) {
            float e = H2[r][k] - Y[r][k];
            l += e * e;
            G2[r][k] = e * H2[r][k] * (1.0f - H2[r][k]) / B;
        }
    l /= 2.0f * B;
#if RIDGE
    float s = 0.0f;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) s += W1[i][j] * W1[i][j];
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 2; k++) s += W2[j][k] * W2[j][k];
    l += LAMBDA * s / (2.0f * B);
#endif
    loss = l;
    /* hidden gradient G1 = (G2·W2ᵀ)⊙H1⊙(1−H1), with W2 before the update */
    for (int r = 0; r < B; r++)
        for (int j = 0; j < 3; j++) {
            float g = 0.0f;
            for (int k = 0; k < 2; k++) g += G2[r][k] * W2[j][k];
            G1[r][j] = g * H1[r][j] * (1.0f - H1[r][j]);
        }
    /* parameter gradients */
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 2; k++) {
            float g = 0.0f;
            for (int r = 0; r < B; r++) g += H1[r][j] * G2[r][k];
#if RIDGE
            g += LAMBDA * W2[j][k] / B;
#endif
            dW2[j][k] = g;
        }
    for (int k = 0; k < 2; k++) {
        float g = 0.0f;
        for (int r = 0; r < B; r++) g += G2[r][k];
        db2[k] = g;
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            float g = 0.0f;
            for (int r = 0; r < B; r++) g += X[r][i] * G1[r][j];
#if RIDGE
            g += LAMBDA * W1[i][j] / B;
#endif
            dW1[i][j] = g;
        }
    for (int j = 0; j < 3; j++) {
        float g = 0.0f;
        for (int r = 0; r < B; r++) g += G1[r][j];
        db1[j] = g;
    }
    /* plain SGD */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) W1[i][j] -= LR * dW1[i][j];
    for (int j = 0; j < 3; j++) b1[j] -= LR * db1[j];
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 2; k++) W2[j][k] -= LR * dW2[j][k];
    for (int k = 0; k < 2; k++) b2[k] -= LR * db2[k];
}

/* The plugin's markers: different bodies, or the linker could fold them into one address. */
static volatile unsigned mark;
__attribute__((noinline)) void bench_start(void) { mark = 1; }
__attribute__((noinline)) void bench_end(void) { mark = 2; }

/* uniform(−1, 1)/√fan_in from a 32-bit LCG (the values only need to be deterministic). */
static unsigned state = 2024;
static float uniform(float scale) {
    state = state * 1664525u + 1013904223u;
    return ((float)(state >> 8) / 8388608.0f - 1.0f) * scale;
}

int main(void) {
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) W1[i][j] = uniform(0.70710678f);
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 2; k++) W2[j][k] = uniform(0.57735027f);
    bench_start();
    bench_end();
    bench_start();
    step();
    bench_end();
    for (int n = 1; n < 2000; n++) step();
    int correct = 0;
    for (int r = 0; r < B; r++) correct += (H2[r][1] > H2[r][0]) == (Y[r][1] > Y[r][0]);
    printf("c-baseline 2-3-2 RIDGE=%d: loss %.6f after 2000 steps, corners %d/4 %s\n", RIDGE,
           (double)loss, correct, correct == 4 ? "PASS" : "FAIL");
    return correct == 4 ? 0 : 1;
}
