# vigil: the two commands that matter are `make demo` and `make test`.
# Everything installs what it needs through scripts/install-deps.sh.

BUILD     ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-asan bench fuzz fuzz-replay clean format

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

# Every test: unit, golden and e2e in the release build, then the unit tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer, then the fuzz
# corpus replay and a short fuzz session.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory fuzz-replay

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

bench: build
	@bash bench/run.sh $(BUILD)

fuzz-build: deps
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

clean:
	@rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
