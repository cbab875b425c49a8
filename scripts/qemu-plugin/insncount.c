/* QEMU 7.2 TCG plugin (API v1): counts guest instructions.
 *   -plugin libinsncount.so                         total instructions
 *   -plugin libinsncount.so,start=0xA,end=0xB       also every window from the first
 *        instruction at `start` to (not incl.) the instruction at `end` (use the addresses
 *        of two marker functions; the Thumb bit is ignored), one line per window
 *   ...,prof=FILE[,profwin=N]                       also writes "pc count" for every
 *        instruction executed inside a window (only window N, counting from 0, if given),
 *        for a per-function profile (scripts/embedded/profile.py adds the symbols)
 *   ...,cut=N                                       power cut: the process ends at once
 *        (status 99, no cleanup, no output flushed by the guest) at the first translation
 *        block that starts after N guest instructions, like a supply that drops mid-run
 *   ...,start=0xA,end=0xB,marks=1                  also prints "insncount: start at T" /
 *        "insncount: end at T" each time a window opens / closes, T = instructions so far
 *        (to the end of the current translation block): where the windows are in a run, for
 *        placing cut=N (scripts/power-cut.sh)
 * Single-vCPU machines only (Cortex-M, riscv32 virt). Built by scripts/setup-cross.sh. */
#include "qemu-plugin-min.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

#define MAX_WINDOWS 64
struct counter { uint64_t pc, n; struct counter *next; };
static uint64_t total, region, windows, cur, win[MAX_WINDOWS];
static uint64_t start_pc = UINT64_MAX, end_pc = UINT64_MAX;
static bool active;
static const char *prof_path;
static int64_t prof_win = -1;
static struct counter *counters;
static uint64_t cut_at = UINT64_MAX;
static bool marks;

static void mark(const char *what) {
    char buf[80];
    snprintf(buf, sizeof buf, "insncount: %s at %" PRIu64 "\n", what, total);
    qemu_plugin_outs(buf);
}

/* Before each block runs (when cut=N): the instructions of the blocks before it are counted. */
static void on_tb(unsigned int v, void *u) {
    if (total >= cut_at) {
        char buf[80];
        int n = snprintf(buf, sizeof buf, "insncount: power cut after %" PRIu64 " instructions\n", total);
        if (write(2, buf, n) < 0) { /* nothing to do: the cut happens either way */ }
        _exit(99);
    }
}

static void on_start(unsigned int v, void *u) { active = true; cur = 0; if (marks) mark("start"); }
static void on_end(unsigned int v, void *u) {
    if (active && windows < MAX_WINDOWS) win[windows] = cur;
    if (active) windows++;
    if (active && marks) mark("end");
    active = false;
}
static void on_insn(unsigned int v, void *u) {
    if (!active) return;
    region++; cur++;
    if (u && (prof_win < 0 || (int64_t)windows == prof_win)) ((struct counter *)u)->n++;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    size_t n = qemu_plugin_tb_n_insns(tb);
    if (cut_at != UINT64_MAX) qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, NULL);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    if (start_pc == UINT64_MAX) return;
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        struct counter *c = NULL;
        if (prof_path) {  /* one counter per translated insn; merged by pc at exit */
            c = calloc(1, sizeof *c);
            c->pc = pc; c->next = counters; counters = c;
        }
        /* order matters: the window toggles first, then the counting callback */
        if (pc == end_pc) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (pc == start_pc) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, c);
    }
}

static void at_exit(qemu_plugin_id_t id, void *u) {
    char buf[256];
    snprintf(buf, sizeof buf, "insncount: total=%" PRIu64 "\n", total);
    qemu_plugin_outs(buf);
    if (start_pc == UINT64_MAX) return;
    snprintf(buf, sizeof buf, "insncount: region[0x%" PRIx64 "..0x%" PRIx64 ")=%" PRIu64 " windows=%" PRIu64 "\n",
             start_pc, end_pc, region, windows);
    qemu_plugin_outs(buf);
    for (uint64_t i = 0; i < windows && i < MAX_WINDOWS; i++) {
        snprintf(buf, sizeof buf, "insncount: window %" PRIu64 " = %" PRIu64 "\n", i, win[i]);
        qemu_plugin_outs(buf);
    }
    if (prof_path) {
        FILE *f = fopen(prof_path, "w");
        if (!f) { qemu_plugin_outs("insncount: cannot write prof file\n"); return; }
        for (struct counter *c = counters; c; c = c->next)
            if (c->n) fprintf(f, "0x%" PRIx64 " %" PRIu64 "\n", c->pc, c->n);
        fclose(f);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "start=", 6)) start_pc = strtoull(argv[i] + 6, NULL, 0) & ~1ULL;
        else if (!strncmp(argv[i], "end=", 4)) end_pc = strtoull(argv[i] + 4, NULL, 0) & ~1ULL;
        else if (!strncmp(argv[i], "prof=", 5)) prof_path = strdup(argv[i] + 5);
        else if (!strncmp(argv[i], "profwin=", 8)) prof_win = strtoll(argv[i] + 8, NULL, 0);
        else if (!strncmp(argv[i], "cut=", 4)) cut_at = strtoull(argv[i] + 4, NULL, 0);
        else if (!strncmp(argv[i], "marks=", 6)) marks = strtoull(argv[i] + 6, NULL, 0) != 0;
        else { fprintf(stderr, "insncount: unknown arg %s\n", argv[i]); return -1; }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
