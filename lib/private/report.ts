import { Construct } from "constructs";
import { FlinkConfigError, Problems } from "../config/problems";

/**
 * The cdktf CLI runs the app with these set, and reports error annotations itself, once each, after the
 * app has synthesized (and fails the synth); an exception, by contrast, it prints twice with its stack.
 * Both must be set: the first alone (a user's shell) must not turn an error into a quietly smaller stack.
 */
const CLI_REPORTS_ERROR_ANNOTATIONS = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";
const CLI_OUTDIR = "CDKTF_OUTDIR";

/** The construct's fields the constructor had not set when it stopped. */
const unsetFields = (scope: Construct) => Object.keys(scope).filter((key) => (scope as unknown as Record<string, unknown>)[key] === undefined);

/** Errors already reported as an annotation: a construct that meets one again (a dependant) only stops. */
const reported = new WeakSet<Error>();

const underCdktfCli = () => process.env[CLI_REPORTS_ERROR_ANNOTATIONS] !== undefined && process.env[CLI_OUTDIR] !== undefined;

/**
 * Under the cdktf CLI, a construct's configuration problems become one error annotation on it (without a
 * stack trace), and the CLI fails the synth listing every construct's problems once. Anywhere else (a
 * program, a test) they stay an exception. The construct has then created nothing past the problem, and
 * code that goes on to read one of `fields` gets the problem again, not a TypeError.
 */
export function reportUnderCdktfCli(scope: Construct, error: unknown, fields: readonly string[] = unsetFields(scope)): void {
  // cdktf counts the variable as set whatever its value.
  if (!(error instanceof FlinkConfigError) || !underCdktfCli()) throw error;
  if (!reported.has(error)) scope.node.addMetadata("@cdktf/error", error.message, { stackTrace: false });
  reported.add(error);
  for (const field of fields) {
    Object.defineProperty(scope, field, {
      get: () => {
        throw error;
      },
    });
  }
}

/**
 * For a constructor that checks its props before creating anything: undefined when there is no error;
 * otherwise the problems are thrown, or under the cdktf CLI reported (reportUnderCdktfCli) and returned,
 * and the constructor returns at once.
 */
export function refusal(scope: Construct, problems: Problems, prefix: string, fields: readonly string[]): FlinkConfigError | undefined {
  try {
    problems.throwIfErrors(prefix);
    return undefined;
  } catch (error) {
    reportUnderCdktfCli(scope, error, fields);
    return error as FlinkConfigError;
  }
}
