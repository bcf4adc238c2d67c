# qubes-vpn - one multicall binary. `make` builds against the system's
# libmnl (pkg-config); `make static` builds the release binary with musl.
# See README.md for the targets.

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
APPLETS    := configurator down forwarding notify notify-receive resolv up

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

SRCS := main.c $(sort $(wildcard applets/*.c)) $(sort $(wildcard nl/*.c))
HDRS := $(wildcard applets/*.h nl/*.h)
OBJS := $(SRCS:%.c=$(O)/%.o)
NL_OBJS := $(filter $(O)/nl/%,$(OBJS))

all: $(QVBIN)

$(O)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(HARDEN) $(REPRO) $(CFLAGS) $(MNL_CFLAGS) -c $< -o $@

$(QVBIN): $(OBJS)
	$(CC) $(LDFLAGS) -pie -Wl,-z,relro,-z,now -o $@ $(OBJS) $(MNL_LIBS)

# ---- static release build with musl ----
# MUSL_SYSROOT holds include/libmnl and lib/libmnl.a built for musl.
# musl-gcc does not look in /usr/include, so the kernel's uapi headers are
# offered through a directory of links to the system's copies.
MUSL_CC      ?= musl-gcc
MUSL_SYSROOT ?=
MULTIARCH    := $(shell $(CC) -print-multiarch 2>/dev/null)
KHDR_DIR     := build/kernel-headers

$(KHDR_DIR)/.stamp:
	@mkdir -p $(KHDR_DIR)
	ln -sfn /usr/include/linux $(KHDR_DIR)/linux
	ln -sfn /usr/include/asm-generic $(KHDR_DIR)/asm-generic
	ln -sfn $(if $(wildcard /usr/include/$(MULTIARCH)/asm),/usr/include/$(MULTIARCH)/asm,/usr/include/asm) $(KHDR_DIR)/asm
	@touch $@

MUSL_FLAGS := $(WARN) $(REPRO) -Os -ffunction-sections -fdata-sections \
              -fstack-protector-strong -I$(KHDR_DIR)

STATIC_BIN := build/static/qubes-vpn

static: $(KHDR_DIR)/.stamp $(SRCS) $(HDRS)
	@test -n "$(MUSL_SYSROOT)" || { echo "make static: set MUSL_SYSROOT (include/libmnl, lib/libmnl.a)"; exit 2; }
	@test -f "$(MUSL_SYSROOT)/lib/libmnl.a" || { echo "make static: $(MUSL_SYSROOT)/lib/libmnl.a not found"; exit 2; }
	@mkdir -p $(dir $(STATIC_BIN))
	$(MUSL_CC) $(MUSL_FLAGS) -I$(MUSL_SYSROOT)/include -static -s -Wl,--gc-sections \
		-Wl,--build-id=none -o $(STATIC_BIN) $(SRCS) $(MUSL_SYSROOT)/lib/libmnl.a
	@ls -l $(STATIC_BIN)

# Compile every source with musl (no link): catches glibc-isms even where
# no static libmnl exists. libmnl's header comes from the system here.
MNL_INCDIR := $(shell $(PKG_CONFIG) --variable=includedir libmnl 2>/dev/null || echo /usr/include)

musl-compile: $(KHDR_DIR)/.stamp
	@mkdir -p build/musl-check/include
	@ln -sfn $(MNL_INCDIR)/libmnl build/musl-check/include/libmnl
	@for f in $(SRCS); do \
		$(MUSL_CC) $(MUSL_FLAGS) -I build/musl-check/include \
			-c $$f -o build/musl-check/$$(echo $$f | tr / _).o || exit 1; \
	done
	@echo "musl-gcc: all $(words $(SRCS)) sources compile"

# ---- tests ----
# unit.c tests nl/ and the QubesDB reply parser (applets/qubesdb.c, which
# needs nothing else).
UNIT_OBJS := $(NL_OBJS) $(O)/applets/qubesdb.o

$(O)/tests/unit: tests/unit.c $(UNIT_OBJS) $(HDRS)
	@mkdir -p $(O)/tests
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) $(MNL_CFLAGS) -o $@ tests/unit.c $(UNIT_OBJS) $(MNL_LIBS)

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
FUZZ_TARGETS := ovpnenv text nlreply qubesdb
FUZZ_SECONDS ?= 600
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -std=gnu99 -Wall -Wextra -Werror
FUZZ_SRC_ovpnenv := applets/ovpnenv.c applets/common.c nl/nl.c
FUZZ_SRC_text    := applets/ovpnenv.c applets/common.c nl/nl.c applets/sanitize.c \
                    applets/notify-receive.c applets/notify.c applets/helper.c applets/session.c
FUZZ_SRC_nlreply := $(sort $(wildcard nl/*.c))
FUZZ_SRC_qubesdb := applets/qubesdb.c

build/fuzz/%: tests/fuzz/%.c $(HDRS) $(SRCS)
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
lint:
	cppcheck --enable=warning,portability,performance --inline-suppr --error-exitcode=1 \
		--quiet --std=c99 --suppress=missingIncludeSystem $(SRCS) tests/*.c tests/fuzz/*.c
	clang-tidy --quiet $(SRCS) -- -std=gnu99 $(MNL_CFLAGS)
	@echo "lint: cppcheck and clang-tidy clean"

check: $(QVBIN) $(O)/tests/unit musl-compile lint fuzz-short
	QV=$(CURDIR)/$(QVBIN) UNIT=$(CURDIR)/$(O)/tests/unit tests/run

# BIN=build/static/qubes-vpn installs the static build instead.
BIN ?= qubes-vpn
UNITDIR    ?= $(PREFIX)/lib/systemd/system
PRESETDIR  ?= $(PREFIX)/lib/systemd/system-preset
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DATADIR    ?= $(PREFIX)/share
UNITS := qubes-vpn-forwarding.service qubes-vpn.service qubes-vpn-config.path \
         qubes-vpn-restart.service qubes-vpn-resolv.service qubes-vpn-resolv.path

# The VM side: binary, applet links, systemd units, user, configurator menu.
# Everything CI runs: the suite, then the suite built with sanitizers.
check-all:
	$(MAKE) check
	$(MAKE) check SANITIZE=1

install: install-bin
	install -d $(DESTDIR)$(UNITDIR)/qubes-network.service.d $(DESTDIR)$(PRESETDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DATADIR)/applications $(DESTDIR)$(DATADIR)/doc/qubes-vpn
	for u in $(UNITS); do install -m 0644 units/$$u $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 0644 units/qubes-network.service.d/30-qubes-vpn.conf \
		$(DESTDIR)$(UNITDIR)/qubes-network.service.d/30-qubes-vpn.conf
	install -m 0644 units/75-qubes-vpn.preset $(DESTDIR)$(PRESETDIR)/75-qubes-vpn.preset
	install -m 0644 units/qubes-vpn.sysusers $(DESTDIR)$(SYSUSERSDIR)/qubes-vpn.conf
	install -m 0644 units/qubes-vpn.tmpfiles $(DESTDIR)$(TMPFILESDIR)/qubes-vpn.conf
	install -m 0644 units/qubes-vpn-configurator.desktop \
		$(DESTDIR)$(DATADIR)/applications/qubes-vpn-configurator.desktop
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

# RPMs for the VM (qubes-vpn) and dom0 (qubes-vpn-dom0). With
# MUSL_SYSROOT the binary is static; otherwise it needs libmnl.
rpm: dist
	@mkdir -p $(RPMDIR)/SOURCES
	cp build/dist/qubes-vpn-$(VERSION).tar.gz $(RPMDIR)/SOURCES/
	rpmbuild -bb --nodeps --define "_topdir $(RPMDIR)" \
		$(if $(MUSL_SYSROOT),--define "musl_sysroot $(MUSL_SYSROOT)") rpm/qubes-vpn.spec
	@find $(RPMDIR)/RPMS -name '*.rpm' -printf '%p\n'

clean:
	rm -rf build qubes-vpn

.PHONY: all static musl-compile lint check check-all install install-bin install-dom0 dist rpm fuzz fuzz-short clean
