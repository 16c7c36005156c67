/**
 * Installation clients for repositories an operator mapped from another tracker (Sentry
 * projects, Jira projects): the configured installation id, or the one GitHub reports
 * for the repository (asked once, then remembered).
 */
import type { Probot } from "probot";
import { hasStatus, type GitHubClient } from "./octokit.ts";

/** A repository an operator's setting maps to; `mappedAs` names the setting's entry in errors (`Sentry project web`, `DROID_SENTRY_PROJECTS`). */
export interface MappedRepository {
  owner: string;
  repo: string;
  installationId: number | null;
  mappedAs: { entry: string; setting: string };
}

export interface InstallationClient {
  octokit: GitHubClient;
  installationId: number;
}

export function mappedInstallationClients(app: Pick<Probot, "auth">): (project: MappedRepository) => Promise<InstallationClient> {
  const known = new Map<string, Promise<number>>();
  return async (project) => {
    const key = `${project.owner}/${project.repo}`.toLowerCase();
    let id = project.installationId === null ? known.get(key) : Promise.resolve(project.installationId);
    if (id === undefined) {
      id = app.auth().then(async (appClient) => {
        try {
          const { data } = await appClient.rest.apps.getRepoInstallation({ owner: project.owner, repo: project.repo });
          return data.id;
        } catch (error) {
          if (!hasStatus(error, 404)) throw error;
          throw new Error(
            `the GitHub App is not installed on ${project.owner}/${project.repo} (${project.mappedAs.entry}): install it there or fix ${project.mappedAs.setting}`,
            { cause: error },
          );
        }
      });
      known.set(key, id);
      id.catch(() => known.delete(key));
    }
    const installationId = await id;
    return { octokit: await app.auth(installationId), installationId };
  };
}
