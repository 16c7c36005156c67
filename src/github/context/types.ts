import type { graphql } from "@octokit/graphql";

/** `@octokit/graphql` (or `octokit.graphql`) authenticated as the installation. */
export type GraphqlClient = typeof graphql;

/** Whether a login has write access to the repository (for authors without a writer association). */
export type WriteAccessLookup = (login: string) => Promise<boolean>;
