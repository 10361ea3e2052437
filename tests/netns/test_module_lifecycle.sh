#!/bin/bash
# The module loads and unloads cleanly: /proc/forwarder appears in every
# namespace (each its own directory) and disappears on unload; loading twice is
# refused without harm; unloading with namespaces alive, and deleting
# namespaces while loaded, leave nothing behind.
. "$(dirname "$0")/lib.sh"

new_ns NS_EARLY || exit 1	# exists before the module

load_forwarder || finish
check "/proc/forwarder is a symlink to self/net/forwarder" \
	test "$(readlink /proc/forwarder)" = self/net/forwarder
check "/proc/forwarder/version readable" grep -qx '[0-9.]*' /proc/forwarder/version

new_ns NS_LATE || exit 1	# created while the module is loaded
for ns in "$NS_EARLY" "$NS_LATE"; do
	check "/proc/forwarder exists in $ns" ip netns exec "$ns" test -d /proc/forwarder/
	check "/proc/net/forwarder exists in $ns" ip netns exec "$ns" test -d /proc/net/forwarder/
done
# Each namespace has its own directory: the inode differs from init_net's.
init_ino=$(stat -L -c %i /proc/forwarder/)
ns_ino=$(ip netns exec "$NS_LATE" stat -L -c %i /proc/forwarder/)
check "namespace sees its own directory" test "$init_ino" != "$ns_ino"

expect_errno "second insmod" "File exists" insmod "$FWD_KO"
check "still loaded after the refused insmod" fwd_loaded
check "still serving after the refused insmod" test -r /proc/forwarder/version

# A namespace deleted while the module is loaded.
ip netns del "$NS_LATE"
check "init_net unaffected by namespace deletion" test -d /proc/forwarder/

# Unload with a namespace alive.
check "rmmod with a namespace alive" rmmod forwarder
check "/proc/forwarder gone after unload" test ! -e /proc/forwarder
check "/proc/net/forwarder gone in the namespace" ip netns exec "$NS_EARLY" test ! -e /proc/net/forwarder

# Load/unload cycles.
for i in 1 2 3; do
	insmod "$FWD_KO" || fail "insmod, cycle $i"
	ip netns exec "$NS_EARLY" test -d /proc/forwarder/ || fail "/proc/forwarder in namespace, cycle $i"
	rmmod forwarder || fail "rmmod, cycle $i"
done
check "nothing left after cycles" test ! -e /proc/net/forwarder
finish
