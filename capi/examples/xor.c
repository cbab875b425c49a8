/* Trains the XOR-of-signs task through the stacknet C API and prints the accuracy.
 * Exit status 0 when the trained model classifies at least 90% of fresh points right.
 * Builds unchanged on a hosted OS and on a Cortex-M4F with newlib (printf via semihosting).
 * No malloc: the model state is a static of its handle type. */
#include <stdio.h>
#include <string.h>

#include "stacknet.h"

#define ROWS STACKNET_XOR_2_10_2_BIAS_BATCH
#define TEST_ROWS 500

static stacknet_xor_2_10_2_bias_t net, copy;

/* xorshift32: the same points on every target. */
static uint32_t rng = 2463534242u;
static float uniform_pm1(void) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)(rng >> 8) / 8388608.0f - 1.0f; /* [-1, 1) */
}

/* Points in the square; the class is 1 when exactly one coordinate is positive. */
static void xor_batch(float *x, float *y, size_t rows) {
    size_t r;
    for (r = 0; r < rows; r++) {
        float a = uniform_pm1(), b = uniform_pm1();
        int label = (a > 0.0f) != (b > 0.0f);
        x[2 * r] = a;
        x[2 * r + 1] = b;
        y[2 * r] = label ? 0.0f : 1.0f;
        y[2 * r + 1] = label ? 1.0f : 0.0f;
    }
}

#define CHECK(call)                                                         \
    do {                                                                    \
        stacknet_status_t s_ = (call);                                      \
        if (s_ != STACKNET_OK) {                                            \
            const char *name_ = "?";                                        \
            stacknet_status_str((int32_t)s_, &name_);                       \
            printf("FAIL: %s returned %s\n", #call, name_);                 \
            return 1;                                                       \
        }                                                                   \
    } while (0)

int main(void) {
    static float x[ROWS * 2], y[ROWS * 2], tx[TEST_ROWS * 2], ty[TEST_ROWS * 2];
    static uint8_t blob[STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE];
    stacknet_hyper_t hyper;
    stacknet_step_report_t report;
    const char *tier = "?";
    uint32_t major, minor, patch;
    float acc = 0.0f, acc2 = 0.0f, loss = 0.0f;
    size_t written = 0, used = 0;
    int step;

    CHECK(stacknet_version(&major, &minor, &patch));
    CHECK(stacknet_simd_tier_name(&tier));
    printf("stacknet %u.%u.%u, kernels: %s, state: %u bytes\n", (unsigned)major, (unsigned)minor,
           (unsigned)patch, tier, (unsigned)sizeof net);

    CHECK(stacknet_xor_2_10_2_bias_init(&net, sizeof net, 7));
    CHECK(stacknet_hyper_default(&hyper));
    hyper.learning_rate = 2.0f;
    hyper.momentum = 0.5f;
    hyper.ridge = 1e-4f;
    hyper.clip = STACKNET_CLIP_NORM;
    hyper.clip_threshold = 5.0f;
    CHECK(stacknet_xor_2_10_2_bias_set_hyper(&net, &hyper));

    for (step = 1; step <= 3000; step++) {
        xor_batch(x, y, ROWS);
        CHECK(stacknet_xor_2_10_2_bias_train_step(&net, x, y, ROWS, &report));
        if (step % 500 == 0) {
            printf("step %4u  loss %.4f\n", (unsigned)report.step, (double)report.loss);
        }
    }

    xor_batch(tx, ty, TEST_ROWS);
    CHECK(stacknet_xor_2_10_2_bias_loss(&net, tx, ty, TEST_ROWS, &loss));
    CHECK(stacknet_xor_2_10_2_bias_accuracy(&net, tx, ty, TEST_ROWS, &acc));
    printf("test loss %.4f  accuracy %.3f on %d fresh points\n", (double)loss, (double)acc, TEST_ROWS);

    /* Save, load into a second model, and check it answers the same. */
    CHECK(stacknet_xor_2_10_2_bias_save(&net, blob, sizeof blob, &written));
    CHECK(stacknet_xor_2_10_2_bias_init(&copy, sizeof copy, 99));
    CHECK(stacknet_xor_2_10_2_bias_load(&copy, blob, written, &used));
    CHECK(stacknet_xor_2_10_2_bias_accuracy(&copy, tx, ty, TEST_ROWS, &acc2));
    printf("saved %u bytes, reloaded accuracy %.3f\n", (unsigned)written, (double)acc2);

    if (acc >= 0.9f && acc2 == acc && used == written) {
        printf("PASS\n");
        return 0;
    }
    printf("FAIL\n");
    return 1;
}
