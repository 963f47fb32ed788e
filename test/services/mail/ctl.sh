#!/usr/bin/env bash
# Start, stop or check the Herald test mail servers once setup.sh has installed them.
#   ctl.sh start|stop|restart|status [postfix|dovecot|all]
# status exits 0 only when every asked-for server is up. Tests of IMAP reconnects use
# `ctl.sh stop dovecot` / `ctl.sh start dovecot`.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

action=${1:-status}
target=${2:-all}
case "$target" in postfix|dovecot|all) ;; *) die "unknown server '$target' (postfix|dovecot|all)";; esac
case "$action" in start|stop|restart|status) ;; *) die "usage: $0 start|stop|restart|status [postfix|dovecot|all]";; esac

if [ "$action" = status ]; then
  if [ "$target" = all ]; then mail_status; exit $?; fi
  if "${target}_running"; then log "$target: up"; exit 0; else log "$target: DOWN"; exit 1; fi
fi

require_root
take_lock
[ -f "$DOVECOT_CONF" ] && [ -f /etc/postfix/main.cf ] || die "not set up yet: run $MAIL_SERVICES_DIR/setup.sh"
for s in $([ "$target" = all ] && echo "dovecot postfix" || echo "$target"); do
  case "$action" in
    start) "${s}_start" ;;
    stop) "${s}_stop" ;;
    restart) "${s}_stop"; "${s}_start" ;;
  esac
  log "$s: ${action} done"
done
