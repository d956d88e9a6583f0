/**
 * The one script every target runs before Flink starts when TLS is on (an init container on
 * Kubernetes, the boot script on EC2; the real-Flink tests run the same text). It turns each store's
 * secret files into the PKCS12 key and trust stores Flink reads, and writes the final config.yaml: the
 * rendered one plus the store passwords, into a directory only the Flink user can read. Passwords never
 * appear on a command line (openssl and keytool read them from the environment) nor in the rendered file.
 *
 *   flink-tls-setup.sh <rendered conf dir> <final conf dir> <prefix>=<format>:<source dir>:<store dir> ...
 *
 * `prefix` is the Flink key prefix of the stores (security.ssl.internal, security.ssl.rest); `format` is
 * "pem" (tls.crt, tls.key, ca.crt, and for mutual REST optionally client-ca.crt), "pkcs12"
 * (keystore.p12, truststore.p12 and a file `password`, as cert-manager writes them), or "kerberos"
 * (flink.keytab and krb5.conf, copied as they are).
 */
export const TLS_SETUP_SCRIPT = `#!/bin/bash
# cdktf-flink: builds Flink's TLS stores from secret files and writes config.yaml with their passwords.
set -euo pipefail
umask 077
rendered=$1 final=$2
shift 2
mkdir -p "$final"
# Everything but config.yaml as rendered (log4j files); config.yaml gets the passwords appended.
for file in "$rendered"/*; do
  [ "$(basename "$file")" = config.yaml ] || cp "$file" "$final/"
done
overlay=$(mktemp "$final/.config.XXXXXX")
cat "$rendered/config.yaml" > "$overlay"
for store in "$@"; do
  prefix=\${store%%=*} rest=\${store#*=}
  format=\${rest%%:*} rest=\${rest#*:}
  source=\${rest%%:*} out=\${rest#*:}
  mkdir -p "$out"
  case "$format" in
    pem)
      for file in tls.crt tls.key ca.crt; do
        [ -s "$source/$file" ] || { echo "flink-tls-setup: $prefix: $source/$file is missing or empty" >&2; exit 1; }
      done
      # A fresh password per start: it never leaves this machine or pod.
      STORE_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n')
      export STORE_PASSWORD
      openssl pkcs12 -export -in "$source/tls.crt" -inkey "$source/tls.key" -certfile "$source/ca.crt" -name flink -out "$out/keystore.p12" -passout env:STORE_PASSWORD
      rm -f "$out/truststore.p12"
      keytool -importcert -noprompt -alias ca -file "$source/ca.crt" -keystore "$out/truststore.p12" -storetype PKCS12 -storepass:env STORE_PASSWORD >/dev/null
      if [ -s "$source/client-ca.crt" ]; then
        keytool -importcert -noprompt -alias client-ca -file "$source/client-ca.crt" -keystore "$out/truststore.p12" -storetype PKCS12 -storepass:env STORE_PASSWORD >/dev/null
      fi
      password=$STORE_PASSWORD
      unset STORE_PASSWORD
      ;;
    pkcs12)
      for file in keystore.p12 truststore.p12 password; do
        [ -s "$source/$file" ] || { echo "flink-tls-setup: $prefix: $source/$file is missing or empty" >&2; exit 1; }
      done
      cp "$source/keystore.p12" "$source/truststore.p12" "$out/"
      password=$(tr -d '\\r\\n' < "$source/password")
      ;;
    kerberos)
      for file in flink.keytab krb5.conf; do
        [ -s "$source/$file" ] || { echo "flink-tls-setup: $prefix: $source/$file is missing or empty" >&2; exit 1; }
      done
      cp "$source/flink.keytab" "$source/krb5.conf" "$out/"
      # A keytab holds no password the configuration needs.
      continue
      ;;
    *)
      echo "flink-tls-setup: $prefix: unknown format $format" >&2
      exit 1
      ;;
  esac
  # PKCS12 has one password for the store and its key (FLINK-12871: key-password must equal it).
  quoted=\${password//\\'/\\'\\'}
  for key in keystore-password key-password truststore-password; do
    printf "%s.%s: '%s'\\n" "$prefix" "$key" "$quoted" >> "$overlay"
  done
done
mv "$overlay" "$final/config.yaml"
echo "flink-tls-setup: wrote $final/config.yaml with the passwords of $# store(s)"
`;

/** Where the script expects each format's files, by name. */
export const TLS_SOURCE_FILES = {
  pem: ["tls.crt", "tls.key", "ca.crt"],
  pkcs12: ["keystore.p12", "truststore.p12", "password"],
  kerberos: ["flink.keytab", "krb5.conf"],
} as const;

/** One store for the script: `<prefix>=<format>:<source>:<store dir>`. */
export function tlsSetupArgument(prefix: string, format: "pem" | "pkcs12" | "kerberos", sourceDir: string, storeDir: string): string {
  return `${prefix}=${format}:${sourceDir}:${storeDir}`;
}
