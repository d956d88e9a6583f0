import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import * as tls from "tls";
import { TLS_STORE_DIR } from "../../lib/tls/flink-tls";
import { TLS_SETUP_SCRIPT, tlsSetupArgument } from "../../lib/tls/tls-setup-script";
import { run } from "./flink-processes";

/** Fake certificates for the real TLS tests, made with openssl at test time, and https requests with exactly a given CA. */

export function tlsToolsProblem(): string | undefined {
  for (const tool of ["openssl", "keytool", "bash"]) {
    if (!process.env.PATH?.split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, tool)))) return `${tool} is not on PATH`;
  }
  return undefined;
}

/** Runs a command (asynchronously: the other line's cluster keeps going); its output, or an error with it. */
export async function must(command: string, args: readonly string[]): Promise<string> {
  const result = await run(command, args, { env: process.env, timeout: 60_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.code}):\n${result.output}`);
  return result.output;
}

/** A CA: key and self-signed certificate in `dir`/<name>.key/.crt. */
export async function makeCa(dir: string, name: string, subject: string): Promise<{ crt: string; key: string }> {
  const crt = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await must("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  return { crt, key };
}

/** A leaf certificate signed by `ca`, with `extensions` (an openssl extension section's lines). */
export async function makeLeaf(dir: string, name: string, subject: string, ca: { crt: string; key: string }, extensions: readonly string[]): Promise<{ crt: string; key: string }> {
  const crt = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, `${extensions.join("\n")}\n`);
  await must("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject]);
  await must("openssl", ["x509", "-req", "-in", csr, "-CA", ca.crt, "-CAkey", ca.key, "-set_serial", `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`, "-days", "2", "-out", crt, "-extfile", ext]);
  return { crt, key };
}

/** A secret as the targets mount it for the script's pem format: tls.crt, tls.key, ca.crt (and client-ca.crt). */
export function writeSecret(dir: string, files: { crt: string; key: string; ca: string; clientCa?: string }): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(files.crt, path.join(dir, "tls.crt"));
  fs.copyFileSync(files.key, path.join(dir, "tls.key"));
  fs.copyFileSync(files.ca, path.join(dir, "ca.crt"));
  if (files.clientCa) fs.copyFileSync(files.clientCa, path.join(dir, "client-ca.crt"));
  return dir;
}

export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
  readonly protocol: string | null;
}

/** GET over https with exactly these TLS options (no pooled connection, no system CAs when `ca` is given). */
export function httpsGet(url: string, options: https.RequestOptions): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ...options, agent: false, timeout: 5000 }, (response) => {
      const protocol = (response.socket as tls.TLSSocket).getProtocol();
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, protocol }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${url}: no answer within 5 s`)));
    request.on("error", reject);
  });
}

export async function httpsJson(url: string, options: https.RequestOptions): Promise<any> {
  const answer = await httpsGet(url, options);
  if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}


/**
 * One node's TLS as the targets set it up: the rendered conf/ (its stores moved from TLS_STORE_DIR to
 * the node's own folder, the only change: several test processes share a machine), then
 * flink-tls-setup.sh on the node's PEM secrets into the final conf/ the process starts with.
 */
export async function setUpNodeTls(dir: string, rendered: { readonly configYaml: string; readonly log4jProperties: string }, secret: { readonly internal: string; readonly rest: string }): Promise<string> {
  const renderedDir = path.join(dir, "rendered-conf");
  const finalDir = path.join(dir, "conf");
  const stores = { internal: path.join(dir, "tls", "internal"), rest: path.join(dir, "tls", "rest") };
  if (!rendered.configYaml.includes(`security.ssl.internal.keystore: ${TLS_STORE_DIR}/internal/keystore.p12`)) throw new Error(`the rendered config.yaml keeps no internal keystore under ${TLS_STORE_DIR}`);
  fs.mkdirSync(renderedDir, { recursive: true });
  fs.writeFileSync(path.join(renderedDir, "config.yaml"), rendered.configYaml.split(TLS_STORE_DIR).join(path.join(dir, "tls")));
  fs.writeFileSync(path.join(renderedDir, "log4j-console.properties"), rendered.log4jProperties);
  const script = path.join(dir, "flink-tls-setup.sh");
  fs.writeFileSync(script, TLS_SETUP_SCRIPT, { mode: 0o755 });
  const output = await must("bash", [script, renderedDir, finalDir, tlsSetupArgument("security.ssl.internal", "pem", secret.internal, stores.internal), tlsSetupArgument("security.ssl.rest", "pem", secret.rest, stores.rest)]);
  if (!output.includes(`wrote ${finalDir}/config.yaml with the passwords of 2 store(s)`)) throw new Error(`flink-tls-setup.sh did not write the final config.yaml:\n${output}`);
  return finalDir;
}

