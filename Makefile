# SPDX-License-Identifier: GPL-2.0
#
# diopin: KUnit regression tests for the Direct-I/O page-pinning conversion.
# Targets only; each is one line into scripts/. `make help` lists them.
#
# KDIR=/path/to/linux  use that tree instead of Debian's linux-source-6.12
# KERNEL=newest        the newest linux-source any Debian suite offers; also
#                      7.3 (a series), 7.3.4 or 7.3-rc7 (a version), sid

.DEFAULT_GOAL := run
.PHONY: run test help clean unwire deps tree tool-tests coverage mutants qemu bench bench-compare series debug check matrix fixes

run: ## provision tree, build UML, run every diopin suite, print results
	@scripts/deps && scripts/run um

debug: ## the suites on a debug kernel (KASAN, DEBUG_VM, PAGE_POISONING, lockdep, ...); ARCH=x86_64 adds DEBUG_PAGEALLOC and kmemleak
	@scripts/deps && scripts/run $(or $(ARCH),um) --flavour debug

qemu: ## the same suites on x86_64 under QEMU (KVM if it works, else TCG): THP, GUP-fast
	@scripts/deps && scripts/run x86_64 --flavour qemu

bench: ## slow diopin_bench suite on UML and x86_64 (ARCH=um|x86_64 for one): table + results/bench.json
	@scripts/deps && scripts/bench $(ARCH)

bench-compare: ## ratios of two bench JSONs side by side: make bench-compare A=a.json B=b.json
	@scripts/bench-report --compare $(A) $(B)

series: ## the suites as a git-am-able patch series in series/ (KDIR= a git tree; default: git copy of 6.12)
	@scripts/deps && scripts/series

check: ## before posting: checkpatch, W=1, UML, QEMU, debug, coverage gate, series; a closing table
	@scripts/deps && scripts/check

test: ## what CI runs: tool tests, series check, UML on 6.12 and 7.x, x86_64 QEMU, debug kernels (UML; x86_64 with kmemleak on 6.12 and 7.x), coverage gate
	@scripts/test

matrix: ## every suite on every Debian kernel >= 6.11 (newest of each series per suite; ARCH=x86_64 adds QEMU): results/matrix.md
	@scripts/deps && scripts/matrix

fixes: ## the kernel/fixes/ patches that apply to the tree (KERNEL=/KDIR=), in a scratch copy: known-bug rows pass, nothing else changes (ARCH=x86_64: debug kernel)
	@scripts/deps && scripts/fixes

coverage: ## gcov UML run: coverage/summary.md (per function) and coverage/html/
	@scripts/deps && scripts/coverage

mutants: ## break each kernel line of tests/mutants, expect a suite to go red (slow)
	@scripts/deps && scripts/mutants $(MUTANT)

deps: ## install missing Debian packages (apt-get), or say what to install
	@scripts/deps

tree: ## provision the kernel tree and wire diopin into it; print its path
	@scripts/deps && scripts/tree

tool-tests: ## diopin's own tool tests (log scanner, tree checks); no kernel build
	@tests/run

unwire: ## remove diopin's files and hook lines from the kernel tree
	@scripts/tree --unwire

clean: ## remove results/ and the build dirs in the cache (keeps the tree and ccache)
	@rm -rf results && rm -rf "$${DIOPIN_CACHE:-$$HOME/.cache/diopin}/build"

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14
