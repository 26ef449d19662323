#!/usr/bin/env bash
# Installs Guichet on a town hall's Debian 12 machine, or upgrades it in place. Run as root from a
# built tree (npm ci && npm run build):
#
#   deploy/install.sh --name mairie.local [--usb-printers] [--nodes N]
#
# It installs Caddy, creates the guichet user and its folders, copies the built tree to
# /opt/guichet and installs its production dependencies, writes /etc/guichet/guichet.env (first
# installation only: an upgrade keeps it), the Caddyfile for the hall's name and the systemd units,
# starts everything, waits for /healthz, and prints the addresses and the one-time setup code.
# Running it again upgrades: the new tree is prepared beside the running one, then swapped in.
#
# --nodes N (2 or more) runs N identical Guichet processes on one PostgreSQL database, behind
# HAProxy: HAProxy takes GUICHET_PORT (3000, where Caddy forwards) and node i listens on
# GUICHET_PORT + i (guichet@i.service, /etc/guichet/node-i.env). The database URL is read from
# guichet.env, or on the first installation from the environment:
#
#   sudo GUICHET_DATABASE_URL=postgres://guichet:secret@db/guichet deploy/install.sh --name mairie.local --nodes 2
#
# An upgrade keeps the number of nodes it finds; --nodes 1 goes back to the single guichet.service.
#
# --root DIR (or GUICHET_INSTALL_ROOT=DIR) writes every file under DIR instead of / and touches
# nothing else on the machine: no package, user, npm install or service. For packaging and tests.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/install.sh --name HALL_NAME [--usb-printers] [--nodes N] [--from DIR] [--root DIR]

  --name HALL_NAME  the name (mairie.local) or IPv4 address (192.168.1.10) the hall's devices use
                    to reach this machine; needed on the first installation, then read back from
                    /etc/guichet/guichet.env
  --usb-printers    allow USB receipt printers (/dev/usb/lp*), on the first installation
  --nodes N         N Guichet processes (guichet@1 … guichet@N) behind HAProxy, on the PostgreSQL
                    database of GUICHET_DATABASE_URL (in guichet.env, or in the environment on the
                    first installation); default: as installed before, else one (guichet.service)
  --from DIR        the built Guichet tree to install (default: the folder holding deploy/)
  --root DIR        write the files under DIR only: no package, user, npm or service (tests)
EOF
}

die() {
  printf '\ninstall.sh: %s\n' "$*" >&2
  exit 1
}
say() { printf '%s\n' "$*"; }

hall_name=""
usb_printers=0
usb_printers_asked=0
# Not asked: as many nodes as installed before (one if none).
nodes=""
nodes_asked=0
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${GUICHET_INSTALL_ROOT:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --name)
      [ $# -ge 2 ] || die "--name needs a value, e.g. --name mairie.local"
      hall_name="$2"
      shift 2
      ;;
    --name=*)
      hall_name="${1#--name=}"
      shift
      ;;
    --usb-printers)
      usb_printers=1
      usb_printers_asked=1
      shift
      ;;
    --nodes)
      [ $# -ge 2 ] || die "--nodes needs a number, e.g. --nodes 2"
      nodes="$2"
      nodes_asked=1
      shift 2
      ;;
    --nodes=*)
      nodes="${1#--nodes=}"
      nodes_asked=1
      shift
      ;;
    --from)
      [ $# -ge 2 ] || die "--from needs a folder"
      source_dir="$2"
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
# Files only, under a prefix: the machine itself is left alone.
staging=0
[ -n "$root" ] && staging=1

app_dir=/opt/guichet
conf_dir=/etc/guichet
env_file="$conf_dir/guichet.env"
data_dir=/var/lib/guichet
unit_dir=/etc/systemd/system
caddyfile=/etc/caddy/Caddyfile
caddy_root_cert=/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt
# The copy of Caddy's root certificate that the devices of the hall trust.
hall_root_cert="$conf_dir/hall-root.crt"
units=(guichet.service guichet-backup.service guichet-backup.timer)
# Several nodes: one instance of this template each, HAProxy in front.
node_unit=guichet@.service
haproxy_cfg=/etc/haproxy/haproxy.cfg
# The most nodes on one machine: more processes than cores gain nothing.
max_nodes=16
# Where systemd looks for a command named without its path (ExecStart=node …).
systemd_path=(/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin)

# ---------------------------------------------------------------------------------------------
# Checks that change nothing

[ -d "$source_dir" ] || die "no folder $source_dir"
source_dir="$(cd "$source_dir" && pwd)"
deploy_dir="$source_dir/deploy"
for file in package.json package-lock.json build/server/main.js; do
  [ -f "$source_dir/$file" ] || die "$source_dir/$file is missing: install from a built tree (npm ci && npm run build), or name it with --from"
done
for file in "${units[@]}" "$node_unit" Caddyfile haproxy.cfg guichet.env.example; do
  [ -f "$deploy_dir/$file" ] || die "$deploy_dir/$file is missing"
done

if [ "$staging" = 0 ]; then
  [ "$(id -u)" = 0 ] || die "run it as root (sudo deploy/install.sh …)"
  command -v systemctl >/dev/null && [ -d /run/systemd/system ] ||
    die "systemd is not running on this machine: Guichet's services need it"
  command -v apt-get >/dev/null || die "apt-get is missing: this script is for Debian 12"
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] ||
      say "Note: written for Debian 12; this is ${PRETTY_NAME:-another system}. Going on."
  fi
