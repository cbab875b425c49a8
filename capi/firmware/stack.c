/* Stack use of each C API call on a Cortex-M4F, measured by painting: fill the stack below
 * the current stack pointer with a pattern, make the call, and find the deepest byte that
 * changed. The model state is a static, so this is all the RAM a call needs beyond it.
 * Prints one line per call; exits 1 if a call's use reaches the painted limit. */
#include <stdint.h>
#include <stdio.h>

#include "stacknet.h"

#define PAINT 16384u
#define B STACKNET_XOR_2_50_2_BIAS_BATCH

static stacknet_xor_2_50_2_bias_t net;
static float x[B * 2], y[B * 2], out[B * 2], w[2 * 50], c[32 * 50];
static uint8_t blob[STACKNET_XOR_2_50_2_BIAS_SAVE_SIZE];
static int failures;

/* A network described at run time: 4-16-8-3, tanh and ReLU, softmax cross-entropy. */
#define RB 16
static const stacknet_layer_t layers[] = {
    {STACKNET_LAYER_DENSE, 4, 16, 1}, {STACKNET_LAYER_TANH, 0, 0, 0}, {STACKNET_LAYER_DENSE, 16, 8, 1},
    {STACKNET_LAYER_RELU, 0, 0, 0},   {STACKNET_LAYER_DENSE, 8, 3, 1},
};
static stacknet_net_t rnet;
static float rmodel[256], ropt[2 + 2 * 256], rscratch[2048], rx[RB * 4], ry[RB * 3], rout[RB * 3];
static uint8_t rblob[4096];

