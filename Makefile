# sleuth: build, test, bench, fuzz, install.
CC ?= cc
PREFIX ?= /usr/local
VERSION := 0.1.0
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DSLEUTH_VERSION='"$(VERSION)"' -Isrc $(WARN) $(CFLAGS)
LIBS := -lpcap -lz -lpcre2-8 -lssl -lcrypto -lpthread
BUILD ?= build

SRC := $(sort $(wildcard src/*/*.c))
LIB_SRC := $(filter-out src/cli/%,$(SRC))
OBJ := $(SRC:%.c=$(BUILD)/%.o)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
GEN := src/report/oui_table.inc
OUI_SRC ?= /usr/share/ieee-data/oui.txt

.PHONY: all check test unit golden conformance malformed bench fuzz install clean setup asan headers

BIN ?= sleuth

all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJ) $(LIBS) $(LDFLAGS)

$(BUILD)/%.o: %.c $(GEN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(GEN): tools/gen-oui.sh
	sh tools/gen-oui.sh $(OUI_SRC) > $@.tmp && mv $@.tmp $@

-include $(OBJ:.o=.d)

# Unit tests: one program per tests/unit/*.c, linked against the library objects.
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

unit: $(UNIT_BIN)

check: sleuth unit
	@sh tests/run-all.sh $(BUILD)

test: check

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/sleuth-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/sleuth-asan unit

headers:
	@for h in $$(find src -name '*.h'); do echo "#include \"$${h#src/}\"" | $(CC) $(ALL_CFLAGS) -fsyntax-only -x c - || exit 1; done; echo "every header compiles alone"

bench: sleuth
	@sh tests/bench/run.sh

fuzz:
	@sh tests/fuzz/build.sh

setup:
	@sh tools/setup.sh

install: sleuth
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 sleuth $(DESTDIR)$(PREFIX)/bin/sleuth
	install -m 644 doc/sleuth.1 $(DESTDIR)$(PREFIX)/share/man/man1/sleuth.1

clean:
	rm -rf build build-asan build-fuzz sleuth $(GEN)
