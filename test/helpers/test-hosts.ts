import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";

/**
 * Test hosts on one machine: each a network namespace with its own address on a bridge, so several
 * Flink processes can listen on the same rendered ports. Needs root and iproute2 (`ip`).
 */

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Runs `ip`, ignoring failure: for removing what may not exist. */
function ipQuietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

/** Why test hosts cannot be made here, or undefined when they can. */
export function testHostsProblem(): string | undefined {
  if (process.getuid?.() !== 0) return "test hosts (network namespaces) need root";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
  } catch {
    return "iproute2 (`ip netns`) is not usable here (install Debian's iproute2)";
  }
  return undefined;
}

export interface TestHost {
  readonly name: string;
  readonly address: string;
}

const NAMESPACE_PREFIX = "cdktf-flink-";

/** Every process any network of this worker started that still runs. */
const liveChildren = new Set<ChildProcess>();
const killLiveChildren = () => liveChildren.forEach((child) => child.kill("SIGKILL"));

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Kills whatever still runs in a namespace (deleting it would not), then deletes it. */
function removeNamespace(ns: string): void {
  try {
    for (const pid of execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  } catch {
    // no such namespace
  }
  ipQuietly("netns", "del", ns);
}

/**
 * A bridge with address <subnet>.254 in this namespace and hosts <subnet>.1, .2, ... Names carry this
 * process's pid, so runs side by side never touch each other, and a crashed run's leftovers (whose pid
 * is gone) are removed by the next one.
 */
export class TestNetwork {
  private readonly hosts: TestHost[] = [];
  private readonly processes = new Set<ChildProcess>();
  private readonly id: string;
  private readonly subnet: string;

  /** `tag` (a few letters or digits) tells this network from the process's others. */
  constructor(tag: string) {
    this.id = `${process.pid.toString(36)}x${tag}`;
    this.subnet = `10.${100 + (process.pid % 100)}.${[...tag].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 250, 0)}`;
    removeLeftovers();
    ip("link", "add", this.bridge, "type", "bridge");
    ip("addr", "add", `${this.subnet}.254/24`, "dev", this.bridge);
    ip("link", "set", this.bridge, "up");
  }

  private get bridge(): string {
    return `c${this.id}b`;
  }

  public addHost(name: string): TestHost {
    const index = this.hosts.length + 1;
    const ns = `${NAMESPACE_PREFIX}${this.id}-${name}`;
    const outside = `c${this.id}v${index}`;
    ip("netns", "add", ns);
    ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns);
    ip("link", "set", outside, "master", this.bridge, "up");
    ip("-n", ns, "addr", "add", `${this.subnet}.${index}/24`, "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    ip("-n", ns, "link", "set", "lo", "up");
    const host = { name: ns, address: `${this.subnet}.${index}` };
    this.hosts.push(host);
    return host;
  }
  /** Starts `command` inside `host`'s namespace; its output goes to `logFile`. Stopped by cleanup(). */
  public start(host: TestHost, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; logFile: string }): ChildProcess {
    const log = fs.openSync(options.logFile, "a");
    // `ip netns exec` execs the command, so the child's pid is the command's own.
    const child = spawn("ip", ["netns", "exec", host.name, command, ...args], { env: options.env, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    this.processes.add(child);
    // Should jest end the worker before cleanup() ran, the JVMs must not outlive it (one listener for all).
    liveChildren.add(child);
    if (liveChildren.size === 1) process.once("exit", killLiveChildren);
    child.on("exit", () => {
      this.processes.delete(child);
      liveChildren.delete(child);
      if (liveChildren.size === 0) process.removeListener("exit", killLiveChildren);
    });
    return child;
  }

  /** kill -9, as a crashed host would; resolves once the process is gone. */
  public async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  /** Kills every process still running and removes the namespaces and the bridge; safe to call twice. */
  public async cleanup(): Promise<void> {
    await Promise.all([...this.processes].map((child) => this.kill(child)));
    for (const host of this.hosts) removeNamespace(host.name);
    ipQuietly("link", "del", this.bridge);
  }
}

/** Removes the namespaces and bridges of runs whose process is gone. */
function removeLeftovers(): void {
  let namespaces: string[] = [];
  try {
    namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .map((line) => line.split(" ")[0])
      .filter((name) => name.startsWith(NAMESPACE_PREFIX));
  } catch {
    // no namespaces at all
  }
  for (const ns of namespaces) {
    const id = ns.slice(NAMESPACE_PREFIX.length, ns.lastIndexOf("-"));
    if (isAlive(parseInt(id.split("x")[0], 36))) continue;
    removeNamespace(ns);
    ipQuietly("link", "del", `c${id}b`);
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
