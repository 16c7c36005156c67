import { describe, expect, it } from "vitest";
import { installationClients } from "../../src/sentry/installations.ts";
import { api, testProbot } from "../helpers/github.ts";
import { example, INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.ts";

const project = { slug: "front-end", owner: OWNER, repo: REPO, installationId: null, sourceRoots: [] };

describe("installation clients for Sentry projects", () => {
  it("asks GitHub for the repository's installation once, then remembers it", async () => {
    const scope = api()
      .get(`/repos/${OWNER}/${REPO}/installation`)
      .reply(200, { ...example("installation", "created").installation, id: INSTALLATION_ID });
    // The installation token itself is fetched lazily, on the client's first request.
    const clients = installationClients(testProbot());
    expect((await clients(project)).installationId).toBe(INSTALLATION_ID);
    expect((await clients(project)).installationId).toBe(INSTALLATION_ID);
    expect(scope.isDone()).toBe(true);
  });

  it("says plainly when the app is not installed on the mapped repository", async () => {
    const scope = api().get(`/repos/${OWNER}/${REPO}/installation`).reply(404, { message: "Not Found" });
    await expect(installationClients(testProbot())(project)).rejects.toThrow(
      "the GitHub App is not installed on Codertocat/Hello-World (Sentry project front-end): install it there or fix DROID_SENTRY_PROJECTS",
    );
    expect(scope.isDone()).toBe(true);
  });
});
