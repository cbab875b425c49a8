/* Time per call (best of 5 runs of 20,000 calls) of predict on 1 row and train_step with SGD
 * and with AdamW, for the smallest and the largest shape: what docs/capi.md reports as the
 * cost of the state's CRC-32. Hosted POSIX only (clock_gettime).
 *   cargo build -p stacknet-capi --profile capi
 *   gcc -std=c99 -O2 -Icapi/include capi/examples/call_time.c target/capi/libstacknet_capi.a -Wl,--gc-sections -lm -o call_time && ./call_time */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>

#include "stacknet.h"

#define CALLS 20000

static float x[64], y[64], out[64];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Times each kind of call on `net` (of shape NAME) and prints nanoseconds per call. */
#define TIME_SHAPE(NAME, T)                                                                       \
    do {                                                                                          \
        static T net;                                                                             \
        const char *what[3] = {"predict 1 row", "train_step SGD", "train_step AdamW"};            \
        stacknet_hyper_t h;                                                                       \
        int kind, run, i;                                                                         \
        stacknet_##NAME##_init(&net, sizeof net, 1);                                              \
        for (kind = 0; kind < 3; kind++) {                                                        \
            double best = 1e9;                                                                    \
            if (kind == 2) {                                                                      \
                stacknet_hyper_default(&h);                                                       \
                h.optimizer = STACKNET_OPTIMIZER_ADAMW;                                           \
                h.learning_rate = 0.01f;                                                          \
                stacknet_##NAME##_set_hyper(&net, &h);                                            \
            }                                                                                     \
            for (run = 0; run < 5; run++) {                                                       \
                double t0 = now(), per;                                                           \
                for (i = 0; i < CALLS; i++) {                                                     \
                    if (kind == 0) stacknet_##NAME##_predict(&net, x, 1, out);                    \
                    else stacknet_##NAME##_train_step(&net, x, y, 32, NULL);                      \
                }                                                                                 \
                per = (now() - t0) / CALLS * 1e9;                                                 \
                if (per < best) best = per;                                                       \
            }                                                                                     \
            printf("%-16s %-18s %6.0f ns\n", #NAME, what[kind], best);                            \
        }                                                                                         \
    } while (0)

int main(void) {
    int i;
    for (i = 0; i < 64; i++) {
        x[i] = (float)(i % 7) / 7.0f - 0.5f;
        y[i] = (float)(i % 2);
    }
    TIME_SHAPE(xor_2_3_2_bias, stacknet_xor_2_3_2_bias_t);
    TIME_SHAPE(xor_2_50_2_bias, stacknet_xor_2_50_2_bias_t);
    return 0;
}
