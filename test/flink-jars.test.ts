import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CATALOGED_VERSIONS } from "../lib";
import { describeWithRealFlink, flinkLayout } from "./helpers/real-flink";

/** scripts/flink-jars.js: one pom profile per cataloged line, and the two ways around Maven Central. */

const script = path.join(__dirname, "..", "scripts", "flink-jars.js");
const { flinkReleases } = require(script) as { flinkReleases: () => Record<string, string> };

test("the pom has a profile for every cataloged line, at a release of that line", () => {
  const releases = flinkReleases();
  expect(Object.keys(releases)).toEqual([...CATALOGED_VERSIONS]);
  for (const [line, release] of Object.entries(releases)) expect(release.startsWith(`${line}.`)).toBe(true);
});

describeWithRealFlink("scripts/flink-jars.js tests (test/flink-jars.test.ts)", ["2.3"])("scripts/flink-jars.js", () => {
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-flink-jars-"));
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  /** The script for 2.3 with only the given FLINK_TEST_* variables (none of the caller's own). */
  const prepare = (env: Record<string, string>) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("FLINK_TEST_")));
    return spawnSync(process.execPath, [script, "2.3"], { env: { ...base, FLINK_TEST_JARS_DIR: path.join(work, "jars"), ...env }, encoding: "utf8", timeout: 300_000 });
  };

  test("FLINK_TEST_DIST_<line> takes a local Flink installation's lib/ and plugins/ instead of Maven", () => {
    // A local installation laid out as flink-dist lays it out, from the jars Maven resolved.
    const resolved = flinkLayout("2.3");
    const dist = path.join(work, "flink-2.3.0");
    fs.mkdirSync(path.join(dist, "lib"), { recursive: true });
    for (const jar of resolved.classpath) fs.copyFileSync(jar, path.join(dist, "lib", path.basename(jar)));
    fs.cpSync(resolved.pluginsDir, path.join(dist, "plugins"), { recursive: true });

    const run = prepare({ FLINK_TEST_DIST_2_3: dist, FLINK_TEST_MAVEN_REPO: "http://127.0.0.1:9/unreachable" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const prepared = path.join(work, "jars", "2.3");
    expect(fs.readdirSync(path.join(prepared, "lib")).sort()).toEqual(resolved.classpath.map((jar) => path.basename(jar)).sort());
    expect(fs.readdirSync(path.join(prepared, "plugins", "metrics-prometheus"))).toEqual(fs.readdirSync(path.join(resolved.pluginsDir, "metrics-prometheus")));
    expect(fs.existsSync(path.join(prepared, "probe", "FlinkProbe.class"))).toBe(true);
    expect(fs.existsSync(path.join(prepared, "probe-job.jar"))).toBe(true);
  });

  test("FLINK_TEST_MAVEN_REPO sends Maven to another repository", () => {
    const run = prepare({ FLINK_TEST_MAVEN_REPO: "http://127.0.0.1:9/maven2" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("127.0.0.1:9/maven2");
  });

  test("a directory that is not a Flink installation is a clear error", () => {
    fs.mkdirSync(path.join(work, "empty"));
    const run = prepare({ FLINK_TEST_DIST_2_3: path.join(work, "empty") });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/empty\/lib holds no jars: not a Flink installation/);
  });
});
