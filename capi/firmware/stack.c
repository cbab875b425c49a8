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
    return failures == 0 ? 0 : 1;
}
