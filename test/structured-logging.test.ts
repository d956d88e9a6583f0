import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { FlinkCluster, FlinkVersion, Logging, LoggingSettings } from "../lib";
import { eventStartRegex, readRenderedLogging } from "../lib/config/render";
import { renderFluentBitParsers } from "../lib/logging/fluent-bit-config";
import { describeWithRealFlink, flinkLayout } from "./helpers/real-flink";

/**
 * logging.format "json" on real Flink's log4j (the jars of Flink 1.20's and 2.3's lib/): a probe logs
 * awkward text, an MDC job id and an exception with a cause through the log4j-console.properties a
 * FlinkCluster renders, and Flink's own JobManager entry point fails to start (a ZooKeeper HA without a
 * storage directory) through it. Every line the console and the rolling file get must be one JSON
 * object, with the whole stack trace inside its exception field. The probe runs with the default pattern
 * too, against the EC2 agent's multi_line_start_pattern and Fluent Bit's flink-pattern parser.
 */

const LINES = ["1.20", "2.3"] as const;
type Line = (typeof LINES)[number];
const ENTRY_POINT = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";

const MESSAGE = 'quote " backslash \\ newline\nsecond line\r\ttab unicode \u00fc \u65e5\u672c \u{1F600} control \u0001 braces {} %d ${java:version} </script>';
const THREAD = 'thread "quoted" \\ name';
const JOB_ID = "0123456789abcdef0123456789abcdef";

/** Java source of the probe: each string literal spells MESSAGE, THREAD and JOB_ID above. */
const PROBE_SOURCE = `
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

public class JsonLogProbe {
  public static void main(String[] args) throws Exception {
    Thread thread = new Thread(() -> {
      Logger log = LoggerFactory.getLogger("org.apache.flink.runtime.JsonLogProbe");
      log.info("quote \\" backslash \\\\ newline\\nsecond line\\r\\ttab unicode \\u00fc \\u65e5\\u672c \\ud83d\\ude00 control \\u0001 braces {} %d \${java:version} </script>");
      MDC.put("flink-job-id", "${JOB_ID}");
      log.info("scoped to a job");
      MDC.remove("flink-job-id");
      RuntimeException cause = new IllegalStateException("inner \\"cause\\"\\nwith a second line");
      log.error("job {} failed", "orders", new RuntimeException("outer \\\\ failure", cause));
    }, "thread \\"quoted\\" \\\\ name");
    thread.start();
    thread.join();
  }
}
`;

interface Run {
  readonly stdout: string;
  readonly file: string;
}

interface LineResults {
  readonly release: string;
  readonly probe: Run;
  readonly entryPoint: Run;
  readonly patternProbe: Run;
}

