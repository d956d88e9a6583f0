#!/usr/bin/env node
/**
 * Prepares real Flink for the tests, per cataloged Flink line, in .flink-jars/<line>/:
 *   lib/                     the cluster's classpath: Flink's jars resolved by Maven from test/flink/pom.xml
 *   plugins/metrics-prometheus/  the Prometheus reporter, loaded as a plugin as flink-dist ships it
 *   catalog-lib/             further Flink modules (Kubernetes, YARN, table, ...) whose options the catalog check lists
 *   probe/                   test/flink/probe/FlinkProbe.java compiled against lib/
 *   probe-job.jar            test/flink/job/ProbeJob.java, the streaming job the cluster test submits
 *
 *   node scripts/flink-jars.js [line ...]     prepare the given lines (default: every line in the pom)
 *
 * Maven caches in ~/.m2; a prepared line is reused until the pom or the Java sources change.
 * Environment:
 *   FLINK_TEST_MAVEN_REPO=<url>        resolve from this Maven repository instead of Maven Central
 *   FLINK_TEST_DIST_<line>=<dir>       use a local Flink installation for that line (e.g. FLINK_TEST_DIST_2_3=/opt/flink-2.3.0):
 *                                      its lib/*.jar and plugins/<name>/*.jar, no Maven
 *   FLINK_TEST_JARS_DIR=<dir>          where to prepare (default: .flink-jars in the repository)
 * Exit codes: 0 ready, 1 a step failed (its output is printed), 3 java, javac, jar or mvn missing.
 */
