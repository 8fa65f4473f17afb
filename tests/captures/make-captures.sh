#!/usr/bin/env bash
# make-captures.sh - regenerate sleuth's own test capture files.
#
# Run as root on Debian 12:   sudo tests/captures/make-captures.sh
#
# The script builds two private network namespaces joined by one veth pair
# and runs REAL servers (nginx, vsftpd, dnsmasq, sshd) in the server
# namespace and REAL clients (curl, ftp, dig, ssh, ping, bash /dev/tcp) in
# the client namespace, capturing on the client's veth with tcpdump/dumpcap.
#
#   namespace sleuthcap-srv   veth "vsrv"  02:00:0a:63:00:01  10.99.0.1/24  fd99::1/64
#   namespace sleuthcap-cli   veth "vcli"  02:00:0a:63:00:02  10.99.0.2/24  fd99::2/64
#
# The namespaces have no other interface and no default route, so no packet
# can reach the host's or any outside network.  Everything (namespaces,
# server processes, the throwaway user, the temp dir) is removed on exit.
#
# Output: the capture files in the directory of this script (see README.md).
# Optional environment: OUT=/some/dir to write elsewhere, KEEP_WORK=1 to keep
# the temporary work directory (configs, server logs) for debugging.

set -euo pipefail
export LC_ALL=C
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$SCRIPT_DIR}

NS_SRV=sleuthcap-srv
NS_CLI=sleuthcap-cli
IF_SRV=vsrv
IF_CLI=vcli
MAC_SRV=02:00:0a:63:00:01
MAC_CLI=02:00:0a:63:00:02
V4_SRV=10.99.0.1
V4_CLI=10.99.0.2
V4_UNUSED=10.99.0.99
V6_SRV=fd99::1
V6_CLI=fd99::2
HOSTNAME_WWW=www.sleuth.test

FTP_USER=ftptest
FTP_PASS=s3cret-pass
USER_MARK="sleuth capture throwaway user"
HTTP_USER=sleuth
HTTP_PASS=opensesame
UA="sleuth-capture/1.0"

log()  { printf '[make-captures] %s\n' "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (sudo $0)"

# --------------------------------------------------------------------------
# 0. tools: install only what is missing (Debian package names)
# --------------------------------------------------------------------------
declare -A NEED=(
    [nginx]=nginx-light        [vsftpd]=vsftpd          [dnsmasq]=dnsmasq-base
    [sshd]=openssh-server      [ssh]=openssh-client     [ssh-keygen]=openssh-client
    [curl]=curl                [ftp]=ftp                [dig]=dnsutils
    [tcpdump]=tcpdump          [openssl]=openssl        [ip]=iproute2
    [ss]=iproute2              [ethtool]=ethtool        [ping]=iputils-ping
    [editcap]=wireshark-common [dumpcap]=wireshark-common [capinfos]=wireshark-common
    [gzip]=gzip                [useradd]=passwd         [chpasswd]=passwd
)
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 || -x /sbin/$1 ]]; }
missing=()
for cmd in "${!NEED[@]}"; do
    have "$cmd" || missing+=("${NEED[$cmd]}")
done
[[ -e /etc/nginx/mime.types ]] || missing+=(nginx-common)
[[ -e /etc/pam.d/vsftpd ]]     || missing+=(vsftpd)
if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    log "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin:/sbin
SSHD=$(command -v sshd)

# --------------------------------------------------------------------------
# 1. cleanup machinery
# --------------------------------------------------------------------------
WORK=""
SERVER_PIDS=()
CAP_PIDS=()

ns_kill_all() {   # kill every process living in one of OUR namespaces
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
    if getent passwd "$FTP_USER" >/dev/null; then
        if [[ $(getent passwd "$FTP_USER" | cut -d: -f5) == "$USER_MARK" ]]; then
            userdel "$FTP_USER" 2>/dev/null || true
        fi
    fi
}

