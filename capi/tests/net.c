/* Run-time networks from C (`stacknet_net_*`):
 * - a 4-16-8-3 softmax classifier (tanh, then ReLU hidden layers; SGD with momentum) trains
 *   on three overlapping Gaussian-ish clusters drawn from an LCG and reaches real accuracy;
 * - save -> load into fresh buffers gives bit-identical predictions, from a const model;
 *   save -> load with the optimizer -> set_hyper continues the run (step count kept);
 * - refusals: bad descriptors, widths that do not chain, NaN input, short buffers, a flipped
 *   handle byte (refused by every call, nothing written), a flipped model bit;
 * - a handle's bytes depend only on the calls (init over 0x00 and 0xFF memory).
 * Small enough for the Cortex-M0's 16 KB of RAM: one handle, batch 4, the evaluation in
 * chunks, and the save buffer shares memory with the scratch (a union).
 * Prints "net: N passed, M failed" and exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "stacknet.h"

#define IN 4
#define OUT 3
#define BATCH 4
#define PARAMS (4 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3)
#define COLS (16 + 16 + 8 + 8 + 3)
#define OPT_FLOATS (2 + PARAMS)                 /* SGD: step count, velocity */
#define SCRATCH_FLOATS (2 * COLS * BATCH + PARAMS)
#define BLOB_BYTES (40 + 8 * PARAMS)            /* model + velocity */
#define TEST_ROWS 60
#define CHUNK 10                                /* rows per evaluation call */

static const stacknet_layer_t layers[] = {
    {STACKNET_LAYER_DENSE, IN, 16, 1},
    {STACKNET_LAYER_TANH, 0, 0, 0},
    {STACKNET_LAYER_DENSE, 16, 8, 1},
    {STACKNET_LAYER_RELU, 0, 0, 0},
    {STACKNET_LAYER_DENSE, 8, OUT, 1},
};
#define N_LAYERS (sizeof layers / sizeof layers[0])

static stacknet_net_t net;
static float model[PARAMS], model2[PARAMS], opt[OPT_FLOATS];
static union {
    float scratch[SCRATCH_FLOATS];
    uint8_t blob[BLOB_BYTES];
} mem;
static float x[BATCH * IN], y[BATCH * OUT], tx[TEST_ROWS * IN], ty[TEST_ROWS * OUT];
static float out[CHUNK * OUT], out2[CHUNK * OUT];
static stacknet_net_config_t config;

/* FNV-1a of a buffer: what a refused call must leave unchanged, without keeping a copy. */
static uint32_t fnv(const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    uint32_t h = 2166136261u;
    while (n--) h = (h ^ *b++) * 16777619u;
    return h;
}

/* The handle, model and optimizer, hashed together. */
static uint32_t all_bytes(void) { return fnv(&net, sizeof net) ^ 3u * fnv(model, sizeof model) ^ 5u * fnv(opt, sizeof opt); }

static uint32_t lcg = 1u;
static float uniform(void) {
    lcg = lcg * 1664525u + 1013904223u;
    return (float)(lcg >> 8) / 16777216.0f;
}

static void clusters(float *px, float *py, size_t rows) {
    size_t r, j;
    for (r = 0; r < rows; r++) {
        unsigned c = (unsigned)(uniform() * 3.0f) % 3u;
        for (j = 0; j < IN; j++) {
            float centre = (j == c) ? 1.5f : (j == 3 ? -0.5f * (float)c : 0.0f);
            px[r * IN + j] = centre + uniform() + uniform() + uniform() - 1.5f;
        }
        for (j = 0; j < OUT; j++) py[r * OUT + j] = (j == c) ? 1.0f : 0.0f;
    }
}

static stacknet_status_t step(stacknet_step_report_t *rep) {
    return stacknet_net_train_step(&net, model, sizeof model, opt, sizeof opt, mem.scratch, sizeof mem.scratch,
                                   x, y, BATCH, rep);
}

/* Accuracy and loss of `m` on the test set, CHUNK rows at a time (scratch: the training one). */
static int evaluate(const float *m, float *acc, float *loss) {
    size_t r;
    float a, l, sa = 0.0f, sl = 0.0f;
    for (r = 0; r < TEST_ROWS; r += CHUNK) {
        if (stacknet_net_accuracy(&net, m, sizeof model, tx + r * IN, ty + r * OUT, CHUNK, mem.scratch,
                                  sizeof mem.scratch, &a) != STACKNET_OK)
            return 1;
        if (stacknet_net_loss(&net, m, sizeof model, tx + r * IN, ty + r * OUT, CHUNK, mem.scratch,
                              sizeof mem.scratch, &l) != STACKNET_OK)
            return 1;
        sa += a * CHUNK;
        sl += l * CHUNK;
    }
    *acc = sa / TEST_ROWS;
    *loss = sl / TEST_ROWS;
    return 0;
}

