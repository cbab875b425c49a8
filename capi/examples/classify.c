/* A network of your own shape from C: a 4-16-8-3 classifier (tanh and ReLU hidden layers,
 * softmax cross-entropy, Adam) on three Gaussian-ish clusters, described at run time.
 * Describe -> size query -> static buffers -> train -> report -> save -> load -> predict.
 * Exit status 0 when the trained model classifies at least 90% of fresh points right and the
 * reloaded model predicts the same bits. No malloc: every buffer is a static array.
 * Builds unchanged on a hosted OS and on a Cortex-M4F with newlib. */
#include <stdio.h>
#include <string.h>

#include "stacknet.h"

#define IN 4
#define OUT 3
#define BATCH 16
#define TEST_ROWS 300
/* Floats of each buffer for this shape (the size query below checks them):
 * parameters = 4*16+16 + 16*8+8 + 8*3+3; activations per row = 16+16+8+8+3. */
#define PARAMS (4 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3)
#define COLS (16 + 16 + 8 + 8 + 3)
#define OPT_FLOATS (2 + 2 * PARAMS)            /* Adam: step count, two moments */
#define SCRATCH_FLOATS (2 * COLS * BATCH + PARAMS)
#define EVAL_FLOATS ((COLS + OUT) * TEST_ROWS) /* predict, loss and accuracy on the test set */
#define BLOB_BYTES (40 + 12 * PARAMS)

static const stacknet_layer_t layers[] = {
    {STACKNET_LAYER_DENSE, IN, 16, 1},
    {STACKNET_LAYER_TANH, 0, 0, 0},
    {STACKNET_LAYER_DENSE, 16, 8, 1},
    {STACKNET_LAYER_RELU, 0, 0, 0},
    {STACKNET_LAYER_DENSE, 8, OUT, 1},
};

static stacknet_net_t net;
static float model[PARAMS], opt[OPT_FLOATS], scratch[SCRATCH_FLOATS], eval[EVAL_FLOATS];
static float loaded[PARAMS], loaded_opt[OPT_FLOATS];
static float x[BATCH * IN], y[BATCH * OUT], tx[TEST_ROWS * IN], ty[TEST_ROWS * OUT];
static float out[TEST_ROWS * OUT], out2[TEST_ROWS * OUT];
static uint8_t blob[BLOB_BYTES];

/* An LCG: the same points on every target. */
static uint32_t seed = 12345u;
static float uniform(void) {
    seed = seed * 1664525u + 1013904223u;
    return (float)(seed >> 8) / 16777216.0f; /* [0, 1) */
}

/* Class c's points lie around a centre of its own; the spread is a sum of uniforms. */
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
    const size_t n_layers = sizeof layers / sizeof layers[0];
    const float *flash_model = loaded; /* predict takes a const model: it may sit in flash */
    stacknet_net_config_t config;
    stacknet_net_sizes_t sizes;
    stacknet_step_report_t report;
    float loss = 0.0f, acc = 0.0f;
    size_t written = 0, used = 0;
    uint32_t steps = 0;
    int step;

    /* Describe: softmax cross-entropy, batch 16, Adam with a small ridge. */
    config.loss = STACKNET_LOSS_SOFTMAX_CE;
    config.batch = BATCH;
    config.l1 = 0.0f;
    CHECK(stacknet_hyper_default(&config.hyper));
    config.hyper.optimizer = STACKNET_OPTIMIZER_ADAM;
    config.hyper.learning_rate = 0.01f;
    config.hyper.ridge = 1e-4f;

    /* Ask what the buffers need; the static arrays above must be at least that. */
    CHECK(stacknet_net_sizes(layers, n_layers, &config, &sizes));
    printf("handle %u B, model %u B, optimizer %u B, scratch %u B, %u B/row to predict, blob %u B\n",
           (unsigned)sizes.handle_size, (unsigned)sizes.model_size, (unsigned)sizes.optimizer_size,
           (unsigned)sizes.scratch_size, (unsigned)sizes.predict_scratch_per_row,
           (unsigned)sizes.save_with_optimizer_size);
    if (sizes.model_size > sizeof model || sizes.optimizer_size > sizeof opt ||
        sizes.scratch_size > sizeof scratch || sizes.loss_scratch_per_row * TEST_ROWS > sizeof eval ||
        sizes.save_with_optimizer_size > sizeof blob || sizes.handle_size > sizeof net) {
        printf("FAIL: a buffer is too small\n");
        return 1;
    }

    CHECK(stacknet_net_init(&net, sizeof net, layers, n_layers, &config));
    CHECK(stacknet_net_init_model(&net, model, sizeof model, 7, STACKNET_INIT_HE_NORMAL));
    CHECK(stacknet_net_reset_optimizer(&net, opt, sizeof opt));

    for (step = 1; step <= 600; step++) {
        clusters(x, y, BATCH);
        CHECK(stacknet_net_train_step(&net, model, sizeof model, opt, sizeof opt, scratch, sizeof scratch,
                                      x, y, BATCH, &report));
        if (step % 150 == 0) printf("step %4u  loss %.4f\n", (unsigned)report.step, (double)report.loss);
    }

    clusters(tx, ty, TEST_ROWS);
    CHECK(stacknet_net_loss(&net, model, sizeof model, tx, ty, TEST_ROWS, eval, sizeof eval, &loss));
    CHECK(stacknet_net_accuracy(&net, model, sizeof model, tx, ty, TEST_ROWS, eval, sizeof eval, &acc));
    printf("test loss %.4f  accuracy %.3f on %d fresh points\n", (double)loss, (double)acc, TEST_ROWS);

    /* Save weights and Adam's state; load them into fresh buffers; same predictions. */
    CHECK(stacknet_net_save_with_optimizer(&net, model, sizeof model, opt, sizeof opt, blob, sizeof blob,
                                           &written));
    CHECK(stacknet_net_load_with_optimizer(&net, loaded, sizeof loaded, loaded_opt, sizeof loaded_opt,
                                           blob, written, &used));
    CHECK(stacknet_net_steps(&net, loaded_opt, sizeof loaded_opt, &steps));
    CHECK(stacknet_net_predict(&net, model, sizeof model, tx, TEST_ROWS, out, eval, sizeof eval));
    CHECK(stacknet_net_predict(&net, flash_model, sizeof loaded, tx, TEST_ROWS, out2, eval, sizeof eval));
    printf("saved %u bytes at step %u; reloaded predictions %s\n", (unsigned)written, (unsigned)steps,
           memcmp(out, out2, sizeof out) == 0 ? "identical" : "DIFFERENT");

    if (acc >= 0.9f && used == written && steps == 600 && memcmp(out, out2, sizeof out) == 0) {
        printf("PASS\n");
        return 0;
    }
    printf("FAIL\n");
    return 1;
}
