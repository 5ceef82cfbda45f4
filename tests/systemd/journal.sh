#!/bin/bash
# journal: vpnd's log lines in a real systemd-journald (one of the
# test's own, in a private mount namespace: journal-ns.sh), with vpnd's
# stderr on the journal's stream as systemd connects it
# (StandardError=journal; journal-exec). Checked in the exported journal:
#   - with JOURNAL_STREAM naming stderr, vpnd's lines come through the
#     native protocol (_TRANSPORT=journal) with PRIORITY and
#     SYSLOG_IDENTIFIER=vpnd, none on the stream; the connect of profile
#     jn carries VPND_CONNECTION=jn, VPND_GATEWAY=192.0.2.99 and
#     VPND_EVENT=connecting;
#   - without JOURNAL_STREAM, the same vpnd writes plain "vpnd[info]:"
#     lines on the stream (_TRANSPORT=stdout) and sends nothing native;
#   - the profile's PSK is nowhere in the journal.
# Needs root, unshare and systemd-journald (package systemd); exit 77
# (skip) without them, a failure with CI=true.
# By hand: VPND=build/src/daemon/vpnd VPNCTL=build/src/vpnctl/vpnctl \
#   JEXEC=build/tests/systemd/journal-exec bash tests/systemd/journal.sh
CASE=journal
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/netns.sh
. "$SD_HERE/../lib/netns.sh"

NS=sd-jn-$T_ID
PSK=journal-test-psk-$RANDOM$RANDOM-secret

require_exe VPND VPNCTL JEXEC
require_netns
require_tools unshare journalctl python3
[ -x /lib/systemd/systemd-journald ] || skip "no /lib/systemd/systemd-journald"
netns_add "$NS"
mkdir -p "$T_TMP/profiles" "$T_TMP/state"
chmod 700 "$T_TMP/profiles" "$T_TMP/state"
(umask 077; cat >"$T_TMP/profiles/jn.yaml" <<EOY
connection: {name: jn, gateway: 192.0.2.99}
local: {id: "fqdn:client.test", auth: psk, psk: "$PSK"}
remote: {id: "fqdn:gw.test", auth: psk}
EOY
)

unshare -m --propagation private bash "$SD_HERE/journal-ns.sh" "$T_TMP" \
	"$NS" "$VPND" "$VPNCTL" "$JEXEC" >"$T_TMP/inner.log" 2>&1 &
INNER=$!
track_pid "$INNER"
wait "$INNER"
rc=$?
untrack_pid "$INNER"
[ "$rc" = 0 ] || fail "the journal's namespace failed (exit $rc): $(tail -n 3 "$T_TMP/inner.log")"
log "$(tail -n 1 "$T_TMP/inner.log")"
mapfile -t pids <"$T_TMP/vpnd.pids"
[ "${#pids[@]}" = 2 ] || fail "expected two vpnd runs, got ${#pids[@]}"

! grep -qF -- "$PSK" "$T_TMP/journal.json" || fail "the PSK is in the journal"
log "ok: the PSK is nowhere in the journal"

out=$(python3 - "$T_TMP/journal.json" "${pids[0]}" "${pids[1]}" <<'EOP'
import json, sys
path, native_pid, plain_pid = sys.argv[1], sys.argv[2], sys.argv[3]
entries = [json.loads(l) for l in open(path) if l.strip()]
def of(pid):
    return [e for e in entries if e.get("_PID") == pid]
errs = []
native = of(native_pid)
if not native:
    errs.append("no entry of the first vpnd")
for e in native:
    if e.get("_TRANSPORT") != "journal":
        errs.append("first vpnd, not native: %r" % e.get("MESSAGE"))
    elif e.get("SYSLOG_IDENTIFIER") != "vpnd" or e.get("PRIORITY") not in "34567":
        errs.append("first vpnd, fields: %r" % e)
msgs = {e.get("MESSAGE"): e for e in native}
started = [m for m in msgs if isinstance(m, str) and m.startswith("vpnd ") and m.endswith(" started")]
if not started:
    errs.append("no 'vpnd ... started' from the first vpnd")
elif msgs[started[0]].get("PRIORITY") != "6" or "VPND_CONNECTION" in msgs[started[0]]:
    errs.append("the start line: %r" % msgs[started[0]])
c = msgs.get("jn: connecting")
if not c:
    errs.append("no 'jn: connecting'")
else:
    want = {"VPND_CONNECTION": "jn", "VPND_GATEWAY": "192.0.2.99",
            "VPND_EVENT": "connecting", "PRIORITY": "6"}
    for k, v in want.items():
        if c.get(k) != v:
            errs.append("jn: connecting: %s=%r, not %r" % (k, c.get(k), v))
conn_lines = [e for e in native if e.get("VPND_CONNECTION") == "jn"]
plain = of(plain_pid)
if not plain:
    errs.append("no entry of the second vpnd")
for e in plain:
    if e.get("_TRANSPORT") != "stdout" or not str(e.get("MESSAGE", "")).startswith("vpnd["):
        errs.append("second vpnd: %r %r" % (e.get("_TRANSPORT"), e.get("MESSAGE")))
    if "VPND_CONNECTION" in e:
        errs.append("second vpnd sent fields: %r" % e)
if errs:
    print("\n".join(errs))
    sys.exit(1)
print("first vpnd: %d native entries, %d of them with VPND_CONNECTION=jn; second vpnd: %d plain lines on the stream"
      % (len(native), len(conn_lines), len(plain)))
EOP
) || fail "journal: $out"
log "ok: $out"
pass
