/**
 * The Redis queue's atomic operations, as Lua scripts (Redis runs each one alone, so
 * dedupe, claims and recovery are atomic across any number of processes).
 *
 * Keys, under a prefix P (default `droid:`):
 *   P job:<id>           hash: data (the NewJob JSON), state, attempts, timestamps, cost, links,
 *                        error, outcome (its kind, once ended), seq, token (the current claim), owner,
 *                        cancel, stopper (who asked to stop the job; absent when nobody did, and in
 *                        hashes written before), collected
 *   P delivery:<id>      → job id (dedupe by X-GitHub-Delivery)
 *   P active:<t>|<kind>  set of job ids queued or running for a target and kind (at most one for
 *                        the kinds that dedupe; `revise` and `ci-revision` jobs queue up on their branch lock)
 *   P target:<t>         zset of job ids by seq (a target's history)
 *   P queue:<repo>       list of queued job ids, FIFO
 *   P ready              zset of repositories with queued jobs, by the turn they were last served
 *   P turns              hash repository → turn last served
 *   P lock:<lock key>    → running job id, with a TTL its worker renews (the lease)
 *   P running            set of running job ids
 *   P interrupted        zset of interrupted job ids not yet collected, by seq
 *   P byrepo:<repo>      zset of job ids by creation time (daily caps; `redis-upkeep.ts`)
 *   P byinst:<id>        zset of job ids by creation time, per installation
 *   P ended              zset of ended job ids by end time (retention)
 *   P incidents          hash `owner/name#sentryIssueId` → GitHub issue number
 *   P merges             hash `owner/name#number` → when Droid's pull request was merged (ms)
 *   P notice:<key>       → the delivery id that posts a one-time notice (`claimNotice`)
 *   P events             pub/sub channel: "runnable", "cancel:<id>"
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export const COMMON = `
local P = ARGV[1]
local function job(id) return P .. 'job:' .. id end
local function activeKey(tkey, kind) return P .. 'active:' .. tkey .. '|' .. kind end
-- Puts a queued job in its repository's list in seq order and marks the repository ready.
local function enlist(id, repo, seq)
  local qkey = P .. 'queue:' .. repo
  local last = redis.call('LINDEX', qkey, -1)
  local placed = false
  -- A new job goes last at once; only a re-queued (older) job looks for its place.
  if last and tonumber(redis.call('HGET', job(last), 'seq')) > seq then
    for _, other in ipairs(redis.call('LRANGE', qkey, 0, -1)) do
      if tonumber(redis.call('HGET', job(other), 'seq')) > seq then
        redis.call('LINSERT', qkey, 'BEFORE', other, id)
        placed = true
        break
      end
    end
  end
  if not placed then redis.call('RPUSH', qkey, id) end
  local turn = redis.call('HGET', P .. 'turns', repo) or 0
  redis.call('ZADD', P .. 'ready', 'NX', turn, repo)
end
local function delist(id, repo)
  local qkey = P .. 'queue:' .. repo
  redis.call('LREM', qkey, 0, id)
  if redis.call('LLEN', qkey) == 0 then redis.call('ZREM', P .. 'ready', repo) end
end
-- Ends a job that was running: frees its lock and its target.
local function release(id, state, now, err, outcome)
  local f = redis.call('HMGET', job(id), 'lock', 'tkey', 'kind', 'seq')
  redis.call('HSET', job(id), 'state', state, 'ended', now, 'collected', 0, 'outcome', outcome)
  if err == '' then redis.call('HDEL', job(id), 'error') else redis.call('HSET', job(id), 'error', err) end
  if redis.call('GET', P .. 'lock:' .. f[1]) == id then redis.call('DEL', P .. 'lock:' .. f[1]) end
  redis.call('SREM', activeKey(f[2], f[3]), id)
  redis.call('SREM', P .. 'running', id)
  if state == 'interrupted' then redis.call('ZADD', P .. 'interrupted', f[4], id) end
  redis.call('ZADD', P .. 'ended', now, id)
end
`;

/**
 * ARGV: P, id, deliveryId, repo, tkey, kind, lockKey, data, now, dedupe ('1'/'0'), installation,
 * review key, review text digest (see `reviewKeys`), max queued in the repository ('' = no cap)
 * → {status, id} (for 'queue-full': {status, jobs queued})
 */
