#!/bin/bash
# packaging/build-deb.sh OUTDIR: builds the Debian package of this tree
# with `dpkg-buildpackage -b -us -uc` and puts the .debs (vpnd and
# vpnd-dbgsym), .buildinfo and .changes into OUTDIR.
#
# The Debian files live in packaging/debian (the tree has no debian/ of
# its own): the build runs in a copy of the tree, in a temp dir, with
# packaging/debian copied to debian/. The copy holds the files git knows
# of (tracked, and new ones that .gitignore does not exclude, so that
# uncommitted work is packaged as it is) or, outside a git checkout,
# everything but the build*/ directories. The source tree is not written
# to. Needs the Build-Depends of packaging/debian/control (debhelper,
# meson, ...); tests/interop/deps.sh installs them.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

WORK=$(mktemp -d /tmp/vpnd-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
version=$(dpkg-parsechangelog -l "$SRC/packaging/debian/changelog" -S Version)
TREE=$WORK/vpnd-${version%-*}
mkdir "$TREE"

if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# --ignore-failed-read: a tracked file deleted in the work tree
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf -) | tar -xf - -C "$TREE"
else
	tar -C "$SRC" --exclude='./build*' -cf - . | tar -xf - -C "$TREE"
fi
rm -rf "$TREE/debian"
cp -a "$TREE/packaging/debian" "$TREE/debian"

echo "building vpnd $version in $TREE"
(cd "$TREE" && dpkg-buildpackage -b -us -uc)
# vpnd and vpnd-dbgsym
cp "$WORK"/*_"$version"_*.deb "$WORK"/vpnd_"$version"_*.buildinfo \
	"$WORK"/vpnd_"$version"_*.changes "$OUT"/
ls -l "$OUT"/*_"$version"_*
