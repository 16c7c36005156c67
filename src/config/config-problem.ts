/** One problem in a repository's config file, in words a user can act on. */
export interface ConfigProblem {
  key: string;
  expected: string;
  got: string;
  /** The value is valid but beyond what this Droid's operators allow (see `policy.ts`). */
  operatorLimit?: boolean;
}
