#!/usr/bin/env bash
# make-mail.sh - regenerate sleuth's mail test capture (tests/captures/mail.pcap).
#
# Run as root on Debian 12:   sudo tests/captures/make-mail.sh
#
# Two private network namespaces joined by one veth pair; REAL servers in the
# server namespace and REAL clients in the client namespace, captured with
# tcpdump on the client's veth:
#
#   namespace sleuthmail-srv  veth "msrv"  02:00:0a:62:00:01  10.98.0.1/24
#   namespace sleuthmail-cli  veth "mcli"  02:00:0a:62:00:02  10.98.0.2/24
#
#   SMTP  aiosmtpd (python3-aiosmtpd): 587 with AUTH PLAIN/LOGIN in clear text,
#         25 with STARTTLS; clients swaks (AUTH LOGIN, a MIME attachment) and
#         curl smtp:// (AUTH PLAIN, a quoted-printable body; STARTTLS on 25)
#   POP3  dovecot-pop3d on 110 (clear-text logins allowed, STLS offered);
#         curl pop3:// (AUTH PLAIN then RETR 1; STLS)
#   IMAP  dovecot-imapd on 143; curl imap:// (AUTHENTICATE PLAIN then FETCH; AUTHENTICATE
#         LOGIN; STARTTLS)
#
# Dovecot authenticates from a passwd-file in the work dir (no system user is
# created); mail is stored as user "nobody" in the work dir. The namespaces
# have no other interface and no route, so no packet leaves them. Everything
# (namespaces, servers, work dir) is removed on exit.
# Optional environment: OUT=/some/dir, KEEP_WORK=1 (keep configs and logs).

set -euo pipefail
export LC_ALL=C
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$SCRIPT_DIR}
NS_SRV=sleuthmail-srv
NS_CLI=sleuthmail-cli
IF_SRV=msrv
IF_CLI=mcli
V4_SRV=10.98.0.1
V4_CLI=10.98.0.2
MAIL_USER=alice
MAIL_PASS=wonder-land7
PY=/usr/bin/python3

log() { printf '[make-mail] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (sudo $0)"

# 0. tools (Debian package names), installed only when missing
declare -A NEED=([dovecot]=dovecot-core [swaks]=swaks [curl]=curl [tcpdump]=tcpdump
                 [openssl]=openssl [ip]=iproute2 [ethtool]=ethtool [editcap]=wireshark-common)
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }
missing=()
for cmd in "${!NEED[@]}"; do have "$cmd" || missing+=("${NEED[$cmd]}"); done
[[ -e /usr/lib/dovecot/imap ]] || missing+=(dovecot-imapd)
[[ -e /usr/lib/dovecot/pop3 ]] || missing+=(dovecot-pop3d)
$PY -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin:/sbin

