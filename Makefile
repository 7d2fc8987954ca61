# SPDX-License-Identifier: MIT
# tpmap and libtp.  GNU make, no recursion.  Local overrides go in config.mk.

VERSION = 0.1.0
SOMAJOR = 0

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
ifeq ($(WITH_LIBBSD),yes)
TP_CPPFLAGS += -DHAVE_LIBBSD $(shell pkg-config --cflags libbsd-overlay)
TP_LDLIBS += $(shell pkg-config --libs libbsd-overlay)
COMPAT_OBJ =
else
COMPAT_OBJ = src/compat/compat.o
endif

ALL_CPPFLAGS = $(TP_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(TP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(TP_LDFLAGS) $(LDFLAGS)

LIB_OBJ = src/tp/executor.o src/tp/future.o src/tp/wait.o src/tp/map.o
CLI_OBJ = src/tpmap/main.o src/tpmap/options.o src/tpmap/cpus.o \
	src/tpmap/input.o src/tpmap/template.o src/tpmap/spawn.o \
	src/tpmap/output.o src/tpmap/report.o src/tpmap/util.o \
	src/tpmap/joblog.o
HELPERS = tests/helpers/tp-driver tests/helpers/showargs tests/helpers/peakrss
BENCH = bench/tp-bench

OBJ = $(LIB_OBJ) $(CLI_OBJ) $(COMPAT_OBJ) $(HELPERS:=.o) $(BENCH:=.o)

.PHONY: all check helpers bench install uninstall clean

all: libtp.a libtp.so tpmap

libtp.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

libtp.so: $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libtp.so.$(SOMAJOR) $(ALL_LDFLAGS) \
		-o $@ $(LIB_OBJ) $(LDLIBS)

tpmap: $(CLI_OBJ) $(COMPAT_OBJ) libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(COMPAT_OBJ) \
		libtp.a $(TP_LDLIBS) $(LDLIBS)

tests/helpers/tp-driver: tests/helpers/tp-driver.o libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< libtp.a $(LDLIBS)

tests/helpers/showargs: tests/helpers/showargs.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

tests/helpers/peakrss: tests/helpers/peakrss.o
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

bench/tp-bench: bench/tp-bench.o libtp.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< libtp.a $(LDLIBS)

%.o: %.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

helpers: $(HELPERS)

bench: $(BENCH)

# CHECK_TESTS: the suites to run (the CI's sanitizer builds leave out the
# differential table, whose time goes to GNU parallel).
CHECK_TESTS = tests

check: all helpers
	$(BATS) $(BATS_FLAGS) $(CHECK_TESTS)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(PKGCONFIGDIR)
	cp -f tpmap $(DESTDIR)$(BINDIR)/tpmap
	cp -f libtp.a $(DESTDIR)$(LIBDIR)/libtp.a
	cp -f libtp.so $(DESTDIR)$(LIBDIR)/libtp.so.$(VERSION)
	ln -sf libtp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtp.so.$(SOMAJOR)
	ln -sf libtp.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libtp.so
	cp -f src/tp/tp.h $(DESTDIR)$(INCLUDEDIR)/tp.h
	cp -f man/tpmap.1 $(DESTDIR)$(MANDIR)/man1/tpmap.1
	cp -f man/libtp.3 $(DESTDIR)$(MANDIR)/man3/libtp.3
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		libtp.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libtp.pc
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	cp -f completions/tpmap.bash $(DESTDIR)$(BASHCOMPDIR)/tpmap
	cp -f completions/_tpmap $(DESTDIR)$(ZSHCOMPDIR)/_tpmap
	cp -f completions/tpmap.fish $(DESTDIR)$(FISHCOMPDIR)/tpmap.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tpmap $(DESTDIR)$(LIBDIR)/libtp.a \
		$(DESTDIR)$(LIBDIR)/libtp.so $(DESTDIR)$(LIBDIR)/libtp.so.$(SOMAJOR) \
		$(DESTDIR)$(LIBDIR)/libtp.so.$(VERSION) \
		$(DESTDIR)$(INCLUDEDIR)/tp.h $(DESTDIR)$(PKGCONFIGDIR)/libtp.pc \
		$(DESTDIR)$(MANDIR)/man1/tpmap.1 $(DESTDIR)$(MANDIR)/man3/libtp.3 \
		$(DESTDIR)$(BASHCOMPDIR)/tpmap $(DESTDIR)$(ZSHCOMPDIR)/_tpmap \
		$(DESTDIR)$(FISHCOMPDIR)/tpmap.fish

clean:
	rm -f $(OBJ) $(OBJ:.o=.d) src/compat/compat.o src/compat/compat.d \
		libtp.a libtp.so tpmap $(HELPERS) $(BENCH)

-include $(OBJ:.o=.d)
