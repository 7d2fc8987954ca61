# SPDX-License-Identifier: MIT
# tpmap and libtp.  GNU make, no recursion.  Local overrides go in config.mk.

# VERSION is tpmap's; libtp has its own, which names the shared object
# and libtp.pc and must agree with TP_VERSION_* in tp.h.  SOMAJOR, the
# soname's number, changes with every change of libtp's ABI.
VERSION = 0.1.0
LIBTP_VERSION = 1.0.0
SOMAJOR = 1

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC ?= cc
CFLAGS ?= -O2 -g
BATS ?= bats
WITH_LIBBSD ?= auto
STATIC ?= auto

-include config.mk

# Flags the build needs go in their own variables so that the user's CFLAGS,
# CPPFLAGS, LDFLAGS and LDLIBS replace only what they are meant to.
TP_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -Isrc/tp -Isrc/compat
TP_CFLAGS = -std=c11 -pthread -Wall -Wextra -fPIC -MMD -MP
TP_LDFLAGS = -pthread
TP_LDLIBS =

ifeq ($(WITH_LIBBSD),auto)
WITH_LIBBSD := $(shell pkg-config --exists libbsd-overlay 2>/dev/null && echo yes || echo no)
endif
# tpmap itself is linked static-pie when the toolchain can (STATIC=auto):
# a dynamic tpmap spends longer loading libc, libbsd and libmd than its own
# work for a one-job run takes (bench/README.md, startup), and static-pie
# keeps address randomisation.  Sanitizer builds stay dynamic, as the
# sanitizer runtimes require; STATIC=no for a dynamic tpmap (valgrind, a
# distribution's policy).  libtp.a and libtp.so are built the same either way.
ifeq ($(STATIC),auto)
ifneq ($(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),)
STATIC := no
else
STATIC := $(shell printf 'int main(void){return 0;}\n' | \
	$(CC) -x c -static-pie -o /dev/null - >/dev/null 2>&1 && echo yes || echo no)
endif
endif
ifeq ($(STATIC),yes)
TPMAP_LDFLAGS = -static-pie
PKG_STATIC = --static
endif

ifeq ($(WITH_LIBBSD),yes)
TP_CPPFLAGS += -DHAVE_LIBBSD $(shell pkg-config --cflags libbsd-overlay)
TP_LDLIBS += $(shell pkg-config $(PKG_STATIC) --libs libbsd-overlay)
COMPAT_OBJ =
else
COMPAT_OBJ = src/compat/compat.o
endif

