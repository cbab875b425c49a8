/* Reaches every status code of the stacknet C API from C, and checks that a refused call
 * changes nothing (outputs and model state byte for byte). Prints "N passed, M failed" and
 * exits non-zero on any failure. Runs on a hosted OS and on a Cortex-M4F (newlib). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "stacknet.h"

#define B STACKNET_XOR_2_10_2_BIAS_BATCH

static const char *name_of(stacknet_status_t s) {
    const char *n = "(unknown)";
    stacknet_status_str((int32_t)s, &n);
    return n;
}

static void expect(int line, const char *what, stacknet_status_t got, stacknet_status_t want) {
    if (got == want) {
        passed++;
    } else {
        failed++;
        printf("status.c:%d: %s: got %s, want %s\n", line, what, name_of(got), name_of(want));
    }
}
#define EXPECT(call, want) expect(__LINE__, #call, (call), (want))

static stacknet_xor_2_10_2_bias_t net, snapshot, never_initialised;
/* A buffer that holds either shape, for the wrong-model case. */
static union {
    stacknet_xor_2_10_2_bias_t big;
    stacknet_xor_2_3_2_t small;
} other;
static stacknet_xor_2_10_2_t nobias;
static float x[B * 2], y[B * 2], pred[B * 2] = {7.0f};
static uint8_t blob[STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE], bad_blob[STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE];
/* 8-aligned scratch from which misaligned pointers are made. */
static union {
    uint64_t words[STACKNET_XOR_2_10_2_BIAS_STATE_WORDS + 1];
    float f[4];
} scratch;

static void take_snapshot(void) { memcpy(&snapshot, &net, sizeof net); }
static int unchanged(void) { return memcmp(&snapshot, &net, sizeof net) == 0; }

