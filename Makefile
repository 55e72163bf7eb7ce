# The README's two commands: `make demo` (the main job) and `make test` (every test).
.PHONY: demo test build deps bench clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build -c release --product ferry

demo: build
	@scripts/demo.sh

test: deps
	scripts/check-linkml.sh
	swift build --build-tests
	swift test --skip-build

bench: build
	Benchmarks/convert.sh

clean:
	rm -rf .build out
