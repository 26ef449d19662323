#!/usr/bin/env bash
# Turns a dedicated Debian 12 machine into a Guichet kiosk (/borne) or hall display (/affichage):
# cage and Chromium from Debian, the guichet-borne user, the session script, Chromium's managed
# policy (only the hall's server may be opened), the systemd unit on tty1, and the console locked
# (no login prompts on the other ttys, no SysRq). Run as root:
#
#   deploy/kiosk/install-borne.sh --url https://mairie.local/borne [--ca hall-root.crt]
#   deploy/kiosk/install-borne.sh --url https://mairie.local/affichage --display
#
# --root DIR (or GUICHET_INSTALL_ROOT=DIR) writes every file under DIR instead of / and touches
# nothing else on the machine: no package, user, certificate store or service. For tests.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy/kiosk/install-borne.sh --url URL [--display] [--ca FILE] [--root DIR]

  --url URL    the page to show: https://HALL/borne (a kiosk) or https://HALL/affichage (a display)
  --display    the hall display: calls are announced aloud without a first touch
  --ca FILE    the town hall's certificate (/etc/guichet/hall-root.crt on the server) to trust
  --root DIR   write the files under DIR only: no package, user or service (tests)
USAGE
}

die() {
  printf '\ninstall-borne.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

url=""
display=0
ca_file=""
root="${GUICHET_INSTALL_ROOT:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

while [ $# -gt 0 ]; do
  case "$1" in
    --url)
      [ $# -ge 2 ] || die "--url needs a value, e.g. --url https://mairie.local/borne"
      url="$2"
      shift 2
      ;;
    --url=*)
      url="${1#--url=}"
      shift
      ;;
    --display)
      display=1
      shift
      ;;
    --ca)
      [ $# -ge 2 ] || die "--ca needs a file"
      ca_file="$2"
      shift 2
      ;;
    --root)
      [ $# -ge 2 ] || die "--root needs a folder"
      root="$2"
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option: $1"
      ;;
  esac
done
root="${root%/}"
staging=0
[ -n "$root" ] && staging=1

# The address goes into a shell-read settings file and a JSON policy: only a plain http(s) URL to
# a host name or IPv4 address, with an optional port and a path of safe characters.
[ -n "$url" ] || die "give the page to show: --url https://mairie.local/borne"
[[ "$url" =~ ^(https?)://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?(/[A-Za-z0-9/._-]*)?$ ]] ||
  die "$url is not an address like https://mairie.local/borne"
origin="${BASH_REMATCH[1]}://${BASH_REMATCH[2]}${BASH_REMATCH[4]}"
page_path="${BASH_REMATCH[5]}"
if [ "$display" = 1 ] && [ "$page_path" != /affichage ]; then
  say "Note: --display is meant for the hall display (${origin}/affichage), not $url."
fi
if [ -n "$ca_file" ]; then
  [ -f "$ca_file" ] || die "$ca_file is missing"
  grep -q 'BEGIN CERTIFICATE' "$ca_file" || die "$ca_file is not a PEM certificate"
fi
for file in guichet-borne-session.sh borne-hors-ligne.html chromium-policy.json guichet-borne.service; do
  [ -f "$here/$file" ] || die "$here/$file is missing"
done

lib_dir=/usr/local/lib/guichet
conf_dir=/etc/guichet-borne
home_dir=/var/lib/guichet-borne
policy_dir=/etc/chromium/policies/managed
unit_dir=/etc/systemd/system
doc_dir=/usr/local/share/doc/guichet-borne

if [ "$staging" = 0 ]; then
  [ "$(id -u)" = 0 ] || die "run it as root (sudo deploy/kiosk/install-borne.sh …)"
  command -v apt-get >/dev/null || die "this installer is for Debian (apt-get not found)"
  say "▶ Packages: cage, Chromium, Xwayland, curl"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cage chromium xwayland curl fonts-noto-core libnss3-tools
  if ! getent passwd guichet-borne >/dev/null; then
    say "▶ User guichet-borne"
    # video, input, render: the screen and the touch screen, through the logind session.
    useradd --system --home-dir "$home_dir" --create-home --shell /usr/sbin/nologin \
      --groups video,input,render guichet-borne
  fi
fi

mkdir -p "$root$lib_dir" "$root$conf_dir" "$root$policy_dir" "$root$unit_dir" "$root$doc_dir" \
  "$root/etc/sysctl.d" "$root/etc/systemd/logind.conf.d"
install -d -m 0750 "$root$home_dir"
[ "$staging" = 1 ] || chown guichet-borne:guichet-borne "$root$home_dir"

say "▶ Session script and offline page in $lib_dir"
install -m 0755 "$here/guichet-borne-session.sh" "$root$lib_dir/guichet-borne-session.sh"
install -m 0644 "$here/borne-hors-ligne.html" "$root$lib_dir/borne-hors-ligne.html"
if [ -f "$here/../../docs/borne-et-affichage.md" ]; then
  install -m 0644 "$here/../../docs/borne-et-affichage.md" "$root$doc_dir/borne-et-affichage.md"
fi

say "▶ Settings in $conf_dir/borne.env"
cat >"$root$conf_dir/borne.env.tmp" <<ENV
# Guichet kiosk settings (written by deploy/kiosk/install-borne.sh; then systemctl restart guichet-borne)
# The page shown: https://HALL/borne for a kiosk, https://HALL/affichage for the hall display.
GUICHET_URL=$url
# 1 on the hall display: calls are announced aloud without a first touch.
GUICHET_DISPLAY=$display
ENV
chmod 0644 "$root$conf_dir/borne.env.tmp"
mv "$root$conf_dir/borne.env.tmp" "$root$conf_dir/borne.env"

say "▶ Chromium policy in $policy_dir/guichet.json (only $origin may be opened)"
sed -e "s#@GUICHET_ORIGIN@#$origin#g" "$here/chromium-policy.json" >"$root$policy_dir/guichet.json.tmp"
chmod 0644 "$root$policy_dir/guichet.json.tmp"
mv "$root$policy_dir/guichet.json.tmp" "$root$policy_dir/guichet.json"

say "▶ Console locked: no login prompt on tty2…tty6, no SysRq"
cat >"$root/etc/systemd/logind.conf.d/guichet-borne.conf" <<'CONF'
# A Guichet kiosk: no login prompt spawned on the other consoles (written by install-borne.sh).
[Login]
NAutoVTs=0
ReserveVT=0
CONF
cat >"$root/etc/sysctl.d/90-guichet-borne.conf" <<'CONF'
# A Guichet kiosk: the magic SysRq key combinations are off (written by install-borne.sh).
kernel.sysrq = 0
CONF
chmod 0644 "$root/etc/systemd/logind.conf.d/guichet-borne.conf" "$root/etc/sysctl.d/90-guichet-borne.conf"

install -m 0644 "$here/guichet-borne.service" "$root$unit_dir/guichet-borne.service"

if [ -n "$ca_file" ]; then
  say "▶ The town hall's certificate"
  mkdir -p "$root/usr/local/share/ca-certificates"
  install -m 0644 "$ca_file" "$root/usr/local/share/ca-certificates/guichet-hall-root.crt"
  if [ "$staging" = 0 ]; then
    # The system's store for curl (the session's health check), Chromium's own (NSS) for the page.
    update-ca-certificates >/dev/null
    runuser -u guichet-borne -- mkdir -p "$home_dir/.pki/nssdb"
    runuser -u guichet-borne -- certutil -d "sql:$home_dir/.pki/nssdb" -N --empty-password 2>/dev/null || true
    runuser -u guichet-borne -- certutil -d "sql:$home_dir/.pki/nssdb" -D -n guichet-hall-root 2>/dev/null || true
    runuser -u guichet-borne -- certutil -d "sql:$home_dir/.pki/nssdb" -A -t "C,," -n guichet-hall-root -i "$ca_file"
  fi
fi

if [ "$staging" = 1 ]; then
  say ""
  say "Files written under $root (nothing else was changed)."
  exit 0
fi

say "▶ Starting the kiosk on tty1"
sysctl --quiet --load /etc/sysctl.d/90-guichet-borne.conf || true
systemctl daemon-reload
systemctl disable --quiet getty@tty1.service 2>/dev/null || true
systemctl set-default graphical.target >/dev/null
systemctl enable --quiet guichet-borne.service
systemctl restart guichet-borne.service
say ""
say "The kiosk shows $url."
say "On the first start, pair it from the management page (a kiosk asks to be paired once; the"
say "pairing is kept in $home_dir/profile)."
say "Logs: journalctl -u guichet-borne -f     Settings: $conf_dir/borne.env"
