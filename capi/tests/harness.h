/* What the C tests share: pass/fail counting with CHECK (each failure printed with its file
 * and line), and the XOR-of-signs batches they train on. Header-only (static inline), so a
 * test that uses part of it compiles warning-free. */
#ifndef STACKNET_TEST_HARNESS_H
#define STACKNET_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static int passed, failed;

static inline void check(const char *file, int line, const char *what, int ok) {
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("%s:%d: %s\n", file, line, what);
    }
}
#define CHECK(cond) check(__FILE__, __LINE__, #cond, (cond))

/* `rows` points of the XOR-of-signs task in [-1, 1)², one-hot targets, from xorshift32
 * reseeded per batch: batch `seed` is the same points whoever trains on it. */
static inline void xor_batch(float *px, float *py, size_t rows, uint32_t seed) {
    uint32_t s = seed * 2654435761u + 1u;
    size_t r;
    for (r = 0; r < rows; r++) {
        float a, b;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        a = (float)(s >> 8) / 8388608.0f - 1.0f;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        b = (float)(s >> 8) / 8388608.0f - 1.0f;
        px[2 * r] = a;
        px[2 * r + 1] = b;
        py[2 * r] = ((a > 0.0f) != (b > 0.0f)) ? 0.0f : 1.0f;
        py[2 * r + 1] = 1.0f - py[2 * r];
    }
}

#endif
