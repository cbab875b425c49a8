/* Cortex-M0 (QEMU microbit) start-up for the C baseline, linked with newlib's rdimon
 * (semihosting) and -nostartfiles: the reset handler copies .data from flash to RAM, zeroes
 * .bss, opens the semihosting handles and exits with main's status (SYS_EXIT). Every fault
 * exits with status 2, so a crash fails fast instead of hanging. */
#include <stdlib.h>
#include <string.h>

extern char __data_start__[], __data_end__[], __data_load__[], __bss_start__[], __bss_end__[];
extern char __stack_top[];
extern void initialise_monitor_handles(void);
extern void _exit(int);
int main(void);

static void fault(void) { _exit(2); }

/* newlib's exit() runs __libc_fini_array, which calls _fini (crt files not linked). */
void _init(void) {}
void _fini(void) {}

void reset(void) {
    memcpy(__data_start__, __data_load__, (size_t)(__data_end__ - __data_start__));
    memset(__bss_start__, 0, (size_t)(__bss_end__ - __bss_start__));
    initialise_monitor_handles();
    exit(main());
}

struct vector_table {
    char *stack_top;
    void (*handlers[7])(void);
};

__attribute__((section(".vectors"), used)) const struct vector_table vectors = {
    __stack_top, {reset, fault, fault, fault, fault, fault, fault}};
