# Tessera: two commands do everything on a fresh Debian machine with Swift.
#   make run    - install system packages, build, run the main job (`tessera demo`)
#   make test   - install system packages, build and run every test
SWIFT ?= swift
APT_PACKAGES := zlib1g-dev libsqlite3-dev libcurl4-openssl-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps build bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product tessera

run: build
	$(SWIFT) run -c release tessera demo --out tessera-demo.svg

test: deps
	$(SWIFT) test

bench: deps
	cd Benchmarks && $(SWIFT) package benchmark

clean:
	rm -rf .build
