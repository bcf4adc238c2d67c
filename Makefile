# qubes-vpn - one multicall binary. `make static LIBMNL_SRC=...` builds the
# release binary with musl and libmnl's release source; `make` builds a
# development binary against the system's libmnl (pkg-config).
# See README.md for the targets.

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
# The applets: applets/applets.def is the one list (`make applets`).
APPLETS    := $(shell sed -n 's/^APPLET."\([a-z-]*\)".*/\1/p' applets/applets.def)

WARN     := -std=gnu99 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
            -Wmissing-prototypes -Wstrict-prototypes
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
# Builds must not depend on where the tree is checked out.
REPRO    := -ffile-prefix-map=$(CURDIR)=.
MNL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmnl 2>/dev/null)
MNL_LIBS   := $(shell $(PKG_CONFIG) --libs libmnl 2>/dev/null || echo -lmnl)

# SANITIZE=1: everything (binary, unit tests, the suite) built and run
# with AddressSanitizer and UndefinedBehaviorSanitizer, in build/san.
SANITIZE ?=
O     := build
QVBIN := qubes-vpn
ifeq ($(SANITIZE),1)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
HARDEN   :=
O        := build/san
QVBIN    := build/san/qubes-vpn
endif

# Layers, each including only those below it (`make layers` checks):
#   main.c, applets/  the commands, one file each; never one another
#   lib/              what applets share: the gateway, hooks' input, logging
#   nl/               netlink messages and replies, nothing of ours
SRCS := main.c $(sort $(wildcard applets/*.c)) $(sort $(wildcard lib/*.c)) \
        $(sort $(wildcard nl/*.c))
OBJS := $(SRCS:%.c=$(O)/%.o)
NL_OBJS := $(filter $(O)/nl/%,$(OBJS))
lib = $(patsubst %,$(O)/lib/%.o,$(1))

all: $(QVBIN)

# Each object depends on the headers it includes (-MMD writes them down).
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(HARDEN) $(REPRO) $(CFLAGS) $(MNL_CFLAGS) -MMD -MP -c $< -o $@

-include $(OBJS:.o=.d)

applets:
	@echo $(APPLETS)

$(QVBIN): $(OBJS)
	$(CC) $(LDFLAGS) -pie -Wl,-z,relro,-z,now -o $@ $(OBJS) $(MNL_LIBS)

# ---- static release build with musl ----
# The release binary, build/static/qubes-vpn: fully static with musl-gcc,
# libmnl built here from LIBMNL_SRC, a libmnl release as a source tree
# (src/*.c, include/libmnl/libmnl.h) or a release tarball. Its sources
# include "config.h": an empty one plus HAVE_VISIBILITY_HIDDEN is what its
# configure produces for gcc; it is written to the build directory, never
# to LIBMNL_SRC. musl-gcc does not look in /usr/include, so the kernel's
# uapi headers are offered through a directory of links to the system's
# copies (searched before libmnl's include/, which carries old copies of a
# few of them).
MUSL_CC    ?= musl-gcc
# Only in the static binary: our printf family in place of musl's, which
# links its floating-point formatter (lib/static/printf.c says why).
STATIC_SRCS := lib/static/printf.c lib/static/sys.c lib/static/inet.c lib/static/relro.c
LIBMNL_SRC ?=
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
KHDR_DIR   := build/kernel-headers
STATIC_DIR := build/static
STATIC_BIN := $(STATIC_DIR)/qubes-vpn
MNL_BUILD  := $(STATIC_DIR)/libmnl
# A tarball is unpacked into the build directory; a tree is used in place.
MNL_TREE   := $(if $(filter %.tar %.tar.gz %.tgz %.tar.bz2 %.tar.xz,$(LIBMNL_SRC)),$(CURDIR)/$(MNL_BUILD)/src,$(abspath $(LIBMNL_SRC)))

$(KHDR_DIR)/.stamp:
	@mkdir -p $(KHDR_DIR)
	ln -sfn /usr/include/linux $(KHDR_DIR)/linux
	ln -sfn /usr/include/asm-generic $(KHDR_DIR)/asm-generic
	ln -sfn $(if $(wildcard /usr/include/$(MULTIARCH)/asm),/usr/include/$(MULTIARCH)/asm,/usr/include/asm) $(KHDR_DIR)/asm
	@touch $@

# Reproducible: no path of either tree, no build id, no timestamp ends up
# in the binary, so two checkouts anywhere give the same bytes.
# -Oz and -fno-pie: the binary is linked static, not static-pie (ET_EXEC),
# so position-independent code only costs bytes; -Oz over -Os saves the
# rest (128,648 bytes against 132,744 at the commit that chose them).
# Four code-generation choices -Oz leaves on cost code here and buy no
# safety: shrink-wrapping, sibling calls, caller-saved registers kept
# across calls, if-conversion (together 0x15934 -> 0x155d4 bytes of text).
# No code here uses floating point: -mgeneral-regs-only keeps the compiler
# from clearing and copying structures through SSE registers (0x1b0 bytes).
# -malign-data=abi: arrays at the alignment the x86_64 ABI asks for (16),
# not gcc's 32 for arrays of 32 bytes and more, which pays only for
# vector code (192 bytes of read-only data, 32 of data).
MUSL_OPT   := -Oz -fno-pie -ffunction-sections -fdata-sections -fstack-protector-strong \
              -fno-shrink-wrap -fno-optimize-sibling-calls -fno-caller-saves -fno-if-conversion \
              -mgeneral-regs-only -malign-data=abi \
              -fno-asynchronous-unwind-tables -fno-unwind-tables \
              -ffile-prefix-map=$(CURDIR)=. -ffile-prefix-map=$(MNL_TREE)=libmnl
MUSL_FLAGS := $(WARN) $(MUSL_OPT) -I$(KHDR_DIR) -I$(MNL_TREE)/include
# Linked by lld: its layout puts the read-only data with the ELF headers,
# before the code (GNU ld gives the headers a page of their own), and
# -z separate-code keeps the code on pages of its own, so that no byte
# but code is mapped executable (readelf -lW: the R E segment holds .init,
# .text and .fini alone). -O2 merges strings that end another string.
# Started by musl's crt1.o alone (-nostartfiles, and the crt1.o musl-gcc
# would link): crti.o and crtn.o only frame empty _init and _fini (musl
# has its own), gcc's crtbeginS.o and crtendS.o register transactional
# memory clones and unwind tables, which a static C program without
# either has none of. 182 bytes of code and six section headers less.
MUSL_CRT1     = $(shell $(MUSL_CC) -static -no-pie -\#\#\# -o /dev/null /dev/null 2>&1 | tr ' ' '\n' | tr -d '"' | grep 'crt1\.o$$')
MUSL_LDFLAGS := -static -no-pie -s -fuse-ld=lld -Wl,-z,separate-code -Wl,-O2 -Wl,--gc-sections -Wl,--no-dynamic-linker \
                -Wl,--build-id=none -nostartfiles
# The --help texts go in packed (lib/help.h says how): each applet that
# has one is compiled once more for objcopy to copy its text out, and
# tools/helppack, built with the host's compiler, packs them all into
# helptexts.h (8.9 KB of text in 4.3 KB), in make's byte order of the
# file names (a shell's glob would follow the locale).
HOSTCC     ?= cc
OBJCOPY    ?= objcopy
HELP_DIR   := $(STATIC_DIR)/help
HELP_SRCS  := $(shell grep -l '^HELP_TEXT' $(sort $(wildcard applets/*.c)))
# The compilers' names (.comment) go too: packaging tools strip them, and
# the binary a package ships must be the bytes `make static` built.
STRIP      ?= strip

static: $(KHDR_DIR)/.stamp
	@test -n "$(LIBMNL_SRC)" || { echo "make static: set LIBMNL_SRC to a libmnl release," \
		"as a source tree or a tarball (CI: LIBMNL_SRC=../shared/vendor/libmnl-1.0.4)" >&2; exit 2; }
	@test -e "$(LIBMNL_SRC)" || { echo "make static: LIBMNL_SRC=$(LIBMNL_SRC) does not exist" >&2; exit 2; }
	@rm -rf $(STATIC_DIR) && mkdir -p $(MNL_BUILD)
	@if [ -f "$(LIBMNL_SRC)" ]; then mkdir -p $(MNL_TREE) && \
		tar -xf "$(LIBMNL_SRC)" -C $(MNL_TREE) --strip-components=1 || { \
		echo "make static: cannot unpack LIBMNL_SRC=$(LIBMNL_SRC)" >&2; exit 2; }; fi
	@for f in src/nlmsg.c src/socket.c include/libmnl/libmnl.h; do \
		test -f "$(MNL_TREE)/$$f" || { echo "make static: LIBMNL_SRC=$(LIBMNL_SRC) is not a" \
			"libmnl release source tree or tarball (no $$f)" >&2; exit 2; }; done
	@: >$(MNL_BUILD)/config.h
	@for f in $(MNL_TREE)/src/*.c; do \
		$(MUSL_CC) $(MUSL_OPT) -DHAVE_VISIBILITY_HIDDEN -I$(MNL_BUILD) -I$(KHDR_DIR) \
			-I$(MNL_TREE)/include -c $$f -o $(MNL_BUILD)/$$(basename $$f .c).o || exit 1; \
	done
	@mkdir -p $(HELP_DIR) && $(HOSTCC) $(WARN) -O2 -o $(HELP_DIR)/helppack tools/helppack.c
	@set -e; for f in $(HELP_SRCS); do n=$$(sed -n 's/^HELP_TEXT(\([a-z_]*\),.*/\1/p' $$f); \
		$(MUSL_CC) $(MUSL_FLAGS) -O0 -DQV_HELP_EXTRACT -c $$f -o $(HELP_DIR)/$$n.o; \
		$(OBJCOPY) -O binary -j .qvhelp $(HELP_DIR)/$$n.o $(HELP_DIR)/$$n.txt; \
		set -- "$$@" $$n=$(HELP_DIR)/$$n.txt; done; $(HELP_DIR)/helppack $(HELP_DIR)/helptexts.h "$$@"
	@test -f "$(MUSL_CRT1)" || { echo "make static: $(MUSL_CC) names no crt1.o to start with" >&2; exit 2; }
	$(MUSL_CC) $(MUSL_FLAGS) -DQV_HELP_PACKED -I$(HELP_DIR) $(MUSL_LDFLAGS) -o $(STATIC_BIN) $(MUSL_CRT1) \
		$(SRCS) $(STATIC_SRCS) $(MNL_BUILD)/*.o
	$(STRIP) -R .comment $(STATIC_BIN)
	@echo "$(STATIC_BIN): $$(stat -c %s $(STATIC_BIN)) bytes, libmnl from $(LIBMNL_SRC)"

# ---- tests ----
# unit.c tests nl/ and lib/'s parsers: no root, no network, seconds.
UNIT_OBJS := $(NL_OBJS) $(call lib,qubesdb log rundir)

$(O)/tests/unit: tests/unit.c tests/golden.h $(UNIT_OBJS)
	@mkdir -p $(O)/tests
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) $(MNL_CFLAGS) -MMD -MP -o $@ tests/unit.c $(UNIT_OBJS) $(MNL_LIBS)

# unit-lib.c tests lib/'s pure parsers (ovpnenv on the fixtures, the
# sanitizer, the notification message, the DNS stub).
UNIT_LIB_OBJS := $(call lib,ovpnenv ovpnconf log rundir sanitize message wgconf wguapi resolver) $(O)/nl/nl.o

$(O)/tests/unit-lib: tests/unit-lib.c $(UNIT_LIB_OBJS)
	@mkdir -p $(O)/tests
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) $(MNL_CFLAGS) -MMD -MP -o $@ tests/unit-lib.c $(UNIT_LIB_OBJS) $(MNL_LIBS)

-include $(O)/tests/unit.d $(O)/tests/unit-lib.d

# `make unit`: the unit tests alone, as any user, in seconds.
unit: $(O)/tests/unit $(O)/tests/unit-lib
	$(O)/tests/unit
	cd tests && $(CURDIR)/$(O)/tests/unit-lib

# `make test T=hooks`: one integration test (tests/hooks.test.sh) against
# the development build (root; QV=... picks another binary).
test: $(QVBIN)
	@test -n "$(T)" && test -f tests/$(T).test.sh || { echo "make test: T=NAME, one of:" \
		$$(cd tests && ls *.test.sh | sed 's/\.test\.sh//') >&2; exit 2; }
	QV=$${QV:-$(CURDIR)/$(QVBIN)} bash tests/$(T).test.sh

# The layers' rule, checked by grep: nl/ includes nothing of ours, lib/
# nothing of applets/ (nor main.c), and no applet another applet's file.
layers:
	@bad=$$(grep -Hn '#include "' nl/*.[ch] | grep -v '#include "[a-z]*\.h"$$'; \
		grep -Hn '#include "' lib/*.[ch] | grep -vE '#include "(\.\./nl/)?[a-z]*\.h"$$'; \
		grep -Hn '#include "' applets/*.[ch] | grep -vE '#include "(\.\./(lib|nl)/[a-z]*\.h|applets\.(h|def))"$$'); \
	if [ -n "$$bad" ]; then echo "layers: includes that break the rule:" >&2; echo "$$bad" >&2; exit 1; fi
	@echo "layers: nl/ includes only nl/; lib/ only lib/ and nl/; applets only lib/, nl/ and the applet list"

build/tests/timeseq: tests/timeseq.c
	@mkdir -p build/tests
	$(CC) $(WARN) $(CFLAGS) -o $@ tests/timeseq.c

# A fake QubesDB daemon (tests/qubesdb.test.sh, e2e, valgrind).
build/tests/fakeqdb: tests/fakeqdb.c
	@mkdir -p build/tests
	$(CC) $(WARN) $(CFLAGS) -o $@ tests/fakeqdb.c

# ---- fuzzing (clang, libFuzzer) ----
# Targets: tests/fuzz/NAME.c. `make fuzz` runs each for FUZZ_SECONDS on a
# working copy of its corpus; `make fuzz-short` (part of check) replays the
# corpus and regression inputs and fuzzes each for a few seconds.
FUZZ_CC      ?= clang
FUZZ_TARGETS := ovpnenv text nlreply qubesdb ovpnconf wgconf wguapi dnsreply wgdump inet
FUZZ_SECONDS ?= 600
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -std=gnu99 -Wall -Wextra -Werror
FUZZ_SRC_ovpnenv := lib/ovpnenv.c lib/log.c lib/rundir.c nl/nl.c
FUZZ_SRC_text    := lib/ovpnenv.c lib/log.c lib/rundir.c nl/nl.c lib/sanitize.c lib/message.c
FUZZ_SRC_nlreply := $(sort $(wildcard nl/*.c))
FUZZ_SRC_qubesdb := lib/qubesdb.c lib/log.c lib/rundir.c nl/nl.c
FUZZ_SRC_ovpnconf := lib/ovpnconf.c lib/log.c lib/rundir.c lib/sanitize.c nl/nl.c
FUZZ_SRC_wgconf  := lib/wgconf.c lib/wguapi.c lib/ovpnenv.c lib/resolver.c lib/log.c lib/rundir.c nl/nl.c
FUZZ_SRC_wguapi  := lib/wguapi.c lib/log.c lib/rundir.c nl/nl.c
FUZZ_SRC_dnsreply := lib/resolver.c lib/ovpnenv.c lib/log.c lib/rundir.c nl/nl.c
FUZZ_SRC_wgdump  := nl/wg.c nl/genl.c nl/nl.c
# inet: lib/static/inet.c against glibc's, included by the target itself
# under other names (tests/fuzz/inet.c says why).
FUZZ_SRC_inet    :=
build/fuzz/inet: lib/static/inet.c

build/fuzz/%: tests/fuzz/%.c $(SRCS) $(wildcard lib/*.h nl/*.h tests/fuzz/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(MNL_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) $(MNL_LIBS)

build/tests/record: tests/fuzz/record.c $(NL_OBJS)
	@mkdir -p build/tests
	$(CC) $(WARN) $(CFLAGS) $(MNL_CFLAGS) -o $@ tests/fuzz/record.c $(NL_OBJS) $(MNL_LIBS)

fuzz: $(FUZZ_TARGETS:%=build/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/work-$$t tests/fuzz/regressions/$$t; \
		cp -n tests/fuzz/corpus/$$t/* build/fuzz/work-$$t/ 2>/dev/null; \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
		build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 -timeout=5 \
			-rss_limit_mb=1024 -artifact_prefix=tests/fuzz/regressions/$$t/ \
			build/fuzz/work-$$t || exit 1; \
	done

fuzz-short: $(FUZZ_TARGETS:%=build/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/short-$$t; \
		cp -n tests/fuzz/corpus/$$t/* tests/fuzz/regressions/$$t/* build/fuzz/short-$$t/ 2>/dev/null; \
		build/fuzz/$$t -max_total_time=$(or $(FUZZ_SHORT),5) -close_fd_mask=2 -timeout=5 \
			-rss_limit_mb=1024 -artifact_prefix=build/fuzz/ build/fuzz/short-$$t \
			>build/fuzz/short-$$t.log 2>&1 || { tail -30 build/fuzz/short-$$t.log; exit 1; }; \
		echo "fuzz-short: $$t ok ($$(ls build/fuzz/short-$$t | wc -l) inputs)"; \
	done

# Static checkers, with the configuration in the tree (.clang-tidy).
# The static build's own libc pieces (lib/static/) are read with musl's
# headers, which they are written against: where musl-gcc looks for them.
MUSL_INC = $(shell echo | $(MUSL_CC) -E -Wp,-v - 2>&1 | sed -n 's/^ \(\/.*musl.*\)$$/\1/p' | head -n 1)
lint: $(KHDR_DIR)/.stamp
	cppcheck --enable=warning,portability,performance --inline-suppr --error-exitcode=1 \
		--quiet --std=c99 --suppress=missingIncludeSystem $(SRCS) $(STATIC_SRCS) \
		tests/*.c tests/fuzz/*.c tools/*.c
	clang-tidy --quiet $(SRCS) -- -std=gnu99 $(MNL_CFLAGS)
	@test -n "$(MUSL_INC)" || { echo "lint: $(MUSL_CC) names no musl include directory" \
		"(install musl-tools): lib/static/ not checked" >&2; exit 1; }
	clang-tidy --quiet $(STATIC_SRCS) -- -std=gnu99 -nostdinc -isystem $(MUSL_INC) \
		-isystem $(KHDR_DIR) -isystem $$(clang -print-resource-dir)/include
	@echo "lint: cppcheck and clang-tidy clean"

# The suite runs against the release binary (static, musl), or with
# SANITIZE=1 against the sanitizer build. Tests that build packages get
# LIBMNL_SRC too.
CHECK_BIN := $(if $(filter 1,$(SANITIZE)),$(QVBIN),$(STATIC_BIN))

# The checks that read the sources (layers, lint, the short fuzzing runs,
# whose targets are built their own way) are the same for either binary:
# check-all's second pass leaves them out (SOURCE_CHECKS=).
SOURCE_CHECKS ?= layers lint fuzz-short
check: $(if $(filter 1,$(SANITIZE)),$(QVBIN),static) $(O)/tests/unit $(O)/tests/unit-lib $(SOURCE_CHECKS)
	QV=$(CURDIR)/$(CHECK_BIN) UNIT=$(CURDIR)/$(O)/tests/unit UNIT_LIB=$(CURDIR)/$(O)/tests/unit-lib \
		LIBMNL_SRC=$(if $(LIBMNL_SRC),$(abspath $(LIBMNL_SRC))) tests/run

# BIN=build/static/qubes-vpn installs the static build instead.
BIN ?= qubes-vpn
UNITDIR    ?= $(PREFIX)/lib/systemd/system
PRESETDIR  ?= $(PREFIX)/lib/systemd/system-preset
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DATADIR    ?= $(PREFIX)/share
UNITS := qubes-vpn-forwarding.service qubes-vpn.service qubes-vpn-wg.service qubes-vpn-wg-watch.service \
         qubes-vpn-config.path \
         qubes-vpn-restart.service qubes-vpn-resolv.service qubes-vpn-resolv.path \
         qubes-vpn-notify-dom0.path qubes-vpn-notify-dom0.service
# XDG autostart: every desktop session starts the notifier.
AUTOSTARTDIR ?= /etc/xdg/autostart

# Everything CI runs: the suite, then the suite built with sanitizers.
# The sanitizer pass runs the test bed's tests on Qubes 4.3 only: what it
# looks for (memory errors, undefined behaviour in our code) does not
# depend on which Qubes scripts set up the test bed, and the plain pass
# runs them on each version. It does not run the source checks again.
check-all:
	$(MAKE) check
	$(MAKE) check SANITIZE=1 QUBES_VERSIONS=4.3 SOURCE_CHECKS=

# The VM side: binary, applet links, systemd units, user, configurator menu,
# the notifier's autostart entry.
install: install-bin
	install -d $(DESTDIR)$(UNITDIR)/qubes-network.service.d $(DESTDIR)$(PRESETDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DATADIR)/applications $(DESTDIR)$(DATADIR)/doc/qubes-vpn \
		$(DESTDIR)$(AUTOSTARTDIR)
	for u in $(UNITS); do install -m 0644 units/$$u $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 0644 units/qubes-network.service.d/30-qubes-vpn.conf \
		$(DESTDIR)$(UNITDIR)/qubes-network.service.d/30-qubes-vpn.conf
	install -m 0644 units/75-qubes-vpn.preset $(DESTDIR)$(PRESETDIR)/75-qubes-vpn.preset
	install -m 0644 units/qubes-vpn.sysusers $(DESTDIR)$(SYSUSERSDIR)/qubes-vpn.conf
	install -m 0644 units/qubes-vpn.tmpfiles $(DESTDIR)$(TMPFILESDIR)/qubes-vpn.conf
	install -m 0644 units/qubes-vpn-configurator.desktop \
		$(DESTDIR)$(DATADIR)/applications/qubes-vpn-configurator.desktop
	install -m 0644 units/qubes-vpn-notifier.desktop \
		$(DESTDIR)$(AUTOSTARTDIR)/qubes-vpn-notifier.desktop
	install -m 0644 README.md $(DESTDIR)$(DATADIR)/doc/qubes-vpn/README.md

install-bin: $(BIN)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/qubes-vpn
	for a in $(APPLETS); do ln -sfn qubes-vpn $(DESTDIR)$(SBINDIR)/qubes-vpn-$$a; done

# dom0 side of notifications: the qrexec service and its policy. The
# service is the same binary, found by its name (qubesvpn.Notify).
LIBDIR ?= $(PREFIX)/lib

install-dom0: $(BIN)
	install -d $(DESTDIR)$(LIBDIR)/qubes-vpn $(DESTDIR)/etc/qubes-rpc $(DESTDIR)/etc/qubes/policy.d
	install -m 0755 $(BIN) $(DESTDIR)$(LIBDIR)/qubes-vpn/qubes-vpn
	ln -sfn $(LIBDIR)/qubes-vpn/qubes-vpn $(DESTDIR)/etc/qubes-rpc/qubesvpn.Notify
	install -m 0644 dom0/50-qubes-vpn.policy $(DESTDIR)/etc/qubes/policy.d/50-qubes-vpn.policy

# ---- SELinux policy module (Fedora templates; see selinux/ANALYSIS.md) ----
# Built with the system's reference policy headers: Fedora's
# selinux-policy-devel in the rpm build, Debian's selinux-policy-dev in CI.
SELINUX_DEVEL ?= /usr/share/selinux/devel/Makefile
SELINUX_SRC   := selinux/qubes-vpn.te selinux/qubes-vpn.if selinux/qubes-vpn.fc

selinux: build/selinux/qubes-vpn.pp

build/selinux/qubes-vpn.pp: $(SELINUX_SRC)
	@mkdir -p build/selinux
	cp $(SELINUX_SRC) build/selinux/
	$(MAKE) -C build/selinux -f $(SELINUX_DEVEL) qubes-vpn.pp

install-selinux: build/selinux/qubes-vpn.pp
	install -D -m 0644 build/selinux/qubes-vpn.pp \
		$(DESTDIR)$(DATADIR)/selinux/packages/targeted/qubes-vpn.pp

.PHONY: selinux install-selinux

# ---- packages ----
VERSION := $(shell sed -n 's/^Version:[[:space:]]*//p' rpm/qubes-vpn.spec)
RPMDIR  := $(CURDIR)/build/rpm

# Source tarball of the tracked files (or of the tree, outside git), with
# fixed owners and times so that it does not depend on who built it.
dist:
	@mkdir -p build/dist
	if git -C $(CURDIR) rev-parse --git-dir >/dev/null 2>&1; then \
		git -C $(CURDIR) ls-files; else find . -path ./build -prune -o -type f -print; \
	fi | LC_ALL=C sort | tar --transform 's,^\.*/*,qubes-vpn-$(VERSION)/,' --owner=0 --group=0 \
		--numeric-owner --mtime=@0 --no-recursion -czf build/dist/qubes-vpn-$(VERSION).tar.gz -T -

# libmnl's release tarball, the spec's Source1 (and the source of the deb's
# binary): LIBMNL_SRC itself when it is libmnl-VERSION.tar.bz2, otherwise
# its tree (or its unpacked tarball) packed with sorted names, fixed owners,
# modes and times. VERSION, taken from configure.ac or from the name, must
# be the one the spec says is bundled.
LIBMNL_VERSION := $(shell sed -n 's/^%global libmnl_version[[:space:]]*//p' rpm/qubes-vpn.spec)
MNL_DIST := build/dist/libmnl-$(LIBMNL_VERSION).tar.bz2

dist-libmnl:
	@test -n "$(LIBMNL_SRC)" || { echo "make $@: set LIBMNL_SRC to libmnl $(LIBMNL_VERSION)," \
		"as a source tree or a release tarball" >&2; exit 2; }
	@src='$(LIBMNL_SRC)'; v=; \
	if [ -f "$$src/configure.ac" ]; then \
		v=$$(sed -n 's/^AC_INIT(\[libmnl\], *\[\([^]]*\)\].*/\1/p' "$$src/configure.ac"); fi; \
	[ -n "$$v" ] || v=$$(basename "$$src" | sed -n 's/^libmnl-\([0-9][0-9.]*[0-9]\)\(\.tar.*\|\.tgz\)\{0,1\}$$/\1/p'); \
	test "$$v" = "$(LIBMNL_VERSION)" || { echo "make $@: LIBMNL_SRC=$$src is libmnl" \
		"$${v:-of unknown version}; the packages bundle $(LIBMNL_VERSION) (rpm/qubes-vpn.spec)" >&2; exit 2; }
	@rm -rf build/dist/libmnl-tree && mkdir -p build/dist/libmnl-tree
	@case '$(LIBMNL_SRC)' in \
	*/libmnl-$(LIBMNL_VERSION).tar.bz2|libmnl-$(LIBMNL_VERSION).tar.bz2) cp '$(LIBMNL_SRC)' $(MNL_DIST) ;; \
	*) tree='$(LIBMNL_SRC)'; \
	   if [ -f "$$tree" ]; then tree=build/dist/libmnl-tree; \
		tar -xf '$(LIBMNL_SRC)' -C $$tree --strip-components=1 || exit 2; fi; \
	   tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --mode=u+w,go-w,a+rX \
		--transform 's,^\.,libmnl-$(LIBMNL_VERSION),' -C "$$tree" -cf - . | bzip2 -9 >$(MNL_DIST) ;; \
	esac
	@rm -rf build/dist/libmnl-tree

