/* A model state's integrity and lifecycle, from C:
 * - every single-bit flip of a trained state is refused by `validate` and by a training step
 *   with a documented status and the state left as it was, or lies in the scratch
 *   workspace, where it changes no output;
 * - a state's bytes depend only on the calls that made it, not on what the memory held
 *   (states built over 0x00 and over 0xFF compare equal after every call);
 * - init -> load -> set_hyper continues the loaded run (the step counter goes on).
 * Prints "N passed, M failed" and exits non-zero on any failure. Runs on a hosted OS and on
 * a Cortex-M4F (newlib). The `heap` state is malloc'd and never filled, for valgrind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "stacknet.h"

#define B STACKNET_XOR_2_3_2_BIAS_BATCH
#define SIZE STACKNET_XOR_2_3_2_BIAS_STATE_SIZE
typedef stacknet_xor_2_3_2_bias_t net_t;

static net_t good, flipped, copy, zeros, ones;
static float x[B * 2], y[B * 2], out_ref[B * 2], out[B * 2];
static uint8_t blob[STACKNET_XOR_2_3_2_BIAS_SAVE_SIZE];

/* Steps batches first..first+n-1 on `s`; 0 if every step succeeded. */
static int train(net_t *s, uint32_t first, uint32_t n, stacknet_step_report_t *rep) {
    uint32_t i;
    for (i = first; i < first + n; i++) {
        xor_batch(x, y, B, i);
        if (stacknet_xor_2_3_2_bias_train_step(s, x, y, B, rep) != STACKNET_OK) return 1;
    }
    return 0;
}

static stacknet_hyper_t sgd_momentum(float lr) {
    stacknet_hyper_t h;
    stacknet_hyper_default(&h);
    h.learning_rate = lr;
    h.momentum = 0.9f;
    return h;
}

static stacknet_hyper_t adam(uint32_t kind, float lr) {
    stacknet_hyper_t h;
    stacknet_hyper_default(&h);
    h.optimizer = kind;
    h.learning_rate = lr;
    return h;
}

/* Every bit of a trained Adam state, flipped one at a time. */
static void bit_flips(void) {
    size_t bit, checked = 0, detected = 0, harmless = 0, undetected_in_checked = 0, bad_status = 0;
    size_t changed_by_refusal = 0, changed_output = 0;
    stacknet_hyper_t h = adam(STACKNET_OPTIMIZER_ADAMW, 0.05f);
    CHECK(stacknet_xor_2_3_2_bias_init(&good, sizeof good, 5) == STACKNET_OK);
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(&good, &h) == STACKNET_OK);
    CHECK(train(&good, 1, 20, NULL) == 0);
    CHECK(stacknet_xor_2_3_2_bias_validate(&good) == STACKNET_OK);
    xor_batch(x, y, B, 99);
    memcpy(&copy, &good, sizeof good);
    CHECK(stacknet_xor_2_3_2_bias_predict(&copy, x, B, out_ref) == STACKNET_OK);
    for (bit = 0; bit < 8 * (size_t)SIZE; bit++) {
        stacknet_status_t v, want;
        memcpy(&flipped, &good, sizeof good);
        ((uint8_t *)&flipped)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        v = stacknet_xor_2_3_2_bias_validate(&flipped);
        if (v == STACKNET_OK) {
            /* Past the checked bytes: scratch that every call writes before reading it. */
            harmless++;
            if (bit / 8 < checked) undetected_in_checked++;
            if (stacknet_xor_2_3_2_bias_predict(&flipped, x, B, out) != STACKNET_OK ||
                memcmp(out, out_ref, sizeof out) != 0) {
                changed_output++;
            }
            continue;
        }
        detected++;
        checked = bit / 8 + 1;
        want = bit < 32 ? STACKNET_ERR_NOT_INITIALIZED
             : bit < 64 ? STACKNET_ERR_WRONG_MODEL
                        : STACKNET_ERR_STATE_CORRUPT;
        memcpy(&copy, &flipped, sizeof flipped);
        if (v != want || stacknet_xor_2_3_2_bias_train_step(&flipped, x, y, B, NULL) != want ||
            stacknet_xor_2_3_2_bias_set_hyper(&flipped, &h) != want) {
            bad_status++;
        }
        if (memcmp(&copy, &flipped, sizeof flipped) != 0) changed_by_refusal++;
    }
    printf("integrity: %lu of %lu bit flips detected (every bit of the first %lu bytes); "
           "%lu in the workspace changed no output\n",
           (unsigned long)detected, (unsigned long)(8 * (size_t)SIZE), (unsigned long)checked,
           (unsigned long)(harmless - changed_output));
    CHECK(detected == 8 * checked);
    CHECK(undetected_in_checked == 0);
    CHECK(bad_status == 0);
    CHECK(changed_by_refusal == 0);
    CHECK(changed_output == 0);
    CHECK(checked > 300); /* header, hyperparameters, model and Adam's moments */
}