const ENQUEUE = `${COMMON}
local id, delivery, repo, tkey, kind = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local inst, review, rbody = ARGV[11], ARGV[12], ARGV[13]
local seen = redis.call('GET', P .. 'delivery:' .. delivery)
if seen then return {'duplicate-delivery', seen} end
if ARGV[10] == '1' then
  local active = redis.call('SRANDMEMBER', activeKey(tkey, kind))
  if active then return {'already-active', active} end
end
if review ~= '' then
  for _, other in ipairs(redis.call('SMEMBERS', activeKey(tkey, kind))) do
    local f = redis.call('HMGET', job(other), 'review', 'rbody')
    if f[1] == review and (rbody == '' or f[2] == rbody) then return {'covered', other} end
  end
end
if ARGV[14] ~= '' then
  local queued = redis.call('LLEN', P .. 'queue:' .. repo)
  if queued >= tonumber(ARGV[14]) then return {'queue-full', tostring(queued)} end
end
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', job(id), 'data', ARGV[8], 'kind', kind, 'repo', repo, 'tkey', tkey, 'lock', ARGV[7],
  'state', 'queued', 'attempts', 0, 'created', ARGV[9], 'cost', 0, 'links', '{}', 'seq', seq,
  'cancel', 0, 'collected', 0, 'inst', inst, 'review', review, 'rbody', rbody)
redis.call('ZADD', P .. 'byrepo:' .. repo, ARGV[9], id)
redis.call('ZADD', P .. 'byinst:' .. inst, ARGV[9], id)
redis.call('SET', P .. 'delivery:' .. delivery, id)
redis.call('SADD', activeKey(tkey, kind), id)
redis.call('ZADD', P .. 'target:' .. tkey, seq, id)
enlist(id, repo, seq)
redis.call('PUBLISH', P .. 'events', 'runnable')
return {'created', id}
`;

/** ARGV: P, kinds (comma-separated), now, token, owner, workerId, leaseMs, scan depth → id or false */
const CLAIM = `${COMMON}
local kinds = {}
for k in string.gmatch(ARGV[2], '[^,]+') do kinds[k] = true end
for _, repo in ipairs(redis.call('ZRANGE', P .. 'ready', 0, -1)) do
  local qkey = P .. 'queue:' .. repo
  for _, id in ipairs(redis.call('LRANGE', qkey, 0, tonumber(ARGV[8]) - 1)) do
    local f = redis.call('HMGET', job(id), 'kind', 'lock', 'state')
    if f[3] ~= 'queued' then
      redis.call('LREM', qkey, 0, id)
    elseif kinds[f[1]] and redis.call('SET', P .. 'lock:' .. f[2], id, 'NX', 'PX', ARGV[7]) then
      delist(id, repo)
      local turn = redis.call('HINCRBY', P .. 'turns', '~', 1)
      redis.call('HSET', P .. 'turns', repo, turn)
      if redis.call('LLEN', qkey) > 0 then redis.call('ZADD', P .. 'ready', turn, repo) end
      redis.call('HINCRBY', job(id), 'attempts', 1)
      redis.call('HSET', job(id), 'state', 'running', 'started', ARGV[3], 'token', ARGV[4], 'owner', ARGV[5],
        'worker', ARGV[6], 'cancel', 0, 'collected', 0)
      redis.call('HDEL', job(id), 'ended', 'error', 'outcome', 'stopper')
      redis.call('SADD', P .. 'running', id)
      return id
    end
  end
  if redis.call('LLEN', qkey) == 0 then redis.call('ZREM', P .. 'ready', repo) end
end
return false
`;