fi

# The value of one setting in the settings file, or nothing.
env_value() {
  [ -f "$root$env_file" ] || return 0
  sed -n "s/^$1=//p" "$root$env_file" | tail -n 1
}

if [ -z "$hall_name" ]; then
  origin="$(env_value GUICHET_PUBLIC_ORIGIN)"
  hall_name="${origin#https://}"
  hall_name="${hall_name#http://}"
  hall_name="${hall_name%/}"
  [ -n "$hall_name" ] ||
    die "give the hall's name or address: --name mairie.local (or --name 192.168.1.10)"
fi
hall_name="$(printf '%s' "$hall_name" | tr '[:upper:]' '[:lower:]')"
# A DNS name or an IPv4 address, nothing else: it is written into the Caddyfile and a URL.
label='[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
if ! [[ "$hall_name" =~ ^$label(\.$label)*$ ]] || [ "${#hall_name}" -gt 253 ]; then
  die "the hall's name \"$hall_name\" is not a host name (mairie.local) nor an IPv4 address (192.168.1.10)"
fi

port="$(env_value GUICHET_PORT)"
port="${port:-3000}"
[[ "$port" =~ ^[0-9]{1,5}$ ]] || die "GUICHET_PORT=$port in $env_file is not a port number"

# The nodes an earlier --nodes installed: node-1.env, node-2.env …
installed_nodes=0
while [ -f "$root$conf_dir/node-$((installed_nodes + 1)).env" ]; do
  installed_nodes=$((installed_nodes + 1))
done
if [ "$nodes_asked" = 0 ]; then
  nodes=$((installed_nodes > 1 ? installed_nodes : 1))
elif ! [[ "$nodes" =~ ^[0-9]{1,2}$ ]] || [ "$((10#$nodes))" -lt 1 ] || [ "$((10#$nodes))" -gt "$max_nodes" ]; then
  die "--nodes $nodes: give a number of nodes from 1 to $max_nodes"
