#!/usr/bin/env bash
# Installs (if missing), configures and starts the real mail servers Herald's email tests
# talk to: Postfix (SMTP with RFC 3461 DSN) and Dovecot (IMAP, LMTP, Sieve), on loopback
# only. Idempotent and non-interactive; a second run only rewrites configs that changed,
# reloads what it rewrote and starts what is down. Ports, users and domains: mail.env.
#
# Needs root and Debian packages (postfix, dovecot-imapd, dovecot-lmtpd, dovecot-sieve).
# No systemd: the daemons are started directly (`postfix start`, `dovecot -c ...`).
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
trap 'die "setup.sh stopped at line $LINENO (exit $?)"' ERR

require_root
take_lock
started_at=$(date +%s)

# ---------------------------------------------------------------------------- packages
PACKAGES=(postfix dovecot-core dovecot-imapd dovecot-lmtpd dovecot-sieve)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found: this script targets Debian 12"
  # "No configuration": this script writes main.cf itself, so debconf must not.
  printf '%s\n' \
    "postfix postfix/main_mailer_type select No configuration" \
    "postfix postfix/mailname string $MAIL_HOSTNAME" | debconf-set-selections
  # Package scripts must not start daemons with the distribution's defaults (Dovecot's
  # would listen on every interface on 143/993); we start ours below, on loopback only.
  policy_rc=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy_rc" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"; chmod +x "$policy_rc"; own_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || { [ "$own_policy" = 1 ] && rm -f "$policy_rc"; die "apt-get update failed"; }
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"/tmp/herald-mail-apt.log" 2>&1; then
    [ "$own_policy" = 1 ] && rm -f "$policy_rc"
    tail -n 30 /tmp/herald-mail-apt.log >&2
    die "apt-get install ${missing[*]} failed (full log: /tmp/herald-mail-apt.log)"
  fi
  [ "$own_policy" = 1 ] && rm -f "$policy_rc"
fi
for bin in postfix postconf dovecot doveadm sendmail; do
  command -v "$bin" >/dev/null || die "$bin missing after install"
done

# ------------------------------------------------------------------ users and folders
if ! getent passwd herald-vmail >/dev/null; then
  useradd --system --home-dir "$MAIL_DATA_DIR" --no-create-home --shell /usr/sbin/nologin herald-vmail
fi
VMAIL_UID=$(id -u herald-vmail)
VMAIL_GID=$(id -g herald-vmail)
mkdir -p "$MAIL_CONF_DIR" "$MAIL_LOG_DIR" "$MAIL_DATA_DIR" "$MAIL_DOVECOT_BASE_DIR"
chown herald-vmail:herald-vmail "$MAIL_DATA_DIR"
chmod 0750 "$MAIL_DATA_DIR"

changed_postfix=0
changed_dovecot=0
# install_if_changed SRC DEST FLAGVAR: replace DEST only when its content differs.
install_if_changed() {
  if ! cmp -s "$1" "$2"; then
    install -m "${4:-0644}" "$1" "$2"
    printf -v "$3" 1
  fi
  rm -f "$1"
}

