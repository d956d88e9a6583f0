import { IamStatement } from "../cluster-feature";

/** A statement as iamPolicyDocument takes it: an IamStatement, or a trust statement with principals. */
export type PolicyStatement = Omit<IamStatement, "resources"> & {
  readonly resources?: readonly string[];
  readonly principals?: Readonly<Record<string, string | readonly string[]>>;
};

/** Renders statements as an IAM policy document (JSON), in IAM's own field names; tokens pass through. */
export function iamPolicyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: s.effect ?? "Allow",
      ...(s.principals ? { Principal: s.principals } : {}),
      Action: s.actions.length === 1 ? s.actions[0] : s.actions,
      ...(s.resources ? { Resource: s.resources.length === 1 ? s.resources[0] : s.resources } : {}),
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}
