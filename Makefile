# glmgate's entry points. Every target first installs the Debian packages that are missing
# (scripts/install_deps.sh), so `make run` and `make test` work on a fresh Debian machine.
BUILD_DIR ?= build/release
ASAN_DIR ?= build/asan
JOBS ?= 2
CONFIG ?=

.PHONY: deps build run test asan sdk-deps bench format clean

deps:
	@bash scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DGLMGATE_SDK_TESTS=ON
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/glmgate serve $(if $(CONFIG),--config $(CONFIG))

sdk-deps: deps
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error

# AddressSanitizer + UndefinedBehaviorSanitizer build: unit and integration tests run under it.
asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DGLMGATE_SANITIZE=ON -DGLMGATE_SDK_TESTS=OFF
	cmake --build $(ASAN_DIR) -j$(JOBS)

test: build sdk-deps asan
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure

# Benchmarks against the peers (bench/run.py); BENCH_QUICK=1 for a short run.
bench: build
	@bash scripts/install_deps.sh bench
	cd bench/portkey && npm ci --no-audit --no-fund --loglevel=error
	/usr/bin/python3 bench/run.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
