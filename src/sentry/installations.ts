/**
 * Installation clients for configured Sentry projects: the configured installation
 * id, or the one GitHub reports for the repository (asked once, then remembered).
 */
import type { Probot } from "probot";
import { hasStatus } from "../github/octokit.ts";
import type { SentryProject } from "./config.ts";
import type { InstallationClient } from "./intake.ts";

export function installationClients(app: Pick<Probot, "auth">): (project: SentryProject) => Promise<InstallationClient> {
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
            `the GitHub App is not installed on ${project.owner}/${project.repo} (Sentry project ${project.slug}): install it there or fix DROID_SENTRY_PROJECTS`,
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
