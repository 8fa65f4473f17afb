#!/usr/bin/env bash
# make-logins.sh - regenerate the login/DHCP test captures (telnet.pcap, dhcp.pcap).
#
# Run as root on Debian 12:   sudo tests/captures/make-logins.sh
#
# Two private network namespaces joined by one veth pair; REAL servers in the server
# namespace and REAL clients in the client namespace, captured on the client's veth:
#
#   namespace sleuthlog-srv  veth "lsrv"  02:00:0a:62:00:01  10.98.0.1/24
#   namespace sleuthlog-cli  veth "lcli"  02:00:0a:62:00:02  10.98.0.2/24 (telnet only)
#
#   telnet.pcap  inetutils-telnetd (started per connection by socat, the connection socket
#                as its stdin/stdout, as inetd would) with /bin/login and a throwaway user;
#                the telnet client driven by expect: a mistyped login name corrected with
#                DEL, the password, two commands, exit.
#   dhcp.pcap    dnsmasq's DHCP server; busybox udhcpc asks for a lease with a host name,
#                a vendor class and a client FQDN, then releases it.
#
# The namespaces have no other interface and no route, so no packet can reach the host's or
# any outside network. Everything (namespaces, processes, the user, the temp dir) is removed
# on exit. Output: the captures in this script's directory (OUT=dir to write elsewhere).

set -euo pipefail
export LC_ALL=C
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$SCRIPT_DIR}

NS_SRV=sleuthlog-srv
NS_CLI=sleuthlog-cli
IF_SRV=lsrv
IF_CLI=lcli
MAC_SRV=02:00:0a:62:00:01
MAC_CLI=02:00:0a:62:00:02
V4_SRV=10.98.0.1
V4_CLI=10.98.0.2

TN_USER=sleuthtn
TN_PASS=tn-s3cret
USER_MARK="sleuth logins capture throwaway user"

log()  { printf '[make-logins] %s\n' "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (sudo $0)"

declare -A NEED=(
    [telnetd]=inetutils-telnetd [telnet]=telnet     [expect]=expect
    [socat]=socat               [busybox]=busybox   [dnsmasq]=dnsmasq-base
    [tcpdump]=tcpdump           [ip]=iproute2       [capinfos]=wireshark-common
    [useradd]=passwd            [chpasswd]=passwd   [login]=login
)
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 || -x /sbin/$1 ]]; }
missing=()
for cmd in "${!NEED[@]}"; do
    have "$cmd" || missing+=("${NEED[$cmd]}")
done
if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin:/sbin
TELNETD=$(command -v telnetd)

WORK=""
CAP_PIDS=()

ns_kill_all() {
    local ns=$1 pids
    ip netns list 2>/dev/null | grep -qw "^$ns" || return 0
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -n $pids ]] && kill $pids 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [[ -z $pids ]] && break
        sleep 0.2
    done
    [[ -n $pids ]] && kill -9 $pids 2>/dev/null || true
    return 0
}

remove_user() {
    if getent passwd "$TN_USER" >/dev/null &&
       [[ $(getent passwd "$TN_USER" | cut -d: -f5) == "$USER_MARK" ]]; then
        userdel -r "$TN_USER" 2>/dev/null || userdel "$TN_USER" 2>/dev/null || true
    fi
}

