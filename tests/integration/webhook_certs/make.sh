#!/bin/sh
# Makes the test-only certificates of test_webhook_pinning.py (valid 100 years):
# a CA, and one key with three certificates it signs — for hooks.example.test,
# for other.example.test, and for the IP 203.0.113.7 only. Run from this folder.
set -eu
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 36500 \
  -subj "/CN=Relais webhook test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -new -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=webhook test server"
for name in hooks.example.test other.example.test 203.0.113.7; do
  case "$name" in *[a-z]*) san="DNS:$name" ;; *) san="IP:$name" ;; esac
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=%s\n' "$san" > ext.cnf
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 36500 -extfile ext.cnf -out "$name.pem"
done
rm -f server.csr ext.cnf ca.key ca.srl
