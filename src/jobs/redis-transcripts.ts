/**
 * Transcripts next to the Redis queue (scale-out: workers on other machines write, any
 * `droid serve` reads): per job a summary string, a list of entries (an entry's `seq` is
 * its place in the list, given atomically by RPUSH) and its full command logs as strings;
 * per repository a sorted set of job ids by creation time; one sorted set of ended runs
 * by end time, for retention. Keys are prefixed `droid:transcript`.
 */
import { Redis } from "ioredis";
import { checkNames, repoIndexKey, type RunSummary, type TranscriptEntry, type TranscriptRecord, type TranscriptStore } from "./transcript.ts";

const P = "droid:transcript";
const key = {
  run: (id: string) => `${P}:${id}:run`,
  entries: (id: string) => `${P}:${id}:entries`,
  logs: (id: string) => `${P}:${id}:logs`,
  log: (id: string, name: string) => `${P}:${id}:log:${name}`,
  repo: (repo: string) => `${P}s:repo:${repoIndexKey(repo)}`,
  ended: `${P}s:ended`,
};

export class RedisTranscriptStore implements TranscriptStore {
  readonly #redis: Redis;

  constructor(options: { url: string }) {
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.#redis.on("error", () => {});
  }

  async begin(run: Omit<RunSummary, "ended">): Promise<void> {
    checkNames(run.jobId);
    await this.#redis.multi().set(key.run(run.jobId), JSON.stringify({ ...run, ended: null })).zadd(key.repo(run.repo), run.createdAt, run.jobId).zrem(key.ended, run.jobId).exec();
  }

  async append(jobId: string, entry: TranscriptEntry, at: number): Promise<number> {
    checkNames(jobId);
    // The entry is stored without its seq: its place in the list is its seq.
    return this.#redis.rpush(key.entries(jobId), JSON.stringify({ at, entry }));
  }

  async end(jobId: string, ended: NonNullable<RunSummary["ended"]>): Promise<void> {
    const current = await this.run(jobId);
    if (!current) return;
    await this.#redis.multi().set(key.run(jobId), JSON.stringify({ ...current, ended })).zadd(key.ended, ended.at, jobId).exec();
  }

  async run(jobId: string): Promise<RunSummary | undefined> {
    checkNames(jobId);
    const text = await this.#redis.get(key.run(jobId));
    return text === null ? undefined : (JSON.parse(text) as RunSummary);
  }

  async entries(jobId: string, afterSeq = 0): Promise<TranscriptRecord[]> {
    checkNames(jobId);
    const items = await this.#redis.lrange(key.entries(jobId), afterSeq, -1);
    return items.map((text, i) => {
      const { at, entry } = JSON.parse(text) as { at: number; entry: TranscriptEntry };
      return { ...entry, seq: afterSeq + i + 1, at };
    });
  }

  async runs(repo: string, limit: number): Promise<RunSummary[]> {
    const ids = await this.#redis.zrevrange(key.repo(repo), 0, limit - 1);
    if (ids.length === 0) return [];
    const texts = await this.#redis.mget(ids.map(key.run));
    return texts.flatMap((t) => (t === null ? [] : [JSON.parse(t) as RunSummary]));
  }

  async saveLog(jobId: string, name: string, text: string): Promise<void> {
    checkNames(jobId, name);
    await this.#redis.multi().set(key.log(jobId, name), text).sadd(key.logs(jobId), name).exec();
  }

  async readLog(jobId: string, name: string): Promise<string | undefined> {
    checkNames(jobId, name);
    return (await this.#redis.get(key.log(jobId, name))) ?? undefined;
  }

  async prune(jobIds: readonly string[], endedBefore: Date): Promise<number> {
    const old = await this.#redis.zrangebyscore(key.ended, 0, endedBefore.getTime() - 1);
    let pruned = 0;
    for (const id of new Set([...jobIds, ...old])) {
      const run = await this.run(id).catch(() => undefined);
      const logs = await this.#redis.smembers(key.logs(id));
      const batch = this.#redis.multi().del(key.run(id), key.entries(id), key.logs(id), ...logs.map((n) => key.log(id, n))).zrem(key.ended, id);
      if (run) batch.zrem(key.repo(run.repo), id);
      await batch.exec();
      if (run) pruned += 1;
    }
    return pruned;
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