# 1. cleanup
WORK=""
PIDS=()
ns_kill() {
    local ns=$1 pids
    ip netns list 2>/dev/null | grep -qw "^$ns" || return 0
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -n $pids ]] && kill $pids 2>/dev/null || true
    sleep 0.5
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -n $pids ]] && kill -9 $pids 2>/dev/null || true
    return 0
}
cleanup() {
    local rc=$?
    set +e
    ns_kill "$NS_CLI"; ns_kill "$NS_SRV"
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    ip netns del "$NS_CLI" 2>/dev/null; ip netns del "$NS_SRV" 2>/dev/null
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ ${KEEP_WORK:-0} == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    fi
    ((rc)) && log "FAILED (exit $rc)"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ns_kill "$NS_CLI"; ns_kill "$NS_SRV"
ip netns del "$NS_CLI" 2>/dev/null || true
ip netns del "$NS_SRV" 2>/dev/null || true

WORK=$(mktemp -d /tmp/sleuth-mail.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK"/{logs,run,state,msg}
S() { ip netns exec "$NS_SRV" "$@"; }
C() { ip netns exec "$NS_CLI" "$@"; }

# 2. namespaces + veth
ip netns add "$NS_SRV"
ip netns add "$NS_CLI"
for ns in "$NS_SRV" "$NS_CLI"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
done
ip link add name "$IF_SRV" address 02:00:0a:62:00:01 netns "$NS_SRV" type veth \
    peer name "$IF_CLI" address 02:00:0a:62:00:02 netns "$NS_CLI"
S ethtool -K "$IF_SRV" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
C ethtool -K "$IF_CLI" rx off tx off tso off gso off gro off >/dev/null 2>&1 || true
S ip addr add "$V4_SRV/24" dev "$IF_SRV"
C ip addr add "$V4_CLI/24" dev "$IF_CLI"
S ip link set "$IF_SRV" up
C ip link set "$IF_CLI" up
C ip route show | grep -q default && die "unexpected default route in $NS_CLI"

# 3. fixed content: a certificate, a text attachment, a PNG, a stored message
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 3650 -subj "/CN=mail.sleuth.test" 2>/dev/null
chmod 644 "$WORK/tls.key"
printf 'quarterly numbers\nrevenue: 42\ncosts: 17\n' >"$WORK/msg/report.txt"
base64 -d >"$WORK/msg/logo.png" <<'EOF'
iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFklEQVR42mNkYPjPQAIQYxhVNapqsKsCAIjXBA3J2dHSAAAAAElFTkSuQmCC
EOF
cat >"$WORK/msg/qp.eml" <<'EOF'
From: Alice <alice@sleuth.test>
To: Bob <bob@sleuth.test>
Subject: Lunch =?utf-8?q?caf=C3=A9?=
Date: Mon, 01 Jan 2024 12:00:00 +0000
Message-ID: <qp-1@sleuth.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Meet at the caf=C3=A9 at noon.=20
A long line that is softly broken by the quoted-printable encoding so that =
it stays under seventy-six characters.
.a line starting with a dot
EOF
sed -i 's/$/\r/' "$WORK/msg/qp.eml"   # mail lines end with CRLF
MAILDIR=$WORK/mail/$MAIL_USER/Maildir
mkdir -p "$MAILDIR"/{cur,new,tmp}
{
    printf 'From: Carol <carol@sleuth.test>\nTo: Alice <alice@sleuth.test>\n'
    printf 'Subject: Photos\nDate: Mon, 01 Jan 2024 11:00:00 +0000\nMessage-ID: <pop-1@sleuth.test>\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="sleuth-boundary"\n\n'
    printf -- '--sleuth-boundary\nContent-Type: text/plain; charset=us-ascii\n\nThe logo is attached.\n'
    printf -- '--sleuth-boundary\nContent-Type: image/png; name="logo.png"\n'
    printf 'Content-Disposition: attachment; filename="logo.png"\nContent-Transfer-Encoding: base64\n\n'
    base64 -w 60 "$WORK/msg/logo.png"
    printf -- '--sleuth-boundary--\n'
} | sed 's/$/\r/' >"$MAILDIR/new/1704106800.M1P1.sleuth"
chown -R nobody:nogroup "$WORK/mail"

# 4. servers
wait_listen() {
    local port=$1 i
    for ((i = 0; i < 100; i++)); do
        S ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    die "nothing listens on $port (logs: $WORK/logs)"
}
cat >"$WORK/smtpd.py" <<EOF
import asyncio, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
class Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued"
def check(server, session, envelope, mechanism, data):
    ok = data.login == b"$MAIL_USER" and data.password == b"$MAIL_PASS"
    return AuthResult(success=ok, handled=False)
tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain("$WORK/tls.crt", "$WORK/tls.key")
sub = Controller(Accept(), hostname="$V4_SRV", port=587, server_hostname="mail.sleuth.test",
                 authenticator=check, auth_require_tls=False, auth_exclude_mechanism=["CRAM-MD5"])
mx = Controller(Accept(), hostname="$V4_SRV", port=25, server_hostname="mail.sleuth.test",
                tls_context=tls, require_starttls=False)
sub.start(); mx.start()
try:
    sys.stdin.read()
finally:
    sub.stop(); mx.stop()
EOF
S sleep infinity | S $PY "$WORK/smtpd.py" >"$WORK/logs/smtpd.out" 2>&1 &
PIDS+=($!)
printf '%s:{PLAIN}%s\n' "$MAIL_USER" "$MAIL_PASS" >"$WORK/users"
cat >"$WORK/dovecot.conf" <<EOF
protocols = imap pop3
listen = $V4_SRV
base_dir = $WORK/run
state_dir = $WORK/state
log_path = $WORK/logs/dovecot.log
ssl = yes
ssl_cert = <$WORK/tls.crt
ssl_key = <$WORK/tls.key
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = $WORK/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$WORK/mail/%u
}
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
service imap-login {
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3s {
    port = 0
  }
}
EOF
S dovecot -F -c "$WORK/dovecot.conf" >"$WORK/logs/dovecot.out" 2>&1 &
PIDS+=($!)
wait_listen 587; wait_listen 25; wait_listen 110; wait_listen 143

# 5. capture the client sessions
# ip netns exec execs tcpdump: $! is tcpdump itself (TERM makes it flush and exit)
ip netns exec "$NS_CLI" tcpdump -Z root -n -s 0 -U -i "$IF_CLI" -w "$WORK/mail.pcap" tcp \
    >"$WORK/logs/tcpdump.out" 2>&1 &
CAP=$!
sleep 1
U="$MAIL_USER:$MAIL_PASS"
C swaks --server "$V4_SRV" --port 587 --ehlo client.sleuth.test --auth LOGIN \
    --auth-user "$MAIL_USER" --auth-password "$MAIL_PASS" \
    --from alice@sleuth.test --to bob@sleuth.test --to carol@sleuth.test \
    --header "Subject: Quarterly report" --header "Date: Mon, 01 Jan 2024 12:00:00 +0000" \
    --header "Message-Id: <swaks-1@sleuth.test>" --header "X-Mailer: swaks" \
    --body "Numbers attached." --attach-type text/plain --attach-name report.txt \
    --attach @"$WORK/msg/report.txt" >"$WORK/logs/swaks-login.out" 2>&1
C curl -sS --url "smtp://$V4_SRV:587/client.sleuth.test" --user "$U" --login-options AUTH=PLAIN \
    --mail-from alice@sleuth.test --mail-rcpt bob@sleuth.test \
    --upload-file "$WORK/msg/qp.eml" >"$WORK/logs/curl-smtp.out" 2>&1
C curl -sS --url "smtp://$V4_SRV:25/client.sleuth.test" --ssl-reqd -k --mail-from alice@sleuth.test \
    --mail-rcpt bob@sleuth.test --upload-file "$WORK/msg/qp.eml" >"$WORK/logs/curl-smtp-tls.out" 2>&1 || true
C curl -sS --url "pop3://$V4_SRV/1" --user "$U" --login-options AUTH=PLAIN -o /dev/null \
    >"$WORK/logs/curl-pop-plain.out" 2>&1
C curl -sS --url "pop3://$V4_SRV/" --user "$U" --ssl-reqd -k -o /dev/null >"$WORK/logs/curl-pop-stls.out" 2>&1 || true
C curl -sS --url "imap://$V4_SRV/INBOX/;UID=1" --user "$U" --login-options AUTH=PLAIN -o /dev/null \
    >"$WORK/logs/curl-imap-login.out" 2>&1
C curl -sS --url "imap://$V4_SRV/INBOX" --user "$U" --login-options AUTH=LOGIN -X 'STATUS INBOX (MESSAGES)' \
    >"$WORK/logs/curl-imap-plain.out" 2>&1
C curl -sS --url "imap://$V4_SRV/" --user "$U" --ssl-reqd -k -o /dev/null >"$WORK/logs/curl-imap-tls.out" 2>&1 || true
sleep 1
kill -TERM "$CAP"; wait "$CAP" || true

# 6. output
cp "$WORK/mail.pcap" "$OUT/mail.pcap"
log "wrote $OUT/mail.pcap ($(stat -c %s "$OUT/mail.pcap") bytes)"