int main(void) {
    size_t i, n = 0, used = 0;
    int32_t code;
    float out[4] = {7, 7, 7, 7}, v = 7.0f;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4] = {0, 0, 0, 0};
    stacknet_hyper_t h;
    const char *name = NULL;

    for (i = 0; i < B; i++) {
        x[2 * i] = (float)(i % 2) - 0.5f;
        x[2 * i + 1] = (float)((i / 2) % 2) - 0.5f;
        y[2 * i] = (i % 2) == ((i / 2) % 2) ? 1.0f : 0.0f;
        y[2 * i + 1] = 1.0f - y[2 * i];
    }

    /* Every code has a name; unknown codes are refused. */
    for (code = 0; code <= (int32_t)STACKNET_ERR_STATE_CORRUPT; code++) {
        name = NULL;
        EXPECT(stacknet_status_str(code, &name), STACKNET_OK);
        CHECK(name != NULL && strncmp(name, "STACKNET_", 9) == 0);
    }
    name = NULL;
    EXPECT(stacknet_status_str(99, &name), STACKNET_ERR_BAD_ARGUMENT);
    CHECK(name == NULL);

    /* STACKNET_OK */
    EXPECT(stacknet_matmul(2, 3, 2, a, b, c, 0), STACKNET_OK);
    CHECK(c[0] == 1 + 0 + 3 && c[1] == 0 + 2 + 3 && c[2] == 4 + 0 + 6 && c[3] == 0 + 5 + 6);
    EXPECT(stacknet_xor_2_10_2_bias_init(&net, sizeof net, 1), STACKNET_OK);
    EXPECT(stacknet_hyper_default(&h), STACKNET_OK);

    /* STACKNET_ERR_NULL */
    take_snapshot();
    EXPECT(stacknet_sigmoid(NULL, 1), STACKNET_ERR_NULL);
    EXPECT(stacknet_xor_2_10_2_bias_init(NULL, sizeof net, 1), STACKNET_ERR_NULL);
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, NULL, y, B, NULL), STACKNET_ERR_NULL);
    EXPECT(stacknet_xor_2_10_2_bias_predict(&net, x, 1, NULL), STACKNET_ERR_NULL);
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, NULL), STACKNET_ERR_NULL);
    CHECK(unchanged());

    /* STACKNET_ERR_MISALIGNED (pointers made one byte off an aligned buffer) */
    EXPECT(stacknet_sigmoid((float *)((char *)scratch.f + 1), 2), STACKNET_ERR_MISALIGNED);
    EXPECT(stacknet_xor_2_10_2_bias_init((stacknet_xor_2_10_2_bias_t *)((char *)scratch.words + 4),
                                         sizeof net, 1),
           STACKNET_ERR_MISALIGNED);
    EXPECT(stacknet_xor_2_10_2_bias_predict(&net, (const float *)((const char *)x + 2), 1, out),
           STACKNET_ERR_MISALIGNED);
    CHECK(unchanged() && out[0] == 7);

    /* STACKNET_ERR_DIMENSIONS */
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, x, y, B - 1, NULL), STACKNET_ERR_DIMENSIONS);
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, x, y, B + 1, NULL), STACKNET_ERR_DIMENSIONS);
    EXPECT(stacknet_xor_2_10_2_bias_accuracy(&net, x, y, 0, &v), STACKNET_ERR_DIMENSIONS);
    EXPECT(stacknet_matmul((size_t)-1, 2, 2, a, b, c, 0), STACKNET_ERR_DIMENSIONS);
    CHECK(unchanged() && v == 7.0f);

    /* STACKNET_ERR_BUFFER_TOO_SMALL */
    EXPECT(stacknet_xor_2_10_2_bias_init(&net, sizeof net - 1, 1), STACKNET_ERR_BUFFER_TOO_SMALL);
    EXPECT(stacknet_xor_2_10_2_bias_save(&net, blob, 10, &n), STACKNET_ERR_BUFFER_TOO_SMALL);
    CHECK(unchanged() && n == 0);

    /* STACKNET_ERR_OVERLAP */
    EXPECT(stacknet_sigmoid_backward(a, b, a, 4), STACKNET_ERR_OVERLAP);
    EXPECT(stacknet_matmul(2, 3, 2, a, b, a + 2, 0), STACKNET_ERR_OVERLAP);
    EXPECT(stacknet_xor_2_10_2_bias_predict(&net, x, 4, x + 4), STACKNET_ERR_OVERLAP);
    EXPECT(stacknet_xor_2_10_2_bias_save(&net, (uint8_t *)&net, sizeof blob, &n), STACKNET_ERR_OVERLAP);
    CHECK(unchanged() && a[0] == 1 && a[5] == 6);

    /* STACKNET_ERR_NOT_INITIALIZED: a zeroed static */
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&never_initialised, x, y, B, NULL), STACKNET_ERR_NOT_INITIALIZED);
    EXPECT(stacknet_xor_2_10_2_bias_predict(&never_initialised, x, 1, out), STACKNET_ERR_NOT_INITIALIZED);

    /* STACKNET_ERR_WRONG_MODEL: a 2-3-2 state handed to a 2-10-2 function */
    EXPECT(stacknet_xor_2_3_2_init(&other.small, sizeof other, 1), STACKNET_OK);
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&other.big, x, y, B, NULL), STACKNET_ERR_WRONG_MODEL);

    /* STACKNET_ERR_NON_FINITE */
    x[5] = NAN;
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, x, y, B, NULL), STACKNET_ERR_NON_FINITE);
    x[5] = INFINITY;
    EXPECT(stacknet_xor_2_10_2_bias_predict(&net, x, B, pred), STACKNET_ERR_NON_FINITE);
    CHECK(pred[0] == 7.0f);
    x[5] = 0.5f;
    y[0] = -INFINITY;
    EXPECT(stacknet_xor_2_10_2_bias_loss(&net, x, y, B, &v), STACKNET_ERR_NON_FINITE);
    y[0] = 1.0f;
    a[1] = NAN;
    EXPECT(stacknet_sigmoid(a, 6), STACKNET_ERR_NON_FINITE);
    CHECK(a[0] == 1 && a[5] == 6);
    a[1] = 2;
    CHECK(unchanged() && v == 7.0f);

    /* STACKNET_ERR_HYPERPARAMETER: each field out of range, one at a time */
    h.learning_rate = -1.0f;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_HYPERPARAMETER);
    stacknet_hyper_default(&h);
    h.momentum = 1.0f;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_HYPERPARAMETER);
    stacknet_hyper_default(&h);
    h.ridge = NAN;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_HYPERPARAMETER);
    stacknet_hyper_default(&h);
    h.clip = STACKNET_CLIP_NORM;
    h.clip_threshold = 0.0f;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_HYPERPARAMETER);
    stacknet_hyper_default(&h);
    h.schedule = STACKNET_SCHEDULE_STEP;
    h.step_every = 0;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_HYPERPARAMETER);
    stacknet_hyper_default(&h);
    h.schedule = 77;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_HYPERPARAMETER);
    CHECK(unchanged());

    /* STACKNET_ERR_BAD_ARGUMENT */
    EXPECT(stacknet_matmul(2, 3, 2, a, b, c, 2), STACKNET_ERR_BAD_ARGUMENT);

    /* STACKNET_ERR_DIVERGED: the step is refused, the model stays as it was */
    stacknet_hyper_default(&h);
    h.learning_rate = 3e38f;
    h.ridge = 3e38f;
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_OK);
    EXPECT(stacknet_xor_2_10_2_bias_save(&net, blob, sizeof blob, &n), STACKNET_OK);
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, x, y, B, NULL), STACKNET_ERR_DIVERGED);
    EXPECT(stacknet_xor_2_10_2_bias_save(&net, bad_blob, sizeof bad_blob, &used), STACKNET_OK);
    CHECK(n == used && memcmp(blob, bad_blob, n) == 0);
    stacknet_hyper_default(&h);
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_OK);
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, x, y, B, NULL), STACKNET_OK);
    EXPECT(stacknet_xor_2_10_2_bias_save(&net, blob, sizeof blob, &n), STACKNET_OK);

    /* STACKNET_ERR_BLOB_CORRUPT, _VERSION, _MODEL */
    take_snapshot();
    memcpy(bad_blob, blob, n);
    bad_blob[n / 2] ^= 0x10;
    EXPECT(stacknet_xor_2_10_2_bias_load(&net, bad_blob, n, &used), STACKNET_ERR_BLOB_CORRUPT);
    EXPECT(stacknet_xor_2_10_2_bias_load(&net, blob, n - 1, &used), STACKNET_ERR_BLOB_CORRUPT);
    memcpy(bad_blob, blob, n);
    bad_blob[4] = 9;
    EXPECT(stacknet_xor_2_10_2_bias_load(&net, bad_blob, n, &used), STACKNET_ERR_BLOB_VERSION);
    CHECK(unchanged());
    EXPECT(stacknet_xor_2_10_2_init(&nobias, sizeof nobias, 1), STACKNET_OK);
    EXPECT(stacknet_xor_2_10_2_load(&nobias, blob, n, &used), STACKNET_ERR_BLOB_MODEL);
    used = 0;
    EXPECT(stacknet_xor_2_10_2_bias_load(&net, blob, n, &used), STACKNET_OK);
    CHECK(used == n);

    /* STACKNET_ERR_UNAVAILABLE: no CPU runs both NEON and AVX-512 */
    {
        stacknet_status_t neon = stacknet_force_tier(STACKNET_TIER_NEON);
        stacknet_status_t avx512 = stacknet_force_tier(STACKNET_TIER_AVX512);
        uint32_t tier = 0;
        CHECK(neon == STACKNET_ERR_UNAVAILABLE || avx512 == STACKNET_ERR_UNAVAILABLE);
        EXPECT(stacknet_force_tier(STACKNET_TIER_SCALAR), STACKNET_OK);
        EXPECT(stacknet_force_tier(42), STACKNET_ERR_BAD_ARGUMENT);
        EXPECT(stacknet_simd_tier(&tier), STACKNET_OK);
        CHECK(tier == STACKNET_TIER_SCALAR);
        EXPECT(stacknet_force_tier(0), STACKNET_OK);
    }

    /* STACKNET_ERR_STATE_CORRUPT: a byte of the model changed behind the library's back (as
     * in retained RAM after a reset); every call refuses it, the state stays as it is. */
    EXPECT(stacknet_xor_2_10_2_bias_validate(&net), STACKNET_OK);
    ((uint8_t *)&net)[200] ^= 0x04;
    take_snapshot();
    EXPECT(stacknet_xor_2_10_2_bias_validate(&net), STACKNET_ERR_STATE_CORRUPT);
    EXPECT(stacknet_xor_2_10_2_bias_train_step(&net, x, y, B, NULL), STACKNET_ERR_STATE_CORRUPT);
    EXPECT(stacknet_xor_2_10_2_bias_predict(&net, x, 1, pred), STACKNET_ERR_STATE_CORRUPT);
    EXPECT(stacknet_xor_2_10_2_bias_set_hyper(&net, &h), STACKNET_ERR_STATE_CORRUPT);
    CHECK(unchanged());
    ((uint8_t *)&net)[200] ^= 0x04;
    EXPECT(stacknet_xor_2_10_2_bias_validate(&net), STACKNET_OK);

    printf("status.c: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
