// inscount.c is a qemu TCG plugin that counts the guest instructions a process
// executes and prints the running total at marks the program sets itself, so
// that the cost of k inferences is the difference between two marks in one
// process (start-up, model loading and JIT warm-up fall outside it).
//
// A mark is a write(2) of exactly MARK_LEN bytes (any fd: the programs write
// to /dev/null); the plugin sees the system call's number and arguments
// before it runs and prints "inscount-mark <total>" on qemu's log (stderr).
//
// With the argument "profile" (-plugin libinscount.so,profile=on) it also
// counts the executions of every translated block inside the program's
// measured intervals (from mark 1 to mark 2, from mark 3 to mark 4, ...: a
// program that marks only around one stage of its loop profiles that stage)
// and prints "inscount-tb <address> <instructions> <executions>" for each
// when the program exits, for a per-function profile (tools/ort/inscount -profile).
//
// With "hist" (-plugin libinscount.so,hist=on) it counts every executed
// instruction under a key made from its disassembly (the mnemonic, ".v" for
// an Advanced SIMD operand, ".vN" for a load or store of N vector registers,
// "?" and the encoding for what qemu's disassembler does not know) and, at
// every mark, prints "inscount-hist <key> <total>" for each key seen so far
// and then "inscount-mark <total>": the instruction mix of each stage, for
// the per-core cost model (tools/ort/inscount/cores.go).
//
// Counting: every translated block adds its instruction count to one 64-bit
// counter when it executes (an inline add, no call out of generated code).
// The add is not atomic, so instructions of two threads running at the same
// instant could be lost; the measured programs do their work on one thread.
//
// The qemu plugin API (include/qemu/qemu-plugin.h, QEMU 7.2) is declared
// below because Debian ships qemu's plugin loader but not its header: only
// the handful of entry points used here, with their documented signatures.
// Built by tools/ort/inscount with: cc -shared -fPIC -O2 inscount.c.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MARK_LEN 65521
#define AARCH64_SYS_WRITE 64

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*syscall_cb)(qemu_plugin_id_t id, unsigned int vcpu, int64_t num,
                           uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                           uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *userdata);
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_syscall_cb(qemu_plugin_id_t id, syscall_cb cb);
void qemu_plugin_outs(const char *string);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
struct qemu_plugin_insn;
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 1;

static uint64_t total;

// Profile mode: one record per translation, chained for the report.
struct block {
    uint64_t vaddr, insns, execs;
    struct block *next;
};
static int profile, marks;
static struct block *blocks;

// Hist mode: one counter per instruction key, interned in a fixed table
// (a few hundred distinct keys in practice; past the table's size the rest
// share the key "other").
#define MAX_KEYS 2048
static int hist;
static char *keys[MAX_KEYS];
static uint64_t counts[MAX_KEYS];
static int nkeys;

static int intern(const char *key);
static int intern_other(void) { return intern("other"); }

static int intern(const char *key) {
    for (int i = 0; i < nkeys; i++) {
        if (strcmp(keys[i], key) == 0) {
            return i;
        }
    }
    if (nkeys == MAX_KEYS - 1) {
        return intern_other();
    }
    keys[nkeys] = strdup(key);
    return nkeys++;
}

// insn_key writes the histogram key of one instruction into key (size n).
static void insn_key(char *key, size_t n, const char *disas, const struct qemu_plugin_insn *insn) {
    while (*disas == ' ' || *disas == '\t') {
        disas++;
    }
    size_t m = strcspn(disas, " \t");
    if (m == 0 || disas[0] == '.') {
        // Not decoded by qemu's disassembler (it predates the dot product
        // and FEAT_FP16): the encoding, for the Go side to decode.
        uint32_t w = 0;
        if (qemu_plugin_insn_size(insn) == 4) {
            memcpy(&w, qemu_plugin_insn_data(insn), 4);
        }
        snprintf(key, n, "?%08" PRIx32, w);
        return;
    }
    const char *ops = disas + m;
    int vec = 0;
    for (const char *p = ops; p[0] != 0 && p[1] != 0; p++) {
        if (p[0] == 'v' && p[1] >= '0' && p[1] <= '9' && (p == ops || p[-1] == ' ' || p[-1] == '{' || p[-1] == ',')) {
            vec = 1;
            break;
        }
    }
    if (!vec) {
        snprintf(key, n, "%.*s", (int)m, disas);
        return;
    }
    const char *open = strchr(ops, '{'), *close = strchr(ops, '}');
    if ((strncmp(disas, "ld", 2) == 0 || strncmp(disas, "st", 2) == 0) && open != NULL && close > open) {
        int regs = 1;
        for (const char *p = open; p < close; p++) {
            regs += *p == ',';
        }
        snprintf(key, n, "%.*s.v%d", (int)m, disas, regs);
        return;
    }
    snprintf(key, n, "%.*s.v", (int)m, disas);
}

static void executed(unsigned int vcpu, void *userdata) {
    if (marks % 2 == 1) {
        ((struct block *)userdata)->execs++;
    }
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    if (hist) {
        char key[64];
        for (size_t i = 0; i < n; i++) {
            struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
            char *d = qemu_plugin_insn_disas(insn);
            insn_key(key, sizeof key, d != NULL ? d : "", insn);
            free(d);
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &counts[intern(key)], 1);
        }
    }
    if (profile) {
        struct block *b = calloc(1, sizeof *b);
        if (b == NULL) {
            return;
        }
        b->vaddr = qemu_plugin_tb_vaddr(tb);
        b->insns = n;
        b->next = blocks;
        blocks = b; // translation is serialised by qemu's tb lock
        qemu_plugin_register_vcpu_tb_exec_cb(tb, executed, QEMU_PLUGIN_CB_NO_REGS, b);
    }
}

static void report(const char *what) {
    char line[64];
    snprintf(line, sizeof line, "inscount-%s %" PRIu64 "\n", what, total);
    qemu_plugin_outs(line);
}

static void dump(qemu_plugin_id_t id, void *userdata) {
    char line[96];
    for (struct block *b = blocks; b != NULL; b = b->next) {
        if (b->execs > 0) {
            snprintf(line, sizeof line, "inscount-tb %" PRIx64 " %" PRIu64 " %" PRIu64 "\n", b->vaddr,
                     b->insns, b->execs);
            qemu_plugin_outs(line);
        }
    }
}

static void syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1,
                    uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                    uint64_t a7, uint64_t a8) {
    if (num == AARCH64_SYS_WRITE && a3 == MARK_LEN) {
        if (hist) {
            char line[128];
            for (int i = 0; i < nkeys; i++) {
                snprintf(line, sizeof line, "inscount-hist %s %" PRIu64 "\n", keys[i], counts[i]);
                qemu_plugin_outs(line);
            }
        }
        report("mark");
        marks++;
    }
}


EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                               char **argv) {
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "profile=on") == 0) {
            profile = 1;
        }
        if (strcmp(argv[i], "hist=on") == 0) {
            hist = 1;
        }
    }
    if (profile) {
        qemu_plugin_register_atexit_cb(id, dump, NULL);
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
    qemu_plugin_register_vcpu_syscall_cb(id, syscall);
    return 0;
}
