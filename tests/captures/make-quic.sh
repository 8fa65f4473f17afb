#!/usr/bin/env bash
# make-quic.sh - regenerate tests/captures/quic.pcap: real QUIC v1 (RFC 9000) traffic between
# ngtcp2's example server and client (Debian 12 packages ngtcp2-server / ngtcp2-client, GnuTLS
# builds: gtlsserver, gtlsclient).
#
# Run as root on Debian 12:   sudo tests/captures/make-quic.sh
#
# Like make-captures.sh, it builds two private network namespaces joined by one veth pair; the
# server runs in one, the client in the other, tcpdump captures on the client's veth:
#
#   namespace sleuthquic-srv  veth "qsrv"  02:00:0a:62:00:01  10.98.0.1/24
#   namespace sleuthquic-cli  veth "qcli"  02:00:0a:62:00:02  10.98.0.2/24
#
# The namespaces have no other interface and no default route, so no packet can leave them.
# Everything (namespaces, processes, the temp dir) is removed on exit.
#
# Two connections to UDP 443 (HTTP/3 GET of a small page, fixed CIDs; ngtcp2 0.12 sends
# SNI "localhost" for an address):
#   1. QUIC v1 directly;
#   2. a client Initial with version 0x1a2a3a4a (reserved, RFC 9000 15), answered by a Version
#      Negotiation packet, then the handshake again in v1.
# Output: quic.pcap in the directory of this script (OUT=/dir to write elsewhere).

set -euo pipefail
export LC_ALL=C PATH=$PATH:/usr/sbin:/sbin
umask 022
OUT=${OUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
SRV=sleuthquic-srv CLI=sleuthquic-cli          # namespaces
SRV_IF=qsrv CLI_IF=qcli                          # the veth pair joining them
SRV_MAC=02:00:0a:62:00:01 CLI_MAC=02:00:0a:62:00:02
SRV_IP=10.98.0.1 CLI_IP=10.98.0.2
SNI=www.sleuth.test                             # asked for; ngtcp2 0.12 sends "localhost"

say() { echo "[make-quic] $*" >&2; }
fail() { say "ERROR: $*"; exit 1; }
((EUID == 0)) || fail "run as root: sudo $0"

# ngtcp2's example programs and the plumbing, from Debian packages when missing
pkgs=""
command -v gtlsserver >/dev/null || pkgs+=" ngtcp2-server"
command -v gtlsclient >/dev/null || pkgs+=" ngtcp2-client"
command -v tcpdump >/dev/null || pkgs+=" tcpdump"
command -v ip >/dev/null || pkgs+=" iproute2"
command -v openssl >/dev/null || pkgs+=" openssl"
if [[ -n $pkgs ]]; then
    say "installing$pkgs"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi

# Teardown: every process inside our two namespaces, the namespaces, the temp dir.
drop_ns() {
    local ns
    for ns in "$CLI" "$SRV"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -INT 2>/dev/null || true
    done
    sleep 0.5
    for ns in "$CLI" "$SRV"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
}
TMP=""
finish() {
    local rc=$?
    set +e
    drop_ns
    [[ -n $TMP && ${KEEP_WORK:-0} != 1 ]] && rm -rf "$TMP"
    ((rc)) && say "FAILED ($rc)"
    exit $rc
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
drop_ns    # leftovers of an interrupted run
TMP=$(mktemp -d /tmp/sleuth-quic.XXXXXX)
mkdir -p "$TMP/www" "$TMP/logs"
chmod -R 755 "$TMP"

S() { ip netns exec "$SRV" "$@"; }
C() { ip netns exec "$CLI" "$@"; }

say "namespaces $SRV and $CLI, IPv4 only, static neighbours (no ARP), no offloads"
ip netns add "$SRV"
ip netns add "$CLI"
ip link add "$SRV_IF" address "$SRV_MAC" netns "$SRV" type veth peer name "$CLI_IF" address "$CLI_MAC" netns "$CLI"
for side in "S $SRV_IF $SRV_IP $CLI_IP $CLI_MAC" "C $CLI_IF $CLI_IP $SRV_IP $SRV_MAC"; do
    set -- $side
    $1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    $1 ip link set lo up
    $1 ethtool -K "$2" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
    $1 ip addr add "$3/24" dev "$2"
    $1 ip link set "$2" up
    $1 ip neigh replace "$4" lladdr "$5" dev "$2" nud permanent
done
! C ip route | grep -q default || fail "the client namespace has a default route"

printf '<!DOCTYPE html>\n<title>sleuth quic</title>\n<p>served over HTTP/3 by ngtcp2</p>\n' >"$TMP/www/index.html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 3650 \
    -subj "/CN=$SNI" -addext "subjectAltName=DNS:$SNI,IP:$SRV_IP" 2>/dev/null

say "server: gtlsserver on $SRV_IP:443"
S gtlsserver --quiet -d "$TMP/www" "$SRV_IP" 443 "$TMP/tls.key" "$TMP/tls.crt" \
    >"$TMP/logs/server.out" 2>&1 &
for ((i = 0; i < 100; i++)); do
    S ss -Hlnu "sport = :443" 2>/dev/null | grep -q . && break
    sleep 0.1
done
S ss -Hlnu "sport = :443" | grep -q . || fail "server did not come up (logs: $TMP/logs)"

C tcpdump -Z root -n -s 0 -U -i "$CLI_IF" -w "$TMP/quic.pcap" udp port 443 2>"$TMP/logs/tcpdump.err" &
CAP=$!
for ((i = 0; i < 100; i++)); do grep -q "listening on" "$TMP/logs/tcpdump.err" && break; sleep 0.1; done
sleep 0.5

client() {  # client NAME args...
    local name=$1; shift
    C timeout 20 gtlsclient --quiet --exit-on-all-streams-close --sni="$SNI" "$@" \
        "$SRV_IP" 443 "https://$SNI/index.html" >"$TMP/logs/client-$name.out" 2>&1 \
        || fail "client $name failed: $(tail -3 "$TMP/logs/client-$name.out")"
    sleep 0.5
}
say "client: QUIC v1"
client v1 --dcid=5eed0001c0ffee01 --scid=c11e0001
say "client: version negotiation, then v1"
client vn --version=0x1a2a3a4a --preferred-versions=v1 --dcid=5eed0002c0ffee02 --scid=c11e0002

sleep 1
kill -INT "$CAP"    # tcpdump writes out and closes the file on SIGINT
for ((i = 0; i < 50; i++)); do kill -0 "$CAP" 2>/dev/null || break; sleep 0.1; done
cp "$TMP/quic.pcap" "$OUT/quic.pcap"
say "wrote $OUT/quic.pcap ($(stat -c %s "$OUT/quic.pcap") bytes)"
