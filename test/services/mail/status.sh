#!/usr/bin/env bash
# Exit 0 when Postfix and Dovecot are both up on loopback; prints which is down otherwise.
exec "$(cd "$(dirname "$0")" && pwd)/ctl.sh" status all
