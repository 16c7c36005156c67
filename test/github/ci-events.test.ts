/**
 * CI webhooks read into one signal ("look at this commit's checks again"), on GitHub's own
 * example payloads (`@octokit/webhooks-examples`): check suites, check runs, workflow runs and
 * commit statuses; Droid's own check, pending statuses and payloads without an installation
 * move nothing. A push to a Droid pull request's branch (`pull_request.synchronize`) is read
 * into the commit it replaced.
 */
import { describe, expect, it } from "vitest";
import { readBranchPush, readCiSignal } from "../../src/github/ci-events.ts";
import { CHECK_NAME } from "../../src/github/check-run.ts";
import { example } from "../helpers/payloads.ts";

describe("readCiSignal", () => {
  it("reads the head commit and branch of a completed workflow run", () => {
    const payload = example("workflow_run", "completed");
    const signal = readCiSignal("workflow_run.completed", "d-1", payload);
    expect(signal).toMatchObject({ deliveryId: "d-1", event: "workflow_run.completed", headSha: payload.workflow_run.head_sha, headBranch: payload.workflow_run.head_branch });
    expect(signal).toMatchObject({ repo: { owner: payload.repository.owner.login, name: payload.repository.name, installationId: payload.installation.id } });
  });

  it("reads a finished commit status, preferring a droid/ branch among the branches it names", () => {
    const payload = example("status", undefined);
    payload.state = "failure";
    payload.branches = [{ name: "main" }, { name: "droid/1-fix" }];
    expect(readCiSignal("status", "d-2", payload)).toMatchObject({ headSha: payload.sha, headBranch: "droid/1-fix" });
    payload.state = "pending";
    expect(readCiSignal("status", "d-3", payload)).toEqual({ ignored: "a pending status" });
  });

  it("reads completed check suites and check runs, and ignores Droid's own check", () => {
    const suite = example("check_suite", "completed");
    expect(readCiSignal("check_suite.completed", "d-4", suite)).toMatchObject({ headSha: suite.check_suite.head_sha, headBranch: suite.check_suite.head_branch });
    const run = example("check_run", "completed");
    expect(readCiSignal("check_run.completed", "d-5", run)).toMatchObject({ headSha: run.check_run.head_sha });
    run.check_run.name = CHECK_NAME;
    expect(readCiSignal("check_run.completed", "d-6", run)).toEqual({ ignored: "Droid's own check is not CI" });
  });

  it("ignores a payload without an installation and says what is malformed", () => {
    const payload = example("workflow_run", "completed");
    delete payload.installation;
    expect(readCiSignal("workflow_run.completed", "d-7", payload)).toEqual({ ignored: "payload has no installation (not delivered to an installed app)" });
    const broken = example("workflow_run", "completed");
    broken.workflow_run.head_sha = "not a sha";
    expect(readCiSignal("workflow_run.completed", "d-8", broken)).toMatchObject({ ignored: expect.stringContaining("workflow_run.head_sha") });
  });
});

describe("readBranchPush", () => {
  it("reads the replaced and the new head of a Droid pull request's branch, and ignores other branches and forks", () => {
    const payload = example("pull_request", "synchronize");
    expect(readBranchPush("d-5", payload)).toEqual({ ignored: "a push to a branch Droid did not make" });
    payload.pull_request.head.ref = "droid/7-fix";
    expect(readBranchPush("d-5", payload)).toEqual({
      deliveryId: "d-5",
      repo: { owner: payload.repository.owner.login, name: payload.repository.name, installationId: payload.installation.id, defaultBranch: payload.repository.default_branch },
      pullNumber: payload.pull_request.number,
      branch: "droid/7-fix",
      before: payload.before,
      after: payload.after,
      pusher: payload.sender.login,
    });
    payload.pull_request.head.repo.full_name = "someone/fork";
    expect(readBranchPush("d-5", payload)).toEqual({ ignored: "a push to a branch Droid did not make" });
  });
});
