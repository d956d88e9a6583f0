import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { describeWhenAvailable } from "./real-flink";
import { TestHost, TestNetwork, testHostsProblem } from "./test-hosts";

/** Debian's ZooKeeper (package zookeeper), which .ci/run installs. */
export const ZK_SERVER = "/usr/share/zookeeper/bin/zkServer.sh";
const ZK_CLI = "/usr/share/zookeeper/bin/zkCli.sh";

/** Runs one zkCli.sh command against `server` (host:port); its output, or a rejection with it. */
export function zkCli(server: string, ...command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ZK_CLI, ["-server", server, ...command], { timeout: 30_000, encoding: "utf8" }, (error, stdout, stderr) =>
      error ? reject(new Error(`zkCli ${command.join(" ")}: ${error.message}\n${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`),
    );
  });
}

/** Why a ZooKeeper ensemble cannot be started here, or undefined when it can. */
export function zookeeperProblem(): string | undefined {
  if (!fs.existsSync(ZK_SERVER)) return `ZooKeeper is not installed (${ZK_SERVER}; apt-get install zookeeper)`;
  return testHostsProblem();
}

/** `describe`, or a failing test under CI / a loud skip elsewhere when ZooKeeper or test hosts are missing. */
export function describeWithZooKeeper(what: string, otherProblem?: string): jest.Describe {
  return describeWhenAvailable(what, zookeeperProblem() ?? otherProblem, "ZooKeeper and test hosts are available");
}

/** A running server: its host and its id (myid). */
export interface ZooKeeperServer {
  readonly id: string;
  readonly host: TestHost;
  child: ReturnType<TestNetwork["start"]>;
}

/** The keys of a rendered zoo.cfg a test changes: the servers' addresses and the data folders. */
export const ZOO_CFG_OVERRIDES = ["server.N (address only; ports kept)", "dataDir", "dataLogDir"];

/**
 * Starts one server per `server.N` line of a rendered zoo.cfg, each on its own test host, with its
 * rendered myid. Only the addresses and data folders change (ZOO_CFG_OVERRIDES).
 */
export function startEnsemble(network: TestNetwork, zooCfg: string, myids: Readonly<Record<string, string>>, work: string, tag = "zk"): ZooKeeperServer[] {
  const ids = [...zooCfg.matchAll(/^server\.(\d+)=/gm)].map((m) => m[1]);
  const hosts = Object.fromEntries(ids.map((id) => [id, network.addHost(`${tag}${id}`)]));
  return ids.map((id) => {
    const dir = path.join(work, `${tag}-${id}`);
    fs.mkdirSync(path.join(dir, "data"), { recursive: true });
    const config = zooCfg
      .replace(/^server\.(\d+)=[^:\n]+:/gm, (_, n: string) => `server.${n}=${hosts[n].address}:`)
      .replace(/^dataDir=.*$/m, `dataDir=${dir}/data`)
      .replace(/^dataLogDir=.*$/m, `dataLogDir=${dir}/log`);
    fs.writeFileSync(path.join(dir, "zoo.cfg"), config);
    fs.writeFileSync(path.join(dir, "data", "myid"), myids[id]);
    const server: ZooKeeperServer = { id, host: hosts[id], child: undefined as never };
    server.child = start(network, server, dir);
    return server;
  });
}

/** Starts (or starts again) a server with its files in `dir`, as the systemd unit does. */
export function restartServer(network: TestNetwork, server: ZooKeeperServer, work: string, tag = "zk"): void {
  server.child = start(network, server, path.join(work, `${tag}-${server.id}`));
}

function start(network: TestNetwork, server: ZooKeeperServer, dir: string) {
  return network.start(server.host, ZK_SERVER, ["start-foreground", path.join(dir, "zoo.cfg")], { env: { ...process.env, SERVER_JVMFLAGS: "-Xmx256m" }, logFile: path.join(dir, "server.out") });
}

/** The client port of a rendered zoo.cfg. */
export function clientPort(zooCfg: string): number {
  return Number(/^clientPort=(\d+)$/m.exec(zooCfg)![1]);
}

/** A four-letter word's answer ("srvr", "ruok"), or undefined when the server does not answer. */
export function fourLetterWord(address: string, port: number, word: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port, timeout: 2000 });
    let answer = "";
    socket.on("connect", () => socket.write(word));
    socket.on("data", (data) => (answer += data.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("timeout", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on("error", () => resolve(undefined));
  });
}

/** "leader", "follower" or undefined (not serving), from `srvr`. */
export async function serverMode(address: string, port: number): Promise<string | undefined> {
  const answer = await fourLetterWord(address, port, "srvr");
  return answer ? /^Mode: (\w+)/m.exec(answer)?.[1] : undefined;
}
