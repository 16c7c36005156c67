/**
 * What an unsigned 100 MB POST to the GitHub webhook route costs the server: the
 * server's resident memory (peak growth, from /proc) and how long it takes to answer.
 * Each case runs against a fresh server process (bench/webhook-server.ts, Droid's real
 * server with an in-memory queue), once with a `Content-Length` and once chunked.
 * A signed `/droid help`-sized delivery is measured in the same run as the baseline.
 *
 *   npm run bench:webhook-body [-- --megabytes 100]
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { parseArgs } from "node:util";
import { startFakeGitHub } from "./fake-github.ts";
import { startWebhookServer } from "./webhook-app.ts";

const { values } = parseArgs({ options: { megabytes: { type: "string", default: "100" } } });
const bytes = Number(values.megabytes) * 1024 * 1024;

interface Figures {
  status: number | string;
  answerMs: number;
  /** Peak resident memory of the server process above its level before the request. */
  peakGrowthMb: number;
  /** Bytes the server accepted before it answered or hung up. */
  sentMb: number;
}

/** Resident and peak resident memory (kB) of a process, from /proc. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/**
 * POSTs `size` bytes of JSON-looking padding, unsigned, in 1 MB chunks as fast as the
 * server takes them; with `Content-Length` or chunked. Resolves when the server answers
 * and the exchange is over (or the server hangs up).
 */
function unsignedPost(url: string, size: number, chunked: boolean): Promise<{ status: number | string; answerMs: number; sentBytes: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let sentBytes = 0;
    let status: number | string = "no answer";
    let answerMs = Number.NaN;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
      ...(chunked ? {} : { "content-length": String(size) }),
    };
    const req = request(`${url}/api/github/webhooks`, { method: "POST", headers, agent: false });
    const finish = () => resolve({ status, answerMs, sentBytes });
    req.on("response", (res) => {
      status = res.statusCode ?? 0;
      answerMs = performance.now() - started;
      res.resume();
      res.on("end", finish);
      res.on("error", finish);
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (status === "no answer") status = error.code ?? "error";
      finish();
    });
    const chunk = Buffer.alloc(1024 * 1024, "a");
    const pump = () => {
      while (sentBytes < size && !req.destroyed) {
        const piece = sentBytes + chunk.length <= size ? chunk : chunk.subarray(0, size - sentBytes);
        sentBytes += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      if (!req.destroyed) req.end();
    };
    req.write('{"padding":"');
    pump();
  });
}

async function measure(githubUrl: string, size: number, chunked: boolean): Promise<Figures> {
  const server = await startWebhookServer("memory", { GITHUB_URL: githubUrl });
  const pid = server.child.pid ?? 0;
  // Let start-up allocations settle before the "before" reading.
  await new Promise((r) => setTimeout(r, 500));
  const before = memoryOf(pid);
  const result = await unsignedPost(server.url, size, chunked);
  await new Promise((r) => setTimeout(r, 200));
  const after = memoryOf(pid);
  server.child.kill("SIGKILL");
  await once(server.child, "exit");
  return {
    status: result.status,
    answerMs: result.answerMs,
    peakGrowthMb: (after.peak - before.rss) / 1024,
    sentMb: result.sentBytes / 1024 / 1024,
  };
}

const github = await startFakeGitHub();
console.log(`unsigned POSTs to /api/github/webhooks against a fresh server each (Node ${process.version})\n`);
console.log(`  ${"body".padEnd(28)}${"answer".padEnd(14)}${"after".padEnd(12)}${"sent".padEnd(12)}peak RSS growth`);
const cases: [string, number, boolean][] = [
  ["1 KB, Content-Length", 1024, false],
  [`${values.megabytes} MB, Content-Length`, bytes, false],
  [`${values.megabytes} MB, chunked`, bytes, true],
];
for (const [label, size, chunked] of cases) {
  const f = await measure(github.url, size, chunked);
  console.log(
    `  ${label.padEnd(28)}${String(f.status).padEnd(14)}${`${f.answerMs.toFixed(1)} ms`.padEnd(12)}${`${f.sentMb.toFixed(1)} MB`.padEnd(12)}${f.peakGrowthMb.toFixed(1)} MB`,
  );
}
await github.close();
process.exit(0);
