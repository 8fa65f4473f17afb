#!/bin/sh
# setup.sh: installs the Debian 12 packages sleuth needs to build and test, only those missing.
# Usage: sh tools/setup.sh [--bench] [--fuzz]   (as root, or with sudo available)
set -eu
need="gcc make libc6-dev pkg-config libpcap-dev zlib1g-dev libpcre2-dev libssl-dev ieee-data python3 iproute2 iputils-ping"
for a in "$@"; do
	case "$a" in
	--bench) need="$need tcpdump tshark libndpi-bin wireshark-common" ;;
	--fuzz) need="$need clang libclang-rt-14-dev" ;;
	--captures) need="$need nginx-light vsftpd dnsmasq-base openssh-server openssh-client curl ftp dnsutils tcpdump iproute2 wireshark-common openssl" ;;
	esac
done
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi
echo "setup: installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "setup: done"
