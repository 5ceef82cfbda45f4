#!/bin/bash
# One IKE proposal at a time on the gateway; vpnd proposes the same one.
# Covers AES-GCM, AES-CBC + HMAC-SHA2, ChaCha20-Poly1305 and DH groups
# 14 (MODP_2048), 19 (ECP_256), 20 (ECP_384), 21 (ECP_521), 31 (CURVE_25519).
. "$(dirname "$0")/lib.sh"

require_vpnd
setup_net
CASES=(
	"aes256gcm16-prfsha384-ecp384 AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384"
	"aes128-sha256-ecp256 AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256"
	"chacha20poly1305-prfsha256-x25519 CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519"
	"aes256-sha512-modp2048 AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/MODP_2048"
	"aes256-sha384-ecp521 AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_521"
)
i=0
for c in "${CASES[@]}"; do
	client_profile "p$i" psk "proposals=${c%% *}"
	i=$((i + 1))
done
gw_start
vpnd_start
i=0
for c in "${CASES[@]}"; do
	prop=${c%% *}
	algs=${c#* }
	log "== $prop"
	gw_conf psk "proposals=$prop"
	gw_load
	connect_and_verify "p$i" "$algs"
	disconnect_and_verify "p$i"
	i=$((i + 1))
done
pass
