/**
 * Records a run's transcript as it happens (the run pages read it): the trigger, the
 * steps, the plan and its revisions, every model turn and tool result (as the model saw
 * it, with the full log of each command it ran), steering comments, test runs, the diff
 * and the outcome. Every text is scrubbed of the known secrets first, as comments are.
 * Writes go out in order, one at a time, and never fail the run: a store that fails is
 * logged and the run goes on.
 */
import type { Logger } from "pino";
import type { CommandOutput, TestRun } from "../agent/computer.ts";
import type { LivePlan } from "../agent/live-plan.ts";
import type { ChangeReport } from "../agent/loop.ts";
import type { AgentEvent, AgentObserver } from "../agent/observer.ts";
import { scrubSecrets } from "../github/text.ts";
import type { Job, JobOutcome } from "../jobs/types.ts";
import { MAX_ENTRY_CHARS, MAX_LOG_BYTES, type TranscriptEntry, type TranscriptLogRef, type TranscriptStore } from "../jobs/transcript.ts";
import type { Plan } from "../planning/schema.ts";

export class TranscriptRecorder {
  readonly #store: TranscriptStore | null;
  readonly #job: Job;
  readonly #log: Logger;
  readonly #now: () => number;
  #secrets: readonly string[];
  #chain: Promise<void> = Promise.resolve();
  #logs = 0;
  /** Logs of the commands run since the last tool result: they belong to the next one. */
  #pendingLogs: TranscriptLogRef[] = [];
  #lastTestRun: TestRun | null = null;
  #summary: string | null = null;
  #testRuns: () => TestRun | null = () => null;

  constructor(options: { store: TranscriptStore | null; job: Job; secrets: readonly string[]; log: Logger; now?: () => number }) {
    this.#store = options.store;
    this.#job = options.job;
    this.#log = options.log;
    this.#secrets = options.secrets;
    this.#now = options.now ?? Date.now;
  }

  /** Adds strings to scrub (the installation token, once the run has one). */
  addSecrets(secrets: readonly string[]): void {
    this.#secrets = [...new Set([...this.#secrets, ...secrets])];
  }