function java(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("java", ["-Xmx256m", ...args], { cwd, encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // The entry point is meant to fail (exit code 1): only a timeout or a missing JVM is an error here.
      if (error && (error.killed || (error as NodeJS.ErrnoException).code === "ENOENT")) reject(new Error(`java ${args.join(" ")}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The log4j-console.properties a FlinkCluster renders for these settings. */
function renderedLog4j(logging: LoggingSettings): string {
  return new FlinkCluster(new TerraformStack(Testing.app(), "logging"), "orders", { version: FlinkVersion.V2_3, logging }).log4jProperties;
}

const jsonLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, string>;
      } catch {
        throw new Error(`not one JSON object: ${JSON.stringify(line)}`);
      }
    });

describeWithRealFlink("structured logging test (test/structured-logging.test.ts)", LINES)("logging.format json on real Flink's log4j", () => {
  const results = {} as Record<Line, LineResults>;
  let work: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-json-logs-"));
    const conf = (name: string, log4j: string) => {
      const dir = path.join(work, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "log4j-console.properties"), log4j);
      // Fails at start, after the banner: ZooKeeper HA without its storage directory.
      fs.writeFileSync(path.join(dir, "config.yaml"), "high-availability.type: zookeeper\nhigh-availability.zookeeper.quorum: 127.0.0.1:1\nrest.port: 0\njobmanager.rpc.port: 0\nblob.server.port: 0\n");
      return dir;
    };
    const jsonConf = conf("json", renderedLog4j(Logging.seedRollingFile({ format: "json" })));
    const patternConf = conf("pattern", renderedLog4j(Logging.seedRollingFile()));
    const layouts = Object.fromEntries(LINES.map((line) => [line, flinkLayout(line)]));
    // slf4j's API is the same in both lines: one compile serves both.
    const classes = path.join(work, "classes");
    fs.mkdirSync(classes);
    fs.writeFileSync(path.join(work, "JsonLogProbe.java"), PROBE_SOURCE);
    await new Promise<void>((resolve, reject) =>
      execFile("javac", ["-nowarn", "-cp", `${layouts["1.20"].libDir}${path.sep}*`, "-d", classes, path.join(work, "JsonLogProbe.java")], (error, _out, stderr) => (error ? reject(new Error(stderr)) : resolve())),
    );

    await Promise.all(
      LINES.map(async (line) => {
        const classpath = layouts[line].classpath.join(path.delimiter);
        const run = async (name: string, confDir: string, main: readonly string[], extraClasspath: string[] = []): Promise<Run> => {
          const file = path.join(work, `${line}-${name}.log`);
          const log4j = `file:${path.join(confDir, "log4j-console.properties")}`;
          const stdout = await java([`-Dlog.file=${file}`, `-Dlog4j.configuration=${log4j}`, `-Dlog4j.configurationFile=${log4j}`, "-cp", [...extraClasspath, classpath].join(path.delimiter), ...main], work);
          return { stdout, file: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "" };
        };
        results[line] = {
          release: layouts[line].release,
          probe: await run("probe", jsonConf, ["JsonLogProbe"], [classes]),
          entryPoint: await run("entrypoint", jsonConf, [ENTRY_POINT, "--configDir", jsonConf]),
          patternProbe: await run("probe-pattern", patternConf, ["JsonLogProbe"], [classes]),
        };
      }),
    );
  }, 120_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  describe.each(LINES)("Flink %s", (line) => {
    test("every line of the console and of the rolling file is one JSON object, the file the same as the console", () => {
      const { probe, entryPoint } = results[line];
      for (const run of [probe, entryPoint]) {
        expect(run.stdout.length).toBeGreaterThan(0);
        expect(() => jsonLines(run.stdout)).not.toThrow();
        expect(run.file).toBe(run.stdout);
      }
      expect(jsonLines(probe.stdout)).toHaveLength(3);
    });

    test("quotes, backslashes, line breaks, control characters and unicode come back exactly", () => {
      const [awkward] = jsonLines(results[line].probe.stdout);
      expect(awkward).toEqual({ timestamp: expect.any(String), level: "INFO", logger: "org.apache.flink.runtime.JsonLogProbe", thread: THREAD, message: MESSAGE });
    });

    test("the timestamp is ISO-8601 in UTC", () => {
      for (const event of jsonLines(results[line].probe.stdout)) {
        expect(event.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(Math.abs(Date.parse(event.timestamp) - Date.now())).toBeLessThan(10 * 60 * 1000);
      }
    });

    test("jobId comes from Flink's MDC key flink-job-id, only where it is set", () => {
      const events = jsonLines(results[line].probe.stdout);
      expect(events.map((e) => e.jobId)).toEqual([undefined, JOB_ID, undefined]);
    });

    test("the stack trace with its cause lies inside the exception field, and only there is one", () => {
      const events = jsonLines(results[line].probe.stdout);
      expect(events.map((e) => "exception" in e)).toEqual([false, false, true]);
      const { message, exception } = events[2];
      expect(message).toBe("job orders failed");
      expect(exception.startsWith("java.lang.RuntimeException: outer \\ failure\n\tat JsonLogProbe.")).toBe(true);
      expect(exception).toContain('\nCaused by: java.lang.IllegalStateException: inner "cause"\nwith a second line\n\tat JsonLogProbe.');
      expect(exception).toBe(exception.trim());
    });

    test("Flink's own JobManager logs its banner and its failure to start as JSON, the cause chain inside one line", () => {
      const events = jsonLines(results[line].entryPoint.stdout);
      expect(events.some((e) => e.message.includes(`Starting StandaloneSessionClusterEntrypoint (Version: ${results[line].release}`))).toBe(true);
      const failure = events.find((e) => e.level === "ERROR" && e.message.startsWith("Could not start cluster entrypoint"));
      expect(failure).toMatchObject({ logger: "org.apache.flink.runtime.entrypoint.ClusterEntrypoint", thread: "main" });
      expect(failure!.exception).toMatch(/^org\.apache\.flink\.runtime\.entrypoint\.ClusterEntrypointException: /);
      expect(failure!.exception).toMatch(/\nCaused by: org\.apache\.flink\.configuration\.IllegalConfigurationException: .*high-availability\.storageDir/);
    });

    test("with the default pattern, events start where the EC2 agent and Fluent Bit's flink-pattern parser expect them", () => {
      const { stdout, file } = results[line].patternProbe;
      expect(file).toBe(stdout);
      const start = new RegExp(eventStartRegex(readRenderedLogging(renderedLog4j(Logging.seedRollingFile())).pattern)!);
      const parser = new RegExp(/^ {4}Regex +(.*)$/m.exec(renderFluentBitParsers())![1]);
      const lines = stdout.split("\n").filter((l) => l !== "");
      const starts = lines.filter((l) => start.test(l));
      expect(starts.map((l) => parser.exec(l)?.groups)).toEqual([
        { timestamp: expect.any(String), level: "INFO", logger: "org.apache.flink.runtime.JsonLogProbe", ndc: "", message: "quote \" backslash \\ newline" },
        { timestamp: expect.any(String), level: "INFO", logger: "org.apache.flink.runtime.JsonLogProbe", ndc: "", message: "scoped to a job" },
        { timestamp: expect.any(String), level: "ERROR", logger: "org.apache.flink.runtime.JsonLogProbe", ndc: "", message: "job orders failed" },
      ]);
      // The message's second line and the stack trace are continuations of the event before them.
      const continuations = lines.filter((l) => !start.test(l));
      expect(continuations[0].startsWith("second line")).toBe(true);
      expect(continuations).toContain("java.lang.RuntimeException: outer \\ failure");
      expect(continuations.some((l) => l.startsWith("\tat JsonLogProbe."))).toBe(true);
      expect(continuations).toContain('Caused by: java.lang.IllegalStateException: inner "cause"');
      expect(start.test(lines[0])).toBe(true);
    });
  });
});