static void sizes_and_descriptors(void) {
    stacknet_net_sizes_t s;
    stacknet_layer_t bad[N_LAYERS];
    stacknet_net_config_t c = config;
    CHECK(stacknet_net_sizes(layers, N_LAYERS, &config, &s) == STACKNET_OK);
    CHECK(s.handle_size == sizeof net && s.handle_size == STACKNET_NET_SIZE && s.handle_align == 8);
    CHECK(s.model_size == sizeof model && s.optimizer_size == sizeof opt);
    CHECK(s.scratch_size == sizeof mem.scratch);
    CHECK(s.predict_scratch_per_row == 4 * COLS && s.loss_scratch_per_row == 4 * (COLS + OUT));
    CHECK(s.save_with_optimizer_size == BLOB_BYTES && s.save_size == 36 + 4 * PARAMS);
    CHECK(s.inputs == IN && s.outputs == OUT && s.batch == BATCH && s.params == PARAMS);

    memcpy(bad, layers, sizeof bad);
    bad[2].inputs = 15; /* widths do not chain */
    CHECK(stacknet_net_sizes(bad, N_LAYERS, &config, &s) == STACKNET_ERR_DIMENSIONS);
    CHECK(stacknet_net_init(&net, sizeof net, bad, N_LAYERS, &config) == STACKNET_ERR_DIMENSIONS);
    memcpy(bad, layers, sizeof bad);
    bad[1].kind = 42;
    CHECK(stacknet_net_init(&net, sizeof net, bad, N_LAYERS, &config) == STACKNET_ERR_BAD_ARGUMENT);
    memcpy(bad, layers, sizeof bad);
    bad[0].bias = 2;
    CHECK(stacknet_net_init(&net, sizeof net, bad, N_LAYERS, &config) == STACKNET_ERR_BAD_ARGUMENT);
    CHECK(stacknet_net_init(&net, sizeof net, layers + 1, N_LAYERS - 1, &config) == STACKNET_ERR_DIMENSIONS);
    CHECK(stacknet_net_init(&net, sizeof net, layers, 0, &config) == STACKNET_ERR_DIMENSIONS);
    CHECK(stacknet_net_init(&net, sizeof net - 8, layers, N_LAYERS, &config) == STACKNET_ERR_BUFFER_TOO_SMALL);
    c.loss = 7;
    CHECK(stacknet_net_init(&net, sizeof net, layers, N_LAYERS, &c) == STACKNET_ERR_BAD_ARGUMENT);
    c = config;
    c.batch = 0;
    CHECK(stacknet_net_init(&net, sizeof net, layers, N_LAYERS, &c) == STACKNET_ERR_DIMENSIONS);
    c = config;
    c.l1 = -1.0f;
    CHECK(stacknet_net_init(&net, sizeof net, layers, N_LAYERS, &c) == STACKNET_ERR_HYPERPARAMETER);
    c = config;
    c.hyper.momentum = 1.0f;
    CHECK(stacknet_net_init(&net, sizeof net, layers, N_LAYERS, &c) == STACKNET_ERR_HYPERPARAMETER);
    /* Nothing above initialised the (zeroed) handle. */
    CHECK(stacknet_net_validate(&net, NULL, 0, NULL, 0) == STACKNET_ERR_NOT_INITIALIZED);
}

/* Two inits over 0x00- and 0xFF-filled memory give the same bytes (compared by hash). */
static void same_bytes_over_any_memory(void) {
    uint32_t h[2][2];
    int i;
    for (i = 0; i < 2; i++) {
        memset(&net, i ? 0xFF : 0x00, sizeof net);
        memset(model, i ? 0xFF : 0x00, sizeof model);
        CHECK(stacknet_net_init(&net, sizeof net, layers, N_LAYERS, &config) == STACKNET_OK);
        h[i][0] = fnv(&net, sizeof net);
        CHECK(stacknet_net_init_model(&net, model, sizeof model, 3, STACKNET_INIT_HE_NORMAL) == STACKNET_OK);
        h[i][1] = fnv(&net, sizeof net) ^ fnv(model, sizeof model);
    }
    CHECK(h[0][0] == h[1][0] && h[0][1] == h[1][1] && h[0][0] != h[0][1]);
}

