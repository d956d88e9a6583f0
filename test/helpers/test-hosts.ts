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
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
  } catch {
    return "iproute2 (`ip netns`) is not usable here (it needs root and Debian's iproute2)";
  }
  return undefined;
}

export interface TestHost {
  readonly name: string;
  readonly address: string;
}

/** A bridge `<prefix>br` with address 10.<subnet>.254 in this namespace and hosts 10.<subnet>.1, .2, ... */
export class TestNetwork {
  private readonly hosts: TestHost[] = [];
  private readonly processes = new Set<ChildProcess>();
  private readonly bridge: string;

  /** `prefix` (a few letters) names every namespace and link, so a crashed run's leftovers are removed first. */
  constructor(
    private readonly prefix: string,
    private readonly subnet: string,
  ) {
    this.bridge = `${prefix}br`;
    this.removeLeftovers();
    ip("link", "add", this.bridge, "type", "bridge");
    ip("addr", "add", `${subnet}.254/24`, "dev", this.bridge);
    ip("link", "set", this.bridge, "up");
  }

  public addHost(name: string): TestHost {
    const index = this.hosts.length + 1;
    const ns = `${this.prefix}-${name}`;
    const outside = `${this.prefix}v${index}`;
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
    child.on("exit", () => this.processes.delete(child));
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
    this.removeLeftovers();
  }

  private removeLeftovers(): void {
    let namespaces: string[] = [];
    try {
      namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
        .split("\n")
        .map((line) => line.split(" ")[0])
        .filter((name) => name.startsWith(`${this.prefix}-`));
    } catch {
      // no namespaces at all
    }
    for (const ns of namespaces) ipQuietly("netns", "del", ns);
    ipQuietly("link", "del", this.bridge);
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