users_tmp=$(mktemp)
for u in ${MAIL_USERS//,/ }; do
  local_part=${u%@*}; domain=${u#*@}
  home="$MAIL_DATA_DIR/$domain/$local_part"
  install -d -o herald-vmail -g herald-vmail -m 0750 "$MAIL_DATA_DIR/$domain" "$home"
  # passwd-file: user:password:uid:gid:(gecos):home:(shell):extra
  printf '%s:{PLAIN}%s:%s:%s::%s::\n' "$u" "$MAIL_PASSWORD" "$VMAIL_UID" "$VMAIL_GID" "$home" >>"$users_tmp"
done
install_if_changed "$users_tmp" "$MAIL_CONF_DIR/users" changed_dovecot 0640
chgrp dovecot "$MAIL_CONF_DIR/users"

# Sieve: one user rejects everything (RFC 5429 reject), so tests can get the automatic
# "deleted" disposition notification Pigeonhole sends back to the envelope sender.
reject_home="$MAIL_DATA_DIR/${MAIL_SIEVE_REJECT_USER#*@}/${MAIL_SIEVE_REJECT_USER%@*}"
sieve_tmp=$(mktemp)
cat >"$sieve_tmp" <<'SIEVE'
require ["reject"];
reject "This mailbox refuses all mail (Herald test fixture).";
SIEVE
dummy=0
install_if_changed "$sieve_tmp" "$reject_home/.dovecot.sieve" dummy 0644
chown herald-vmail:herald-vmail "$reject_home/.dovecot.sieve"
rm -f "$reject_home/.dovecot.svbin"  # recompiled on next delivery

# ---------------------------------------------------------------------------- Postfix
echo "$MAIL_HOSTNAME" >/etc/mailname
main_tmp=$(mktemp)
cat >"$main_tmp" <<MAIN
# Written by Herald test/services/mail/setup.sh; edits are overwritten.
compatibility_level = 3.6
myhostname = $MAIL_HOSTNAME
mydomain = $MAIL_LOCAL_DOMAIN
myorigin = $MAIL_LOCAL_DOMAIN
mydestination = \$myhostname, localhost
smtpd_banner = \$myhostname ESMTP Herald test Postfix
biff = no
append_dot_mydomain = no
readme_directory = no

# Loopback only, and no DNS: CI has no resolver and nothing may leave the machine.
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtp_host_lookup = native
lmtp_host_lookup = native
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
default_transport = error:5.7.1 off-machine delivery is disabled in the Herald test setup
relay_transport = error:5.7.1 off-machine delivery is disabled in the Herald test setup

# Both test domains are mailboxes in Dovecot, reached over LMTP. No virtual_mailbox_maps:
# Dovecot's userdb is the only user list, so an unknown user is refused by Dovecot at
# LMTP RCPT (550 5.1.1) and Postfix returns a failed DSN with that Diagnostic-Code.
virtual_mailbox_domains = $MAIL_LOCAL_DOMAIN, $MAIL_RECIPIENT_DOMAIN
virtual_transport = lmtp:inet:$MAIL_HOST:$MAIL_LMTP_PORT
recipient_delimiter = $MAIL_RECIPIENT_DELIMITER
# Accept mail for unknown users and bounce it later, as a real remote MTA would.
smtpd_reject_unlisted_recipient = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination

# Local aliases only for the postmaster and root (double bounces): to a real mailbox.
alias_maps = inline:{ {postmaster=postmaster@$MAIL_LOCAL_DOMAIN}, {root=postmaster@$MAIL_LOCAL_DOMAIN}, {MAILER-DAEMON=postmaster@$MAIL_LOCAL_DOMAIN} }
alias_database =

# Tests expect prompt results; no delay warnings unless a test lowers this itself.
delay_warning_time = 0h
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 60s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h

# No syslog in containers: Postfix writes its own log (postlogd, Postfix >= 3.4).
maillog_file = $MAIL_LOG_DIR/postfix.log
MAIN
install_if_changed "$main_tmp" /etc/postfix/main.cf changed_postfix

# A full master.cf: no chroot anywhere (nothing copies /etc files into the chroot without
# the init script), no smtpd on port 25, one smtpd on $MAIL_HOST:$MAIL_SMTP_PORT.
master_tmp=$(mktemp)
cat >"$master_tmp" <<MASTER
# Written by Herald test/services/mail/setup.sh; edits are overwritten.
# service type  private unpriv  chroot  wakeup  maxproc command + args
$MAIL_HOST:$MAIL_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
# Dovecot LMTP performs final delivery but Postfix cannot know: without these a
# NOTIFY=SUCCESS DSN says "relayed". flags=X (Postfix >= 3.7; lmtp_assume_final before)
# makes Postfix report "delivered"; Dovecot's LHLO DSN keyword is dropped so that Postfix
# writes the success DSN itself instead of passing NOTIFY on to Dovecot, which sends none.
# (-o options must come before flags=X: the daemon's getopt stops at the first non-option.)
lmtp      unix  -       -       n       -       -       lmtp
  -o lmtp_discard_lhlo_keywords=dsn
  flags=X
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
install_if_changed "$master_tmp" /etc/postfix/master.cf changed_postfix

postfix check >/dev/null 2>&1 || { postfix check; die "postfix check failed"; }

# ---------------------------------------------------------------------------- Dovecot
dovecot_tmp=$(mktemp)
cat >"$dovecot_tmp" <<DOVECOT
# Written by Herald test/services/mail/setup.sh; edits are overwritten.
# A standalone config (dovecot -c $DOVECOT_CONF), independent of /etc/dovecot.
protocols = imap lmtp
listen = $MAIL_HOST
base_dir = $MAIL_DOVECOT_BASE_DIR
instance_name = herald-test-dovecot
hostname = $MAIL_HOSTNAME
postmaster_address = postmaster@$MAIL_LOCAL_DOMAIN
log_path = $MAIL_LOG_DIR/dovecot.log
auth_verbose = yes
ssl = no
# Loopback test server: plaintext login is fine and keeps clients simple.
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = $VMAIL_UID
last_valid_uid = $VMAIL_UID
mail_location = maildir:~/Maildir
# Tests open several sessions per user (watcher, helper polling, IDLE).
mail_max_userip_connections = 100
recipient_delimiter = $MAIL_RECIPIENT_DELIMITER
lmtp_save_to_detail_mailbox = no

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu $MAIL_CONF_DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=%Lu $MAIL_CONF_DIR/users
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}

service imap-login {
  inet_listener imap {
    address = $MAIL_HOST
    port = $MAIL_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = $MAIL_HOST
    port = $MAIL_LMTP_PORT
  }
}

protocol lmtp {
  mail_plugins = \$mail_plugins sieve
}
# Sieve rejects and redirects are handed to Postfix's sendmail(1), as on a real server.
sendmail_path = /usr/sbin/sendmail
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
DOVECOT
install_if_changed "$dovecot_tmp" "$DOVECOT_CONF" changed_dovecot
doveconf -c "$DOVECOT_CONF" >/dev/null || die "dovecot config invalid: $DOVECOT_CONF"

# ---------------------------------------------------------------------------- start
if dovecot_running; then
  if [ "$changed_dovecot" = 1 ]; then
    log "dovecot: config changed, reloading"
    dovecot -c "$DOVECOT_CONF" reload 9>&- </dev/null >>"$MAIL_LOG_DIR/start.log" 2>&1 || die "dovecot reload failed"
  fi
else
  dovecot_start
fi
if postfix_running; then
  if [ "$changed_postfix" = 1 ]; then
    log "postfix: config changed, reloading"
    postfix reload 9>&- </dev/null >>"$MAIL_LOG_DIR/start.log" 2>&1 || die "postfix reload failed"
  fi
else
  postfix_start
fi
wait_port "$MAIL_IMAP_PORT" "Dovecot IMAP"
wait_port "$MAIL_LMTP_PORT" "Dovecot LMTP"
wait_port "$MAIL_SMTP_PORT" "Postfix smtpd"
mail_status
log "ready in $(( $(date +%s) - started_at ))s: smtp $MAIL_HOST:$MAIL_SMTP_PORT, imap $MAIL_HOST:$MAIL_IMAP_PORT"