static void train_and_reload(void) {
    stacknet_step_report_t rep;
    float acc0 = 0, loss0 = 0, acc = 0, loss = 0, acc2 = 0, loss2 = 0, first = 0;
    const float *const_model = model2;
    size_t written = 0, used = 0, r;
    uint32_t steps = 0, i, ok = 1;
    stacknet_hyper_t h;

    CHECK(stacknet_net_init(&net, sizeof net, layers, N_LAYERS, &config) == STACKNET_OK);
    CHECK(stacknet_net_init_model(&net, model, sizeof model, 7, STACKNET_INIT_HE_NORMAL) == STACKNET_OK);
    CHECK(stacknet_net_reset_optimizer(&net, opt, sizeof opt) == STACKNET_OK);
    clusters(tx, ty, TEST_ROWS);
    CHECK(evaluate(model, &acc0, &loss0) == 0);
    for (i = 1; i <= 400; i++) {
        clusters(x, y, BATCH);
        ok &= step(&rep) == STACKNET_OK;
        if (i == 1) first = rep.loss;
    }
    CHECK(ok && rep.step == 400);
    CHECK(evaluate(model, &acc, &loss) == 0);
    printf("net: 4-16-8-3 classifier, %u steps: test accuracy %.3f -> %.3f, loss %.3f -> %.3f (first batch %.3f)\n",
           (unsigned)rep.step, (double)acc0, (double)acc, (double)loss0, (double)loss, (double)first);
    CHECK(acc >= 0.85f);
    CHECK(loss < 0.5f * loss0);
    CHECK(stacknet_net_validate(&net, model, sizeof model, opt, sizeof opt) == STACKNET_OK);

    /* Model only: save, load into fresh memory, predict the same bits from a const model. */
    CHECK(stacknet_net_save(&net, model, sizeof model, mem.blob, sizeof mem.blob, &written) == STACKNET_OK);
    CHECK(written == 36 + 4 * PARAMS);
    memset(model2, 0, sizeof model2);
    CHECK(stacknet_net_load(&net, model2, sizeof model2, mem.blob, written, &used) == STACKNET_OK && used == written);
    for (r = 0; r < TEST_ROWS; r += CHUNK) {
        CHECK(stacknet_net_predict(&net, model, sizeof model, tx + r * IN, CHUNK, out, mem.scratch,
                                   sizeof mem.scratch) == STACKNET_OK);
        CHECK(stacknet_net_predict(&net, const_model, sizeof model2, tx + r * IN, CHUNK, out2, mem.scratch,
                                   sizeof mem.scratch) == STACKNET_OK);
        CHECK(memcmp(out, out2, sizeof out) == 0);
    }
    CHECK(evaluate(const_model, &acc2, &loss2) == 0);
    CHECK(acc2 == acc && loss2 == loss);

    /* With the optimizer: save at step 400, take 5 steps, load it back, set_hyper (same kind),
     * and the step count goes on from 400. */
    CHECK(stacknet_net_save_with_optimizer(&net, model, sizeof model, opt, sizeof opt, mem.blob, sizeof mem.blob,
                                           &written) == STACKNET_OK);
    CHECK(written == BLOB_BYTES);
    CHECK(stacknet_net_load_with_optimizer(&net, model, sizeof model, opt, sizeof opt, mem.blob, written, &used) ==
          STACKNET_OK);
    CHECK(stacknet_net_get_hyper(&net, &h) == STACKNET_OK && h.momentum == 0.9f);
    h.learning_rate = 0.01f;
    CHECK(stacknet_net_set_hyper(&net, &h, opt, sizeof opt) == STACKNET_OK);
    CHECK(stacknet_net_steps(&net, opt, sizeof opt, &steps) == STACKNET_OK && steps == 400);
    clusters(x, y, BATCH);
    CHECK(step(&rep) == STACKNET_OK && rep.step == 401 && rep.learning_rate == 0.01f);
}

