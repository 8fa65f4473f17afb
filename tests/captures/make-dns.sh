#!/usr/bin/env bash
# make-dns.sh - regenerate tests/captures/dns-auth.pcap: DNS from a real authoritative server.
#
# Run as root on Debian 12:   sudo tests/captures/make-dns.sh
#
# Two private network namespaces joined by one veth pair; dnsmasq (authoritative for
# sleuth.test, AXFR allowed to the client) in the server namespace, dig in the client
# namespace, tcpdump on the client's veth.  Besides port 53 (UDP and TCP, NS/SOA answers,
# NXDOMAIN with SOA, AXFR), dnsmasq also answers on 5353 and 5355 (tshark names those
# MDNS and LLMNR) and on 8053 (tshark finds DNS there over UDP by its heuristic, not over TCP).
#
#   namespace sleuthdns-srv   veth "dsrv"  02:00:0a:64:00:01  10.100.0.1/24
#   namespace sleuthdns-cli   veth "dcli"  02:00:0a:64:00:02  10.100.0.2/24
#
# No other interface, no default route: no packet leaves the namespaces.  Everything is
# removed on exit.  Output: dns-auth.pcap next to this script (OUT=dir to write elsewhere).

set -euo pipefail
export LC_ALL=C PATH=$PATH:/usr/sbin:/sbin
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$SCRIPT_DIR}
NS_SRV=sleuthdns-srv
NS_CLI=sleuthdns-cli
V4_SRV=10.100.0.1
V4_CLI=10.100.0.2

log() { printf '[make-dns] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (sudo $0)"

missing=()
command -v dnsmasq >/dev/null || missing+=(dnsmasq-base)
command -v dig >/dev/null || missing+=(dnsutils)
command -v tcpdump >/dev/null || missing+=(tcpdump)
command -v ip >/dev/null || missing+=(iproute2)
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/sleuth-make-dns.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for ns in "$NS_SRV" "$NS_CLI"; do
        if ip netns list | grep -qw "^$ns"; then
            p=$(ip netns pids "$ns" || true)
            [[ -n $p ]] && kill $p 2>/dev/null || true
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

S() { ip netns exec "$NS_SRV" "$@"; }
C() { ip netns exec "$NS_CLI" "$@"; }

ip netns add "$NS_SRV"
ip netns add "$NS_CLI"
ip link add dsrv netns "$NS_SRV" address 02:00:0a:64:00:01 type veth peer name dcli netns "$NS_CLI" address 02:00:0a:64:00:02
S ip link set lo up
C ip link set lo up
S ip addr add "$V4_SRV/24" dev dsrv
C ip addr add "$V4_CLI/24" dev dcli
S ip link set dsrv up
C ip link set dcli up
# no IPv6 on the link: keeps router solicitations and DAD out of the capture
S sysctl -qw net.ipv6.conf.dsrv.disable_ipv6=1
C sysctl -qw net.ipv6.conf.dcli.disable_ipv6=1

records() {
    cat <<EOF
host-record=www.sleuth.test,10.100.0.80
host-record=mail.sleuth.test,10.100.0.25
cname=alias.sleuth.test,www.sleuth.test
mx-host=sleuth.test,mail.sleuth.test,10
txt-record=info.sleuth.test,"v=spf1 -all","second string"
srv-host=_http._tcp.sleuth.test,www.sleuth.test,80,10,5
ptr-record=80.0.100.10.in-addr.arpa,www.sleuth.test
EOF
}

# port 53: authoritative for sleuth.test (SOA, NS, AXFR to the client)
{
    echo "port=53"
    echo "listen-address=$V4_SRV"
    echo "bind-interfaces"
    echo "no-resolv"
    echo "no-hosts"
    echo "auth-server=ns1.sleuth.test,$V4_SRV"
    echo "auth-zone=sleuth.test,10.100.0.0/24"
    echo "auth-peer=$V4_CLI"
    echo "auth-soa=2026112301,hostmaster.sleuth.test,1200,180,1209600"
    echo "host-record=ns1.sleuth.test,$V4_SRV"
    echo "pid-file=$WORK/dnsmasq-53.pid"
    records
} >"$WORK/dnsmasq-53.conf"
ip netns exec "$NS_SRV" dnsmasq -k -C "$WORK/dnsmasq-53.conf" >"$WORK/dnsmasq-53.log" 2>&1 &
PIDS+=($!)
# the same data, plain, on the mDNS and LLMNR ports and on 8053
for port in 5353 5355 8053; do
    {
        echo "port=$port"
        echo "listen-address=$V4_SRV"
        echo "bind-interfaces"
        echo "no-resolv"
        echo "no-hosts"
        echo "local=/sleuth.test/"
        echo "pid-file=$WORK/dnsmasq-$port.pid"
        records
    } >"$WORK/dnsmasq-$port.conf"
    ip netns exec "$NS_SRV" dnsmasq -k -C "$WORK/dnsmasq-$port.conf" >"$WORK/dnsmasq-$port.log" 2>&1 &
    PIDS+=($!)
done
sleep 1

ip netns exec "$NS_CLI" tcpdump -Z root -n -s 0 -U -i dcli -w "$WORK/dns-auth.pcap" 2>"$WORK/tcpdump.err" &
TCPDUMP=$!
for _ in $(seq 50); do grep -q "listening on" "$WORK/tcpdump.err" && break; sleep 0.1; done
sleep 0.5

dq() {  # dq EXPECTED-STATUS dig-args...
    local want=$1 out; shift
    out=$(C dig +tries=1 +time=3 +nocookie "$@") || die "dig $* failed"
    grep -q "status: $want" <<<"$out" || die "dig $*: expected $want, got: $(grep status <<<"$out")"
}
dq NOERROR @"$V4_SRV" sleuth.test NS                       # authoritative: NS + glue
dq NOERROR @"$V4_SRV" sleuth.test SOA +noedns
dq NOERROR @"$V4_SRV" www.sleuth.test A
dq NOERROR @"$V4_SRV" alias.sleuth.test A                  # CNAME chain
dq NXDOMAIN @"$V4_SRV" nothere.sleuth.test A               # SOA in authority
dq NOERROR @"$V4_SRV" -x 10.100.0.80                       # PTR
dq NOERROR @"$V4_SRV" www.sleuth.test A +tcp               # DNS over TCP
C dig +tries=1 +time=5 @"$V4_SRV" sleuth.test AXFR >"$WORK/axfr.txt" || die "AXFR failed"
grep -q "SOA" "$WORK/axfr.txt" || die "AXFR gave no SOA"
dq NOERROR @"$V4_SRV" -p 5353 www.sleuth.test A            # tshark: MDNS
dq NOERROR @"$V4_SRV" -p 5355 www.sleuth.test A +noedns    # tshark: LLMNR
dq NOERROR @"$V4_SRV" -p 8053 www.sleuth.test A            # tshark: DNS by its UDP heuristic
dq NOERROR @"$V4_SRV" -p 8053 www.sleuth.test A +tcp       # tshark: TCP (no DNS heuristic)
sleep 1
kill -INT "$TCPDUMP"
wait "$TCPDUMP" || true
cp "$WORK/dns-auth.pcap" "$OUT/dns-auth.pcap"
log "wrote $OUT/dns-auth.pcap ($(tcpdump -r "$OUT/dns-auth.pcap" 2>/dev/null | wc -l) packets)"
