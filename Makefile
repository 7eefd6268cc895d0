# incidentmap — the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
WEB_SRC  := $(wildcard web/src/*.ts web/src/*.css web/scripts/*.mjs) web/index.html web/vite.config.ts web/tsconfig.json

.PHONY: run build web test bench clean

## run: build the front end and the server, then serve http://localhost:8080 on ./incidentmap.db
run: build
	./bin/incidentmap serve

## build: the front end (web/dist) and the binary (bin/incidentmap) with the front end embedded
build: web
	$(GO) build -o bin/incidentmap ./cmd/incidentmap

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

## test: every test — gofmt, vet, front-end unit tests, Go tests with -race on SQLite and a throw-away PostGIS
test:
	bash scripts/test.sh

## bench: the benchmarks, on SQLite and (when one can be started) PostGIS
bench:
	bash scripts/test.sh bench

clean:
	rm -rf bin web/dist/assets web/dist/index.html
