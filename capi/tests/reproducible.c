/* With the scalar tier forced, the same seed and data give the same model bit for bit on
 * every target. Trains 200 steps, saves, and prints an FNV-1a hash of the saved blob
 * (weights, step counter, velocity); CI compares the line across x86_64, aarch64 and
 * Cortex-M4F. */
#include <stdio.h>

#include "stacknet.h"

#define B STACKNET_XOR_2_10_2_BIAS_BATCH

static stacknet_xor_2_10_2_bias_t net;
static float x[B * 2], y[B * 2];
static uint8_t blob[STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE];

int main(void) {
    stacknet_hyper_t h;
    uint32_t rng = 1u, hash = 2166136261u;
    size_t i, n = 0;
    int step;
    if (stacknet_force_tier(STACKNET_TIER_SCALAR) != STACKNET_OK ||
        stacknet_xor_2_10_2_bias_init(&net, sizeof net, 1) != STACKNET_OK ||
        stacknet_hyper_default(&h) != STACKNET_OK) {
        return 1;
    }
    h.learning_rate = 1.5f;
    h.momentum = 0.8f;
    h.ridge = 1e-3f;
    h.schedule = STACKNET_SCHEDULE_EXP;
    h.exp_rate = 1e-3f;
    h.clip = STACKNET_CLIP_NORM;
    h.clip_threshold = 2.0f;
    if (stacknet_xor_2_10_2_bias_set_hyper(&net, &h) != STACKNET_OK) return 1;
    for (step = 0; step < 200; step++) {
        for (i = 0; i < B * 2; i++) {
            rng = rng * 1664525u + 1013904223u;
            x[i] = (float)(rng >> 8) / 8388608.0f - 1.0f;
        }
        for (i = 0; i < B; i++) {
            int label = (x[2 * i] > 0.0f) != (x[2 * i + 1] > 0.0f);
            y[2 * i] = label ? 0.0f : 1.0f;
            y[2 * i + 1] = label ? 1.0f : 0.0f;
        }
        if (stacknet_xor_2_10_2_bias_train_step(&net, x, y, B, NULL) != STACKNET_OK) return 1;
    }
    if (stacknet_xor_2_10_2_bias_save(&net, blob, sizeof blob, &n) != STACKNET_OK) return 1;
    for (i = 0; i < n; i++) {
        hash = (hash ^ blob[i]) * 16777619u;
    }
    printf("reproducible: scalar model after 200 steps: %u bytes, fnv1a %08lx\n", (unsigned)n,
           (unsigned long)hash);
    return 0;
}
