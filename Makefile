# Convenience wrapper around CMake; the README's quick start uses it.
#   make demo   build, then validate/plan/apply examples/ on the emulator
#   make check  -Werror build + all tests, then ASan+UBSan build + all tests
#   make bench  run the benchmarks and print their reports
#   make fuzz   build the libFuzzer targets with clang and run each briefly
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)

.PHONY: all build demo check test asan-test bench fuzz clean format

all: build

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DADS_WERROR=ON
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	sh contrib/demo.sh $(BUILD)/src/adsctl

test: build
	cd $(BUILD) && ctest $(CTEST_FLAGS)

asan-test:
	CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DADS_WERROR=ON -DADS_SANITIZE=address,undefined
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest $(CTEST_FLAGS)

check: test asan-test

bench: build
	sh tests/bench/run.sh $(BUILD)

fuzz:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DADS_FUZZERS=ON -DADS_SANITIZE=address,undefined,fuzzer-no-link
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	sh tests/fuzz/run.sh $(FUZZ_BUILD)

format:
	clang-format -i src/*/*.c src/*/*.h tests/*/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
