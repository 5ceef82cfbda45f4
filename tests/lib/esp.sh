# shellcheck shell=bash
# ESP and XFRM for the suites that run vpnd in network namespaces
# (sourced, not executed): whether this kernel can carry ESP, what
# `vpnctl connect` must then answer, and what xfrm state is left over.
# The development machine has XFRM netlink but no ESP: there the gateway
# cannot install its Child SA (or vpnd cannot), and `vpnctl connect` must
# say "established, no tunnel" with exit status 4 instead of "is up" (0).
# In the test VM (real ESP) it must be 0.

# kernel_has_esp NS: an AES-GCM ESP SA (what the tests negotiate) can be
# added in namespace NS; it is removed again at once.
kernel_has_esp() {
	local ns=$1 key
	key=0x$(printf '%072d' 0) # 32 key bytes and a 4-byte salt
	ip -n "$ns" xfrm state add src 192.0.2.254 dst 192.0.2.253 \
		proto esp spi 0x00000fff mode tunnel \
		aead 'rfc4106(gcm(aes))' "$key" 128 2>/dev/null || return 1
	ip -n "$ns" xfrm state del src 192.0.2.254 dst 192.0.2.253 \
		proto esp spi 0x00000fff 2>/dev/null
	return 0
}

# connect_rc_for NS: the exit status of a `vpnctl connect` whose gateway
# accepts the Child SA: 0 where the kernel in NS has ESP, else 4.
connect_rc_for() {
	if kernel_has_esp "$1"; then echo 0; else echo 4; fi
}

# assert_connect_rc WHAT: after vpnctl_run connect (VPNCTL_RC,
# VPNCTL_OUT) of a suite that defines assert_rc, fail and NS_CL: exit 0
# and "is up" where the kernel has ESP, else exit 4 and "is established,
# no tunnel: REASON".
assert_connect_rc() {
	local want
	want=$(connect_rc_for "$NS_CL")
	assert_rc "$want" "$1"
	if [ "$want" = 0 ]; then
		grep -q " is up" <<<"$VPNCTL_OUT" ||
			fail "$1: vpnctl does not say the connection is up"
		return 0
	fi
	grep -q "is established, no tunnel: " <<<"$VPNCTL_OUT" ||
		fail "$1: vpnctl does not say there is no tunnel (no ESP in this kernel)"
	! grep -q " is up" <<<"$VPNCTL_OUT" ||
		fail "$1: vpnctl says 'is up' without a tunnel"
}

# xfrm_leftovers NS: the xfrm SAs and policies in NS. Per-socket policies
# ("socket in/out", set with IP_XFRM_POLICY so that IKE packets bypass
# IPsec) belong to the open IKE sockets, not to an SA: they are left out.
xfrm_leftovers() {
	ip -n "$1" xfrm state 2>&1
	ip -n "$1" xfrm policy 2>&1 | awk '
		/^[^ \t]/ { if (blk != "" && blk !~ /socket (in|out|fwd)/) print blk
			    blk = $0; next }
		{ blk = blk "\n" $0 }
		END { if (blk != "" && blk !~ /socket (in|out|fwd)/) print blk }'
}

# xfrm_clean NS: no SA and no policy (socket policies aside) in NS.
xfrm_clean() { [ -z "$(xfrm_leftovers "$1")" ]; }
