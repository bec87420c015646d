# otelbench — the README's two commands are `make run` and `make test`.
#
# Both prepare what a fresh Debian machine lacks: a Docker engine (installed and started as root when none
# answers), the backend images (built locally when they are missing; an image that exists is never rebuilt), and
# Python 3 with venv for the applications under test written in Python.

GO      ?= go
BIN     := bin/otelbench
OUT     ?= reports/out/smoke
SCENARIO ?= scenarios/smoke.yaml
# STATICCHECK is the staticcheck release make check runs for code nothing uses (U1000), from the Go module proxy.
STATICCHECK ?= v0.8.2
# FUZZTIME bounds the scenario loader's fuzzing in make test.
FUZZTIME ?= 30s

export GOFLAGS := -buildvcs=false $(GOFLAGS)

.PHONY: run test docker images browser python build bench check prune clean

## run: set up what is missing, then run the smoke scenario and write $(OUT)/report.json
run: docker images python build
	$(BIN) run $(SCENARIO) --out $(OUT)

## test: set up what is missing, then run every suite, end-to-end specs against real containers included; one
## package at a time (-p 1), so that no package's containers skew another's measurements
test: docker images browser python
	$(GO) test -p 1 -count=1 -timeout 45m ./...
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./scenarios/

## browser: make sure a headless Chromium is there for the HTML report's spec (Debian's chromium package)
browser:
	@bash reports/browser.sh

## python: make sure Python 3 with venv is there for applications under test in Python (Debian's packages);
## their own packages come from PyPI into a virtual environment otelbench makes
python:
	@bash containers/app/python.sh

## docker: make sure a Docker engine answers (installs Debian's docker.io and starts dockerd when needed)
docker:
	@bash containers/engine.sh

## images: build the local backend images that are missing (offline: Go module proxy only)
images: docker
	$(GO) run ./cmd/otelbench images build

## build: the otelbench binary in bin/ (stamped with its commit, which otelbench bench records)
build:
	$(GO) build -buildvcs=true -o $(BIN) ./cmd/otelbench

## bench: Go micro-benchmarks of the hot paths (testing.B), then otelbench against a raw OTLP sender, a plain SDK
## loop and telemetrygen on the same sinks (cmd/otelbench-bench), which renders PERFORMANCE.md from its bench.json;
## then the stability spec (a sweep run twice must not contradict itself). Needs Docker and the images.
BENCHOUT ?= reports/out/bench
bench: docker images
	$(GO) build -buildvcs=true -o $(BIN) ./cmd/otelbench
	mkdir -p $(BENCHOUT)
	$(GO) test -run '^$$' -bench . -benchmem ./... | tee $(BENCHOUT)/micro.txt
	$(GO) build -o bin/otelbench-bench ./cmd/otelbench-bench
	cd cmd/otelbench-bench/telemetrygen && $(GO) build -o ../../../bin/telemetrygen github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen
	bin/otelbench-bench --out $(BENCHOUT) --micro $(BENCHOUT)/micro.txt $(BENCHFLAGS)
	$(GO) test -count=1 -tags stability -timeout 40m ./cmd/otelbench -ginkgo.label-filter=stability -ginkgo.v

## check: formatting, vet and code nothing uses (staticcheck U1000), no Docker needed
check:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) -checks U1000 ./...

## prune: remove otelbench containers a crashed run left behind
prune: docker
	$(GO) run ./cmd/otelbench prune

clean:
	rm -rf bin reports/out
