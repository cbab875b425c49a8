/* Adam and AdamW from C: each trains the XOR-of-signs task (the loss must drop and the
 * accuracy reach 90%), every bad Adam/AdamW hyperparameter is refused with the state left
 * byte for byte as it was, and save -> load -> continue equals the uninterrupted run bit for
 * bit. Prints "N passed, M failed" and exits non-zero on any failure. Runs on a hosted OS
 * and on a Cortex-M4F (newlib). No malloc: the states are statics. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "stacknet.h"

#define B STACKNET_XOR_2_10_2_BIAS_BATCH
#define TEST_ROWS 400

static stacknet_xor_2_10_2_bias_t net, resumed, snapshot;
static float x[B * 2], y[B * 2], tx[TEST_ROWS * 2], ty[TEST_ROWS * 2];
static uint8_t blob[STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE], again[STACKNET_XOR_2_10_2_BIAS_SAVE_SIZE];

/* Steps batches first..first+n-1 on `s`; 0 if every step succeeded. */
static int train(stacknet_xor_2_10_2_bias_t *s, uint32_t first, uint32_t n, stacknet_step_report_t *rep) {
    uint32_t i;
    for (i = first; i < first + n; i++) {
        xor_batch(x, y, B, i);
        if (stacknet_xor_2_10_2_bias_train_step(s, x, y, B, rep) != STACKNET_OK) return 1;
    }
    return 0;
}

static void take_snapshot(void) { memcpy(&snapshot, &net, sizeof net); }
static int unchanged(void) { return memcmp(&snapshot, &net, sizeof net) == 0; }

/* Sets `h` with one field spoiled by `bad`, expects STACKNET_ERR_HYPERPARAMETER and an
 * unchanged state. */
static void refused(int line, const char *what, const stacknet_hyper_t *h) {
    take_snapshot();
    check(__FILE__, line, what, stacknet_xor_2_10_2_bias_set_hyper(&net, h) == STACKNET_ERR_HYPERPARAMETER);
    check(__FILE__, line, what, unchanged());
}

static void run(uint32_t optimizer, const char *name) {
    stacknet_hyper_t h, bad, back;
    stacknet_step_report_t r1, r2;
    float first = 0.0f, last = 0.0f, acc = 0.0f;
    size_t n = 0, m = 0, used = 0;

    CHECK(stacknet_xor_2_10_2_bias_init(&net, sizeof net, 7) == STACKNET_OK);
    CHECK(stacknet_hyper_default(&h) == STACKNET_OK);
    h.optimizer = optimizer;
    h.learning_rate = 0.05f;
    h.clip = STACKNET_CLIP_NORM;
    h.clip_threshold = 5.0f;
    if (optimizer == STACKNET_OPTIMIZER_ADAMW) h.weight_decay = 1e-3f;
    CHECK(stacknet_xor_2_10_2_bias_set_hyper(&net, &h) == STACKNET_OK);
    CHECK(stacknet_xor_2_10_2_bias_get_hyper(&net, &back) == STACKNET_OK);
    CHECK(memcmp(&back, &h, sizeof h) == 0);

    /* Each Adam field out of range, one at a time. */
    bad = h; bad.optimizer = 3u; refused(__LINE__, "optimizer 3", &bad);
    bad = h; bad.beta1 = 1.0f; refused(__LINE__, "beta1 1", &bad);
    bad = h; bad.beta1 = -0.5f; refused(__LINE__, "beta1 < 0", &bad);
    bad = h; bad.beta2 = 1.0f; refused(__LINE__, "beta2 1", &bad);
    bad = h; bad.eps = 0.0f; refused(__LINE__, "eps 0", &bad);
    bad = h; bad.eps = -1e-8f; refused(__LINE__, "eps < 0", &bad);
    bad = h; bad.learning_rate = 0.0f; refused(__LINE__, "lr 0", &bad);
    if (optimizer == STACKNET_OPTIMIZER_ADAMW) {
        bad = h; bad.weight_decay = -1e-3f; refused(__LINE__, "weight decay < 0", &bad);
    }

    /* Training: the loss on held-out points drops and XOR is learnt. */
    xor_batch(tx, ty, TEST_ROWS, 99999u);
    CHECK(stacknet_xor_2_10_2_bias_loss(&net, tx, ty, TEST_ROWS, &first) == STACKNET_OK);
    CHECK(train(&net, 1, 400, &r1) == 0);
    CHECK(r1.step == 400);
    CHECK(stacknet_xor_2_10_2_bias_loss(&net, tx, ty, TEST_ROWS, &last) == STACKNET_OK);
    CHECK(stacknet_xor_2_10_2_bias_accuracy(&net, tx, ty, TEST_ROWS, &acc) == STACKNET_OK);
    CHECK(last < first / 2.0f);
    CHECK(acc >= 0.9f);
    printf("%s: loss %.4f -> %.4f after 400 steps, accuracy %.3f\n", name, (double)first, (double)last,
           (double)acc);

    /* Save, load into a state of another seed with the same hyperparameters, continue both. */
    CHECK(stacknet_xor_2_10_2_bias_save(&net, blob, sizeof blob, &n) == STACKNET_OK);
    CHECK(n == sizeof blob); /* with biases the Adam blob fills SAVE_SIZE exactly */
    CHECK(stacknet_xor_2_10_2_bias_init(&resumed, sizeof resumed, 8) == STACKNET_OK);
    /* An SGD state refuses the Adam blob and is left as it was. */
    memcpy(&snapshot, &resumed, sizeof resumed);
    CHECK(stacknet_xor_2_10_2_bias_load(&resumed, blob, n, &used) == STACKNET_ERR_BLOB_MODEL);
    CHECK(memcmp(&snapshot, &resumed, sizeof resumed) == 0 && used == 0);
    CHECK(stacknet_xor_2_10_2_bias_set_hyper(&resumed, &h) == STACKNET_OK);
    CHECK(stacknet_xor_2_10_2_bias_load(&resumed, blob, n, &used) == STACKNET_OK && used == n);
    CHECK(train(&net, 401, 50, &r1) == 0);
    CHECK(train(&resumed, 401, 50, &r2) == 0);
    CHECK(r1.step == 450 && memcmp(&r1, &r2, sizeof r1) == 0);
    CHECK(stacknet_xor_2_10_2_bias_save(&net, blob, sizeof blob, &n) == STACKNET_OK);
    CHECK(stacknet_xor_2_10_2_bias_save(&resumed, again, sizeof again, &m) == STACKNET_OK);
    CHECK(n == m && memcmp(blob, again, n) == 0);
}

int main(void) {
    CHECK(sizeof(stacknet_hyper_t) == STACKNET_HYPER_SIZE);
    CHECK(STACKNET_HYPER_SIZE % STACKNET_HYPER_ALIGN == 0);
    run(STACKNET_OPTIMIZER_ADAM, "adam");
    run(STACKNET_OPTIMIZER_ADAMW, "adamw");
    printf("adam.c: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
