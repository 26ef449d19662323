#!/usr/bin/env bash
# Guichet's kiosk session: the program cage runs. Chromium in kiosk mode on the hall's page, for
# ever: restarted when it exits, and restarted on the page when the server comes back after an
# outage (a page loaded from an older version of Guichet would ask for scripts the new one no
# longer has). While the server cannot be reached at start, a local page says so.
#
# Settings (environment, from /etc/guichet-borne/borne.env through the systemd unit):
#   GUICHET_URL            the page to show: https://mairie.local/borne or https://mairie.local/affichage
#   GUICHET_DISPLAY=1      the hall display: calls are announced aloud without a first touch
#   GUICHET_BORNE_PROFILE  Chromium's profile folder (keeps the pairing cookie), default ~/profile
#   GUICHET_BORNE_OFFLINE_PAGE  the page shown while the server is down
#   GUICHET_BORNE_CHECK_SECONDS  how often the server's /healthz is checked (default 5)
#   GUICHET_BORNE_CHROMIUM  the browser (default /usr/bin/chromium)
# For the tests only:
#   GUICHET_BORNE_DEBUG_PORT=N    Chromium's remote debugging on 127.0.0.1:N
#   GUICHET_BORNE_NO_SANDBOX=1    Chromium without its sandbox (a container without user namespaces)
set -uo pipefail

url="${GUICHET_URL:?GUICHET_URL is not set: the page to show, e.g. https://mairie.local/borne}"
case "$url" in
  http://* | https://*) ;;
  *)
    echo "GUICHET_URL=$url is not an http(s) address" >&2
    exit 2
    ;;
esac
origin="$(printf '%s' "$url" | sed -E 's#^(https?://[^/]+).*#\1#')"
health="$origin/healthz"
here="$(cd "$(dirname "$0")" && pwd)"
profile="${GUICHET_BORNE_PROFILE:-$HOME/profile}"
offline_page="${GUICHET_BORNE_OFFLINE_PAGE:-$here/borne-hors-ligne.html}"
check_seconds="${GUICHET_BORNE_CHECK_SECONDS:-5}"
chromium="${GUICHET_BORNE_CHROMIUM:-/usr/bin/chromium}"

flags=(
  --kiosk
  --ozone-platform=wayland
  "--user-data-dir=$profile"
  --noerrdialogs
  --disable-pinch
  --overscroll-history-navigation=0
  --disable-features=TranslateUI,OverscrollHistoryNavigation,TouchpadOverscrollHistoryNavigation
  --disable-session-crashed-bubble
  --no-first-run
  --no-default-browser-check
  --disable-background-networking
  --disable-component-update
  --check-for-update-interval=31536000
  --password-store=basic
)
# The display speaks the calls: nobody touches it to allow sound first.
if [ "${GUICHET_DISPLAY:-0}" = 1 ]; then flags+=(--autoplay-policy=no-user-gesture-required); fi
if [ -n "${GUICHET_BORNE_DEBUG_PORT:-}" ]; then
  flags+=("--remote-debugging-port=$GUICHET_BORNE_DEBUG_PORT" --remote-debugging-address=127.0.0.1)
fi
if [ "${GUICHET_BORNE_NO_SANDBOX:-0}" = 1 ]; then flags+=(--no-sandbox); fi

mkdir -p "$profile"

server_up() {
  # --insecure: only whether the server answers is asked here; Chromium itself checks the
  # certificate (the hall's authority must be trusted by the machine, see docs/borne-et-affichage.md).
  curl --silent --fail --insecure --max-time 4 --output /dev/null "$health"
}

# A crash or a kill is not a reason for Chromium to offer to restore the last session.
clear_crash_state() {
  local prefs="$profile/Default/Preferences"
  [ -f "$prefs" ] && sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' -e 's/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$prefs"
  return 0
}

child=""
# SIGTERM lets Chromium close cleanly; one that hangs on the way out is killed after 10 s.
stop_chromium() {
  [ -n "$child" ] || return 0
  kill "$child" 2>/dev/null
  for _ in $(seq 1 20); do
    kill -0 "$child" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -KILL "$child" 2>/dev/null
}
stop() {
  stop_chromium
  wait 2>/dev/null
  exit 0
}
trap stop TERM INT HUP

while true; do
  if server_up; then
    page="$url"
    online=1
  else
    page="file://$offline_page"
    online=0
  fi
  clear_crash_state
  echo "guichet-borne: starting Chromium on $page"
  "$chromium" "${flags[@]}" "$page" &
  child=$!
  # While Chromium runs: an outage followed by the server's return restarts it on the page.
  outage=$((1 - online))
  while kill -0 "$child" 2>/dev/null; do
    sleep "$check_seconds" &
    wait $! 2>/dev/null
    kill -0 "$child" 2>/dev/null || break
    if server_up; then
      if [ "$outage" = 1 ]; then
        echo "guichet-borne: the server is back, reloading the page"
        stop_chromium
        break
      fi
    elif [ "$outage" = 0 ]; then
      echo "guichet-borne: the server does not answer at $health"
      outage=1
    fi
  done
  wait "$child" 2>/dev/null
  echo "guichet-borne: Chromium exited ($?), restarting it"
  child=""
  sleep 2
done