# RPMs for the VM (qubes-vpn) and dom0 (qubes-vpn-dom0), both with the
# static binary, built by rpmbuild from the two tarballs.
rpm: dist dist-libmnl
	@mkdir -p $(RPMDIR)/SOURCES
	cp build/dist/qubes-vpn-$(VERSION).tar.gz $(MNL_DIST) $(RPMDIR)/SOURCES/
	rpmbuild -bb --nodeps --define "_topdir $(RPMDIR)" rpm/qubes-vpn.spec
	@find $(RPMDIR)/RPMS -name '*.rpm' -printf '%p\n'

# The VM package as a .deb (dom0 is Fedora: no dom0 deb). The same files as
# the RPM's, put there by `make install` with the static binary built from
# the two tarballs, plus what Debian wants (copyright, changelog, lintian
# overrides); deb/ holds those and the maintainer scripts, which do what the
# RPM's scriptlets do, for the units of UNITS and those the preset enables.
# Reproducible: every time from deb/changelog (SOURCE_DATE_EPOCH), owners
# root, modes normalised, names sorted by dpkg-deb.
DEB_ARCH     := $(shell dpkg --print-architecture 2>/dev/null)
DEB_VERSION  := $(VERSION)-$(shell sed -n 's/^Release:[[:space:]]*\([0-9]*\).*/\1/p' rpm/qubes-vpn.spec)
DEBDIR       := build/deb
DEB          := $(DEBDIR)/qubes-vpn_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_ENABLE   := $(shell sed -n 's/^enable[[:space:]]*//p' units/75-qubes-vpn.preset)
DEB_EPOCH    := $(shell dpkg-parsechangelog -l deb/changelog -STimestamp 2>/dev/null)

