/**
 * Installation clients for configured Sentry projects: the configured installation
 * id, or the one GitHub reports for the repository (asked once, then remembered).
 */
import type { Probot } from "probot";
import type { SentryProject } from "./config.ts";
import type { InstallationClient } from "./intake.ts";

export function installationClients(app: Pick<Probot, "auth">): (project: SentryProject) => Promise<InstallationClient> {
  const known = new Map<string, Promise<number>>();
  return async (project) => {
    const key = `${project.owner}/${project.repo}`.toLowerCase();
    let id = project.installationId === null ? known.get(key) : Promise.resolve(project.installationId);
    if (id === undefined) {
      id = app.auth().then(async (appClient) => {
        const { data } = await appClient.rest.apps.getRepoInstallation({ owner: project.owner, repo: project.repo });
        return data.id;
      });
      known.set(key, id);
      id.catch(() => known.delete(key));
    }
    const installationId = await id;
    return { octokit: await app.auth(installationId), installationId };
  };
}