ALL_CPPFLAGS = $(TP_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(TP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(TP_LDFLAGS) $(LDFLAGS)

# Stamps: a stamp file holds, as text, the settings that shape some of the
# output, and what they shape depends on it.  It is written again only when
# the text it holds differs from the settings given, so that its time is
# that of their last change: `make CFLAGS=-O0` after `make` compiles
# everything again, `make STATIC=no` links tpmap again, `make` twice in a
# row builds nothing the second time, and `make -q` tells whether the
# build is current for the settings given.  A stamp's own rule is below
# the others.  $(call stamp_force,FILE,VARIABLE) is FORCE, a
# prerequisite that makes FILE out of date, unless FILE holds $(VARIABLE).
# The variables are simply expanded (:=), so that a stamp built as the
# prerequisite of a target with variables of its own holds the same text.
# $(call stamp_write,FILE,VARIABLE), a stamp's recipe, writes it, but not
# under -n or -q, which expand a recipe without running it.
stamp_force = $(if $(wildcard $1),$(if $(subst $(file <$1),,$($2))$(subst \
	$($2),,$(file <$1)),FORCE),FORCE)
stamp_write = $(if $(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring \
	q,$(firstword -$(MAKEFLAGS))),,$(file >$1,$($2)))

# compile.stamp: what every object depends on; link.stamp: what every
# link depends on besides its objects.  STATIC=no, say, links tpmap again
# from the same objects.
define COMPILE_FLAGS :=
CC = $(CC)
CPPFLAGS = $(ALL_CPPFLAGS)
CFLAGS = $(ALL_CFLAGS)
WITH_LIBBSD = $(WITH_LIBBSD)
endef
define LINK_FLAGS :=
AR = $(AR)
LDFLAGS = $(ALL_LDFLAGS) $(TPMAP_LDFLAGS)
LDLIBS = $(TP_LDLIBS) $(LDLIBS)
STATIC = $(STATIC)
endef

# version.stamp: what options.o alone depends on, for --version: the
# version, and the build, which names the commit when built from a git
# checkout (none from a tarball, which needs no git), whether libbsd and
# static linking are in, and the sanitizers.  A new commit builds options.o
# and links tpmap again, nothing else.
comma = ,
space = $() $()
COMMIT := $(if $(wildcard .git),$(shell git describe --always --dirty \
	2>/dev/null | tr -cd '[:alnum:]._+-'))
SANITIZERS := $(sort $(subst $(comma),$(space),$(patsubst -fsanitize=%,%, \
	$(filter -fsanitize=%,$(CFLAGS) $(LDFLAGS)))))
BUILD_INFO = $(if $(COMMIT),commit $(COMMIT)$(comma) )$(if \
	$(filter yes,$(WITH_LIBBSD)),libbsd,no libbsd)$(comma) $(if \
	$(filter yes,$(STATIC)),static-pie,dynamic)$(comma) $(if \
	$(SANITIZERS),sanitizer $(subst $(space),+,$(SANITIZERS)),no sanitizer)
define VERSION_INFO :=
VERSION = $(VERSION)
BUILD = $(BUILD_INFO)
endef

LIB_OBJ = src/tp/executor.o src/tp/future.o src/tp/wait.o src/tp/map.o \
	src/tp/cpus.o
CLI_OBJ = src/tpmap/main.o src/tpmap/options.o src/tpmap/optparse.o \
	src/tpmap/input.o src/tpmap/perlre.o \
	src/tpmap/csv.o src/tpmap/template.o src/tpmap/expand.o \
	src/tpmap/shlex.o src/tpmap/shquote.o src/tpmap/cmdline.o \
	src/tpmap/execpath.o src/tpmap/spawn.o src/tpmap/output.o \
	src/tpmap/report.o src/tpmap/util.o src/tpmap/joblog.o \
	src/tpmap/progress.o src/tpmap/jobserver.o src/tpmap/job.o \
	src/tpmap/spool.o src/tpmap/build.o src/tpmap/source.o \
	src/tpmap/runner.o src/tpmap/pace.o src/tpmap/jobin.o \
	src/tpmap/pipesrc.o src/tpmap/stream.o src/tpmap/spread.o
HELPERS = tests/helpers/tp-driver tests/helpers/tp-driver-so \
	tests/helpers/showargs tests/helpers/peakrss tests/helpers/cgroup-cpus
BENCH = bench/tp-bench bench/floor bench/measure

OBJ = $(LIB_OBJ) $(CLI_OBJ) $(COMPAT_OBJ) $(HELPERS:=.o) $(BENCH:=.o)

.PHONY: all check check-gnu check-faults helpers bench install uninstall clean fuzz fuzz-run \
	FORCE

all: libtp.a libtp.so tpmap

libtp.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# src/tp/libtp.ver exports tp.h's functions and nothing else.
libtp.so: $(LIB_OBJ) src/tp/libtp.ver
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libtp.so.$(SOMAJOR) \
		-Wl,--version-script=src/tp/libtp.ver $(ALL_LDFLAGS) \
		-o $@ $(LIB_OBJ) $(LDLIBS)

tpmap: $(CLI_OBJ) $(COMPAT_OBJ) libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(TPMAP_LDFLAGS) -o $@ $(CLI_OBJ) \
		$(COMPAT_OBJ) libtp.a $(TP_LDLIBS) $(LDLIBS)

tests/helpers/tp-driver: tests/helpers/tp-driver.o libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< libtp.a $(LDLIBS)

# The same driver against libtp.so, for 80-lib to run every scenario
# through the exported symbols too.  It finds the library in the tree by
# its soname, through the link libtp.so.MAJOR and an $ORIGIN rpath.
libtp.so.$(SOMAJOR): libtp.so
	ln -sf libtp.so $@

tests/helpers/tp-driver-so: tests/helpers/tp-driver.o libtp.so \
		libtp.so.$(SOMAJOR)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -L. -ltp \
		-Wl,-rpath,'$$ORIGIN/../..' $(LDLIBS)

tests/helpers/showargs: tests/helpers/showargs.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

tests/helpers/peakrss: tests/helpers/peakrss.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

# libtp's internal cgroup reader, from libtp.a (the shared library need
# not export it).
tests/helpers/cgroup-cpus: tests/helpers/cgroup-cpus.o libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< libtp.a $(LDLIBS)

bench/tp-bench: bench/tp-bench.o libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< libtp.a $(LDLIBS)

# The floor and measure are plain POSIX: built without the libbsd overlay,
# so that the floor loads no library the jobs do not need.
BENCH_CPPFLAGS = -D_POSIX_C_SOURCE=200809L $(CPPFLAGS)

bench/floor.o: bench/floor.c
	$(CC) $(BENCH_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

bench/measure.o: bench/measure.c
	$(CC) $(BENCH_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

bench/floor: bench/floor.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

bench/measure: bench/measure.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

%.o: %.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# VERSION above is the only place the version is written: options.c gets
# it and the build's description for --version from the command line.
src/tpmap/options.o: TP_CPPFLAGS += -DTPMAP_VERSION=\"$(VERSION)\" \
	-DTPMAP_BUILD="\"$(BUILD_INFO)\""
src/tpmap/options.o: version.stamp

$(OBJ) src/compat/compat.o: compile.stamp
libtp.a libtp.so tpmap $(HELPERS) $(BENCH): link.stamp

FORCE:

compile.stamp: $(call stamp_force,compile.stamp,COMPILE_FLAGS)
	$(call stamp_write,$@,COMPILE_FLAGS)

link.stamp: $(call stamp_force,link.stamp,LINK_FLAGS)
	$(call stamp_write,$@,LINK_FLAGS)

version.stamp: $(call stamp_force,version.stamp,VERSION_INFO)
	$(call stamp_write,$@,VERSION_INFO)

helpers: $(HELPERS)

bench: $(BENCH)

# CHECK_TESTS: the suites to run (the CI's sanitizer builds choose theirs);
# tests/run-suites runs them one by one and prints each one's time at the
# end, so that a suite that grows slow is seen.
CHECK_TESTS = tests

check: all helpers
	BATS='$(BATS)' BATS_FLAGS='$(BATS_FLAGS)' tests/run-suites $(CHECK_TESTS)

# check-gnu: what check takes from tests/compat/golden/, against a live GNU
# parallel (Debian packages parallel and libtext-csv-perl): every case of
# tests/compat/cases.txt has its golden entry, GNU parallel still prints
# what the entry holds, and tpmap prints the same.  For after editing the
# table (then `tests/compat/run --record`) or with a new GNU parallel;
# check needs neither GNU parallel nor its time.  COMPAT_JOBS: cases at once.
COMPAT_JOBS ?= 2

check-gnu: all
	tests/compat/run --check-golden
	tests/compat/run -j $(COMPAT_JOBS) --verify

# check-faults: tpmap under strace(1) with one system call failing at a
# time, in every scenario of tests/faults/run (about 3,100 runs, 15
# minutes on two cores; FAULTS_FLAGS='-n 300' runs a sample).  Needs
# strace.
FAULTS_FLAGS ?=

check-faults: all
	tests/faults/run $(FAULTS_FLAGS)

# Fuzzing: libFuzzer targets, built with clang into tests/fuzz/bin from
# their own sanitizer-instrumented objects, so that the gcc build above is
# never touched.  libbsd or src/compat follows the choice made above.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -O1 -g
FUZZ_LDFLAGS ?=
FUZZ_SECONDS ?= 30
FUZZ_BIN = tests/fuzz/bin
FUZZ_OBJDIR = $(FUZZ_BIN)/obj
FUZZ_TARGETS = fuzz-template fuzz-shq fuzz-classifier fuzz-input fuzz-options
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# -iquote, not -I: src/tpmap/spawn.h must not hide <spawn.h>.
FUZZ_ALL_CPPFLAGS = $(TP_CPPFLAGS) -iquote src/tpmap -iquote tests/fuzz \
	$(CPPFLAGS)
FUZZ_ALL_CFLAGS = -std=c11 -Wall -Wextra -MMD -MP \
	-fsanitize=fuzzer-no-link $(FUZZ_SAN) $(FUZZ_CFLAGS)
FUZZ_COMPAT = $(if $(COMPAT_OBJ),$(FUZZ_OBJDIR)/compat.o)
# The template, its lexer and its quoting; the classifier and the utility
# lookup, which make cmd_split, the fuzzers' check on a command line.
FUZZ_TMPL = $(addprefix $(FUZZ_OBJDIR)/,template.o expand.o shlex.o \
	shquote.o)
FUZZ_SPLIT = $(addprefix $(FUZZ_OBJDIR)/,cmdline.o execpath.o)
FUZZ_OBJ = $(addprefix $(FUZZ_OBJDIR)/,$(FUZZ_TARGETS:=.o) fuzz.o \
	util.o input.o perlre.o csv.o optparse.o) $(FUZZ_TMPL) \
	$(FUZZ_SPLIT) $(FUZZ_COMPAT)
# A tiny read size makes the input reader refill and compact its buffer
# inside the few KiB a fuzz input holds.
FUZZ_READ_SIZE = 7

fuzz: $(addprefix $(FUZZ_BIN)/,$(FUZZ_TARGETS) argdump)

# The fuzz build's own stamp (see Stamps above).
define FUZZ_BUILD_FLAGS :=
CC = $(FUZZ_CC)
CPPFLAGS = $(FUZZ_ALL_CPPFLAGS)
CFLAGS = $(FUZZ_ALL_CFLAGS)
LDFLAGS = $(FUZZ_LDFLAGS)
LDLIBS = $(TP_LDLIBS)
READ_SIZE = $(FUZZ_READ_SIZE)
endef
FUZZ_STAMP = $(FUZZ_BIN)/flags.stamp

$(FUZZ_OBJ) $(addprefix $(FUZZ_BIN)/,$(FUZZ_TARGETS) argdump): $(FUZZ_STAMP)

$(FUZZ_STAMP): $(call stamp_force,$(FUZZ_STAMP),FUZZ_BUILD_FLAGS) \
		| $(FUZZ_OBJDIR)
	$(call stamp_write,$@,FUZZ_BUILD_FLAGS)

$(FUZZ_OBJDIR):
	mkdir -p $@

$(FUZZ_OBJDIR)/%.o: src/tpmap/%.c | $(FUZZ_OBJDIR)
	$(FUZZ_CC) $(FUZZ_ALL_CPPFLAGS) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FUZZ_OBJDIR)/%.o: tests/fuzz/%.c | $(FUZZ_OBJDIR)
	$(FUZZ_CC) $(FUZZ_ALL_CPPFLAGS) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FUZZ_OBJDIR)/input.o: src/tpmap/input.c | $(FUZZ_OBJDIR)
	$(FUZZ_CC) $(FUZZ_ALL_CPPFLAGS) -DREAD_SIZE=$(FUZZ_READ_SIZE) \
		$(FUZZ_ALL_CFLAGS) -c -o $@ $<

$(FUZZ_OBJDIR)/compat.o: src/compat/compat.c | $(FUZZ_OBJDIR)
	$(FUZZ_CC) $(FUZZ_ALL_CPPFLAGS) $(FUZZ_ALL_CFLAGS) -c -o $@ $<

FUZZ_LINK = $(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer $(FUZZ_LDFLAGS) \
	-o $@ $(filter %.o,$^) $(TP_LDLIBS)

$(FUZZ_BIN)/fuzz-template: $(FUZZ_OBJDIR)/fuzz-template.o \
		$(FUZZ_OBJDIR)/fuzz.o $(FUZZ_TMPL) $(FUZZ_SPLIT) \
		$(FUZZ_OBJDIR)/util.o $(FUZZ_COMPAT)
	$(FUZZ_LINK)

$(FUZZ_BIN)/fuzz-shq: $(FUZZ_OBJDIR)/fuzz-shq.o $(FUZZ_OBJDIR)/fuzz.o \
		$(FUZZ_TMPL) $(FUZZ_SPLIT) $(FUZZ_OBJDIR)/util.o $(FUZZ_COMPAT)
	$(FUZZ_LINK)

$(FUZZ_BIN)/fuzz-classifier: $(FUZZ_OBJDIR)/fuzz-classifier.o \
		$(FUZZ_OBJDIR)/fuzz.o $(FUZZ_SPLIT) $(FUZZ_OBJDIR)/shquote.o \
		$(FUZZ_OBJDIR)/util.o $(FUZZ_COMPAT)
	$(FUZZ_LINK)

$(FUZZ_BIN)/fuzz-input: $(FUZZ_OBJDIR)/fuzz-input.o \
		$(FUZZ_OBJDIR)/fuzz.o $(FUZZ_OBJDIR)/input.o \
		$(FUZZ_OBJDIR)/perlre.o $(FUZZ_OBJDIR)/csv.o \
		$(FUZZ_OBJDIR)/util.o $(FUZZ_COMPAT)
	$(FUZZ_LINK)

$(FUZZ_BIN)/fuzz-options: $(FUZZ_OBJDIR)/fuzz-options.o \
		$(FUZZ_OBJDIR)/fuzz.o $(FUZZ_OBJDIR)/optparse.o \
		$(FUZZ_OBJDIR)/util.o $(FUZZ_COMPAT)
	$(FUZZ_LINK)

# Spawned by fuzz-classifier thousands of times: no sanitizers, no
# coverage, just fast.
$(FUZZ_BIN)/argdump: tests/fuzz/argdump.c | $(FUZZ_OBJDIR)
	$(FUZZ_CC) -std=c11 -O2 -Wall -Wextra -o $@ $<

# Each target runs FUZZ_SECONDS on the seeds in tests/fuzz/corpus/NAME;
# what it finds goes to tests/fuzz/bin/corpus/NAME, so that the seeds stay
# as committed, and a crashing input to tests/fuzz/bin/NAME-crash-*.  Each
# is a target of its own, fuzz-run-NAME, so that `make -k -j2 fuzz-run`
# runs them side by side, all of them even if one fails; each prints a TAP
# line (CI counts them) with libFuzzer's run count.  The fuzzer's chatter
# goes to tests/fuzz/bin/NAME.log, whose end is shown when a target fails.
# fuzz-input gets -close_fd_mask=2: input.c warns on stderr about every
# malformed CSV record and --colsep, and the fuzzer makes thousands a
# second.  libFuzzer still prints sanitizer reports; to see a failed
# check's own message, rerun the crash file without the flag.
FUZZ_FLAGS_fuzz-input = -close_fd_mask=2
FUZZ_RUNS = $(FUZZ_TARGETS:%=fuzz-run-%)
.PHONY: $(FUZZ_RUNS)

fuzz-run: $(FUZZ_RUNS)

$(FUZZ_RUNS): fuzz-run-%: fuzz
	@mkdir -p $(FUZZ_BIN)/corpus/$*
	@if $(FUZZ_BIN)/$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-artifact_prefix=$(FUZZ_BIN)/$*- $(FUZZ_FLAGS_$*) \
		$(FUZZ_BIN)/corpus/$* tests/fuzz/corpus/$* \
		>$(FUZZ_BIN)/$*.log 2>&1; then \
		echo "ok - $*: $$(grep -o 'Done [0-9]* runs in [0-9]* second' \
			$(FUZZ_BIN)/$*.log)"; \
	else \
		tail -n 60 $(FUZZ_BIN)/$*.log; \
		echo "not ok - $*: see $(FUZZ_BIN)/$*.log"; exit 1; \
	fi

# A shared library installed for the running system must be made known to
# the dynamic linker's cache, or programs linked with -ltp fail to start
# ("libtp.so.1: cannot open shared object file").  install runs LDCONFIG
# when it installs as root without DESTDIR; a staged install (DESTDIR, as
# a package build makes) leaves it to the package's own triggers, and a
# user who cannot update the cache is told what to do.
LDCONFIG ?= ldconfig

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(PKGCONFIGDIR)
	cp -f tpmap $(DESTDIR)$(BINDIR)/tpmap
	cp -f libtp.a $(DESTDIR)$(LIBDIR)/libtp.a
	cp -f libtp.so $(DESTDIR)$(LIBDIR)/libtp.so.$(LIBTP_VERSION)
	ln -sf libtp.so.$(LIBTP_VERSION) $(DESTDIR)$(LIBDIR)/libtp.so.$(SOMAJOR)
	ln -sf libtp.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libtp.so
	cp -f src/tp/tp.h $(DESTDIR)$(INCLUDEDIR)/tp.h
	cp -f man/tpmap.1 $(DESTDIR)$(MANDIR)/man1/tpmap.1
	cp -f man/libtp.3 $(DESTDIR)$(MANDIR)/man3/libtp.3
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBTP_VERSION)|' \
		libtp.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libtp.pc
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	cp -f completions/tpmap.bash $(DESTDIR)$(BASHCOMPDIR)/tpmap
	cp -f completions/_tpmap $(DESTDIR)$(ZSHCOMPDIR)/_tpmap
	cp -f completions/tpmap.fish $(DESTDIR)$(FISHCOMPDIR)/tpmap.fish
	@if [ -n "$(DESTDIR)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo '$(LDCONFIG)'; $(LDCONFIG) || \
			echo 'warning: $(LDCONFIG) failed: run it again' >&2; \
	else \
		echo 'note: as root, run ldconfig (or add $(LIBDIR) to LD_LIBRARY_PATH),' \
			'so that programs linked with -ltp find libtp.so.$(SOMAJOR)'; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tpmap $(DESTDIR)$(LIBDIR)/libtp.a \
		$(DESTDIR)$(LIBDIR)/libtp.so $(DESTDIR)$(LIBDIR)/libtp.so.$(SOMAJOR) \
		$(DESTDIR)$(LIBDIR)/libtp.so.$(LIBTP_VERSION) \
		$(DESTDIR)$(INCLUDEDIR)/tp.h $(DESTDIR)$(PKGCONFIGDIR)/libtp.pc \
		$(DESTDIR)$(MANDIR)/man1/tpmap.1 $(DESTDIR)$(MANDIR)/man3/libtp.3 \
		$(DESTDIR)$(BASHCOMPDIR)/tpmap $(DESTDIR)$(ZSHCOMPDIR)/_tpmap \
		$(DESTDIR)$(FISHCOMPDIR)/tpmap.fish

clean:
	rm -f $(OBJ) $(OBJ:.o=.d) src/compat/compat.o src/compat/compat.d \
		libtp.a libtp.so libtp.so.$(SOMAJOR) tpmap $(HELPERS) $(BENCH) \
		compile.stamp link.stamp version.stamp
	rm -rf $(FUZZ_BIN)

-include $(OBJ:.o=.d)
-include $(FUZZ_OBJ:.o=.d)