  /** The run's summary in its repository's index; `title` once the run knows what it is about. */
  begin(title = ""): void {
    const job = this.#job;
    this.#write((store) =>
      store.begin({
        jobId: job.id,
        repo: `${job.repo.owner}/${job.repo.name}`,
        kind: job.request.kind,
        target: job.target,
        requester: job.requester,
        title: this.#clean(title, 300),
        createdAt: job.createdAt.getTime(),
      }),
    );
  }

  /** What was asked, and the issue or pull request it is about (untrusted text, kept as text). */
  trigger(subject: { title: string; body: string; author: string }): void {
    this.begin(subject.title);
    this.#append({
      kind: "trigger",
      requester: this.#job.requester,
      request: requestText(this.#job),
      title: subject.title,
      body: subject.body,
      author: subject.author,
    });
  }

  step(step: string): void {
    this.#append({ kind: "step", step });
  }

  /** The plan at the start, then a snapshot with each change (the revision's reason when it revised the plan). */
  followPlan(plan: LivePlan): () => void {
    let revisions = plan.revisions.length;
    this.#append(planEntry(plan.plan, null));
    return plan.onChange(() => {
      const revision = plan.revisions.length > revisions ? (plan.revisions.at(-1) ?? null) : null;
      revisions = plan.revisions.length;
      this.#append(planEntry(plan.plan, revision ? { reason: revision.reason, changes: revision.changes } : null));
    });
  }

  /** Where the run's test results come from (a new one is recorded after the tool result that ran it). */
  watchTests(latest: () => TestRun | null): void {
    this.#testRuns = latest;
    this.#lastTestRun = latest();
  }

  /** The agent loop's events, for `runAgent({ observer })`. */
  readonly observer: AgentObserver = (event: AgentEvent) => {
    switch (event.kind) {
      case "model-turn":
        this.#append({
          kind: "model-turn",
          turn: event.turn,
          text: event.text,
          toolCalls: event.toolCalls.map((c) => ({ id: c.id, name: c.name, input: JSON.stringify(c.input, null, 2) ?? "" })),
          tokens: event.usage,
          costUsd: event.costUsd,
          durationMs: event.durationMs,
        });
        return;
      case "tool-result": {
        const logs = this.#pendingLogs;
        this.#pendingLogs = [];
        this.#append({ kind: "tool-result", turn: event.turn, callId: event.callId, name: event.name, text: event.text, isError: event.isError, durationMs: event.durationMs, logs });
        const test = this.#testRuns();
        if (test && test !== this.#lastTestRun) {
          this.#lastTestRun = test;
          this.#append({ kind: "test-run", command: test.command, line: test.line, ok: test.summary.ok });
        }
        return;
      }
      case "steering":
        this.#append({ kind: "steering", author: event.author, body: event.body });
        return;
    }
  };

  /** A command's whole output, for `AgentComputer({ onOutput })`: kept as its full log. */
  readonly onOutput = (output: CommandOutput): void => {
    const name = `${this.#job.attempts}-${++this.#logs}`;
    const text = capBytes(this.#scrub(output.output), MAX_LOG_BYTES);
    this.#pendingLogs.push({ name, command: this.#clean(output.command, 2_000), bytes: Buffer.byteLength(text) });
    this.#write((store) => store.saveLog(this.#job.id, name, text));
  };

  diff(changes: ChangeReport): void {
    this.#append({ kind: "diff", files: changes.files.map((f) => ({ path: f.path, status: f.status })), diff: changes.diff });
  }

  /** The run's own account of what it did (the agent's summary), shown with the outcome. */
  summary(text: string): void {
    this.#summary = text;
  }

  /** How the run ended; the summary in the index says so too. */
  outcome(outcome: JobOutcome, input: { costUsd: number; durationMs: number; detail?: string; pullRequest?: number | null }): void {
    const detail = this.#clean(input.detail ?? ("error" in outcome ? outcome.error : (this.#summary ?? "")), 2_000);
    this.#append({ kind: "outcome", state: outcome.state, outcome: outcome.kind, detail, costUsd: input.costUsd, durationMs: input.durationMs, pullRequest: input.pullRequest ?? null });
    const at = this.#now();
    this.#write((store) => store.end(this.#job.id, { state: outcome.state, detail, costUsd: input.costUsd, at }));
  }

  /** Waits for every write so far. */
  flush(): Promise<void> {
    return this.#chain;
  }

  #append(entry: TranscriptEntry): void {
    const at = this.#now();
    const clean = this.#cleanEntry(entry);
    this.#write((store) => store.append(this.#job.id, clean, at));
  }

  #write(work: (store: TranscriptStore) => Promise<unknown>): void {
    const store = this.#store;
    if (!store) return;
    this.#chain = this.#chain.then(
      () => work(store).then(() => {}),
    ).catch((error: unknown) => this.#log.warn({ err: error }, "could not record the run's transcript; the run goes on"));
  }

  #scrub(text: string): string {
    return scrubSecrets(text, this.#secrets);
  }

  #clean(text: string, max = MAX_ENTRY_CHARS): string {
    const scrubbed = this.#scrub(text);
    return scrubbed.length > max ? `${scrubbed.slice(0, max)}\n… (${scrubbed.length - max} more characters not kept)` : scrubbed;
  }

  /** Every string of an entry scrubbed and capped. */
  #cleanEntry(entry: TranscriptEntry): TranscriptEntry {
    return JSON.parse(JSON.stringify(entry), (_key, value: unknown) => (typeof value === "string" ? this.#clean(value) : value)) as TranscriptEntry;
  }
}

function planEntry(plan: Plan, revision: { reason: string; changes: string[] } | null): TranscriptEntry {
  return { kind: "plan", summary: plan.summary, template: plan.template.title, subtasks: plan.subtasks.map((s) => ({ id: s.id, title: s.title, state: s.state })), revision };
}

/** The request in the words the requester used (the command and what followed it). */
function requestText(job: Job): string {
  const r = job.request;
  switch (r.kind) {
    case "plan":
      return `plan ${r.feedback}`.trim();
    case "fix":
      return `fix ${r.instructions}`.trim();
    case "revise":
      return [r.instructions, r.reviewBody, ...r.comments.map((c) => `${c.path}${c.line === null ? "" : `:${c.line}`}: ${c.body}`)].filter(Boolean).join("\n\n") || "review";
    case "rca":
      return r.source === "sentry" ? `root-cause analysis of Sentry issue ${r.sentryIssueId ?? ""}`.trim() : "rca";
    case "ask":
      return `ask ${r.question}`;
    case "ci-revision":
      return `CI failed on ${r.headSha.slice(0, 7)}: ${r.failing.join(", ")} (automatic attempt ${r.attempt})`;
  }
}

function capBytes(text: string, max: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  return `${bytes.subarray(0, max).toString("utf8")}\n… (${bytes.length - max} more bytes not kept)`;
}
