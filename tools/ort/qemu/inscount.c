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
// counts, between the first two marks, the executions of every translated
// block and prints "inscount-tb <address> <instructions> <executions>" for
// each at the second mark, for a per-function profile (tools/ort/inscount -profile).
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

static void executed(unsigned int vcpu, void *userdata) {
    if (marks == 1) {
        ((struct block *)userdata)->execs++;
    }
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
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

static void dump(void) {
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
        report("mark");
        if (++marks == 2 && profile) {
            dump();
        }
    }
}


EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                               char **argv) {
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "profile=on") == 0) {
            profile = 1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
    qemu_plugin_register_vcpu_syscall_cb(id, syscall);
    return 0;
}
