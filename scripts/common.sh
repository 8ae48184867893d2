# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for diopin's scripts. Sourced, never run.

DIOPIN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIOPIN_CACHE=${DIOPIN_CACHE:-$HOME/.cache/diopin}
DIOPIN_TARBALL=${DIOPIN_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
DIOPIN_RESULTS=${DIOPIN_RESULTS:-$DIOPIN_ROOT/results}

die() {
	echo "diopin: error: $*" >&2
	exit 1
}

info() {
	echo "diopin: $*" >&2
}

# Seconds since the epoch, for the step timings we print.
now() {
	date +%s
}

# The kernel tree to use: $KDIR if the user gave one, else the cached
# extraction of Debian's linux-source-6.12.
diopin_default_kdir() {
	echo "$DIOPIN_CACHE/$(basename "$DIOPIN_TARBALL" .tar.xz)"
}

diopin_kdir() {
	if [ -n "${KDIR:-}" ]; then
		(cd "$KDIR" 2>/dev/null && pwd) || die "KDIR=$KDIR: no such directory"
	else
		diopin_default_kdir
	fi
}

# One build directory per (tree, arch, flavour), kept in the cache so that
# a fresh clone of diopin reuses a previous build.
diopin_build_dir() {
	local kdir=$1 arch=$2 flavour=${3:-run} tag
	tag=$(printf '%s' "$kdir" | sha1sum | cut -c1-8)
	echo "$DIOPIN_CACHE/build/$(basename "$kdir")-$tag/$arch-$flavour"
}
