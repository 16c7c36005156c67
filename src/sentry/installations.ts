/** Installation clients for configured Sentry projects (`github/installations.ts`). */
import type { Probot } from "probot";
import { mappedInstallationClients, type InstallationClient } from "../github/installations.ts";
import type { SentryProject } from "./config.ts";

export function installationClients(app: Pick<Probot, "auth">): (project: SentryProject) => Promise<InstallationClient> {
  const clients = mappedInstallationClients(app);
  return (project) => clients({ ...project, mappedAs: { entry: `Sentry project ${project.slug}`, setting: "DROID_SENTRY_PROJECTS" } });
}