static void refusals(void) {
    uint32_t keep;
    stacknet_step_report_t rep;
    stacknet_hyper_t h;
    size_t byte, written = 0, refused_by_all = 0;
    float v = -1.0f;
    uint32_t steps = 0;
    unsigned bit;

    clusters(x, y, BATCH);
    keep = all_bytes();
    memset(out, 0, sizeof out);

    /* NaN input, short buffers, rows other than the batch: refused, nothing changed. */
    x[3] = 0.0f / 0.0f;
    CHECK(step(&rep) == STACKNET_ERR_NON_FINITE);
    CHECK(stacknet_net_predict(&net, model, sizeof model, x, 1, out, mem.scratch, sizeof mem.scratch) ==
          STACKNET_ERR_NON_FINITE);
    x[3] = 0.5f;
    CHECK(stacknet_net_train_step(&net, model, sizeof model - 4, opt, sizeof opt, mem.scratch, sizeof mem.scratch,
                                  x, y, BATCH, &rep) == STACKNET_ERR_BUFFER_TOO_SMALL);
    CHECK(stacknet_net_train_step(&net, model, sizeof model, opt, sizeof opt - 4, mem.scratch, sizeof mem.scratch,
                                  x, y, BATCH, &rep) == STACKNET_ERR_BUFFER_TOO_SMALL);
    CHECK(stacknet_net_train_step(&net, model, sizeof model, opt, sizeof opt, mem.scratch, 100, x, y, BATCH, &rep) ==
          STACKNET_ERR_BUFFER_TOO_SMALL);
    CHECK(stacknet_net_train_step(&net, model, sizeof model, opt, sizeof opt, mem.scratch, sizeof mem.scratch, x, y,
                                  BATCH - 1, &rep) == STACKNET_ERR_DIMENSIONS);
    CHECK(stacknet_net_predict(&net, model, sizeof model, x, CHUNK, out, mem.scratch, 4 * COLS * CHUNK - 4) ==
          STACKNET_ERR_BUFFER_TOO_SMALL);
    CHECK(stacknet_net_save(&net, model, sizeof model, mem.blob, 100, &written) == STACKNET_ERR_BUFFER_TOO_SMALL);
    CHECK(stacknet_net_load(&net, model, sizeof model, mem.blob, 100, NULL) == STACKNET_ERR_BLOB_CORRUPT);
    CHECK(stacknet_net_train_step(&net, model, sizeof model, model, sizeof opt, mem.scratch, sizeof mem.scratch, x,
                                  y, BATCH, &rep) == STACKNET_ERR_OVERLAP);
    CHECK(stacknet_net_train_step(NULL, model, sizeof model, opt, sizeof opt, mem.scratch, sizeof mem.scratch, x, y,
                                  BATCH, &rep) == STACKNET_ERR_NULL);
    CHECK(all_bytes() == keep);

    /* Every bit of the handle, flipped: every call refuses and writes nothing. */
    stacknet_hyper_default(&h);
    h.momentum = 0.9f;
    for (byte = 0; byte < sizeof net; byte++) {
        for (bit = 0; bit < 8; bit++) {
            stacknet_status_t want;
            int all = 1;
            ((uint8_t *)&net)[byte] ^= (uint8_t)(1u << bit);
            want = byte < 4 ? STACKNET_ERR_NOT_INITIALIZED : STACKNET_ERR_STATE_CORRUPT;
            all &= stacknet_net_validate(&net, NULL, 0, NULL, 0) == want;
            all &= step(&rep) == want;
            all &= stacknet_net_predict(&net, model, sizeof model, x, 1, out, mem.scratch, sizeof mem.scratch) == want;
            all &= stacknet_net_accuracy(&net, model, sizeof model, x, y, 1, mem.scratch, sizeof mem.scratch, &v) ==
                   want;
            all &= stacknet_net_save(&net, model, sizeof model, (uint8_t *)out2, sizeof out2, &written) == want;
            all &= stacknet_net_set_hyper(&net, &h, opt, sizeof opt) == want;
            all &= stacknet_net_init_model(&net, model, sizeof model, 1, STACKNET_INIT_UNIFORM_FAN_IN) == want;
            all &= stacknet_net_reset_optimizer(&net, opt, sizeof opt) == want;
            all &= stacknet_net_steps(&net, opt, sizeof opt, &steps) == want;
            ((uint8_t *)&net)[byte] ^= (uint8_t)(1u << bit);
            all &= all_bytes() == keep;
            refused_by_all += (size_t)all;
        }
    }
    printf("net: %u of %u handle bit flips refused by every call, nothing written\n", (unsigned)refused_by_all,
           (unsigned)(8 * sizeof net));
    CHECK(refused_by_all == 8 * sizeof net);
    CHECK(v == -1.0f && steps == 0 && written == 0);

    /* A flipped model bit: validate and a training step refuse; restored, both accept. */
    ((uint8_t *)model)[100] ^= 4u;
    CHECK(stacknet_net_validate(&net, model, sizeof model, opt, sizeof opt) == STACKNET_ERR_STATE_CORRUPT);
    CHECK(step(&rep) == STACKNET_ERR_STATE_CORRUPT);
    ((uint8_t *)model)[100] ^= 4u;
    CHECK(stacknet_net_validate(&net, model, sizeof model, opt, sizeof opt) == STACKNET_OK);
    CHECK(step(&rep) == STACKNET_OK && rep.step == 402);
}

int main(void) {
    config.loss = STACKNET_LOSS_SOFTMAX_CE;
    config.batch = BATCH;
    config.l1 = 0.0f;
    stacknet_hyper_default(&config.hyper);
    config.hyper.learning_rate = 0.05f;
    config.hyper.momentum = 0.9f;
    config.hyper.ridge = 1e-4f;
    sizes_and_descriptors();
    same_bytes_over_any_memory();
    train_and_reload();
    refusals();
    printf("net: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