"use strict";
const { spawn, spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const REPO_ROOT = path.resolve(__dirname, "..");
const FLINK_DIR = path.join(REPO_ROOT, "test", "flink");
const POM = path.join(FLINK_DIR, "pom.xml");
const PROBE_SOURCE = path.join(FLINK_DIR, "probe", "FlinkProbe.java");
const JOB_SOURCE = path.join(FLINK_DIR, "job", "ProbeJob.java");
const REPORTER_JAR = /^flink-metrics-prometheus-.*\.jar$/;

function jarsRoot() {
  return path.resolve(process.env.FLINK_TEST_JARS_DIR || path.join(REPO_ROOT, ".flink-jars"));
}

/** The Flink release of each line, from the pom's profiles: { "1.20": "1.20.5", ... }. */
function flinkReleases() {
  const pom = fs.readFileSync(POM, "utf8");
  const releases = {};
  for (const [, line, body] of pom.matchAll(/<profile>\s*<id>flink-(\d+\.\d+)<\/id>([\s\S]*?)<\/profile>/g)) {
    const version = /<flink\.version>([^<]+)<\/flink\.version>/.exec(body);
    if (version) releases[line] = version[1];
  }
  return releases;
}

function hasProfile(id) {
  return fs.readFileSync(POM, "utf8").includes(`<id>${id}</id>`);
}

/** The environment variable naming a local Flink installation for a line: FLINK_TEST_DIST_2_3. */
function distVariable(line) {
  return `FLINK_TEST_DIST_${line.replace(".", "_")}`;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stdout || ""}${result.stderr || ""}` };
}

/** Whether the JDK tools and (unless every line comes from a local installation) Maven are here. */
function availability(lines = Object.keys(flinkReleases())) {
  const missing = [];
  for (const tool of ["java", "javac", "jar"]) {
    if (!run(tool, ["--version"]).ok) missing.push(tool);
  }
  if (lines.some((line) => !process.env[distVariable(line)]) && !run("mvn", ["--version"]).ok) missing.push("mvn");
  return missing.length === 0 ? { ok: true } : { ok: false, reason: `${missing.join(", ")} not found on PATH (install a JDK 17 and Maven, or set ${distVariable("<line>")} and install a JDK)` };
}

/** A Maven settings file that mirrors every repository to FLINK_TEST_MAVEN_REPO, when it is set. */
function mavenSettingsArgs(workDir) {
  const url = process.env.FLINK_TEST_MAVEN_REPO;
  if (!url) return [];
  const file = path.join(workDir, "maven-settings.xml");
  const escaped = url.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  fs.writeFileSync(
    file,
    `<settings><mirrors><mirror><id>flink-test-repo</id><mirrorOf>*</mirrorOf><url>${escaped}</url></mirror></mirrors></settings>\n`,
  );
  return ["-s", file];
}

/** The .jar files of a directory, sorted by name (none when it does not exist). */
function jarsIn(dir) {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".jar")).sort() : [];
}

function copyDependencies(line, profiles, outDir, workDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const args = ["-B", "-q", ...mavenSettingsArgs(workDir), "-f", POM, "-P", profiles, "dependency:copy-dependencies", `-DoutputDirectory=${outDir}`];
  const result = run("mvn", args);
  if (!result.ok) throw new Error(`mvn ${args.join(" ")} failed for Flink ${line}:\n${result.output}`);
}

/**
 * Copies a local installation's lib/*.jar and plugins/<name>/*.jar into the layout the tests use, and its
 * opt/*.jar (the optional modules whose options the catalog lists) into catalog-lib/.
 */
function copyFromDist(dist, libDir, pluginsDir, catalogLibDir) {
  const libJars = jarsIn(path.join(dist, "lib"));
  if (libJars.length === 0) throw new Error(`${dist}/lib holds no jars: not a Flink installation`);
  fs.mkdirSync(libDir, { recursive: true });
  for (const jar of libJars) fs.copyFileSync(path.join(dist, "lib", jar), path.join(libDir, jar));
  fs.mkdirSync(catalogLibDir, { recursive: true });
  for (const jar of jarsIn(path.join(dist, "opt"))) fs.copyFileSync(path.join(dist, "opt", jar), path.join(catalogLibDir, jar));
  const plugins = path.join(dist, "plugins");
  for (const plugin of fs.existsSync(plugins) ? fs.readdirSync(plugins) : []) {
    for (const jar of jarsIn(path.join(plugins, plugin))) {
      fs.mkdirSync(path.join(pluginsDir, plugin), { recursive: true });
      fs.copyFileSync(path.join(plugins, plugin, jar), path.join(pluginsDir, plugin, jar));
    }
  }
}

/** A local installation's jars by name and size, so that replacing them prepares the line again. */
function distListing(dist) {
  if (!dist) return "";
  const listing = [];
  for (const sub of ["lib", "opt", "plugins"]) {
    const walk = (dir) => {
      for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else listing.push(`${path.relative(dist, full)}:${fs.statSync(full).size}`);
      }
    };
    walk(path.join(dist, sub));
  }
  return `${dist}\n${listing.sort().join("\n")}`;
}

/** What a line's jars were resolved from, and what its compiled classes were built from: a change to either redoes that step. */
function fingerprints(line) {
  const hash = (files, extra) => {
    const h = crypto.createHash("sha256");
    for (const file of files) h.update(fs.readFileSync(file));
    return h.update(extra).digest("hex");
  };
  return {
    jars: hash([POM, __filename], `${line}\n${distListing(process.env[distVariable(line)])}\n${process.env.FLINK_TEST_MAVEN_REPO || ""}`),
    classes: hash([PROBE_SOURCE, JOB_SOURCE, __filename], line),
  };
}

/**
 * Takes a lock directory, waiting while another process (a parallel jest worker) holds it; a lock whose
 * owner has died is taken over. Returns the release function.
 */
function lock(lockDir) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 15 * 60 * 1000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      let owner;
      try {
        owner = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
        process.kill(owner, 0);
      } catch {
        // no pid yet, or its owner is gone: take it over once it is old enough to not be mid-creation
        if (Date.now() - fs.statSync(lockDir).mtimeMs > 2000) fs.rmSync(lockDir, { recursive: true, force: true });
      }
      if (Date.now() > deadline) throw new Error(`${lockDir} is still held by process ${owner}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
}

/**
 * Prepares one line (or reuses it) and returns its layout:
 * { line, release, dir, classpath: [jars], pluginsDir, catalogClasspath: [jars], probeDir, jobJar }.
 */
function prepare(line) {
  const releases = flinkReleases();
  const release = releases[line];
  if (!release) throw new Error(`no profile flink-${line} in ${path.relative(REPO_ROOT, POM)} (lines: ${Object.keys(releases).join(", ")})`);
  const dir = path.join(jarsRoot(), line);
  const layout = {
    line,
    release,
    dir,
    libDir: path.join(dir, "lib"),
    pluginsDir: path.join(dir, "plugins"),
    catalogLibDir: path.join(dir, "catalog-lib"),
    probeDir: path.join(dir, "probe"),
    jobJar: path.join(dir, "probe-job.jar"),
  };
  const stampFile = path.join(dir, "ready.json");
  const wanted = fingerprints(line);
  const unlock = lock(`${dir}.lock`);
  try {
    const stamp = fs.existsSync(stampFile) ? JSON.parse(fs.readFileSync(stampFile, "utf8")) : {};
    if (stamp.jars !== wanted.jars) resolveJars(layout);
    if (stamp.jars !== wanted.jars || stamp.classes !== wanted.classes) compileClasses(layout);
    fs.writeFileSync(stampFile, JSON.stringify({ line, release, ...wanted }, null, 2) + "\n");
  } finally {
    unlock();
  }
  const jars = (d) => jarsIn(d).map((f) => path.join(d, f));
  const classpath = jars(layout.libDir);
  const pluginJars = fs.existsSync(layout.pluginsDir) ? fs.readdirSync(layout.pluginsDir).sort().flatMap((p) => jars(path.join(layout.pluginsDir, p))) : [];
  return { ...layout, classpath, catalogClasspath: [...classpath, ...pluginJars, ...jars(layout.catalogLibDir)] };
}

