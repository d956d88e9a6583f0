import { formatDuration, formatMemorySize, parseDuration, parseMemorySize } from "../lib/config/units";

describe("memory sizes in Flink's notation", () => {
  test.each([
    ["4g", 4n << 30n],
    ["4096m", 4096n << 20n],
    ["512 mb", 512n << 20n],
    ["1024", 1024n],
    ["7 bytes", 7n],
    ["3 KiBiBytes", 3n << 10n],
    [" 2T ", 2n << 40n],
  ])("%j is %d bytes", (text, bytes) => {
    expect(parseMemorySize(text)).toBe(bytes);
  });

  test.each(["1.5g", "-1m", "4 gigabytes", "", "m", "4g4", "9223372036854775808"])("%j is refused", (text) => {
    expect(parseMemorySize(text)).toBeUndefined();
  });

  test.each([
    [4n << 30n, "4 gb"],
    [4096n << 20n, "4 gb"],
    [3430n << 20n, "3430 mb"],
    [134217730n, "134217730 bytes"],
    [0n, "0 bytes"],
  ])("%d bytes print as %j", (bytes, text) => {
    expect(formatMemorySize(bytes)).toBe(text);
  });
});

describe("durations in Flink's notation", () => {
  test.each([
    ["30 s", 30_000],
    ["5min", 300_000],
    ["500", 500],
    ["10 ms", 10],
    ["2 h", 7_200_000],
    ["1d", 86_400_000],
    ["3 seconds", 3_000],
    ["2 m", 120_000],
  ])("%j is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["1.5s", "-5s", "5 fortnights", "", "s"])("%j is refused", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test.each([
    [30_000, "30 s"],
    [300_000, "5 min"],
    [90_000, "90 s"],
    [600_000, "10 min"],
    [1_500, "1500 ms"],
    [0, "0 ms"],
  ])("%d ms prints as %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