deb: dist dist-libmnl
	@test "$$(dpkg-parsechangelog -l deb/changelog -SVersion)" = "$(DEB_VERSION)" || { \
		echo "make deb: deb/changelog is not at $(DEB_VERSION) (rpm/qubes-vpn.spec)" >&2; exit 2; }
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/src
	tar -xzf build/dist/qubes-vpn-$(VERSION).tar.gz -C $(DEBDIR)/src --strip-components=1
	$(MAKE) -s -C $(DEBDIR)/src static LIBMNL_SRC=$(CURDIR)/$(MNL_DIST)
	$(MAKE) -s -C $(DEBDIR)/src install BIN=build/static/qubes-vpn DESTDIR=$(CURDIR)/$(DEBDIR)/root \
		PREFIX=/usr >/dev/null
	set -e; r=$(DEBDIR)/root; doc=$$r/usr/share/doc/qubes-vpn; \
	install -m 0644 deb/copyright $$doc/copyright; \
	gzip -9n <deb/changelog >$$doc/changelog.Debian.gz; \
	install -D -m 0644 deb/lintian-overrides $$r/usr/share/lintian/overrides/qubes-vpn; \
	mkdir -p $$r/DEBIAN; \
	(cd $$r && find etc -type f -printf '/%p\n' | LC_ALL=C sort) >$$r/DEBIAN/conffiles; \
	for f in postinst prerm postrm; do \
		sed 's/@ENABLE@/$(DEB_ENABLE)/; s/@UNITS@/$(UNITS)/' deb/$$f.in >$$r/DEBIAN/$$f; \
	done; \
	(cd $$r && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | \
		xargs -0 md5sum >DEBIAN/md5sums); \
	sed -e 's/@VERSION@/$(DEB_VERSION)/; s/@ARCH@/$(DEB_ARCH)/; s/@LIBMNL_VERSION@/$(LIBMNL_VERSION)/' \
		-e "s/@INSTALLED_SIZE@/$$(du -sk --apparent-size --exclude=DEBIAN $$r | cut -f1)/" \
		-e "s/@BUILT_USING@/musl (= $$(dpkg-query -W -f='$${source:Version}' musl-dev))/" \
		deb/control.in >$$r/DEBIAN/control; \
	chmod -R u+rwX,go+rX,go-w $$r; chmod 0755 $$r/DEBIAN/postinst $$r/DEBIAN/prerm $$r/DEBIAN/postrm; \
	find $$r -exec touch -h -d @$(DEB_EPOCH) {} +
	SOURCE_DATE_EPOCH=$(DEB_EPOCH) dpkg-deb --root-owner-group -Zxz --build $(DEBDIR)/root $(DEB)

clean:
	rm -rf build qubes-vpn

.PHONY: all applets unit test layers static lint check check-all install install-bin install-dom0 dist dist-libmnl rpm deb fuzz fuzz-short clean
