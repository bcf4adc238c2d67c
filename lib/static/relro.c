/* relro.c - the static release binary's RELRO, applied. In a dynamic
 * program the dynamic linker makes the PT_GNU_RELRO range (.init_array,
 * .fini_array, .got) read-only once relocated; a static musl program has
 * no dynamic linker and nothing to relocate, and musl leaves the range
 * writable (/proc/PID/maps: rw-p). This does it first thing: a stray
 * write into the function pointers that exit() calls then faults instead
 * of redirecting them. Linked only by `make static`. */
#include <elf.h>
#include <stdint.h>
#include <sys/mman.h>

/* The ELF header, mapped with the read-only data (lld and ld.bfd define
 * it); the release build is not position-independent, so p_vaddr is the
 * address. */
extern const Elf64_Ehdr __ehdr_start;

__attribute__((constructor)) static void relro_protect(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(const void *)
			       ((const char *)&__ehdr_start + __ehdr_start.e_phoff);
	unsigned i;

	for (i = 0; i < __ehdr_start.e_phnum; i++)
		if (ph[i].p_type == PT_GNU_RELRO) {
			uintptr_t start = ph[i].p_vaddr & ~(uintptr_t)4095;
			uintptr_t end = (ph[i].p_vaddr + ph[i].p_memsz) & ~(uintptr_t)4095;

			/* Only whole pages: the linker pads the range to
			 * one (GNU_RELRO's MemSiz), the data after it
			 * starts on the next. */
			/* An address from the program headers: the
			 * integer is the pointer. */
			if (end > start)
				mprotect((void *)start, end - start, /* NOLINT(performance-no-int-to-ptr) */
					 PROT_READ);
		}
}
