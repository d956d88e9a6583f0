import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { javaOpts, localDirectoryOverrides, logTails, run, startFlinkProcess } from "./helpers/flink-processes";
import { FlinkReadConfig, describeWithRealFlink, flinkLayout, probeReport } from "./helpers/real-flink";
import { RenderedCluster, TLS_FIXTURES_STACK, renderedClusters } from "./helpers/rendered";
import { TestHost, TestNetwork, testHostsProblem, waitFor } from "./helpers/test-hosts";
import { httpsGet, httpsJson, makeCa, makeLeaf, setUpNodeTls, tlsToolsProblem, writeSecret } from "./helpers/tls-pki";

/**
 * TLS with real Flink, as the targets set it up: every process runs flink-tls-setup.sh (TLS_SETUP_SCRIPT,
 * the script the targets render) on its own PEM secrets, into its own final conf/ and stores, then starts
 * as bin/jobmanager.sh / bin/taskmanager.sh would. Each process on its own test host. Shown, per line:
 * - internal TLS: the TaskManager registers over pekko.ssl.tcp, and every internal port (RPC, blob, data)
 *   speaks only TLS with the configured protocol and wants a client certificate;
 * - REST over https with the CA, and not over plain http;
 * - mutual REST (a second JobManager): no client certificate, or one from another CA, is refused; a client
 *   certificate from the trusted client CA is served, and so is Flink's own client with the node's stores;
 * - a TaskManager whose stores come from another CA never registers, and its log says why.
 *
 * The certificates are obviously fake, made with openssl at test time in the test's temp dir.
 */

/** The protocol the TLS fixtures render (test/helpers/rendered.ts); FlinkTls renders TLS 1.3's suites with it. */
const TLS_PROTOCOL = "TLSv1.3";

const RUN_LINES = ["1.20", "2.3"] as const;
/** The defaults fixture with FlinkTls (TLSv1.3), plain and with mutual REST: small processes, every memory setting as rendered. */
const CLUSTER_OF_LINE = (line: string, mutual: boolean) => `${TLS_FIXTURES_STACK}/tls${mutual ? "-mutual" : ""}-${line.replace(".", "-")}`;
const TEST_TIMEOUT_MS = 5 * 60 * 1000;
const WAIT_BUDGET_MS = 4 * 60 * 1000;
/** How long the TaskManager with the other CA's stores must stay unregistered after its first handshake failure. */
const BAD_TM_OBSERVATION_MS = 15_000;

const describeFlink = describeWithRealFlink("Flink TLS tests (test/flink-tls-real.test.ts)", RUN_LINES, testHostsProblem() ?? tlsToolsProblem());

/** Why a request failed, or "served <status>" when it did not. */
async function refusal(request: Promise<{ status: number }>): Promise<string> {
  try {
    return `served ${(await request).status}`;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    return [e.code, e.message, e.cause?.code, e.cause?.message].filter(Boolean).join(" ");
  }
}

interface Handshake {
  /** The TLS handshake completed and the server kept the connection for `holdMs` (it accepted us). */
  readonly accepted: boolean;
  readonly protocol: string | null;
  readonly cipher?: string;
  readonly error?: string;
}

/**
 * A TLS connection to host:port: whether the server accepts it. With TLS 1.3 the client's handshake ends
 * before the server has checked the client certificate, so a refusal arrives as an alert just after.
 */