/** A running job's claim must still be the caller's. ARGV: P, id, token → error reply or nil */
const OWN_RUN = `
local function ownRun(id, token)
  local f = redis.call('HMGET', job(id), 'state', 'token')
  if not f[1] then return redis.error_reply('unknown-job') end
  if f[1] ~= 'running' or (token ~= '' and f[2] ~= token) then return redis.error_reply('lost-lease ' .. f[1]) end
  return nil
end
`;

/** ARGV: P, id, token, cost|'', links|'' */
const UPDATE = `${COMMON}${OWN_RUN}
local refused = ownRun(ARGV[2], ARGV[3])
if refused then return refused end
if ARGV[4] ~= '' then redis.call('HSET', job(ARGV[2]), 'cost', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', job(ARGV[2]), 'links', ARGV[5]) end
return 'ok'
`;

/** ARGV: P, id, token, state, error, now, cost|'', links|'', outcome kind. Idempotent: a retried finish of the same claim succeeds. */
const FINISH = `${COMMON}${OWN_RUN}
local id, token, state = ARGV[2], ARGV[3], ARGV[4]
local f = redis.call('HMGET', job(id), 'state', 'token')
if token ~= '' and f[2] == token and f[1] == state then return 'ok' end
local refused = ownRun(id, token)
if refused then return refused end
if ARGV[7] ~= '' then redis.call('HSET', job(id), 'cost', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', job(id), 'links', ARGV[8]) end
release(id, state, ARGV[6], ARGV[5], ARGV[9])
redis.call('PUBLISH', P .. 'events', 'runnable')
return 'ok'
`;

/**
 * ARGV: P, tkey, now, who asked ('' = no person), kinds... → {id, state before} of the target's
 * active jobs: queued ones are cancelled, running ones flagged (and announced) for their worker.
 * Who asked is recorded first (the first person who asked during a run counts).
 */
const CANCEL = `${COMMON}
local found = {}
local by = ARGV[4]
for i = 5, #ARGV do
  for _, id in ipairs(redis.call('SMEMBERS', activeKey(ARGV[2], ARGV[i]))) do
    local f = redis.call('HMGET', job(id), 'state', 'repo', 'stopper')
    if by ~= '' and not f[3] and (f[1] == 'queued' or f[1] == 'running') then redis.call('HSET', job(id), 'stopper', by) end
    if f[1] == 'queued' then
      table.insert(found, {id, f[1]})
      redis.call('HSET', job(id), 'state', 'cancelled', 'ended', ARGV[3], 'outcome', 'stopped-by-user')
      redis.call('ZADD', P .. 'ended', ARGV[3], id)
      redis.call('SREM', activeKey(ARGV[2], ARGV[i]), id)
      delist(id, f[2])
    elseif f[1] == 'running' then
      table.insert(found, {id, f[1]})
      redis.call('HSET', job(id), 'cancel', 1)
      redis.call('PUBLISH', P .. 'events', 'cancel:' .. id)
    end
  end
end
return found
`;

/**
 * ARGV: P, id, now → 'ok' when the job was queued and now ended superseded, false otherwise
 * (a worker claimed it: the claim script and this one never interleave).
 */
const SUPERSEDE = `${COMMON}
local id = ARGV[2]
local f = redis.call('HMGET', job(id), 'state', 'repo', 'tkey', 'kind')
if f[1] ~= 'queued' then return false end
redis.call('HSET', job(id), 'state', 'succeeded', 'ended', ARGV[3], 'outcome', 'superseded')
redis.call('ZADD', P .. 'ended', ARGV[3], id)
redis.call('SREM', activeKey(f[3], f[4]), id)
delist(id, f[2])
return 'ok'
`;

/** ARGV: P, notice key, delivery id → the delivery id holding the notice (the first to ask). */
const NOTICE = `
local key = ARGV[1] .. 'notice:' .. ARGV[2]
redis.call('SET', key, ARGV[3], 'NX')
return redis.call('GET', key)
`;

