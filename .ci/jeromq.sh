#!/usr/bin/env bash
# Fetches JeroMQ 0.6 (Debian's libjeromq-java and libjnacl-java from the trixie suite) and
# unpacks the jars for the JeroMQ interoperability tests (t/76-jeromq.t, t/77-jeromq-connect.t).
#
#   .ci/jeromq.sh [DIR]    default DIR: $ZMQ_RUST_JEROMQ, else $XDG_CACHE_HOME/zmq-rust/jeromq
#                          (~/.cache/zmq-rust/jeromq), where the tests look for them
#
# Debian bookworm's own libjeromq-java is 0.3.6 (ZMTP 2.0 only), too old to talk to a ZMTP 3
# peer. The packages come from the Debian mirror the machine's apt sources already use, through
# a private apt configuration (its own sources list, lists, cache and state under a temporary
# directory): the system's apt configuration and package set are left as they are. The .deb
# files are unpacked with dpkg-deb -x; nothing is installed. Needs apt-get and dpkg-deb.
set -euo pipefail

suite=${JEROMQ_SUITE:-trixie}
dest=${1:-${ZMQ_RUST_JEROMQ:-${XDG_CACHE_HOME:-$HOME/.cache}/zmq-rust/jeromq}}

if ls "$dest"/usr/share/java/jeromq-0.[6-9]*.jar >/dev/null 2>&1; then
    echo "JeroMQ already in $dest: $(cd "$dest/usr/share/java" && ls jeromq-*.jar)"
    exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || { echo "jeromq.sh: apt-get and dpkg-deb are needed" >&2; exit 1; }

# The Debian mirror the machine already uses: the first URI of a source for the main archive
# (deb822 .sources files or one-line sources.list entries), security and other archives left out.
mirror=$(
    {
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
        cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p'
    } | grep -E '/debian/?$' | grep -v -- '-security' | head -n 1
) || true
mirror=${mirror:-${JEROMQ_MIRROR:-}}
[ -n "$mirror" ] || { echo "jeromq.sh: no Debian mirror in /etc/apt sources (set JEROMQ_MIRROR)" >&2; exit 1; }
mirror=${mirror%/}

work=$(mktemp -d "${TMPDIR:-/tmp}/zmqr-jeromq-apt.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed=""
[ -r "$keyring" ] && signed="[signed-by=$keyring] "
echo "deb ${signed}$mirror $suite main" >"$work/sources.list"
: >"$work/status"

# Only this file configures apt here: the system's apt.conf.d (update hooks, other sources)
# is not read; a proxy setting is carried over.
http_proxy_conf=""
https_proxy_conf=""
eval "$(apt-config shell http_proxy_conf Acquire::http::Proxy https_proxy_conf Acquire::https::Proxy 2>/dev/null || true)"
mkdir -p "$work/empty"
{
    echo "Dir::Etc::Main \"/dev/null\";"
    echo "Dir::Etc::Parts \"$work/empty\";"
    echo "Dir::Etc::SourceList \"$work/sources.list\";"
    echo "Dir::Etc::SourceParts \"$work/empty\";"
    echo "Dir::Etc::Preferences \"/dev/null\";"
    echo "Dir::Etc::PreferencesParts \"$work/empty\";"
    echo "Dir::State \"$work\";"
    echo "Dir::State::Lists \"$work/lists\";"
    echo "Dir::State::status \"$work/status\";"
    echo "Dir::Cache \"$work/cache\";"
    echo "Dir::Cache::pkgcache \"\";"
    echo "Dir::Cache::srcpkgcache \"\";"
    echo "Acquire::Languages \"none\";"
    echo "APT::Sandbox::User \"root\";"
    echo "Debug::NoLocking \"true\";"
    [ -z "$http_proxy_conf" ] || echo "Acquire::http::Proxy \"$http_proxy_conf\";"
    [ -z "$https_proxy_conf" ] || echo "Acquire::https::Proxy \"$https_proxy_conf\";"
} >"$work/apt.conf"
export APT_CONFIG="$work/apt.conf"

echo "jeromq.sh: reading the $suite package lists from $mirror"
apt-get -qq update
(cd "$work/debs" && apt-get -qq download libjeromq-java libjnacl-java)

mkdir -p "$dest"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dest"
done
jar=$(cd "$dest/usr/share/java" && ls jeromq-*.jar)
echo "JeroMQ unpacked into $dest: $jar"
