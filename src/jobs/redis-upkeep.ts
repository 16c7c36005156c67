/**
 * The Redis store's operator-policy operations, beside the queue proper (`redis-queue.ts`):
 * the daily spending sums, retention and the Sentry → GitHub issue map. Keys are listed in
 * `redis-scripts.ts`. Jobs recorded before these indexes existed are neither summed nor pruned.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { incidentKey, repoKey, type IncidentRef, type PullRequestMerge, type QueueDepth, type RepoName, type Usage, type UsageQuery } from "./queue.ts";
import { COMMON, RedisScript } from "./redis-scripts.ts";

/** ARGV: P, repo, installation, since → {repo dollars, installation dollars, queued in the repo} (dollars as strings: Lua numbers would be truncated to integers) */
const USAGE = new RedisScript(`${COMMON}
local function spent(key)
  local total = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', key, ARGV[4], '+inf')) do
    total = total + (tonumber(redis.call('HGET', job(id), 'cost')) or 0)
  end
  return tostring(total)
end
return {spent(P .. 'byrepo:' .. ARGV[2]), spent(P .. 'byinst:' .. ARGV[3]), redis.call('LLEN', P .. 'queue:' .. ARGV[2])}
`);

/**
 * ARGV: P, ended before, batch size → ids deleted. A job active again, or interrupted and not yet
 * collected by recovery, is kept (an active one also leaves the index: it re-enters when it ends).
 */
const PRUNE = new RedisScript(`${COMMON}
local pruned = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'ended', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local f = redis.call('HMGET', job(id), 'state', 'tkey', 'repo', 'data', 'inst', 'collected')
  if f[1] == 'queued' or f[1] == 'running' or not f[1] then
    redis.call('ZREM', P .. 'ended', id)
  elseif f[1] ~= 'interrupted' or f[6] == '1' then
    local ok, data = pcall(cjson.decode, f[4] or '')
    if ok and type(data) == 'table' and data.deliveryId then redis.call('DEL', P .. 'delivery:' .. data.deliveryId) end
    redis.call('ZREM', P .. 'target:' .. f[2], id)
    redis.call('ZREM', P .. 'byrepo:' .. f[3], id)
    if f[5] then redis.call('ZREM', P .. 'byinst:' .. f[5], id) end
    redis.call('ZREM', P .. 'ended', id)
    redis.call('DEL', job(id))
    table.insert(pruned, id)
  end
end
return pruned
`);

const PRUNE_BATCH = 500;

export async function usage(redis: Redis, prefix: string, query: UsageQuery): Promise<Usage> {
  const reply = await USAGE.run(redis, [prefix, repoKey(query.repo), query.installationId, query.since.getTime()]);
  const [repoUsd, installationUsd, queuedInRepo] = z.tuple([z.coerce.number(), z.coerce.number(), z.number().int()]).parse(reply);
  return { repoUsd, installationUsd, queuedInRepo };
}

export async function prune(redis: Redis, prefix: string, endedBefore: Date): Promise<string[]> {
  const pruned: string[] = [];
  for (;;) {
    const batch = z.array(z.string()).parse(await PRUNE.run(redis, [prefix, endedBefore.getTime(), PRUNE_BATCH]));
    pruned.push(...batch);
    if (batch.length < PRUNE_BATCH) return pruned;
  }
}

export async function incidentIssue(redis: Redis, prefix: string, ref: IncidentRef): Promise<number | undefined> {
  const value = await redis.hget(`${prefix}incidents`, incidentKey(ref));
  return value === null ? undefined : z.coerce.number().int().parse(value);
}

export async function recordIncidentIssue(redis: Redis, prefix: string, ref: IncidentRef, issueNumber: number): Promise<void> {
  await redis.hset(`${prefix}incidents`, incidentKey(ref), issueNumber);
}

/** ARGV: P → {queued, running}: the queued jobs of every repository's list, and the running set. */
const DEPTH = new RedisScript(`${COMMON}
local queued = 0
for _, repo in ipairs(redis.call('ZRANGE', P .. 'ready', 0, -1)) do queued = queued + redis.call('LLEN', P .. 'queue:' .. repo) end
return {queued, redis.call('SCARD', P .. 'running')}
`);

export async function depth(redis: Redis, prefix: string): Promise<QueueDepth> {
  const [queued, running] = z.tuple([z.number().int(), z.number().int()]).parse(await DEPTH.run(redis, [prefix]));
  return { queued, running };
}

/** Merges live in one hash, `P merges`: `owner/name#number` → merged at (ms). */
export async function recordMerge(redis: Redis, prefix: string, merge: PullRequestMerge): Promise<void> {
  await redis.hsetnx(`${prefix}merges`, `${merge.repo.toLowerCase()}#${merge.number}`, merge.mergedAt.getTime());
}

export async function merges(redis: Redis, prefix: string, repo: RepoName | undefined): Promise<PullRequestMerge[]> {
  const all = await redis.hgetall(`${prefix}merges`);
  return Object.entries(all).flatMap(([key, at]) => {
    const cut = key.lastIndexOf("#");
    const merge = { repo: key.slice(0, cut), number: Number(key.slice(cut + 1)), mergedAt: new Date(Number(at)) };
    return repo === undefined || merge.repo === repoKey(repo) ? [merge] : [];
  });
}