/**
 * ARGV: P, now, error, alive ids (comma-separated: this process's own runs), then pairs of
 * (id, token) whose process is known dead. Running jobs whose lease expired, or listed as
 * dead, become interrupted (cancelled when a stop was asked). Returns the interrupted jobs
 * not collected before, and marks them collected.
 */
const COLLECT = `${COMMON}
local alive = {}
for id in string.gmatch(ARGV[4], '[^,]+') do alive[id] = true end
local dead = {}
for i = 5, #ARGV, 2 do dead[ARGV[i]] = ARGV[i + 1] end
for _, id in ipairs(redis.call('SMEMBERS', P .. 'running')) do
  if not alive[id] then
    local f = redis.call('HMGET', job(id), 'lock', 'token', 'cancel')
    if redis.call('GET', P .. 'lock:' .. f[1]) ~= id or dead[id] == f[2] then
      if f[3] == '1' then release(id, 'cancelled', ARGV[2], '', 'stopped-by-user') else release(id, 'interrupted', ARGV[2], ARGV[3], 'interrupted') end
    end
  end
end
local fresh = redis.call('ZRANGE', P .. 'interrupted', 0, -1)
redis.call('DEL', P .. 'interrupted')
for _, id in ipairs(fresh) do redis.call('HSET', job(id), 'collected', 1) end
return fresh
`;

/** ARGV: P, id → 'ok' or false */
const REQUEUE = `${COMMON}
local id = ARGV[2]
local f = redis.call('HMGET', job(id), 'state', 'tkey', 'kind', 'repo', 'seq')
if f[1] ~= 'interrupted' or (f[3] ~= 'revise' and f[3] ~= 'ci-revision' and redis.call('SCARD', activeKey(f[2], f[3])) > 0) then return false end
redis.call('HSET', job(id), 'state', 'queued', 'cancel', 0, 'collected', 0)
redis.call('HDEL', job(id), 'started', 'ended', 'error', 'token', 'outcome', 'stopper')
redis.call('ZREM', P .. 'interrupted', id)
redis.call('ZREM', P .. 'ended', id)
redis.call('SADD', activeKey(f[2], f[3]), id)
enlist(id, f[4], tonumber(f[5]))
redis.call('PUBLISH', P .. 'events', 'runnable')
return 'ok'
`;

/**
 * ARGV: P, leaseMs, then pairs of (id, token) this process runs. Renews each lease (taking
 * the lock back if it lapsed while Redis was away); returns the ids that are no longer
 * running under that claim, and those with a stop requested.
 */
const HEARTBEAT = `${COMMON}
local lost, stops = {}, {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local f = redis.call('HMGET', job(id), 'state', 'token', 'lock', 'cancel')
  if f[1] ~= 'running' or f[2] ~= token then
    table.insert(lost, id)
  else
    local holder = redis.call('GET', P .. 'lock:' .. f[3])
    if not holder or holder == id then redis.call('SET', P .. 'lock:' .. f[3], id, 'PX', ARGV[2]) else table.insert(lost, id) end
    if f[4] == '1' then table.insert(stops, id) end
  end
end
return {lost, stops}
`;

export class RedisScript {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash("sha1").update(lua).digest("hex");
  }

  /** Runs the script by its hash, loading it first when Redis does not know it (after a restart). */
  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, 0, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return redis.eval(this.#lua, 0, ...args);
    }
  }
}

export const SCRIPTS = {
  enqueue: new RedisScript(ENQUEUE),
  claim: new RedisScript(CLAIM),
  update: new RedisScript(UPDATE),
  finish: new RedisScript(FINISH),
  cancel: new RedisScript(CANCEL),
  supersede: new RedisScript(SUPERSEDE),
  notice: new RedisScript(NOTICE),
  collect: new RedisScript(COLLECT),
  requeue: new RedisScript(REQUEUE),
  heartbeat: new RedisScript(HEARTBEAT),
};
