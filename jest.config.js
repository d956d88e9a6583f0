/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking is `npm run typecheck`; jest only transpiles, file by file, which keeps it fast.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json", diagnostics: false }] },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  testTimeout: 120000,
};
