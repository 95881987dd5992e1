# Hookswitch - top-level build.  GNU make, gcc, C17, every warning an error.
#
#   make              build every service, hookswitchctl and the unit tests into build/
#   make test         install missing packages, build, run unit tests (plain and under
#                     ASan+UBSan), fuzz smoke, bench smoke and the system tests
#   make demo         install, build, start PostgreSQL + watchdog with all roles (Ctrl-C stops)
#   make stop         stop what `make demo` started
#
# Dependencies come from Debian packages (tools/install-deps) and are found by pkg-config.
# nng ships no .pc file in Debian 12, hence the fallback.

BUILD   ?= build
CC      ?= gcc
SAN     ?=
V       ?= 0
PYTEST  ?= /usr/bin/python3 -m pytest

PKGS    := libuv libpq libcjson inih libargon2 libsystemd libcrypto libcurl \
           libpcap libopusenc spandsp libbcg729 libre
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# civetweb and libgsm (the recorder's GSM 06.10 WAV) ship no .pc file in Debian 12 either.
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
              $(shell pkg-config --libs nng 2>/dev/null || echo -lnng) -lcivetweb -lpthread \
              -lgsm -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  ?= -O2 -g
# -Wno-format-truncation: every snprintf into a fixed buffer truncates on purpose (names,
# paths and messages have documented limits); gcc cannot tell that from a mistake.
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-format-truncation -fno-common -Ilibcommon -Iproto -Iproto/oai -Itest/support $(PKG_CFLAGS) \
           -DHS_DATADIR='"$(abspath .)"'
LDFLAGS ?=
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

SERVICES := watchdog cti-host logger recorder reporting realtime handset sip-proxy gateway