stop_pids() {
    local sig=$1 p i; shift
    for p in "$@"; do kill "-$sig" "$p" 2>/dev/null || true; done
    for p in "$@"; do
        for ((i = 0; i < 30; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
        wait "$p" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    set +e
    ((${#CAP_PIDS[@]})) && stop_pids INT "${CAP_PIDS[@]}"
    ns_kill_all "$NS_CLI"
    ns_kill_all "$NS_SRV"
    ip netns del "$NS_CLI" 2>/dev/null
    ip netns del "$NS_SRV" 2>/dev/null
    remove_user
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ ${KEEP_WORK:-0} == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    fi
    ((rc)) && log "FAILED (exit $rc)"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ns_kill_all "$NS_CLI"; ns_kill_all "$NS_SRV"
ip netns del "$NS_CLI" 2>/dev/null || true
ip netns del "$NS_SRV" 2>/dev/null || true
if getent passwd "$TN_USER" >/dev/null; then
    [[ $(getent passwd "$TN_USER" | cut -d: -f5) == "$USER_MARK" ]] \
        || die "user $TN_USER exists and was not created by this script; refusing to touch it"
    remove_user
fi

WORK=$(mktemp -d /tmp/sleuth-logins.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK"/{cap,logs}

S() { ip netns exec "$NS_SRV" "$@"; }
C() { ip netns exec "$NS_CLI" "$@"; }

log "creating namespaces $NS_SRV / $NS_CLI"
ip netns add "$NS_SRV"
ip netns add "$NS_CLI"
for ns in "$NS_SRV" "$NS_CLI"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add name "$IF_SRV" address "$MAC_SRV" netns "$NS_SRV" type veth \
    peer name "$IF_CLI" address "$MAC_CLI" netns "$NS_CLI"
S ethtool -K "$IF_SRV" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
C ethtool -K "$IF_CLI" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
S ip addr add "$V4_SRV/24" dev "$IF_SRV"
S ip link set "$IF_SRV" up
C ip link set "$IF_CLI" up
if C ip route show | grep -q default; then
    die "unexpected default route in $NS_CLI"
fi

wait_started() {
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || die "process died: $(cat "$1")"
        sleep 0.05
    done
    die "did not start: $(cat "$1")"
}

cap_start() {  # cap_start NAME [tcpdump filter...]
    local name=$1; shift
    C tcpdump -Z root -n -s 0 -U -i "$IF_CLI" -w "$WORK/cap/$name.pcap" "$@" \
        2>"$WORK/logs/tcpdump-$name.err" &
    CAP_PIDS+=($!)
    wait_started "$WORK/logs/tcpdump-$name.err" "listening on" $!
    sleep 1
}

cap_stop() {
    sleep 1
    stop_pids INT "${CAP_PIDS[@]}"
    CAP_PIDS=()
}

# --------------------------------------------------------------------------
# DHCP: dnsmasq serves 10.98.0.100-150; udhcpc takes a lease and releases it
# --------------------------------------------------------------------------
log "capture: dhcp"
S dnsmasq --no-daemon --port=0 --no-resolv --no-hosts --bind-interfaces --interface="$IF_SRV" \
    --dhcp-range=10.98.0.100,10.98.0.150,255.255.255.0,600 --dhcp-option=3,"$V4_SRV" \
    --dhcp-option=6,"$V4_SRV" --domain=sleuth.test --dhcp-leasefile="$WORK/leases" \
    --dhcp-authoritative --no-ping --log-dhcp >"$WORK/logs/dnsmasq.log" 2>&1 &
sleep 1
cat >"$WORK/udhcpc.sh" <<'EOF'
#!/bin/sh
# udhcpc event script: put the leased address on the interface, take it off again
case "$1" in
bound|renew) ip addr add "$ip/${mask:-24}" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod 755 "$WORK/udhcpc.sh"
for ((i = 0; i < 50; i++)); do
    grep -q "DHCP, IP range" "$WORK/logs/dnsmasq.log" 2>/dev/null && break
    sleep 0.1
done
cap_start dhcp udp port 67 or udp port 68
# udhcpc takes the lease (the event script puts the address on); SIGUSR2 makes it release
ip netns exec "$NS_CLI" busybox udhcpc -i "$IF_CLI" -f -t 5 -T 2 -s "$WORK/udhcpc.sh" \
    -x hostname:sleuth-client -V sleuth-vendor/1.0 -F sleuth-client.sleuth.test \
    >"$WORK/logs/udhcpc.log" 2>&1 &
UDHCPC=$!
for ((i = 0; i < 100; i++)); do
    C ip -4 addr show dev "$IF_CLI" | grep -q "inet 10.98.0." && break
    sleep 0.1
done
C ip -4 addr show dev "$IF_CLI" | grep -q "inet 10.98.0." || die "no lease: $(cat "$WORK/logs/udhcpc.log")"
kill -USR2 "$UDHCPC"
sleep 1
stop_pids TERM "$UDHCPC"
cap_stop
ns_kill_all "$NS_SRV"
C ip addr flush dev "$IF_CLI"

# --------------------------------------------------------------------------
# Telnet: telnetd per connection from socat, login with a throwaway user
# --------------------------------------------------------------------------
log "capture: telnet"
C ip addr add "$V4_CLI/24" dev "$IF_CLI"
mkdir -p "$WORK/home"
useradd -M -d "$WORK/home" -s /bin/sh -c "$USER_MARK" "$TN_USER"
touch "$WORK/home/.hushlogin"   # no motd, no last-login line
echo "$TN_USER:$TN_PASS" | chpasswd
S socat TCP-LISTEN:23,bind="$V4_SRV",reuseaddr,fork EXEC:"$TELNETD -h",nofork \
    >"$WORK/logs/socat.log" 2>&1 &
for ((i = 0; i < 50; i++)); do
    S ss -ltn | grep -q ":23 " && break
    sleep 0.1
done
cap_start telnet tcp port 23
cat >"$WORK/telnet.exp" <<EOF
set timeout 15
spawn telnet $V4_SRV
expect "login: " { } timeout { exit 1 }
send "sleuthtx"
sleep 0.3
send "\177n\r"
expect "Password:" { } timeout { exit 2 }
send "$TN_PASS\r"
expect "\\\\$ " { } timeout { exit 3 }
send "echo sleuth-was-here\r"
expect "\\\\$ " { } timeout { exit 4 }
send "id -un\r"
expect "\\\\$ " { } timeout { exit 5 }
send "exit\r"
expect eof
EOF
C expect -f "$WORK/telnet.exp" >"$WORK/logs/telnet.log" 2>&1 || die "telnet session: $(tail -5 "$WORK/logs/telnet.log")"
cap_stop

log "writing results to $OUT"
cd "$WORK/cap"
for f in telnet.pcap dhcp.pcap; do
    [[ -s $f ]] || die "capture $f is empty"
    install -m 0644 "$f" "$OUT/$f"
done
cd /
log "done:"
(cd "$OUT" && for f in telnet.pcap dhcp.pcap; do
    printf '  %-12s %8s bytes  %5s packets\n' "$f" "$(stat -c %s "$f")" \
        "$(capinfos -M -c -T "$f" | awk -F'\t' 'NR==2{print $2}')"
done) >&2
