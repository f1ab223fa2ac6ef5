# vmsandbox build. `make` builds build/vmsandbox; `make check` installs missing
# Debian packages, builds and runs every test; `make demo` runs a sample.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= gcc
SANITIZE ?=

PKGS := libseccomp libcap libnl-3.0 libnl-route-3.0 jansson sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wswitch-enum -Wvla -Wpointer-arith -Wundef -Wno-missing-field-initializers
HARDENING := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE \
	-D_FORTIFY_SOURCE=2
LDHARDENING := -pie -Wl,-z,relro,-z,now,-z,noexecstack

ifneq ($(SANITIZE),)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
HARDENING := $(filter-out -D_FORTIFY_SOURCE=2,$(HARDENING))
LDSAN := -fsanitize=$(SANITIZE)
else
OPT := -O2 -g
LDSAN :=
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CPPFLAGS += -I. -Iinclude -D_GNU_SOURCE -DVMSB_VERSION='"$(VERSION)"'
CFLAGS   += -std=gnu11 $(OPT) $(WARNINGS) $(HARDENING) $(PKG_CFLAGS)
LDFLAGS  += $(LDHARDENING) $(LDSAN)

# Everything but main.c goes into a static library that the binary and the
# unit tests share, so tests exercise exactly the code that ships.
LIB_SRCS := $(wildcard common/*.c policy/*.c child/*.c supervisor/*.c supervisor/*/*.c)
LIB_SRCS := $(filter-out supervisor/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/policy/default_json.o
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPERS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
ESCAPE_SRCS := $(wildcard tests/escape/*.c)
ESCAPES := $(ESCAPE_SRCS:tests/escape/%.c=$(BUILD)/escape/%)

.PHONY: all check check-unit check-integration demo asan install clean deps man-lint \
	format format-check bench examples-check fuzz fuzz-smoke

all: $(BUILD)/vmsandbox $(HELPERS) $(ESCAPES) $(BUILD)/vmsb $(BUILD)/libvmsandbox-guest.a \
	$(BUILD)/libvmsandbox-guest.so $(BUILD)/vmsandbox-guest.pc

deps:
	@./scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The default policy is data compiled in, parsed by the same code as any file.
$(BUILD)/obj/policy/default_json.o: policy/default_json.S policy/default.json
	@mkdir -p $(dir $@)
	$(CC) -c -Wa,-I. $< -o $@

$(BUILD)/libvmsandbox.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The default policy's seccomp filters, compiled once at build time by the
# same code (see policy/bpf.h); linked as an object, never into the library.
$(BUILD)/bpfgen: $(BUILD)/obj/policy/gen/bpfgen.o $(BUILD)/libvmsandbox.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/default.bpf: $(BUILD)/bpfgen
	$(BUILD)/bpfgen $@

$(BUILD)/obj/policy/default_bpf.o: policy/default_bpf.S $(BUILD)/default.bpf
	@mkdir -p $(dir $@)
	$(CC) -c -Wa,-I$(BUILD) $< -o $@

$(BUILD)/vmsandbox: $(BUILD)/obj/supervisor/main.o $(BUILD)/obj/policy/default_bpf.o \
		$(BUILD)/libvmsandbox.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/obj/policy/default_bpf.o $(BUILD)/libvmsandbox.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(PKG_LIBS) -lcriterion -o $@

# The guest side (child/guest/): a library that links only the wire format, and
# vmsb, static so it runs in any view. Never sanitised: it runs inside instances
# (a static binary cannot carry the ASan runtime).
GUEST_SRCS := child/guest/guest.c common/wire.c common/err.c
GUEST_OBJS := $(GUEST_SRCS:%.c=$(BUILD)/obj/guest/%.o)
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC

$(BUILD)/obj/guest/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libvmsandbox-guest.a: $(GUEST_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libvmsandbox-guest.so: $(GUEST_OBJS)
	$(CC) -shared -Wl,-soname,libvmsandbox-guest.so.0 -Wl,-z,relro,-z,now $^ -o $@

$(BUILD)/vmsb: $(BUILD)/obj/guest/child/guest/vmsb.o $(BUILD)/libvmsandbox-guest.a
	$(CC) -static $^ -o $@

$(BUILD)/vmsandbox-guest.pc: child/guest/vmsandbox-guest.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# Test helpers run inside instances: static, so they need nothing from the view.
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static $< -o $@

# Escape attempts run inside instances; static for the same reason.
$(BUILD)/escape/%: tests/escape/%.c $(wildcard tests/escape/*.h)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static $< -o $@

check: deps
	$(MAKE) all $(BUILD)/unit-tests
	$(MAKE) check-unit check-integration man-lint examples-check fuzz-smoke

check-unit: $(BUILD)/unit-tests
	# Bounded: a hang (e.g. Criterion called from a forked child) fails instead of stalling CI.
	VMSB_FIXTURES=$(CURDIR)/tests/fixtures timeout 900 $(BUILD)/unit-tests --jobs 2 --timeout 120 --full-stats

check-integration: all
	BUILD=$(CURDIR)/$(BUILD) tests/integration/run.sh

examples-check: $(BUILD)/vmsandbox
	@for f in policy/examples/*.json; do \
		$(BUILD)/vmsandbox check "$$f" >/dev/null || { echo "example $$f is invalid"; exit 1; }; \
	done; echo "policy examples: all valid"

man-lint:
	@./scripts/man-lint.sh
	@./scripts/check-man-options.sh $(BUILD)/vmsandbox

demo: deps
	$(MAKE) all
	./scripts/demo.sh $(BUILD)/vmsandbox

asan: deps
	$(MAKE) BUILD=build-asan SANITIZE=address,undefined all build-asan/unit-tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		./scripts/unit-asan.sh build-asan
	# valgrind cannot run an AddressSanitizer binary; make check runs it on the plain one.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	VMSB_EXCLUDE=valgrind \
		$(MAKE) BUILD=build-asan SANITIZE=address,undefined check-integration

# libFuzzer on the policy loader: `make fuzz` runs FUZZ_SECONDS (60), make check 10.
fuzz: $(BUILD)/obj/policy/default_json.o
	./scripts/fuzz.sh $(or $(FUZZ_SECONDS),60)

fuzz-smoke: $(BUILD)/obj/policy/default_json.o
	./scripts/fuzz.sh 10

# Benchmarks (bench/README.md); each script or program prints markdown.
BENCH_PROGS := $(BUILD)/bench/ping $(BUILD)/bench/transfer

$(BENCH_PROGS): $(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -std=gnu11 -O2 $(WARNINGS) $< -o $@

bench: all $(BENCH_PROGS)
	./bench/startup.sh $(BUILD)/vmsandbox
	./bench/ping.sh $(BUILD)/vmsandbox
	$(BUILD)/bench/transfer

install: all
	install -D -m 0755 $(BUILD)/vmsandbox $(DESTDIR)$(PREFIX)/bin/vmsandbox
	install -D -m 0644 man/vmsandbox.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmsandbox.1
	install -D -m 0644 man/vmsandbox-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/vmsandbox-policy.5
	install -D -m 0644 man/vmsandbox-broker.7 $(DESTDIR)$(PREFIX)/share/man/man7/vmsandbox-broker.7
	install -D -m 0755 $(BUILD)/vmsb $(DESTDIR)$(PREFIX)/bin/vmsb
	install -D -m 0644 man/vmsb.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmsb.1
	install -D -m 0644 include/vmsandbox/guest.h $(DESTDIR)$(PREFIX)/include/vmsandbox/guest.h
	install -D -m 0644 $(BUILD)/libvmsandbox-guest.a $(DESTDIR)$(PREFIX)/lib/libvmsandbox-guest.a
	install -D -m 0755 $(BUILD)/libvmsandbox-guest.so $(DESTDIR)$(PREFIX)/lib/libvmsandbox-guest.so.0
	ln -sf libvmsandbox-guest.so.0 $(DESTDIR)$(PREFIX)/lib/libvmsandbox-guest.so
	install -D -m 0644 $(BUILD)/vmsandbox-guest.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/vmsandbox-guest.pc

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
