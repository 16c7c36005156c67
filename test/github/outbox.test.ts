import { describe, expect, it } from "vitest";
import { GitHubOutbox } from "../../src/github/outbox.ts";
import { silentLog } from "../helpers/github.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("GitHubOutbox", () => {
  it("sends each trigger's writes in order, at most `concurrency` triggers at once, and drains", async () => {
    const outbox = new GitHubOutbox(silentLog, { concurrency: 2, quietMs: 0 });
    const log: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const write = (name: string) => async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick(5);
      log.push(name);
      inFlight--;
    };
    for (const t of ["a", "b", "c", "d"]) outbox.send("test", {}, [write(`${t}1`), write(`${t}2`)]);
    expect(outbox.pending).toBe(4);
    await outbox.drain();
    expect(outbox.pending).toBe(0);
    expect(peak).toBe(2);
    for (const t of ["a", "b", "c", "d"]) expect(log.indexOf(`${t}1`)).toBeLessThan(log.indexOf(`${t}2`));
  });

  it("keeps going after a failed write, skipping the rest of that trigger's writes", async () => {
    const outbox = new GitHubOutbox(silentLog, { concurrency: 1, quietMs: 0 });
    const sent: string[] = [];
    outbox.send("test", {}, [async () => Promise.reject(new Error("500")), async () => void sent.push("never")]);
    outbox.send("test", {}, [async () => void sent.push("next")]);
    await outbox.drain();
    expect(sent).toEqual(["next"]);
  });

  it("holds new writes back while webhooks keep arriving, then sends them all", async () => {
    const outbox = new GitHubOutbox(silentLog, { concurrency: 1, quietMs: 40 });
    const sentAt: number[] = [];
    const start = performance.now();
    for (let i = 0; i < 3; i++) {
      outbox.send("test", {}, [
        async () => {
          sentAt.push(performance.now() - start);
          await tick(15);
        },
      ]);
      await tick(10);
    }
    await outbox.drain();
    expect(sentAt).toHaveLength(3);
    // The first goes at once; the next, queued while webhooks kept coming, waits at least
    // `quietMs` (it would have gone at 15 ms, when the first ended).
    expect(sentAt[0]).toBeLessThan(10);
    expect(sentAt[1]).toBeGreaterThanOrEqual(38);
  });
});