function resolveJars(layout) {
  const { line, dir, libDir, pluginsDir, catalogLibDir } = layout;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const dist = process.env[distVariable(line)];
  if (dist) {
    copyFromDist(path.resolve(dist), libDir, pluginsDir, catalogLibDir);
  } else {
    copyDependencies(line, `flink-${line}`, libDir, dir);
    // The reporter is a plugin in flink-dist: out of lib/, into its own folder.
    const reporterDir = path.join(pluginsDir, "metrics-prometheus");
    fs.mkdirSync(reporterDir, { recursive: true });
    for (const jar of fs.readdirSync(libDir).filter((f) => REPORTER_JAR.test(f))) fs.renameSync(path.join(libDir, jar), path.join(reporterDir, jar));
    copyDependencies(line, `flink-${line},catalog-modules${hasProfile(`catalog-${line}`) ? `,catalog-${line}` : ""}`, catalogLibDir, dir);
    // catalog-lib/ holds only what lib/ and plugins/ lack.
    const have = new Set([...fs.readdirSync(libDir), ...fs.readdirSync(reporterDir)]);
    for (const jar of fs.readdirSync(catalogLibDir)) if (have.has(jar)) fs.rmSync(path.join(catalogLibDir, jar));
  }
}

function compileClasses(layout) {
  const { line, dir, libDir, probeDir, jobJar } = layout;
  const jobClasses = path.join(dir, "job-classes");
  for (const out of [probeDir, jobClasses, jobJar]) fs.rmSync(out, { recursive: true, force: true });
  const classpath = `${libDir}${path.sep}*`;
  const javac = (source, out) => {
    const result = run("javac", ["-nowarn", "-cp", classpath, "-d", out, source]);
    if (!result.ok) throw new Error(`javac ${path.relative(REPO_ROOT, source)} against Flink ${line} failed:\n${result.output}`);
  };
  javac(PROBE_SOURCE, probeDir);
  javac(JOB_SOURCE, jobClasses);
  const jar = run("jar", ["--create", "--file", jobJar, "--main-class", "ProbeJob", "-C", jobClasses, "."]);
  if (!jar.ok) throw new Error(`jar ${jobJar} failed:\n${jar.output}`);
}

function prepareAndReport(line) {
  const started = Date.now();
  const layout = prepare(line);
  console.log(`flink-jars: Flink ${layout.release} ready in ${path.relative(process.cwd(), layout.dir) || "."} (${layout.classpath.length} jars, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Prepares one line in a child process; resolves with its exit code. */
function prepareInChild(line) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [__filename, line], { stdio: "inherit" });
    child.on("exit", (code) => resolve(code === null ? 1 : code));
  });
}

/**
 * The first line alone (it fills ~/.m2 with what every line shares: Maven's plugins, log4j, commons),
 * then the rest two at a time: resolving is mostly waiting for downloads.
 */
async function main() {
  const releases = flinkReleases();
  const lines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(releases);
  const available = availability(lines);
  if (!available.ok) {
    console.error(`flink-jars: ${available.reason}`);
    process.exit(3);
  }
  try {
    prepareAndReport(lines[0]);
  } catch (error) {
    console.error(`flink-jars: ${error.message}`);
    process.exit(1);
  }
  const rest = lines.slice(1);
  const codes = [];
  const worker = async () => {
    while (rest.length > 0) codes.push(await prepareInChild(rest.shift()));
  };
  await Promise.all([worker(), worker()]);
  if (codes.some((code) => code !== 0)) process.exit(1);
}

module.exports = { availability, prepare, flinkReleases, distVariable, jarsRoot };
if (require.main === module) main();
