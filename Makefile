# vigil: the two commands that matter are `make demo` and `make test`.
# Everything installs what it needs through scripts/install-deps.sh.
#
#   make build       Release build in $(BUILD)
#   make demo        build, then scripts/demo.sh
#   make test        every test but the slow ones: release ctest (unit, golden, e2e),
#                    ASan+UBSan unit tests, fuzz replay
#   make test-asan   unit tests only, Debug build with AddressSanitizer + UBSan
#   make test-slow   the tests labelled slow (minutes each), release build
#   make bench       build, then bench/run.sh (EVTX reading), bench/hunt.sh (Sigma hunting)
#                    bench/formats.sh (text-log reading, MB/s per format) and
#                    bench/investigate.sh (investigate vs hunt on a 1 GiB scenario)
#   make fuzz-replay replay fuzz/corpus and fuzz/regressions, then fuzz briefly
#   make fuzz        a longer fuzzing session (FUZZ_SECONDS per target)
#   make format      clang-format every tracked C++ file
#   make tidy        clang-tidy over src/ (slow; uses $(BUILD)/compile_commands.json)
#
# Build folders can be moved, e.g. `make test BUILD=build-mine ASAN_BUILD=build-mine-asan`.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

# Sanitizer reports must fail the run, with a stack to read.
export ASAN_OPTIONS  ?= detect_leaks=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: all deps build demo test test-asan test-slow bench fuzz-build fuzz fuzz-replay format \
        tidy clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@if [ ! -f scripts/demo.sh ]; then \
	  echo "make demo: scripts/demo.sh does not exist yet; 'make build' done, nothing to show" >&2; \
	  exit 1; \
	fi
	@bash scripts/demo.sh $(BUILD)

# Every test: unit, golden and e2e in the release build, then the unit tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer, then the fuzz
# corpus replay and a short fuzz session. Tests labelled slow run with
# `make test-slow`. Tests that need ../shared/corpus skip when it is absent.
test: build
	@cd $(BUILD) && ctest --output-on-failure --no-tests=error -j $(JOBS) -LE slow
	@$(MAKE) --no-print-directory test-asan
	@if [ -f fuzz/run.sh ] && [ -f fuzz/CMakeLists.txt ]; then \
	  $(MAKE) --no-print-directory fuzz-replay; \
	else \
	  echo "make test: fuzz/run.sh or fuzz/CMakeLists.txt missing: fuzz replay SKIPPED"; \
	fi

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure --no-tests=error -j $(JOBS) -L unit

test-slow: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L slow

bench: build
	@if [ ! -f bench/run.sh ]; then \
	  echo "make bench: bench/run.sh does not exist yet: nothing to measure" >&2; \
	  exit 1; \
	fi
	@bash bench/run.sh $(BUILD)
	@bash bench/hunt.sh $(BUILD)
	@bash bench/formats.sh $(BUILD)
	@bash bench/investigate.sh $(BUILD)

fuzz-build: deps
	@if [ ! -f fuzz/CMakeLists.txt ]; then \
	  echo "make fuzz-build: fuzz/CMakeLists.txt does not exist yet: no fuzz targets" >&2; \
	  exit 1; \
	fi
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DVIGIL_FUZZ=ON -DVIGIL_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Replays every kept input, then fuzzes briefly (FUZZ_SECONDS per target).
fuzz-replay: fuzz-build
	@bash fuzz/run.sh $(FUZZ_BUILD) replay

# A longer session (FUZZ_SECONDS, default 600 per target); new findings land in fuzz/corpus.
fuzz: fuzz-build
	@bash fuzz/run.sh $(FUZZ_BUILD) fuzz

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

tidy: build
	@git ls-files 'src/*.cc' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