static uintptr_t stack_pointer(void) {
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paint [sp - PAINT, sp - 32), make the call, scan up from the bottom for the first
 * changed byte. Written as a macro so that the call's frames start right below main's. */
#define MEASURE(label, call)                                                              \
    do {                                                                                  \
        uintptr_t top_ = stack_pointer();                                                 \
        volatile uint8_t *lo_ = (volatile uint8_t *)(top_ - PAINT), *p_;                  \
        stacknet_status_t s_;                                                             \
        unsigned used_;                                                                   \
        for (p_ = lo_; p_ < (volatile uint8_t *)(top_ - 32); p_++) *p_ = 0xA5;            \
        s_ = (call);                                                                      \
        for (p_ = lo_; p_ < (volatile uint8_t *)top_ && *p_ == 0xA5; p_++) {}             \
        used_ = (unsigned)(top_ - (uintptr_t)p_);                                         \
        printf("%-34s %5u bytes%s\n", label, used_, s_ == STACKNET_OK ? "" : "  (call failed)"); \
        if (s_ != STACKNET_OK || used_ + 64 >= PAINT) failures++;                         \
    } while (0)

int main(void) {
    stacknet_hyper_t h;
    size_t i, n = 0;
    float v;
    for (i = 0; i < B; i++) {
        x[2 * i] = (float)(i % 2) - 0.5f;
        x[2 * i + 1] = (float)((i / 2) % 2) - 0.5f;
        y[2 * i + (i % 2 != (i / 2) % 2)] = 1.0f;
    }
    printf("stack use per call, 2-50-2 with biases, batch %u (state: %u bytes, static)\n", (unsigned)B,
           (unsigned)sizeof net);
    MEASURE("init", stacknet_xor_2_50_2_bias_init(&net, sizeof net, 1));
    stacknet_hyper_default(&h);
    h.momentum = 0.5f;
    h.clip = STACKNET_CLIP_NORM;
    h.ridge = 1e-4f;
    MEASURE("set_hyper", stacknet_xor_2_50_2_bias_set_hyper(&net, &h));
    MEASURE("train_step", stacknet_xor_2_50_2_bias_train_step(&net, x, y, B, NULL));
    MEASURE("predict", stacknet_xor_2_50_2_bias_predict(&net, x, B, out));
    MEASURE("loss", stacknet_xor_2_50_2_bias_loss(&net, x, y, B, &v));
    MEASURE("accuracy", stacknet_xor_2_50_2_bias_accuracy(&net, x, y, B, &v));
    MEASURE("save", stacknet_xor_2_50_2_bias_save(&net, blob, sizeof blob, &n));
    MEASURE("load", stacknet_xor_2_50_2_bias_load(&net, blob, n, NULL));
    MEASURE("matmul 32x2 * 2x50", stacknet_matmul(32, 2, 50, x, w, c, 0));
    MEASURE("sigmoid 64", stacknet_sigmoid(out, 64));
    h.optimizer = STACKNET_OPTIMIZER_ADAMW;
    h.learning_rate = 0.01f;
    MEASURE("set_hyper (AdamW)", stacknet_xor_2_50_2_bias_set_hyper(&net, &h));
    MEASURE("train_step (AdamW)", stacknet_xor_2_50_2_bias_train_step(&net, x, y, B, NULL));
    MEASURE("save (AdamW)", stacknet_xor_2_50_2_bias_save(&net, blob, sizeof blob, &n));
    MEASURE("load (AdamW)", stacknet_xor_2_50_2_bias_load(&net, blob, n, NULL));

    {
        const size_t nl = sizeof layers / sizeof layers[0];
        stacknet_net_config_t config;
        stacknet_net_sizes_t sizes;
        for (i = 0; i < RB; i++) {
            rx[4 * i + i % 4] = 1.0f;
            ry[3 * i + i % 3] = 1.0f;
        }
        stacknet_hyper_default(&config.hyper);
        config.hyper.momentum = 0.5f;
        config.hyper.clip = STACKNET_CLIP_NORM;
        config.hyper.ridge = 1e-4f;
        config.loss = STACKNET_LOSS_SOFTMAX_CE;
        config.batch = RB;
        config.l1 = 0.0f;
        printf("run-time network 4-16-8-3 (tanh, ReLU, softmax cross-entropy), batch %u\n", (unsigned)RB);
        MEASURE("net_sizes", stacknet_net_sizes(layers, nl, &config, &sizes));
        if (sizes.model_size > sizeof rmodel || sizes.optimizer_size > sizeof ropt ||
            sizes.scratch_size > sizeof rscratch || sizes.save_with_optimizer_size > sizeof rblob) {
            printf("a run-time buffer is too small\n");
            return 1;
        }
        MEASURE("net_init", stacknet_net_init(&rnet, sizeof rnet, layers, nl, &config));
        MEASURE("net_init_model", stacknet_net_init_model(&rnet, rmodel, sizeof rmodel, 1, STACKNET_INIT_HE_NORMAL));
        MEASURE("net_reset_optimizer", stacknet_net_reset_optimizer(&rnet, ropt, sizeof ropt));
        MEASURE("net_train_step", stacknet_net_train_step(&rnet, rmodel, sizeof rmodel, ropt, sizeof ropt, rscratch,
                                                          sizeof rscratch, rx, ry, RB, NULL));
        MEASURE("net_predict", stacknet_net_predict(&rnet, rmodel, sizeof rmodel, rx, RB, rout, rscratch,
                                                    sizeof rscratch));
        MEASURE("net_loss", stacknet_net_loss(&rnet, rmodel, sizeof rmodel, rx, ry, RB, rscratch, sizeof rscratch, &v));
        MEASURE("net_accuracy",
                stacknet_net_accuracy(&rnet, rmodel, sizeof rmodel, rx, ry, RB, rscratch, sizeof rscratch, &v));
        MEASURE("net_save_with_optimizer", stacknet_net_save_with_optimizer(&rnet, rmodel, sizeof rmodel, ropt,
                                                                            sizeof ropt, rblob, sizeof rblob, &n));
        MEASURE("net_load_with_optimizer", stacknet_net_load_with_optimizer(&rnet, rmodel, sizeof rmodel, ropt,
                                                                            sizeof ropt, rblob, n, NULL));
        config.hyper.optimizer = STACKNET_OPTIMIZER_ADAMW;
        config.hyper.learning_rate = 0.01f;
        MEASURE("net_set_hyper (AdamW)", stacknet_net_set_hyper(&rnet, &config.hyper, ropt, sizeof ropt));
        MEASURE("net_train_step (AdamW)", stacknet_net_train_step(&rnet, rmodel, sizeof rmodel, ropt, sizeof ropt,
                                                                  rscratch, sizeof rscratch, rx, ry, RB, NULL));
        MEASURE("net_validate", stacknet_net_validate(&rnet, rmodel, sizeof rmodel, ropt, sizeof ropt));
    }
    return failures == 0 ? 0 : 1;
}
