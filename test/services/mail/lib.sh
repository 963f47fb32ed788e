# Shared by setup.sh and ctl.sh: loads mail.env and knows how to tell whether Postfix and
# Dovecot are up. Sourced, never run. Everything here is loopback-only test plumbing.

MAIL_SERVICES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mail.env
set -a; . "$MAIL_SERVICES_DIR/mail.env"; set +a
DOVECOT_CONF="$MAIL_CONF_DIR/dovecot.conf"

log() { printf '[herald-mail] %s\n' "$*" >&2; }
die() { printf '[herald-mail] FAILED: %s\n' "$*" >&2; exit 1; }

require_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (installs packages, writes /etc/postfix, binds ports)"
}

# Serialises setup/start/stop: vitest runs test files in parallel, and every integration
# file's beforeAll may call setup.sh at the same moment.
take_lock() {
  mkdir -p /run/lock
  exec 9>/run/lock/herald-test-mail.lock
  flock -w 600 9 || die "could not lock /run/lock/herald-test-mail.lock (another setup.sh/ctl.sh busy for 10 min?)"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/$MAIL_HOST/$1") 2>/dev/null
}

wait_port() {
  local port=$1 what=$2 i
  for i in $(seq 1 100); do
    port_open "$port" && return 0
    sleep 0.1
  done
  die "$what is not listening on $MAIL_HOST:$port after 10s (see $MAIL_LOG_DIR/)"
}

postfix_running() {
  command -v postfix >/dev/null 2>&1 && postfix status >/dev/null 2>&1
}

dovecot_pid() {
  local pid
  pid=$(cat "$MAIL_DOVECOT_BASE_DIR/master.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

dovecot_running() { dovecot_pid >/dev/null; }

postfix_start() {
  if postfix_running; then return 0; fi
  # Daemons must not inherit the caller's stdio or the lock fd 9: a test runner that spawned this script
  # waits for its pipes to close, which a daemon holding them would prevent forever.
  postfix start 9>&- </dev/null >>"$MAIL_LOG_DIR/start.log" 2>&1 || { tail -n 20 "$MAIL_LOG_DIR/start.log" >&2; die "postfix start failed"; }
  wait_port "$MAIL_SMTP_PORT" "Postfix smtpd"
}

postfix_stop() {
  if postfix_running; then postfix stop </dev/null >/dev/null 2>&1 || die "postfix stop failed"; fi
  local i
  for i in $(seq 1 100); do postfix_running || return 0; sleep 0.1; done
  die "postfix still running after stop"
}

dovecot_start() {
  if dovecot_running; then return 0; fi
  mkdir -p "$MAIL_DOVECOT_BASE_DIR"
  dovecot -c "$DOVECOT_CONF" 9>&- </dev/null >>"$MAIL_LOG_DIR/start.log" 2>&1 || dovecot_running || {
    tail -n 20 "$MAIL_LOG_DIR/start.log" >&2
    die "dovecot failed to start (see $MAIL_LOG_DIR/dovecot.log)"
  }
  wait_port "$MAIL_IMAP_PORT" "Dovecot IMAP"
  wait_port "$MAIL_LMTP_PORT" "Dovecot LMTP"
}

dovecot_stop() {
  local pid i
  pid=$(dovecot_pid) || return 0
  kill -TERM "$pid"
  for i in $(seq 1 100); do
    dovecot_running || { ! port_open "$MAIL_IMAP_PORT" && return 0; }
    sleep 0.1
  done
  die "dovecot (pid $pid) still running 10s after SIGTERM"
}

mail_status() {
  local ok=0
  if postfix_running && port_open "$MAIL_SMTP_PORT"; then
    log "postfix: up (smtpd $MAIL_HOST:$MAIL_SMTP_PORT)"
  else
    log "postfix: DOWN"; ok=1
  fi
  if dovecot_running && port_open "$MAIL_IMAP_PORT" && port_open "$MAIL_LMTP_PORT"; then
    log "dovecot: up (imap $MAIL_HOST:$MAIL_IMAP_PORT, lmtp $MAIL_HOST:$MAIL_LMTP_PORT)"
  else
    log "dovecot: DOWN"; ok=1
  fi
  return $ok
}