/* The same calls over memory filled with 0x00 and with 0xFF give the same bytes. */
static void same_bytes_over_any_memory(void) {
    stacknet_hyper_t h = adam(STACKNET_OPTIMIZER_ADAM, 0.02f), s = sgd_momentum(0.5f);
    size_t n = 0;
    int same = 1;
    memset(&zeros, 0x00, sizeof zeros);
    memset(&ones, 0xFF, sizeof ones);
    CHECK(stacknet_xor_2_3_2_bias_init(&zeros, sizeof zeros, 8) == STACKNET_OK);
    CHECK(stacknet_xor_2_3_2_bias_init(&ones, sizeof ones, 8) == STACKNET_OK);
    same &= memcmp(&zeros, &ones, sizeof zeros) == 0;
    CHECK(train(&zeros, 1, 3, NULL) == 0 && train(&ones, 1, 3, NULL) == 0);
    same &= memcmp(&zeros, &ones, sizeof zeros) == 0;
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(&zeros, &h) == STACKNET_OK);
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(&ones, &h) == STACKNET_OK);
    CHECK(train(&zeros, 4, 3, NULL) == 0 && train(&ones, 4, 3, NULL) == 0);
    same &= memcmp(&zeros, &ones, sizeof zeros) == 0;
    CHECK(stacknet_xor_2_3_2_bias_save(&zeros, blob, sizeof blob, &n) == STACKNET_OK);
    CHECK(stacknet_xor_2_3_2_bias_load(&ones, blob, n, NULL) == STACKNET_OK);
    CHECK(stacknet_xor_2_3_2_bias_load(&zeros, blob, n, NULL) == STACKNET_OK);
    same &= memcmp(&zeros, &ones, sizeof zeros) == 0;
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(&zeros, &s) == STACKNET_OK);
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(&ones, &s) == STACKNET_OK);
    same &= memcmp(&zeros, &ones, sizeof zeros) == 0;
    CHECK(same);
}

/* init -> [set_hyper for an Adam blob] -> load -> set_hyper goes on from the loaded step. */
static void lifecycle(void) {
    enum { STEPS = 500 };
    stacknet_step_report_t ra, rb;
    stacknet_hyper_t first = sgd_momentum(0.5f), then = sgd_momentum(0.25f);
    size_t n = 0;
    int round;
    for (round = 0; round < 2; round++) {
        if (round == 1) {
            first = adam(STACKNET_OPTIMIZER_ADAM, 0.05f);
            then = adam(STACKNET_OPTIMIZER_ADAMW, 0.02f);
        }
        CHECK(stacknet_xor_2_3_2_bias_init(&good, sizeof good, 1) == STACKNET_OK);
        CHECK(stacknet_xor_2_3_2_bias_set_hyper(&good, &first) == STACKNET_OK);
        CHECK(train(&good, 1, STEPS, NULL) == 0);
        CHECK(stacknet_xor_2_3_2_bias_save(&good, blob, sizeof blob, &n) == STACKNET_OK);
        CHECK(stacknet_xor_2_3_2_bias_init(&copy, sizeof copy, 2) == STACKNET_OK);
        if (round == 1) {
            /* An Adam blob needs an Adam state: a fresh state is SGD. */
            CHECK(stacknet_xor_2_3_2_bias_load(&copy, blob, n, NULL) == STACKNET_ERR_BLOB_MODEL);
            CHECK(stacknet_xor_2_3_2_bias_set_hyper(&copy, &first) == STACKNET_OK);
        }
        CHECK(stacknet_xor_2_3_2_bias_load(&copy, blob, n, NULL) == STACKNET_OK);
        CHECK(stacknet_xor_2_3_2_bias_set_hyper(&copy, &then) == STACKNET_OK);
        CHECK(stacknet_xor_2_3_2_bias_set_hyper(&good, &then) == STACKNET_OK);
        CHECK(train(&good, 1000, 1, &ra) == 0 && train(&copy, 1000, 1, &rb) == 0);
        CHECK(rb.step == STEPS + 1);
        CHECK(memcmp(&ra, &rb, sizeof ra) == 0);
        CHECK(memcmp(&good, &copy, sizeof good) == 0);
    }
    /* Between SGD and Adam the optimizer starts again (the weights stay). */
    first = sgd_momentum(0.5f);
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(&copy, &first) == STACKNET_OK);
    CHECK(train(&copy, 1001, 1, &rb) == 0);
    CHECK(rb.step == 1);
    printf("lifecycle: init -> load -> set_hyper continued at step %u\n", (unsigned)(STEPS + 1));
}

/* A state in memory that was never written: valgrind reports any byte the library leaves
 * undefined, when the hash of every byte is printed. */
static void uninitialised_memory(void) {
    net_t *heap = malloc(sizeof *heap);
    stacknet_hyper_t h = adam(STACKNET_OPTIMIZER_ADAMW, 0.02f);
    uint32_t hash = 2166136261u;
    size_t i;
    if (heap == NULL) return;
    CHECK(stacknet_xor_2_3_2_bias_init(heap, sizeof *heap, 3) == STACKNET_OK);
    CHECK(train(heap, 1, 2, NULL) == 0);
    CHECK(stacknet_xor_2_3_2_bias_set_hyper(heap, &h) == STACKNET_OK);
    CHECK(train(heap, 3, 2, NULL) == 0);
    for (i = 0; i < sizeof *heap; i++) hash = (hash ^ ((const uint8_t *)heap)[i]) * 16777619u;
    printf("uninitialised memory: state hash %08lx\n", (unsigned long)hash);
    free(heap);
}

int main(void) {
    bit_flips();
    same_bytes_over_any_memory();
    lifecycle();
    uninitialised_memory();
    printf("integrity: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
