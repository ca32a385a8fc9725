# shellcheck shell=bash
# Sourced by the scripts that run Go (scripts/setup.sh, scripts/check-go-bindings.sh), from the
# repository root: every Go download and build cache lives in .gates/go, nothing outside the
# repository, so a fresh clone proves what a fresh machine needs.
# -modcacherw: Go writes its module cache read-only, which `rm -rf .gates` could not delete.
# GOTOOLCHAIN=local: the machine's Go, never a toolchain download that a go.mod could ask for.
export GOPATH="$PWD/.gates/go" GOMODCACHE="$PWD/.gates/go/mod" GOCACHE="$PWD/.gates/go/build-cache"
export GOFLAGS=-modcacherw GOTOOLCHAIN=local
