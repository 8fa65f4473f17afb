#!/bin/sh
# live.sh: live capture through libpcap on a veth pair inside network namespaces this test
# creates (no other interface is touched): pings cross the pair while `sleuth packets -i`
# captures with a BPF filter; the ICMP echo requests and replies must be listed.
# Skips (exit 77) when not root or when namespaces are unavailable.
bin=${1:?usage: live.sh SLEUTH}
[ "$(id -u)" = 0 ] || { echo "SKIP live capture: not root"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "SKIP live capture: no iproute2"; exit 77; }
command -v ping >/dev/null 2>&1 || { echo "SKIP live capture: no ping (iputils-ping)"; exit 77; }
ns=sleuth-live-$$
cleanup() { ip netns del "$ns-a" 2>/dev/null; ip netns del "$ns-b" 2>/dev/null; }
trap cleanup EXIT INT TERM
ip netns add "$ns-a" 2>/dev/null && ip netns add "$ns-b" 2>/dev/null || { echo "SKIP live capture: cannot create namespaces"; exit 77; }
# per-run interface names: several test runs may share the machine
va=vsl$$a
vb=vsl$$b
ip link add "$va" netns "$ns-a" type veth peer name "$vb" netns "$ns-b" || exit 1
ip -n "$ns-a" addr add 10.98.0.1/24 dev "$va"
ip -n "$ns-b" addr add 10.98.0.2/24 dev "$vb"
ip -n "$ns-a" link set "$va" up
ip -n "$ns-b" link set "$vb" up
out=$(mktemp)
ip netns exec "$ns-b" timeout 20 "$bin" packets -i "$vb" -f icmp -c 4 > "$out" 2>&1 &
cap=$!
# pings until the capture has its four packets (a loaded machine may start it late)
ip netns exec "$ns-a" ping -c 80 -i 0.2 -W 1 10.98.0.2 > /dev/null 2>&1 &
pinger=$!
wait $cap
rc=$?
kill $pinger 2>/dev/null
wait $pinger 2>/dev/null
req=$(grep -c 'Echo (ping) request' "$out")
rep=$(grep -c 'Echo (ping) reply' "$out")
cat "$out"
rm -f "$out"
if [ $rc -eq 0 ] && [ "$req" -ge 2 ] && [ "$rep" -ge 2 ]; then
	echo "live capture: $req requests, $rep replies"
	exit 0
fi
echo "live capture failed: exit $rc, $req requests, $rep replies"
exit 1
