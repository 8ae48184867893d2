# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for diopin's scripts. Sourced, never run.

DIOPIN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIOPIN_CACHE=${DIOPIN_CACHE:-$HOME/.cache/diopin}
DIOPIN_RESULTS=${DIOPIN_RESULTS:-$DIOPIN_ROOT/results}
# KERNEL=6.12 (default: the installed linux-source-6.12), newest (the
# highest-versioned linux-source any Debian suite offers), sid, a series
# (7.3) or an upstream version (7.3.4, 7.3-rc7): scripts/kernel-source.
# Ignored when KDIR names a tree. Results of a KERNEL other than 6.12 go to
# results/<upstream version>/ so that runs of several kernels stand side by
# side.
# Resolved once per KERNEL and handed to the scripts this one runs.
if [ "${DIOPIN_TARBALL:-}" != - ] && { [ -z "${DIOPIN_TARBALL:-}" ] || [ "${DIOPIN_TARBALL_FOR:-}" != "${KDIR:+kdir}${KERNEL:-6.12}" ]; }; then
	DIOPIN_RESULTS=${DIOPIN_RESULTS_BASE:-$DIOPIN_RESULTS}
	DIOPIN_RESULTS_BASE=$DIOPIN_RESULTS
	if [ -z "${KDIR:-}" ] && [ "${KERNEL:-6.12}" != 6.12 ]; then
		DIOPIN_TARBALL=$("$DIOPIN_ROOT/scripts/kernel-source") || exit 1
		DIOPIN_RESULTS=$DIOPIN_RESULTS/$(basename "$DIOPIN_TARBALL" .tar.xz | sed 's/^linux-source-//')
	else
		DIOPIN_TARBALL=/usr/src/linux-source-6.12.tar.xz
	fi
	DIOPIN_TARBALL_FOR=${KDIR:+kdir}${KERNEL:-6.12}
	export DIOPIN_TARBALL DIOPIN_TARBALL_FOR DIOPIN_RESULTS DIOPIN_RESULTS_BASE
fi

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
# extraction of the KERNEL's Debian linux-source tarball.
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

# True when QEMU boots kernel $1 under KVM here: /dev/kvm present and
# writable, and the kernel gets as far as printing its banner within 30 s
# (a nested /dev/kvm can open fine and hang the guest while it decompresses).
# DIOPIN_ACCEL=tcg forces TCG, DIOPIN_ACCEL=kvm skips the probe boot.
# Sets KVM_WHY when it returns false.
diopin_kvm_boots() {
	local kernel=$1
	KVM_WHY=
	case ${DIOPIN_ACCEL:-} in
	tcg) KVM_WHY="DIOPIN_ACCEL=tcg"; return 1 ;;
	kvm) return 0 ;;
	esac
	if [ ! -e /dev/kvm ]; then
		KVM_WHY="no /dev/kvm"
		return 1
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		KVM_WHY="/dev/kvm is not read-writable for $(id -un)"
		return 1
	fi
	if ! timeout 30 qemu-system-x86_64 -nodefaults -m 256 -accel kvm \
		-bios qboot.rom -kernel "$kernel" -append 'console=ttyS0 kunit.enable=0' \
		-no-reboot -nographic -serial stdio </dev/null 2>&1 |
		grep -q -m1 'Linux version'; then
		KVM_WHY="/dev/kvm does not boot this kernel within 30 s"
		return 1
	fi
	return 0
}
