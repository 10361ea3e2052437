#!/bin/sh
# The kernel version Debian's linux-image-amd64 / linux-headers-amd64 metapackages point at;
# with a series argument (6.12), the newest installed Debian 12 kernel of that series.
if [ -n "$1" ]; then
	v=$(ls -d /lib/modules/"$1".*+deb12-amd64 2>/dev/null | sed 's|.*/||' | sort -V | tail -n 1)
	[ -n "$v" ] || { echo "debian-kver: no $1 kernel installed (linux-headers-$1.*+deb12-amd64)" >&2; exit 1; }
	echo "$v"
	exit 0
fi
v=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
[ -n "$v" ] || v=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
[ -n "$v" ] || { echo "debian-kver: linux-headers-amd64 is not installed" >&2; exit 1; }
echo "$v"