stop_pids() {  # stop_pids SIGNAL pid...: signal, give 3 s to exit, then SIGTERM, reap
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
    ((${#SERVER_PIDS[@]})) && stop_pids TERM "${SERVER_PIDS[@]}"
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

# leftovers of an interrupted earlier run
ns_kill_all "$NS_CLI"; ns_kill_all "$NS_SRV"
ip netns del "$NS_CLI" 2>/dev/null || true
ip netns del "$NS_SRV" 2>/dev/null || true
if getent passwd "$FTP_USER" >/dev/null; then
    [[ $(getent passwd "$FTP_USER" | cut -d: -f5) == "$USER_MARK" ]] \
        || die "user $FTP_USER exists and was not created by this script; refusing to touch it"
    remove_user
fi

WORK=$(mktemp -d /tmp/sleuth-captures.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK"/{cap,www/private,home/pub,ssh,logs,client,empty}
chmod 755 "$WORK"/{www,www/private,home,ssh,empty}

S() { ip netns exec "$NS_SRV" "$@"; }
C() { ip netns exec "$NS_CLI" "$@"; }

# --------------------------------------------------------------------------
# 2. namespaces + veth (no route anywhere but the 10.99.0.0/24, fd99::/64 link)
# --------------------------------------------------------------------------
log "creating namespaces $NS_SRV / $NS_CLI"
ip netns add "$NS_SRV"
ip netns add "$NS_CLI"
for ns in "$NS_SRV" "$NS_CLI"; do
    ip netns exec "$ns" sysctl -qw \
        net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.dad_transmits=0 net.ipv6.conf.default.dad_transmits=0 \
        net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
        net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
    ip -n "$ns" link set lo up
done
ip link add name "$IF_SRV" address "$MAC_SRV" netns "$NS_SRV" type veth \
    peer name "$IF_CLI" address "$MAC_CLI" netns "$NS_CLI"
# No offloads: every captured frame is a real wire-size frame with a real checksum.
S ethtool -K "$IF_SRV" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
C ethtool -K "$IF_CLI" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
S ip addr add "$V4_SRV/24" dev "$IF_SRV"
C ip addr add "$V4_CLI/24" dev "$IF_CLI"
S ip -6 addr add "$V6_SRV/64" dev "$IF_SRV" nodad
C ip -6 addr add "$V6_CLI/64" dev "$IF_CLI" nodad
S ip link set "$IF_SRV" up
C ip link set "$IF_CLI" up
# sanity: the client namespace must not have any route besides the link
if C ip route show | grep -q default || C ip -6 route show | grep -q default; then
    die "unexpected default route in $NS_CLI"
fi

# --------------------------------------------------------------------------
# 3. fixed content
# --------------------------------------------------------------------------
FIXED_DATE="2024-01-01 12:00:00 UTC"
cat >"$WORK/www/index.html" <<'EOF'
<!DOCTYPE html>
<html>
<head><title>sleuth test page</title></head>
<body>
<h1>sleuth capture test server</h1>
<p>This page is served by nginx inside a private network namespace.</p>
<p><img src="/logo.png" alt="logo"> <a href="/notes.txt">notes</a> <a href="/blob.bin">blob</a></p>
</body>
</html>
EOF
cat >"$WORK/www/welcome.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>welcome</title></head><body><p>logged in</p></body></html>
EOF
cat >"$WORK/www/notes.txt" <<'EOF'
sleuth test notes
=================
line 1: the quick brown fox jumps over the lazy dog
line 2: 0123456789 abcdefghijklmnopqrstuvwxyz
line 3: end of notes
EOF
echo "top secret: the password was opensesame" >"$WORK/www/private/secret.txt"
# 16x16 RGB PNG (463 bytes), fixed bytes
base64 -d >"$WORK/www/logo.png" <<'EOF'
iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAABlklEQVR42g3LQQEAIQgAQSMYwQhGMAIRiEAEI/jdnxGIQAQiEMEId/Of1hq9MRqzsRrS0IY1duM0bsMb0chGNV6jtU7vjM7srI50tGOd3Tmd2/FOdLJTndf/MOiDMZiDNZCBDmywB2dwBz6IQQ5q8MYfJn0yJnOyJjLRiU325EzuxCcxyUlN3vzDoi/GYi7WQha6sMVenMVd+CIWuajFW38QujCEKSxBBBVM2MIRruBCCCmU8OQPSleGMpWliKKKKVs5ylVcCSWVUp7+wejGMKaxDDHUMGMbx7iGG2GkUcazP2z6ZmzmZm1koxvb7M3Z3I1vYpOb2rz9h0M/jMM8rIMc9GCHfTiHe/BDHPJQh3f+cOmXcZmXdZGLXuyyL+dyL36JS17q8u4fnO4MZzrLEUcdc7ZznOu4E0465Tz/Q9CDEcxgBRJoYMEOTnADDyLIoIIXf0h6MpKZrEQSTSzZyUlu4kkkmVTy8g9FL0Yxi1VIoYUVuzjFLbyIIosqXv3h0R/jMR/rIQ992GM/zuM+/BGPfNTjPT65PIkQTAiXYgAAAABJRU5ErkJggg==
EOF
# 50 KiB of deterministic pseudo-random bytes (AES-CTR keystream, fixed key)
head -c 51200 /dev/zero | openssl enc -aes-128-ctr -nosalt \
    -K 736c657574682d636170747572657321 -iv 00000000000000000000000000000000 \
    >"$WORK/www/blob.bin"
printf '%s:%s\n' "$HTTP_USER" "$(openssl passwd -apr1 -salt sleuthcp "$HTTP_PASS")" >"$WORK/htpasswd"

cat >"$WORK/home/pub/readme.txt" <<'EOF'
sleuth FTP test file
This file is downloaded with RETR in every FTP capture.
EOF
head -c 4096 /dev/zero | tr '\0' 'F' | fold -w 63 >"$WORK/home/pub/data.txt"
printf 'uploaded by the sleuth capture script\nline two\n' >"$WORK/client/upload.txt"
find "$WORK/www" "$WORK/home" -exec touch -h -d "$FIXED_DATE" {} +
chmod -R a+rX "$WORK/www" "$WORK/home"

# self-signed certificate (key differs each run; that is fine)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 3650 \
    -subj "/CN=$HOSTNAME_WWW" \
    -addext "subjectAltName=DNS:$HOSTNAME_WWW,IP:$V4_SRV,IP:$V6_SRV" 2>/dev/null

# throwaway local user for FTP and SSH
useradd -M -d "$WORK/home" -s /bin/sh -c "$USER_MARK" "$FTP_USER"
echo "$FTP_USER:$FTP_PASS" | chpasswd
# home stays root-owned (vsftpd's chroot requires a non-writable root, so PWD
# shows "/" instead of the random temp path); the user may write in pub/
chown -R "$FTP_USER:" "$WORK/home/pub"

# --------------------------------------------------------------------------
# 4. servers
# --------------------------------------------------------------------------
wait_listen() {  # wait_listen tcp|udp PORT [ADDR-substring]
    local proto=$1 port=$2 addr=${3:-} flag=t i
    [[ $proto == udp ]] && flag=u
    for ((i = 0; i < 100; i++)); do
        if S ss -Hln$flag "sport = :$port" 2>/dev/null | grep -qF -- "${addr}"; then
            return 0
        fi
        sleep 0.1
    done
    die "server on $proto/$port ${addr} did not come up (logs: $WORK/logs)"
}

start_server() {  # start_server NAME cmd...   ($! is the server itself: ip netns exec execs it)
    local name=$1; shift
    ip netns exec "$NS_SRV" "$@" >"$WORK/logs/$name.out" 2>&1 &
    SERVER_PIDS+=($!)
}

# --- nginx: 80, 8081, 443 (v4 + v6) ---
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/nginx-error.log info;
daemon off;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $WORK/logs/nginx-access.log;
    client_body_temp_path $WORK/nginx-tmp;
    server_tokens off;
    sendfile off;
    keepalive_timeout 15;
    ssl_certificate     $WORK/tls.crt;
    ssl_certificate_key $WORK/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
        listen $V4_SRV:80;
        listen [$V6_SRV]:80;
        listen $V4_SRV:8081;
        listen $V4_SRV:443 ssl;
        listen [$V6_SRV]:443 ssl;
        server_name $HOSTNAME_WWW;
        root $WORK/www;
        location = /submit {
            default_type text/plain;
            if (\$request_method != POST) { return 405; }
            return 200 "thanks, form received\n";
        }
        location = /login {
            return 302 /welcome.html;
        }
        location /private/ {
            auth_basic "sleuth private";
            auth_basic_user_file $WORK/htpasswd;
        }
    }
}
EOF
mkdir -p "$WORK/nginx-tmp"
start_server nginx nginx -p "$WORK" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx.conf"

# --- vsftpd: one instance on 10.99.0.1:21, one on [fd99::1]:21 ---
vsftpd_conf() {  # vsftpd_conf FILE listen-lines...
    local f=$1; shift
    {
        printf '%s\n' "$@"
        cat <<EOF
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40009
port_enable=YES
connect_from_port_20=YES
hide_ids=YES
chroot_local_user=YES
use_localtime=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
pam_service_name=vsftpd
secure_chroot_dir=$WORK/empty
ftpd_banner=sleuth test FTP server ready.
xferlog_enable=YES
vsftpd_log_file=$WORK/logs/vsftpd.log
dual_log_enable=NO
EOF
    } >"$f"
}
vsftpd_conf "$WORK/vsftpd4.conf" listen=YES listen_ipv6=NO "listen_address=$V4_SRV"
vsftpd_conf "$WORK/vsftpd6.conf" listen=NO listen_ipv6=YES "listen_address6=$V6_SRV"
start_server vsftpd4 vsftpd "$WORK/vsftpd4.conf"
start_server vsftpd6 vsftpd "$WORK/vsftpd6.conf"

# --- dnsmasq: authoritative-only local data, no upstream ---
cat >"$WORK/dnsmasq.conf" <<EOF
port=53
listen-address=$V4_SRV
listen-address=$V6_SRV
bind-interfaces
no-resolv
no-hosts
no-poll
user=nobody
group=nogroup
pid-file=$WORK/dnsmasq.pid
log-queries
log-facility=$WORK/logs/dnsmasq.log
domain=sleuth.test
local=/sleuth.test/
local=/99.10.in-addr.arpa/
host-record=$HOSTNAME_WWW,$V4_SRV,$V6_SRV
host-record=host.sleuth.test,10.99.0.10,fd99::10
host-record=mail.sleuth.test,10.99.0.25
address=/ftp.sleuth.test/$V4_SRV
cname=alias.sleuth.test,$HOSTNAME_WWW
mx-host=sleuth.test,mail.sleuth.test,10
txt-record=sleuth.test,"v=spf1 mx -all"
txt-record=info.sleuth.test,"sleuth test zone","second string"
srv-host=_http._tcp.sleuth.test,$HOSTNAME_WWW,80,10,5
srv-host=_ftp._tcp.sleuth.test,ftp.sleuth.test,21,0,0
ptr-record=53.0.99.10.in-addr.arpa,dns.sleuth.test
EOF
start_server dnsmasq dnsmasq -k -C "$WORK/dnsmasq.conf"

# --- sshd: ports 22 and 2222, own host keys, no PAM ---
ssh-keygen -q -t ed25519 -N '' -C sleuth-host -f "$WORK/ssh/ssh_host_ed25519_key"
ssh-keygen -q -t ecdsa -b 256 -N '' -C sleuth-host -f "$WORK/ssh/ssh_host_ecdsa_key"
ssh-keygen -q -t ed25519 -N '' -C sleuth-client -f "$WORK/client/id_ed25519"
cp "$WORK/client/id_ed25519.pub" "$WORK/ssh/authorized_keys"
chmod 644 "$WORK/ssh/authorized_keys"
cat >"$WORK/sshd_config" <<EOF
Port 22
Port 2222
ListenAddress $V4_SRV
ListenAddress $V6_SRV
HostKey $WORK/ssh/ssh_host_ed25519_key
HostKey $WORK/ssh/ssh_host_ecdsa_key
PidFile $WORK/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $WORK/ssh/authorized_keys
StrictModes no
AllowUsers $FTP_USER
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
LogLevel VERBOSE
EOF
mkdir -p /run/sshd   # privilege-separation dir that sshd insists on
"$SSHD" -t -f "$WORK/sshd_config"
start_server sshd "$SSHD" -D -e -f "$WORK/sshd_config"

wait_listen tcp 80 "$V4_SRV"
wait_listen tcp 80 "$V6_SRV"
wait_listen tcp 8081
wait_listen tcp 443 "$V4_SRV"
wait_listen tcp 21 "$V4_SRV"
wait_listen tcp 21 "$V6_SRV"
wait_listen udp 53 "$V4_SRV"
wait_listen tcp 53 "$V6_SRV"
wait_listen tcp 22 "$V4_SRV"
wait_listen tcp 2222 "$V4_SRV"
log "servers are up"

# --------------------------------------------------------------------------
# 5. capture helpers
# --------------------------------------------------------------------------
wait_started() {  # wait_started STDERR-FILE PATTERN PID
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || die "capture process died: $(cat "$1")"
        sleep 0.05
    done
    die "capture did not start: $(cat "$1")"
}

cap_start() {  # cap_start NAME [extra tcpdump options]  -> $WORK/cap/NAME.pcap
    local name=$1; shift
    ip netns exec "$NS_CLI" tcpdump -Z root -n -s 0 -U -i "$IF_CLI" "$@" \
        -w "$WORK/cap/$name.pcap" 2>"$WORK/logs/tcpdump-$name.err" &
    CAP_PIDS+=($!)
    wait_started "$WORK/logs/tcpdump-$name.err" "listening on" $!
    sleep 1
}

cap_stop() {
    sleep 1    # let the last packets (FIN/ACK, late replies) arrive
    stop_pids INT "${CAP_PIDS[@]}"   # capture tools flush and close the file on SIGINT
    CAP_PIDS=()
}

flush_neigh() {
    C ip neigh flush dev "$IF_CLI" 2>/dev/null || true
    S ip neigh flush dev "$IF_SRV" 2>/dev/null || true
    C ip -6 neigh flush dev "$IF_CLI" 2>/dev/null || true
    S ip -6 neigh flush dev "$IF_SRV" 2>/dev/null || true
}

expect_code() {  # expect_code WANT curl-args...  (prints nothing, checks status)
    local want=$1 got; shift
    got=$(C curl -sS -A "$UA" --max-time 10 -o /dev/null -w '%{http_code}' "$@") || true
    [[ $got == "$want" ]] || die "curl $* -> HTTP $got, expected $want"
}

RESOLVE4=(--resolve "$HOSTNAME_WWW:80:$V4_SRV" --resolve "$HOSTNAME_WWW:8081:$V4_SRV"
          --resolve "$HOSTNAME_WWW:443:$V4_SRV")
RESOLVE6=(--resolve "$HOSTNAME_WWW:80:[$V6_SRV]" --resolve "$HOSTNAME_WWW:443:[$V6_SRV]")
W=http://$HOSTNAME_WWW

# --------------------------------------------------------------------------
# 6. scenarios
# --------------------------------------------------------------------------

# ---- ICMP / ARP / NDP / fragments / unreachables ----
log "capture: icmp-arp"
flush_neigh
sleep 0.2
cap_start icmp-arp
C ping -n -q -c 3 -i 0.2 -W 2 "$V4_SRV" >/dev/null                 # ARP req/reply + echo
C ping -n -q -6 -c 3 -i 0.2 -W 2 "$V6_SRV" >/dev/null              # NDP NS/NA + ICMPv6 echo
C ping -n -q -c 2 -i 0.2 -W 2 -s 3000 "$V4_SRV" >/dev/null         # IPv4 fragments
C ping -n -q -6 -c 2 -i 0.2 -W 2 -s 3000 "$V6_SRV" >/dev/null      # IPv6 fragment headers
C ping -n -q -c 1 -W 4 "$V4_UNUSED" >/dev/null 2>&1 || true        # ARP without reply
C bash -c "echo sleuth-udp-probe >/dev/udp/$V4_SRV/9" || true       # ICMP port unreachable
C bash -c "echo sleuth-udp6-probe >/dev/udp/$V6_SRV/9" || true      # ICMPv6 port unreachable
C timeout 3 bash -c "exec 3<>/dev/tcp/$V4_SRV/9" 2>/dev/null && die "port 9 unexpectedly open" || true  # TCP RST
cap_stop

# ---- HTTP (port 80, 8081, IPv6) ----
log "capture: http"
cap_start http
expect_code 200 "${RESOLVE4[@]}" "$W/"                                  # GET /
expect_code 200 "${RESOLVE4[@]}" "$W/logo.png"                          # image/png
expect_code 200 "${RESOLVE4[@]}" "$W/notes.txt"                         # text/plain
expect_code 200 "${RESOLVE4[@]}" "$W/blob.bin"                          # 50 KiB, many segments
expect_code 200 "${RESOLVE4[@]}" -I "$W/index.html"                     # HEAD
expect_code 200 "${RESOLVE4[@]}" -d 'name=sleuth&comment=hello+world%21' "$W/submit"   # POST form
expect_code 302 "${RESOLVE4[@]}" -d 'user=alice&pass=wonderland' "$W/login"            # POST -> 302
# keep-alive: two requests, one TCP connection
C curl -sS -A "$UA" --max-time 10 "${RESOLVE4[@]}" -o /dev/null -o /dev/null \
    "$W/index.html" "$W/notes.txt" -w '%{num_connects}\n' >"$WORK/logs/keepalive.txt"
[[ $(tr -d '\n' <"$WORK/logs/keepalive.txt") == 10 ]] || die "keep-alive did not reuse the connection"
expect_code 404 "${RESOLVE4[@]}" "$W/missing.html"                      # 404
expect_code 200 "${RESOLVE4[@]}" "$W:8081/notes.txt"                    # non-standard port
expect_code 401 "${RESOLVE4[@]}" "$W/private/secret.txt"                # no credentials
expect_code 200 "${RESOLVE4[@]}" -u "$HTTP_USER:$HTTP_PASS" "$W/private/secret.txt"   # Basic auth
expect_code 200 "${RESOLVE6[@]}" "$W/notes.txt"                         # over IPv6
cap_stop

# ---- HTTPS (TLS 1.2 and TLS 1.3, SNI www.sleuth.test) ----
log "capture: https"
rm -f "$WORK/https.keylog"
cap_start https
C env SSLKEYLOGFILE="$WORK/https.keylog" \
    curl -sS -k -A "$UA" --max-time 10 "${RESOLVE4[@]}" --tlsv1.2 --tls-max 1.2 \
    -o /dev/null "https://$HOSTNAME_WWW/index.html"
C env SSLKEYLOGFILE="$WORK/https.keylog" \
    curl -sS -k -A "$UA" --max-time 10 "${RESOLVE4[@]}" --tlsv1.3 \
    -o /dev/null "https://$HOSTNAME_WWW/notes.txt"
C env SSLKEYLOGFILE="$WORK/https.keylog" \
    curl -sS -k -A "$UA" --max-time 10 "${RESOLVE6[@]}" --tlsv1.3 \
    -o /dev/null "https://$HOSTNAME_WWW/logo.png"
cap_stop

# ---- FTP ----
ftp_session() {  # ftp_session MODE-FLAG HOST EXTRA-COMMAND
    local flag=$1 host=$2 extra=$3
    rm -f "$WORK/client/readme.txt"
    C timeout 20 ftp -n -v "$flag" "$host" >>"$WORK/logs/ftp-client.log" 2>&1 <<EOF
$extra
user $FTP_USER $FTP_PASS
pwd
cd pub
ls
binary
get readme.txt $WORK/client/readme.txt
put $WORK/client/upload.txt upload.txt
quit
EOF
    cmp -s "$WORK/client/readme.txt" "$WORK/home/pub/readme.txt" || die "FTP RETR failed ($flag $host), see $WORK/logs/ftp-client.log"
    cmp -s "$WORK/client/upload.txt" "$WORK/home/pub/upload.txt" || die "FTP STOR failed ($flag $host)"
    rm -f "$WORK/home/pub/upload.txt"
}

log "capture: ftp-passive"
cap_start ftp-passive
ftp_session -p "$V4_SRV" "epsv4 off"        # PASV / 227
cap_stop

log "capture: ftp-active"
cap_start ftp-active
ftp_session -A "$V4_SRV" "epsv4 off"        # PORT, server connects from port 20
cap_stop

log "capture: ftp-ipv6"
cap_start ftp-ipv6
ftp_session -p "$V6_SRV" "epsv6 on"         # EPSV
ftp_session -A "$V6_SRV" "epsv6 on"         # EPRT
cap_stop

# ---- DNS (pcap with microsecond and, simultaneously, nanosecond stamps) ----
dq() {  # dq EXPECTED-STATUS dig-args...
    local want=$1 out; shift
    out=$(C dig +tries=1 +time=3 "$@") || die "dig $* failed"
    grep -q "status: $want" <<<"$out" || die "dig $*: expected $want"
    printf '%s\n\n' "$out" >>"$WORK/logs/dig.log"
}
log "capture: dns"
cap_start dns
cap_start dns-nano --time-stamp-precision=nano
dq NOERROR @"$V4_SRV" "$HOSTNAME_WWW" A +noedns                  # plain DNS, no OPT
dq NOERROR @"$V4_SRV" "$HOSTNAME_WWW" AAAA +nocookie             # EDNS0
dq NOERROR @"$V4_SRV" sleuth.test MX                              # EDNS0 + cookie
dq NOERROR @"$V4_SRV" info.sleuth.test TXT +nocookie
dq NOERROR @"$V4_SRV" sleuth.test TXT +noedns
dq NOERROR @"$V4_SRV" _http._tcp.sleuth.test SRV +nocookie
dq NOERROR @"$V4_SRV" alias.sleuth.test CNAME +noedns
dq NOERROR @"$V4_SRV" alias.sleuth.test A +nocookie               # CNAME chain + A
dq NOERROR @"$V4_SRV" -x 10.99.0.53 +noedns                       # PTR (ptr-record)
dq NOERROR @"$V4_SRV" -x "$V4_SRV" +nocookie                      # PTR (host-record)
dq NXDOMAIN @"$V4_SRV" nothere.sleuth.test A +noedns              # NXDOMAIN
dq NOERROR @"$V4_SRV" +tcp "$HOSTNAME_WWW" A +nocookie            # DNS over TCP
dq NOERROR @"$V6_SRV" host.sleuth.test AAAA +nocookie             # over IPv6
cap_stop

# ---- SSH (port 22 and 2222) ----
ssh_run() {
    C timeout 20 ssh -F /dev/null -i "$WORK/client/id_ed25519" -o IdentitiesOnly=yes \
        -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o LogLevel=ERROR -o ConnectTimeout=5 "$@" true
}
log "capture: ssh"
cap_start ssh
ssh_run -p 22 "$FTP_USER@$V4_SRV"
ssh_run -p 2222 "$FTP_USER@$V4_SRV"
cap_stop

# ---- mixed: native pcapng from dumpcap (SHB/IDB options, comment, ISB) ----
log "capture: mixed (dumpcap, pcapng)"
flush_neigh
sleep 0.2
ip netns exec "$NS_CLI" dumpcap -i "$IF_CLI" -s 0 -w "$WORK/cap/mixed.pcapng" \
    --capture-comment "sleuth mixed test capture: DNS, HTTP, HTTPS, ICMP, ICMPv6, ARP, NDP" \
    2>"$WORK/logs/dumpcap-mixed.err" &
CAP_PIDS+=($!)
wait_started "$WORK/logs/dumpcap-mixed.err" "Capturing on" $!
sleep 1
dq NOERROR @"$V4_SRV" "$HOSTNAME_WWW" A +nocookie
dq NOERROR @"$V4_SRV" "$HOSTNAME_WWW" AAAA +nocookie
expect_code 200 "${RESOLVE4[@]}" "$W/index.html"
expect_code 200 -k "${RESOLVE6[@]}" "https://$HOSTNAME_WWW/notes.txt"
C ping -n -q -c 2 -i 0.2 -W 2 "$V4_SRV" >/dev/null
C ping -n -q -6 -c 2 -i 0.2 -W 2 "$V6_SRV" >/dev/null
C bash -c "echo sleuth-udp-probe >/dev/udp/$V4_SRV/9" || true
cap_stop

# --------------------------------------------------------------------------
# 7. derived files and install into $OUT
# --------------------------------------------------------------------------
log "writing results to $OUT"
cd "$WORK/cap"
for f in *.pcap *.pcapng; do
    [[ -s $f ]] || die "capture $f is empty"
    n=$(capinfos -M -c -T "$f" | awk -F'\t' 'NR==2{print $2}')
    [[ ${n:-0} -gt 0 ]] || die "capture $f has no packets"
done
editcap -F pcapng https.pcap https.pcapng          # converted pcapng copies
editcap -F pcapng dns.pcap dns.pcapng
gzip -n -9 -c http.pcap >http.pcap.gz              # compressed copy (no name/time in header)
cp "$WORK/https.keylog" https.keylog               # lets tshark/wireshark decrypt https.pcap*

mkdir -p "$OUT"
for f in icmp-arp.pcap http.pcap http.pcap.gz https.pcap https.pcapng https.keylog \
         ftp-passive.pcap ftp-active.pcap ftp-ipv6.pcap dns.pcap dns-nano.pcap dns.pcapng \
         ssh.pcap mixed.pcapng; do
    [[ -s $f ]] || die "missing output $f"
    install -m 0644 "$f" "$OUT/$f"
done
cd /

log "done:"
(cd "$OUT" && for f in *.pcap *.pcapng *.pcap.gz; do
    printf '  %-18s %8s bytes  %5s packets\n' "$f" "$(stat -c %s "$f")" \
        "$(capinfos -M -c -T "$f" | awk -F'\t' 'NR==2{print $2}')"
done) >&2
