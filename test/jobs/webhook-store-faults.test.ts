/**
 * When the job store fails on the webhook path, the server still answers GitHub, the
 * log says why, and the human is told on the issue; once the cause is gone, the next
 * request is recorded.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, expect, it } from "vitest";
import { DATABASE_FILE, SqliteJobQueue } from "../../src/jobs/sqlite-queue.ts";
import {
  expectComment,
  expectConfig,
  expectInstallationToken,
  expectPermission,
  silentLog,
  WEBHOOK_SECRET,
} from "../helpers/github.ts";
import { issueComment, OWNER, REPO } from "../helpers/payloads.ts";
import { startTestServer } from "../helpers/server.ts";
import { sendWebhook } from "../helpers/webhook.ts";
import { holdWriteLock, release } from "./lock-holder.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
});

it("answers the webhook and says on the issue that the request could not be recorded while the store is locked", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "droid-webhook-faults-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const lines: { msg: string; reason?: string; deliveryId?: string }[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const queue = new SqliteJobQueue({ dataDir, lockTimeoutMs: 300, log: silentLog });
  cleanups.push(() => queue.close());
  const server = await startTestServer(queue, { configTtlMs: 60_000, log });
  const { outbox } = server;
  cleanups.push(() => server.stop());
  const holder = await holdWriteLock(join(dataDir, DATABASE_FILE));
  cleanups.push(() => release(holder));

  const payload = issueComment("/droid plan");
  const replies: string[] = [];
  const scope = expectInstallationToken();
  expectConfig(scope);
  expectPermission(scope, OWNER, "write");
  scope
    .post(`/repos/${OWNER}/${REPO}/issues/comments/${payload.comment.id}/reactions`, { content: "eyes" })
    .times(2)
    .reply(201, { id: 1 });
  expectComment(scope, replies);

  const locked = await sendWebhook(server.url, "issue_comment", payload, { secret: WEBHOOK_SECRET, deliveryId: "while-locked" });
  expect(locked.status).toBe(200);
  await outbox.drain();
  expect(replies).toEqual([expect.stringMatching(/^I could not record this request, so nothing will run for it\. .*busy/)]);
  expect(lines).toContainEqual(
    expect.objectContaining({ msg: "could not record the job", reason: "locked", deliveryId: "while-locked" }),
  );

  await release(holder);
  const after = await sendWebhook(server.url, "issue_comment", payload, { secret: WEBHOOK_SECRET, deliveryId: "after" });
  expect(after.status).toBe(200);
  await outbox.drain();
  expect(scope.isDone()).toBe(true);
  expect(await queue.listForTarget({ owner: OWNER, name: REPO }, { kind: "issue", number: 1 })).toMatchObject([
    { deliveryId: "after", state: "queued" },
  ]);
});
