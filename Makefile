# glmgate's entry points. Every target first installs the Debian packages that are missing
# (scripts/install_deps.sh), so `make run` and `make test` work on a fresh Debian machine.
BUILD_DIR ?= build/release
ASAN_DIR ?= build/asan
JOBS ?= 2
CONFIG ?=

.PHONY: deps build run cluster test asan test-deps bench bench-console fuzz format clean

deps:
	@bash scripts/install_deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DGLMGATE_SDK_TESTS=ON
	cmake --build $(BUILD_DIR) -j$(JOBS)

run: build
	$(BUILD_DIR)/glmgate serve $(if $(CONFIG),--config $(CONFIG))

# Several servers on this machine on one PostgreSQL store, and Redis when this build knows it, to
# try them (scripts/cluster.sh; stops them all on Ctrl-C). CLUSTER_ARGS passes its options, e.g.
# CLUSTER_ARGS="-n 5 --one-port --dir ./cluster --config glmgate.toml".
CLUSTER_ARGS ?=
cluster: build
	bash scripts/cluster.sh $(CLUSTER_ARGS)

# The official SDKs and the agent CLIs the tests drive, and the Node they run on, pinned by the
# lockfiles in tests/sdk and tests/agents (from the npm registry).
test-deps: deps
	@bash scripts/install_deps.sh test
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error
	cd tests/agents && npm ci --no-audit --no-fund --loglevel=error
	cd tests/console && npm ci --no-audit --no-fund --loglevel=error

# AddressSanitizer + UndefinedBehaviorSanitizer build: unit and integration tests run under it.
asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DGLMGATE_SANITIZE=ON -DGLMGATE_SDK_TESTS=OFF
	cmake --build $(ASAN_DIR) -j$(JOBS)

test: build test-deps asan
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure

# Benchmarks against the peers (bench/run.py); BENCH_QUICK=1 for a short run. BASELINE=<commit>
# builds that commit's glmgate (build/baseline) and measures it beside this tree in the same run.
# It runs beside a throwaway PostgreSQL and Redis, for the targets on them.
BASELINE ?=
bench: build
	@bash scripts/install_deps.sh bench
	cd bench/portkey && npm ci --no-audit --no-fund --loglevel=error
	$(if $(BASELINE),bash scripts/build_baseline.sh $(BASELINE))
	$(if $(BASELINE),BENCH_BASELINE=build/baseline/glmgate) bash scripts/with_postgres.sh \
	  bash scripts/with_redis.sh /usr/bin/python3 bench/run.py
	/usr/bin/python3 bench/console.py

# The console at scale alone (bench/console.py): 10 million usage rows, each page's API calls.
bench-console: build
	/usr/bin/python3 bench/console.py

# libFuzzer on the surfaces' decoders and stream encoders (clang-14), FUZZ_SECONDS per target,
# seeded with tests/fuzz/corpus/; new finds land in build/fuzz/corpus-<target>.
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGLMGATE_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++-14
	cmake --build build/fuzz -j$(JOBS)
	for t in requests streams; do mkdir -p build/fuzz/corpus-$$t && \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    build/fuzz/corpus-$$t tests/fuzz/corpus/$$t || exit 1; done

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp')

clean:
	rm -rf build
