# Shared by scripts/postfix-test-setup.sh and scripts/dovecot-test-setup.sh
# (sourced, not run; needs openssl and the caller's `log`).

# test_certs DIR HOST CA_NAME: a test CA (ca.pem, ca.key; common name
# CA_NAME) and a server certificate signed by it (server.pem, server.key;
# for localhost, 127.0.0.1 and HOST) in DIR, made again when one is missing,
# expires within a day or does not name HOST. rustls (webpki) refuses a CA
# certificate used as the server certificate, hence the two.
test_certs() {
    local dir=$1 host=$2 ca_name=$3
    mkdir -p "$dir"
    if [ ! -s "$dir/server.pem" ] || [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/server.key" ] ||
        ! openssl x509 -in "$dir/server.pem" -noout -checkend 86400 >/dev/null 2>&1 ||
        ! openssl x509 -in "$dir/server.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:$host"; then
        log "generating the test CA and server certificate in $dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
            -keyout "$dir/ca.key" -out "$dir/ca.pem" \
            -subj "/CN=$ca_name" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -sha256 \
            -keyout "$dir/server.key" -out "$dir/server.csr" \
            -subj "/CN=localhost" 2>/dev/null
        printf '%s\n' \
            "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$host" >"$dir/server.ext"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
            -CAcreateserial -days 3650 -sha256 -extfile "$dir/server.ext" \
            -out "$dir/server.pem" 2>/dev/null
        rm -f "$dir/server.csr"
    fi
    chmod 600 "$dir"/*.key
    chmod 644 "$dir/ca.pem" "$dir/server.pem"
}