LIBCOMMON_SRC := $(filter-out %_test.c,$(wildcard libcommon/*.c))
LIBCOMMON_OBJ := $(LIBCOMMON_SRC:%.c=$(BUILD)/obj/%.o)
LIBCOMMON_A   := $(BUILD)/lib/libhscommon.a

# The OAI protocol codec (proto/oai), shared by cti-host, pbxsim and the benches.
LIBOAI_SRC := $(filter-out %_test.c,$(wildcard proto/oai/*.c))
LIBOAI_OBJ := $(LIBOAI_SRC:%.c=$(BUILD)/obj/%.o)
LIBOAI_A   := $(BUILD)/lib/liboai.a

BINS := $(SERVICES:%=$(BUILD)/bin/hookswitch-%) $(BUILD)/bin/hookswitchctl \
        $(BUILD)/bin/hookswitch-pbxsim

# Unit tests: every *_test.c, beside its module.  A test in services/X, tools/X or proto/X
# links with that folder's objects except main.o.
TEST_SRC  := $(wildcard libcommon/*_test.c services/*/*_test.c tools/*/*_test.c proto/*/*_test.c)
TEST_BINS := $(patsubst %_test.c,$(BUILD)/test/%_test,$(subst /,__,$(TEST_SRC)))
# Helpers shared by the unit tests (test/support/*.c), linked into every test binary.
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard test/support/*.c))

.PHONY: all test unit unit-asan system fuzz-smoke bench-smoke demo stop deps clean web-ui
all: $(BINS) $(LIBOAI_A) $(TEST_BINS) web-ui

# The browser admin site (web-ui/: Preact + TypeScript, npm with its lock file), built into
# $(BUILD)/web-ui, which the gateway serves (web.root).  web-ui/Makefile knows what is stale.
web-ui:
	$(Q)$(MAKE) --no-print-directory -C web-ui OUT=$(abspath $(BUILD))/web-ui

ifeq ($(V),0)
Q := @
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON_A): $(LIBCOMMON_OBJ)
	@mkdir -p $(dir $@)
	$(Q)ar rcs $@ $^

$(LIBOAI_A): $(LIBOAI_OBJ)
	@mkdir -p $(dir $@)
	$(Q)ar rcs $@ $^

# One executable per service, from services/<svc>/*.c
define service_rule
$(1)_SRC := $$(filter-out %_test.c,$$(wildcard services/$(1)/*.c))
$(1)_OBJ := $$($(1)_SRC:%.c=$$(BUILD)/obj/%.o)
$$(BUILD)/bin/hookswitch-$(1): $$($(1)_OBJ) $$(LIBOAI_A) $$(LIBCOMMON_A)
	@mkdir -p $$(dir $$@)
	@echo "  LD $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJ) $$(LIBOAI_A) $$(LIBCOMMON_A) $$(PKG_LIBS)
endef
$(foreach s,$(SERVICES),$(eval $(call service_rule,$(s))))

# The gateway links two tiny libraries named libssl.so and libcrypto.so that make Debian's
# civetweb work with OpenSSL 3 (services/gateway/compat/libssl_compat.c says how and why);
# it finds them through its run path, $ORIGIN/../lib.
COMPAT_LIBS := $(BUILD)/lib/libssl.so $(BUILD)/lib/libcrypto.so
$(BUILD)/lib/lib%.so: services/gateway/compat/lib%_compat.c
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(CFLAGS) -fPIC -shared -Wl,-soname,lib$*.so -o $@ $< -l$*
$(BUILD)/bin/hookswitch-gateway: $(COMPAT_LIBS)
$(BUILD)/bin/hookswitch-gateway: PKG_LIBS += -Wl,--no-as-needed $(COMPAT_LIBS) \
    -Wl,--as-needed -Wl,-rpath,'$$ORIGIN/../lib'

# hookswitchctl exports, verifies and purges recordings with the recorder's own storage code
# (key file, AES-256-GCM, signatures, retention), linked in rather than written twice.
RECSTORE_OBJ := $(addprefix $(BUILD)/obj/services/recorder/,store.o keystore.o store_db.o)
CTL_SRC := $(filter-out %_test.c,$(wildcard tools/hookswitchctl/*.c))
CTL_OBJ := $(CTL_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/bin/hookswitchctl: $(CTL_OBJ) $(RECSTORE_OBJ) $(LIBCOMMON_A)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CTL_OBJ) $(RECSTORE_OBJ) $(LIBCOMMON_A) $(PKG_LIBS)
$(filter $(BUILD)/test/tools__hookswitchctl__%,$(TEST_BINS)): $(RECSTORE_OBJ)

# The PBX simulator (tools/pbxsim); fuzz_*.c are libFuzzer entry points, built by
# test/fuzz/Makefile.
PBXSIM_SRC := $(filter-out %_test.c tools/pbxsim/fuzz_%.c,$(wildcard tools/pbxsim/*.c))
PBXSIM_OBJ := $(PBXSIM_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/bin/hookswitch-pbxsim: $(PBXSIM_OBJ) $(LIBOAI_A) $(LIBCOMMON_A)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(PBXSIM_OBJ) $(LIBOAI_A) $(LIBCOMMON_A) $(PKG_LIBS)

# $(1) = path of the test source, e.g. services/watchdog/backoff_test.c
define test_rule
$(1)_DIR  := $$(dir $(1))
$(1)_SIBS := $$(if $$(filter libcommon/,$$($(1)_DIR)),,$$(filter-out %/main.c %_test.c $$(wildcard $$($(1)_DIR)fuzz_*.c),$$(wildcard $$($(1)_DIR)*.c)))
$$(BUILD)/test/$$(subst /,__,$$(patsubst %_test.c,%_test,$(1))): $$(BUILD)/obj/$(1:.c=.o) $$($(1)_SIBS:%.c=$$(BUILD)/obj/%.o) $$(TEST_SUPPORT_OBJ) $$(LIBOAI_A) $$(LIBCOMMON_A)
	@mkdir -p $$(dir $$@)
	@echo "  LD $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(CMOCKA_LIBS)
endef
$(foreach t,$(TEST_SRC),$(eval $(call test_rule,$(t))))

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests -------------------------------------------------------------------------------

deps:
	@tools/install-deps --check || tools/install-deps

# Each unit test runs from the repository root (some read proto/ or migrations/), with a
# throw-away PostgreSQL cluster for those that need one (test/run-unit).
unit: $(TEST_BINS)
	test/run-unit $(TEST_BINS)

unit-asan:
	$(MAKE) BUILD=build/asan SAN=1 unit

fuzz-smoke:
	$(MAKE) -f test/fuzz/Makefile smoke

bench-smoke: all
	$(MAKE) -f test/bench/Makefile smoke

system: all
	$(PYTEST) -q -n 2 test/system

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz-smoke
	$(MAKE) bench-smoke
	$(MAKE) system

demo: deps
	$(MAKE) all
	tools/demo run

stop:
	tools/demo stop

clean:
	rm -rf build