fi
nodes=$((10#$nodes))
several=0
[ "$nodes" -ge 2 ] && several=1
# The first installed node that is no more: all of them when going back to one.
first_gone=$((several == 1 ? nodes + 1 : 1))
[ $((port + nodes)) -le 65535 ] || die "GUICHET_PORT=$port leaves no room for $nodes nodes above it"

# The nodes share one PostgreSQL database: each on a SQLite file of its own would be a hall apart.
database_url=""
if [ "$several" = 1 ]; then
  if [ -f "$root$env_file" ]; then
    database_url="$(env_value GUICHET_DATABASE_URL)"
    [ -n "$database_url" ] ||
      die "several nodes share one PostgreSQL database: add GUICHET_DATABASE_URL=postgres://… to $env_file (docs/shared-server.md), then run this again"
  else
    database_url="${GUICHET_DATABASE_URL:-}"
    [ -n "$database_url" ] ||
      die "several nodes share one PostgreSQL database: give its URL on the first installation, e.g.
  sudo GUICHET_DATABASE_URL=postgres://guichet:PASSWORD@db.example/guichet deploy/install.sh --nodes $nodes …"
  fi
  # Written as it is into guichet.env, which systemd reads: one line, no quote nor backslash.
  if ! [[ "$database_url" =~ ^postgres(ql)?://[^[:space:]]+$ ]] || [[ "$database_url" == *[\\\"\']* ]]; then
    die "GUICHET_DATABASE_URL is not a postgres:// URL on one line without quotes or backslashes (percent-encode them in the password)"
  fi
fi

node_bin=""
npm_bin=""
find_in_systemd_path() {
  local dir
  for dir in "${systemd_path[@]}"; do
    if [ -x "$dir/$1" ]; then
      printf '%s' "$dir/$1"
      return 0
    fi
  done
  return 0
}
node_is_recent() {
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
node_advice="Guichet needs Node.js 20.19 or newer, in /usr/bin or /usr/local/bin (where systemd finds it).
Debian 12 ships Node.js 18, which is too old. Install a newer Node.js from a package source you
trust (for example NodeSource's nodejs 22 package for Debian, or Debian 13 which ships 20.19),
check it with \"node --version\", then run this script again."

# ---------------------------------------------------------------------------------------------
# Packages, user, folders

if [ "$staging" = 0 ]; then
  say "▶ Packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || say "  apt-get update failed: going on with the package lists this machine has."
  node_bin="$(find_in_systemd_path node)"
  if [ -z "$node_bin" ]; then
    # Debian's own nodejs only if it is recent enough (it is not on Debian 12).
    candidate="$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: *//p')"
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] &&
      dpkg --compare-versions "$candidate" ge 20.19; then
      apt-get install -y -qq nodejs npm
      node_bin="$(find_in_systemd_path node)"
    fi
  fi
  [ -n "$node_bin" ] || die "Node.js is not installed. $node_advice"
  node_is_recent "$node_bin" || die "$node_bin is Node.js $("$node_bin" --version). $node_advice"
  npm_bin="$(find_in_systemd_path npm)"
  [ -n "$npm_bin" ] ||
    die "npm is missing: install the npm of your Node.js ($node_bin), e.g. apt-get install npm"
  packages=(caddy)
  [ "$several" = 1 ] && packages+=(haproxy)
  for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      apt-get install -y -qq "$package"
    fi
  done
  say "  Node.js $("$node_bin" --version) ($node_bin), $(caddy version 2>/dev/null | cut -d' ' -f1 | sed 's/^/Caddy /')"

  say "▶ User guichet"
  if ! getent passwd guichet >/dev/null; then
    useradd --system --user-group --home-dir "$data_dir" --no-create-home \
      --shell /usr/sbin/nologin --comment "Guichet" guichet
  fi
  getent group lp >/dev/null || groupadd --system lp
fi

# chown only on the machine itself: under a prefix the user may not exist.
own() {
  [ "$staging" = 1 ] || chown "$@"
}

# mkdir, not install -d: the modes of folders that exist (/etc, /opt …) stay as they are.
mkdir -p "$root/opt" "$root/var/lib" "$root$unit_dir" "$root/etc/caddy"
install -d -m 0750 "$root$conf_dir" "$root$data_dir"
own root:guichet "$root$conf_dir"
own guichet:guichet "$root$data_dir"

# ---------------------------------------------------------------------------------------------
# The new tree, prepared beside the running one: a failed copy or npm ci leaves it untouched.

say "▶ Guichet $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$source_dir/package.json" | head -n 1) from $source_dir"
new_dir="$root$app_dir.new"
rm -rf "$new_dir"
install -d -m 0755 "$new_dir"
tar -C "$source_dir" \
  --exclude=./.git --exclude=./node_modules --exclude=./data --exclude=./.test-output \
  --exclude=./test-results --exclude=./playwright-report --exclude=./kiosk/.svelte-kit \
  -cf - . | tar -C "$new_dir" --no-same-owner -xf -
# The code belongs to root and the service cannot change it (ProtectSystem=strict besides).
chmod -R u+rwX,go+rX,go-w "$new_dir"

if [ "$staging" = 0 ]; then
  say "▶ npm ci --omit=dev"
  (cd "$new_dir" && "$npm_bin" ci --omit=dev --no-audit --no-fund --loglevel=error) ||
    die "npm ci failed in $new_dir; the installed Guichet was not changed"
  # Every node runs the same tree: all of them stop for the swap.
  mapfile -t running < <(systemctl list-units --state=active --plain --no-legend \
    guichet.service 'guichet@*.service' | awk '{ print $1 }')
  if [ "${#running[@]}" -gt 0 ]; then
    say "▶ Stopping Guichet for the upgrade"
    systemctl stop "${running[@]}"
  fi
  # Nodes that are no more, while their template is still there to name them.
  for i in $(seq "$first_gone" "$installed_nodes"); do
    systemctl disable --now --quiet "guichet@$i.service" || true
  done
fi

# One previous tree is kept, to go back to by hand if the new one does not start.
if [ -d "$root$app_dir" ]; then
  rm -rf "$root$app_dir.previous"
  mv "$root$app_dir" "$root$app_dir.previous"
fi
mv "$new_dir" "$root$app_dir"

# ---------------------------------------------------------------------------------------------
# Settings, Caddyfile, units

if [ -f "$root$env_file" ]; then
  say "▶ Keeping $env_file"
  kept_origin="$(env_value GUICHET_PUBLIC_ORIGIN)"
  if [ "$kept_origin" != "https://$hall_name" ]; then
    say "  Note: it says GUICHET_PUBLIC_ORIGIN=$kept_origin, not https://$hall_name: edit it if the hall's name changed."
  fi
  if [ "$usb_printers_asked" = 1 ] && [ "$(env_value GUICHET_USB_PRINTERS)" != 1 ]; then
    say "  Note: --usb-printers does not change a kept file: set GUICHET_USB_PRINTERS=1 in it."
  fi
  if [ "$several" = 1 ] && [ -n "${GUICHET_DATABASE_URL:-}" ] && [ "$GUICHET_DATABASE_URL" != "$database_url" ]; then
    say "  Note: the GUICHET_DATABASE_URL given does not change a kept file: the one in it is used."
  fi
else
  say "▶ Writing $env_file"
  # Several nodes: the database URL in place of the commented-out line (awk -v reads backslash
  # escapes; the URL holds none).
  sed -e "s/@HALL_NAME@/$hall_name/g" -e "s/@USB_PRINTERS@/$usb_printers/g" \
    "$deploy_dir/guichet.env.example" |
    awk -v url="$database_url" 'url != "" && /^#GUICHET_DATABASE_URL=$/ { print "GUICHET_DATABASE_URL=" url; next } { print }' \
      >"$root$env_file.tmp"
  chmod 0640 "$root$env_file.tmp"
  own root:guichet "$root$env_file.tmp"
  mv "$root$env_file.tmp" "$root$env_file"
fi

say "▶ Caddy for https://$hall_name"
marker="written by deploy/install.sh"
if [ -f "$root$caddyfile" ] && ! grep -q "$marker" "$root$caddyfile" &&
  [ ! -f "$root$caddyfile.before-guichet" ]; then
  cp -p "$root$caddyfile" "$root$caddyfile.before-guichet"
  say "  The former Caddyfile is kept as $caddyfile.before-guichet"
fi
sed -e "s/@HALL_NAME@/$hall_name/g" -e "s/@GUICHET_PORT@/$port/g" \
  "$deploy_dir/Caddyfile" >"$root$caddyfile.tmp"
chmod 0644 "$root$caddyfile.tmp"
mv "$root$caddyfile.tmp" "$root$caddyfile"

if [ "$several" = 1 ]; then
  say "▶ $nodes nodes on ports $((port + 1))-$((port + nodes)), HAProxy on $port"
  for i in $(seq 1 "$nodes"); do
    node_file="$conf_dir/node-$i.env"
    {
      printf '# Node %s of Guichet on this machine, read by guichet@%s.service after\n' "$i" "$i"
      printf '# %s, whose settings it overrides. Written by deploy/install.sh at each run:\n' "$env_file"
      printf '# settings of your own go in %s. HAProxy listens on its GUICHET_PORT\n' "$env_file"
      printf '# (%s, where Caddy forwards) and sends to each node on its own.\n' "$port"
      printf 'GUICHET_PORT=%s\n' "$((port + i))"
      printf '# The folder of this node (StateDirectory=guichet/node-%s). The database, which every\n' "$i"
      printf '# node shares, is the PostgreSQL one of GUICHET_DATABASE_URL.\n'
      printf 'GUICHET_DATA_DIR=%s\n' "$data_dir/node-$i"
      printf '# Its name in /healthz and in the table of who drives which site (leases).\n'
      printf 'GUICHET_NODE_NAME=node-%s\n' "$i"
    } >"$root$node_file.tmp"
    chmod 0640 "$root$node_file.tmp"
    own root:guichet "$root$node_file.tmp"
    mv "$root$node_file.tmp" "$root$node_file"
    install -d -m 0750 "$root$data_dir/node-$i"
    own guichet:guichet "$root$data_dir/node-$i"
  done

  say "▶ HAProxy in front of them"
  mkdir -p "$root$(dirname "$haproxy_cfg")"
  if [ -f "$root$haproxy_cfg" ] && ! grep -q "$marker" "$root$haproxy_cfg" &&
    [ ! -f "$root$haproxy_cfg.before-guichet" ]; then
    cp -p "$root$haproxy_cfg" "$root$haproxy_cfg.before-guichet"
    say "  The former HAProxy configuration is kept as $haproxy_cfg.before-guichet"
  fi
  # The line naming @NODE@ once for each node, node i on port + i.
  awk -v port="$port" -v nodes="$nodes" '
    /@NODE@/ {
      for (i = 1; i <= nodes; i++) {
        line = $0
        gsub(/@NODE@/, i, line)
        gsub(/@NODE_PORT@/, port + i, line)
        print line
      }
      next
    }
    { gsub(/@GUICHET_PORT@/, port); print }
  ' "$deploy_dir/haproxy.cfg" >"$root$haproxy_cfg.tmp"
  if [ "$staging" = 0 ]; then
    haproxy -c -q -f "$root$haproxy_cfg.tmp" || die "haproxy -c refuses $haproxy_cfg.tmp (above)"
  fi
  chmod 0644 "$root$haproxy_cfg.tmp"
  mv "$root$haproxy_cfg.tmp" "$root$haproxy_cfg"
fi
for i in $(seq "$first_gone" "$installed_nodes"); do
  rm -f "$root$conf_dir/node-$i.env"
done

say "▶ systemd units"
for unit in "${units[@]}"; do
  install -m 0644 "$deploy_dir/$unit" "$root$unit_dir/$unit"
done
if [ "$several" = 1 ]; then
  install -m 0644 "$deploy_dir/$node_unit" "$root$unit_dir/$node_unit"
else
  rm -f "$root$unit_dir/$node_unit"
fi

if [ "$staging" = 1 ]; then
  say ""
  say "Files written under $root (no package, user, npm install or service was touched)."
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Start, check, tell

since="$(date '+%Y-%m-%d %H:%M:%S')"
systemctl daemon-reload
if [ "$several" = 1 ]; then
  services=()
  for i in $(seq 1 "$nodes"); do services+=("guichet@$i.service"); done
  # HAProxy takes the port guichet.service had. The nightly backup is SQLite's (npm run backup
  # refuses PostgreSQL): the database is backed up with PostgreSQL's own tooling.
  systemctl disable --now --quiet guichet.service guichet-backup.timer
  systemctl enable --quiet "${services[@]}" haproxy.service caddy.service
  systemctl restart "${services[@]}"
  systemctl reload-or-restart haproxy.service
else
  services=(guichet.service)
  # Back to one node: HAProxy gives its port back to guichet.service.
  if [ "$installed_nodes" -gt 1 ]; then
    systemctl disable --now --quiet haproxy.service
  fi
  systemctl enable --quiet guichet.service guichet-backup.timer caddy.service
  systemctl restart guichet.service
  systemctl restart guichet-backup.timer
fi
systemctl reload-or-restart caddy.service

# Each node on its port, then (several nodes) HAProxy in front of them.
health_checks=()
if [ "$several" = 1 ]; then
  for i in $(seq 1 "$nodes"); do health_checks+=("$((port + i)) guichet@$i.service"); done
  health_checks+=("$port haproxy.service")
else
  health_checks+=("$port guichet.service")
fi
for check in "${health_checks[@]}"; do
  read -r check_port check_unit <<<"$check"
  say "▶ Waiting for $check_unit on 127.0.0.1:$check_port"
  healthy=0
  for _ in $(seq 1 60); do
    if "$node_bin" -e "fetch('http://127.0.0.1:$check_port/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
      healthy=1
      break
    fi
    sleep 1
  done
  if [ "$healthy" = 0 ]; then
    journalctl -u "$check_unit" --since "$since" --no-pager -n 40 || true
    die "$check_unit did not answer on http://127.0.0.1:$check_port/healthz within a minute (its log is above).
The previous version, if any, is in $app_dir.previous: to go back, stop Guichet
(systemctl stop ${services[*]}), swap the two folders and start it again."
  fi
done

# The code is printed right after the server listens; the journal may take a moment to have it.
# Each node prints its own, which only that node knows.
setup_codes=()
for unit in "${services[@]}"; do
  setup_code=""
  for _ in $(seq 1 10); do
    setup_code="$(journalctl -u "$unit" --since "$since" -o cat --no-pager 2>/dev/null |
      sed -n 's/.*Setup code (first manager account): \([A-Z0-9-]*\).*/\1/p' | tail -n 1)"
    [ -n "$setup_code" ] && break
    sleep 0.5
  done
  [ -n "$setup_code" ] && setup_codes+=("$setup_code")
done

base="https://$hall_name"
say ""
say "Guichet is running:"
say "  Borne (kiosk)        $base/borne"
say "  Agent (tablet)       $base/agent"
say "  Gestion (manager)    $base/gestion"
say "  Affichage (display)  $base/affichage"
if [ "${#setup_codes[@]}" = 1 ]; then
  say ""
  say "  Setup code (first manager account): ${setup_codes[0]}  → open $base/gestion"
  say "  (a new code at each start until the first manager account exists)"
elif [ "${#setup_codes[@]}" -gt 1 ]; then
  say ""
  say "  Setup codes (first manager account), one per node: ${setup_codes[*]}  → open $base/gestion"
  say "  The page accepts the code of the node it reached: if one is refused, type the next."
  say "  (new codes at each start until the first manager account exists)"
else
  say "  No setup code: the first manager account already exists."
fi
say ""
# Caddy creates its authority when it starts with "tls internal". Its data folder is private to
# the caddy user: a copy of the (public) root certificate goes where Guichet and the
# administrator can read it.
for _ in $(seq 1 20); do
  [ -f "$caddy_root_cert" ] && break
  sleep 0.5
done
if [ -f "$caddy_root_cert" ]; then
  install -m 0644 "$caddy_root_cert" "$hall_root_cert"
  say "The town hall's certificate, for each device to trust once: $hall_root_cert"
else
  say "Caddy has not created its certificate authority yet ($caddy_root_cert): run this script again in a minute."
fi
if [ "$several" = 1 ]; then
  say "Logs: journalctl -u 'guichet@*' -u haproxy -f     Backups: PostgreSQL's own tooling (docs/shared-server.md)"
  say "Settings: $env_file (then systemctl restart 'guichet@*')"
else
  say "Logs: journalctl -u guichet -f     Backups: systemctl list-timers guichet-backup.timer"
  say "Settings: $env_file (then systemctl restart guichet)"
fi