function tlsHandshake(host: string, port: number, options: tls.ConnectionOptions, holdMs = 1500): Promise<Handshake> {
  return new Promise((resolve) => {
    let protocol: string | null = null;
    let cipher: string | undefined;
    let done = false;
    const finish = (result: Handshake) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = tls.connect({ host, port, ...options });
    const timer = setTimeout(() => finish({ accepted: protocol !== null, protocol, cipher, error: protocol ? undefined : "no handshake within 10 s" }), 10_000);
    socket.once("secureConnect", () => {
      protocol = socket.getProtocol();
      cipher = socket.getCipher().standardName;
      setTimeout(() => finish({ accepted: true, protocol, cipher }), holdMs);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => finish({ accepted: false, protocol, cipher, error: `${error.code ?? ""} ${error.message}`.trim() }));
    socket.on("close", () => finish({ accepted: false, protocol, cipher, error: "closed by the server" }));
  });
}

type ProcessName = "jobmanager" | "taskmanager" | "taskmanager-other-ca" | "jobmanager-mutual" | "client";

describeFlink("Flink with TLS, stores from flink-tls-setup.sh", () => {
  test.concurrent.each(RUN_LINES.map((line) => [line]))(
    "Flink %s: internal TLS (TaskManager registers; another CA's does not), REST over https only, mutual REST",
    async (line) => {
      const started = Date.now();
      const layout = flinkLayout(line);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), `cdktf-flink-tls-${line}-`));
      const network = new TestNetwork(`tls${line.replace(".", "")}`);
      const budgetEnd = Date.now() + WAIT_BUDGET_MS;
      const wait = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) => waitFor(what, Math.max(0, Math.min(timeoutMs, budgetEnd - Date.now())), probe);
      const timings: string[] = [];
      const mark = (what: string) => timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
      try {
        const rendered = (mutual: boolean): RenderedCluster => renderedClusters().find((c) => c.name === CLUSTER_OF_LINE(line, mutual))!;
        const jm = network.addHost("jm");
        const tm = network.addHost("tm");
        const otherTm = network.addHost("tmx");
        const mutualJm = network.addHost("jmm");

        // The PKI, fake and made here: CA A signs the nodes' certificate (both TLS client and server, as
        // Flink's internal connections are mutual), CA B an unrelated node certificate, a client CA the
        // REST client's certificate.
        const pki = path.join(work, "pki");
        fs.mkdirSync(pki);
        const caA = await makeCa(pki, "ca-a", "/O=cdktf-flink test (fake)/CN=Fake Test CA A");
        const caB = await makeCa(pki, "ca-b", "/O=cdktf-flink test (fake)/CN=Fake Test CA B (unrelated)");
        const clientCa = await makeCa(pki, "client-ca", "/O=cdktf-flink test (fake)/CN=Fake Test REST client CA");
        const nodeExtensions = (hosts: readonly TestHost[]) => [
          "basicConstraints=critical,CA:FALSE",
          "keyUsage=critical,digitalSignature,keyEncipherment",
          "extendedKeyUsage=serverAuth,clientAuth",
          `subjectAltName=${[...hosts.map((h) => `IP:${h.address}`), "DNS:localhost", "IP:127.0.0.1"].join(",")}`,
        ];
        const nodeA = await makeLeaf(pki, "node-a", "/O=cdktf-flink test (fake)/CN=flink-node-a", caA, nodeExtensions([jm, tm, mutualJm]));
        const nodeB = await makeLeaf(pki, "node-b", "/O=cdktf-flink test (fake)/CN=flink-node-b", caB, nodeExtensions([otherTm]));
        const clientExtensions = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"];
        const client = await makeLeaf(pki, "rest-client", "/O=cdktf-flink test (fake)/CN=rest-client", clientCa, clientExtensions);
        const clientOfB = await makeLeaf(pki, "rest-client-b", "/O=cdktf-flink test (fake)/CN=rest-client-b", caB, clientExtensions);
        const secrets = {
          a: writeSecret(path.join(work, "secrets", "node-a"), { ...nodeA, ca: caA.crt }),
          b: writeSecret(path.join(work, "secrets", "node-b"), { ...nodeB, ca: caB.crt }),
          aMutualRest: writeSecret(path.join(work, "secrets", "node-a-rest"), { ...nodeA, ca: caA.crt, clientCa: clientCa.crt }),
        };
        mark("PKI");

        // Each process as its node or pod: the rendered conf/, then flink-tls-setup.sh into its own final conf/ and stores.
        const setUp = (name: ProcessName, secret: { internal: string; rest: string }, mutualRest: boolean): Promise<string> => setUpNodeTls(path.join(work, name), rendered(mutualRest), secret);
        const [jobmanager, taskmanager, otherCaTaskmanager, mutualJobmanager, restClient] = await Promise.all([
          setUp("jobmanager", { internal: secrets.a, rest: secrets.a }, false),
          setUp("taskmanager", { internal: secrets.a, rest: secrets.a }, false),
          setUp("taskmanager-other-ca", { internal: secrets.b, rest: secrets.b }, false),
          setUp("jobmanager-mutual", { internal: secrets.a, rest: secrets.aMutualRest }, true),
          setUp("client", { internal: secrets.a, rest: secrets.a }, true),
        ]);
        const confs: Record<ProcessName, string> = { jobmanager, taskmanager, "taskmanager-other-ca": otherCaTaskmanager, "jobmanager-mutual": mutualJobmanager, client: restClient };
        mark("stores");
        // The passwords are in the final config.yaml only, one per store, and never in the rendered one.
        const finalYaml = fs.readFileSync(path.join(confs.jobmanager, "config.yaml"), "utf8");
        expect(finalYaml.match(/^security\.ssl\.(internal|rest)\.(keystore|key|truststore)-password: '[0-9a-f]{48}'$/gm)).toHaveLength(6);
        expect(fs.statSync(path.join(confs.jobmanager, "config.yaml")).mode & 0o077).toBe(0);

        // Flink reads every TLS key through its option.
        const names = Object.keys(confs) as ProcessName[];
        const read = (await probeReport(layout, names.map((n) => confs[n]))).configs;
        const config = (name: ProcessName): FlinkReadConfig => read[names.indexOf(name)];
        for (const name of names) {
          expect(config(name).error).toBeUndefined();
          const unknown = Object.entries(config(name).values ?? {}).filter(([key, v]) => key.startsWith("security.ssl.") && (v.option === null || v.error));
          expect(unknown).toEqual([]);
        }
        const value = (key: string) => config("jobmanager").values?.[key]?.value as string | undefined;
        const rpcPort = Number(value("jobmanager.rpc.port"));
        const blobPort = Number(value("blob.server.port"));
        const restPort = Number(value("rest.port"));
        const tmRpcPort = Number(value("taskmanager.rpc.port"));
        const tmDataPort = Number(value("taskmanager.data.port"));
        mark("probe");

        const overrides = (host: TestHost, name: ProcessName, jobManager: TestHost) => ({
          "jobmanager.rpc.address": jobManager.address,
          "rest.address": jobManager.address,
          "taskmanager.host": host.address,
          ...localDirectoryOverrides(work, name),
        });
        const start = (host: TestHost, kind: "jobmanager" | "taskmanager", name: ProcessName, jobManager: TestHost): ChildProcess =>
          startFlinkProcess({ network, host, kind, name, layout, conf: confs[name], config: config(name), overrides: overrides(host, name, jobManager), work });
        /** A process's log: its log file if log4j writes one, and its console output. */
        const processLog = (name: ProcessName) =>
          [`${name}.log`, `${name}.out`].map((f) => path.join(work, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, "utf8")).join("\n");

        start(jm, "jobmanager", "jobmanager", jm);
        start(tm, "taskmanager", "taskmanager", jm);
        start(mutualJm, "jobmanager", "jobmanager-mutual", mutualJm);

        // REST over https, verified with CA A (and nothing else): the TaskManager registered.
        const rest = `https://${jm.address}:${restPort}`;
        const withCaA: https.RequestOptions = { ca: fs.readFileSync(caA.crt) };
        await wait("the TaskManager registered (REST over https)", 150_000, async () => {
          const o = await httpsJson(`${rest}/overview`, withCaA);
          return o.taskmanagers === 1 && o["slots-total"] === Number(value("taskmanager.numberOfTaskSlots")) ? o : undefined;
        });
        mark("TM registered");
        expect((await httpsGet(`${rest}/overview`, withCaA)).protocol).toBe(TLS_PROTOCOL);
        // It registered over TLS: the JobManager knows it by a pekko.ssl.tcp address, and listens on one.
        const registered = (await httpsJson(`${rest}/taskmanagers`, withCaA)).taskmanagers;
        expect(registered.map((t: any) => t.path)).toEqual([expect.stringMatching(new RegExp(`^pekko\\.ssl\\.tcp://flink@${tm.address.replace(/\./g, "\\.")}:${tmRpcPort}/`))]);
        expect(processLog("jobmanager")).toContain(`pekko.ssl.tcp://flink@${jm.address}:${rpcPort}`);

        // Every internal port speaks TLS only, with the configured protocol, and wants a certificate of CA A.
        const nodeCert = { ca: fs.readFileSync(caA.crt), cert: fs.readFileSync(nodeA.crt), key: fs.readFileSync(nodeA.key) };
        const internalPorts = [
          { what: "JobManager RPC", host: jm, port: rpcPort },
          { what: "blob server", host: jm, port: blobPort },
          { what: "TaskManager RPC", host: tm, port: tmRpcPort },
          { what: "TaskManager data", host: tm, port: tmDataPort },
        ];
        const handshakes: string[] = [];
        for (const p of internalPorts) {
          const ok = await tlsHandshake(p.host.address, p.port, nodeCert);
          expect({ port: p.what, ...ok }).toEqual({ port: p.what, accepted: true, protocol: TLS_PROTOCOL, cipher: expect.stringMatching(/^TLS_AES_/) });
          const noCert = await tlsHandshake(p.host.address, p.port, { ca: nodeCert.ca });
          expect({ port: p.what, accepted: noCert.accepted }).toEqual({ port: p.what, accepted: false });
          const otherCa = await tlsHandshake(p.host.address, p.port, { ca: nodeCert.ca, cert: fs.readFileSync(nodeB.crt), key: fs.readFileSync(nodeB.key) });
          expect({ port: p.what, accepted: otherCa.accepted }).toEqual({ port: p.what, accepted: false });
          const tls12 = await tlsHandshake(p.host.address, p.port, { ...nodeCert, maxVersion: "TLSv1.2" });
          expect({ port: p.what, accepted: tls12.accepted }).toEqual({ port: p.what, accepted: false });
          handshakes.push(`${p.what}: ${ok.protocol} ${ok.cipher}; without a certificate: ${noCert.error}; CA B's: ${otherCa.error}; TLSv1.2: ${tls12.error}`);
        }

        // REST serves nothing over plain http: it redirects to https (Flink's RedirectingSslHandler). And a
        // client that trusts only another CA refuses REST.
        const overHttp = await fetch(`http://${jm.address}:${restPort}/overview`, { redirect: "manual", signal: AbortSignal.timeout(5000) });
        const plainHttp = `${overHttp.status} Location: ${overHttp.headers.get("location")}; body: ${JSON.stringify(await overHttp.text())}`;
        expect({ status: overHttp.status, location: overHttp.headers.get("location") }).toEqual({ status: 301, location: expect.stringMatching(/^https:\/\//) });
        const untrusted = await refusal(httpsGet(`${rest}/overview`, { ca: fs.readFileSync(caB.crt) }));
        expect(untrusted).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed/i);

        // Mutual REST: no client certificate, or one of CA B, is refused; the client CA's is served.
        const mutualRest = `https://${mutualJm.address}:${restPort}`;
        await wait("the mutual-REST JobManager answering a client certificate", 120_000, async () => ((await httpsGet(`${mutualRest}/config`, { ...withCaA, cert: fs.readFileSync(client.crt), key: fs.readFileSync(client.key) })).status === 200 ? true : undefined));
        const mutualServed = await httpsJson(`${mutualRest}/overview`, { ...withCaA, cert: fs.readFileSync(client.crt), key: fs.readFileSync(client.key) });
        expect(mutualServed.taskmanagers).toBe(0);
        const noClientCert = await refusal(httpsGet(`${mutualRest}/overview`, withCaA));
        expect(noClientCert).not.toMatch(/^served/);
        const clientCertOfB = await refusal(httpsGet(`${mutualRest}/overview`, { ...withCaA, cert: fs.readFileSync(clientOfB.crt), key: fs.readFileSync(clientOfB.key) }));
        expect(clientCertOfB).not.toMatch(/^served/);
        // And Flink's own client, with the node's stores (its REST keystore is its client certificate). The
        // address must say https: `-m host:port` sets security.ssl.rest.enabled to false (the scheme decides),
        // and the client then speaks plain http and gets the server's 301 redirect to https.
        const flinkList = await run(
          "java",
          [...javaOpts(config("client"), "client"), "-classpath", layout.classpath.join(path.delimiter), "org.apache.flink.client.cli.CliFrontend", "list", "-m", `https://${mutualJm.address}:${restPort}`],
          { env: { ...process.env, FLINK_CONF_DIR: confs.client }, timeout: 120_000 },
        );
        expect({ code: flinkList.code, output: flinkList.output }).toEqual({ code: 0, output: expect.stringContaining("No running jobs") });
        // Whether each REST endpoint also takes TLS 1.2 (told, not asserted: FLINK-39969, the server without
        // client authentication did not apply security.ssl.protocol and security.ssl.algorithms).
        const restTls12 = {
          plain: await tlsHandshake(jm.address, restPort, { ca: nodeCert.ca, maxVersion: "TLSv1.2" }),
          mutual: await tlsHandshake(mutualJm.address, restPort, { ca: nodeCert.ca, cert: fs.readFileSync(client.crt), key: fs.readFileSync(client.key), maxVersion: "TLSv1.2" }),
        };
        mark("REST");

        // A TaskManager with CA B's stores: its handshakes fail, and it never registers.
        start(otherTm, "taskmanager", "taskmanager-other-ca", jm);
        // It refuses the JobManager's certificate (not of its CA B); the JobManager sees the TaskManager's alert.
        const handshakeFailure = new RegExp(`^.*Remote connection to \\[/${jm.address.replace(/\./g, "\\.")}:${rpcPort}\\] failed with javax\\.net\\.ssl\\.SSLHandshakeException: PKIX path building failed.*$`, "gm");
        const failure = await wait("the TaskManager with CA B's stores failing its handshake", 120_000, async () => processLog("taskmanager-other-ca").match(handshakeFailure)?.[0]);
        mark("other CA refused");
        const observedUntil = Date.now() + BAD_TM_OBSERVATION_MS;
        while (Date.now() < observedUntil) {
          const o = await httpsJson(`${rest}/overview`, withCaA);
          expect(o.taskmanagers).toBe(1);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        expect((await httpsJson(`${rest}/taskmanagers`, withCaA)).taskmanagers.map((t: any) => t.path)).not.toContainEqual(expect.stringContaining(otherTm.address));
        // It kept trying (every 10 s) and failed each time; it never registered.
        const otherCaLog = processLog("taskmanager-other-ca");
        expect((otherCaLog.match(handshakeFailure) ?? []).length).toBeGreaterThanOrEqual(2);
        expect(otherCaLog).not.toMatch(/Successful registration at resource manager/);
        const jmSaw = processLog("jobmanager").match(new RegExp(`^.*Remote connection to \\[/${otherTm.address.replace(/\./g, "\\.")}:\\d+\\] failed with javax\\.net\\.ssl\\.SSLHandshakeException.*$`, "gm")) ?? [];
        expect(jmSaw.length).toBeGreaterThanOrEqual(1);
        mark("done");

        console.log(
          [
            `Flink ${line} with TLS (${TLS_PROTOCOL}, ${value("security.ssl.algorithms")}): ${timings.join(", ")}`,
            ...handshakes,
            `plain http to REST: ${plainHttp}`,
            `REST, client trusting only CA B: ${untrusted}`,
            `mutual REST without a client certificate: ${noClientCert}; with CA B's: ${clientCertOfB}`,
            `REST with TLS 1.2 only: ${restTls12.plain.accepted ? `accepted (${restTls12.plain.cipher})` : `refused (${restTls12.plain.error})`}; mutual REST: ${restTls12.mutual.accepted ? `accepted (${restTls12.mutual.cipher})` : `refused (${restTls12.mutual.error})`}`,
            `TaskManager with CA B's stores: ${failure.trim()}`,
            `JobManager's log about it: ${jmSaw[0]?.trim()} (${jmSaw.length} times)`,
          ].join("\n"),
        );
      } catch (error) {
        throw new Error(`${String(error instanceof Error ? error.stack : error)}\n${logTails(work)}`);
      } finally {
        await network.cleanup();
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
