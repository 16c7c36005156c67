/**
 * Git's smart HTTP fetch (protocol v0, stateless), the client side of `git-upload-pack`: the
 * refs a server advertises, then one request with what is wanted, what is had and the shallow
 * boundary, answered by the new shallow lines and a pack (side-band multiplexed). Droid's
 * mirror fetches through this instead of isomorphic-git's `fetch`, whose indexing of the
 * received pack is most of a first job's start on a large repository (see pack-index.ts).
 * It rides isomorphic-git's HTTP client (the same proxy, TLS and abort handling as every
 * other git request) and asks for a thin pack and no progress.
 */
import type { AuthCallback, HttpClient } from "isomorphic-git";

const ZERO_OID = "0".repeat(40);
/** GitHub answers smart HTTP only to user agents that start with `git/`. */
const USER_AGENT = "git/droid";

export interface UploadPackRemote {
  http: HttpClient;
  /** The repository's URL (without credentials). */
  url: string;
  onAuth: AuthCallback;
}

export interface Advertisement {
  /** Ref name → object id. */
  refs: Map<string, string>;
  capabilities: Set<string>;
}

export interface PackRequest {
  wants: string[];
  /** Commits the receiver has (its branch tips): the server leaves out what they reach. */
  haves: string[];
  /** The receiver's shallow boundary (its `shallow` file). */
  shallow: string[];
  /** History depth to fetch; 0: all of it. */
  depth: number;
}

export interface ReceivedPack {
  /** The pack, or null when the server had nothing to send. */
  pack: Buffer | null;
  /** Commits that are now shallow, and ones that no longer are. */
  shallow: string[];
  unshallow: string[];
}

/** A git server's refusal or an answer that is not git's: the HTTP status when there was one. */
export class GitTransportError extends Error {
  override name = "GitTransportError";
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export async function advertisedRefs(remote: UploadPackRemote): Promise<Advertisement> {
  const body = await send(remote, "GET", `${trimSlash(remote.url)}/info/refs?service=git-upload-pack`, undefined, "application/x-git-upload-pack-advertisement");
  const reader = new PktReader(body);
  let line = await reader.next();
  if (line !== null && line !== FLUSH && line.toString("utf8").startsWith("# service=")) {
    if ((await reader.next()) !== FLUSH) throw new GitTransportError(`${remote.url}: the ref advertisement is malformed`);
    line = await reader.next();
  }
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  let first = true;
  for (; line !== null && line !== FLUSH; line = await reader.next()) {
    let text = line.toString("utf8").replace(/\n$/, "");
    if (first) {
      const nul = text.indexOf("\0");
      if (nul >= 0) {
        for (const capability of text.slice(nul + 1).split(" ")) if (capability !== "") capabilities.add(capability);
        text = text.slice(0, nul);
      }
      first = false;
    }
    if (text.startsWith("ERR ")) throw new GitTransportError(`${remote.url}: ${text.slice(4)}`);
    const [oid, name] = text.split(" ");
    if (oid === undefined || name === undefined || !/^[0-9a-f]{40}$/.test(oid)) throw new GitTransportError(`${remote.url}: the ref advertisement is malformed`);
    if (oid !== ZERO_OID && !name.endsWith("^{}")) refs.set(name, oid);
  }
  return { refs, capabilities };
}

/** Asks the server for a pack of what `request.wants` reach and `request.haves` do not. */
export async function fetchPack(remote: UploadPackRemote, advertisement: Advertisement, request: PackRequest): Promise<ReceivedPack> {
  const offered = advertisement.capabilities;
  const sideband = offered.has("side-band-64k") ? "side-band-64k" : offered.has("side-band") ? "side-band" : null;
  if (request.depth > 0 && !offered.has("shallow")) throw new GitTransportError(`${remote.url}: the server cannot fetch a shallow history`);
  // A thin pack (deltas against what the receiver has) is what keeps a shallow mirror's next
  // fetch small: without it git sends the whole tree again. indexPack completes it.
  const capabilities = [sideband, offered.has("thin-pack") ? "thin-pack" : null, offered.has("ofs-delta") ? "ofs-delta" : null, request.depth > 0 ? "shallow" : null, offered.has("no-progress") ? "no-progress" : null, `agent=${USER_AGENT}`];
  const lines: Array<string | null> = [];
  for (const [position, oid] of request.wants.entries()) lines.push(position === 0 ? `want ${oid} ${capabilities.filter((c) => c !== null).join(" ")}\n` : `want ${oid}\n`);
  for (const oid of request.shallow) lines.push(`shallow ${oid}\n`);
  if (request.depth > 0) lines.push(`deepen ${request.depth}\n`);
  lines.push(null);
  for (const oid of request.haves) lines.push(`have ${oid}\n`);
  lines.push("done\n");
  const body = await send(remote, "POST", `${trimSlash(remote.url)}/git-upload-pack`, encodePktLines(lines), "application/x-git-upload-pack-result");
  const reader = new PktReader(body);
  const shallow: string[] = [];
  const unshallow: string[] = [];
  if (request.depth > 0) {
    for (let line = await reader.next(); line !== FLUSH; line = await reader.next()) {
      if (line === null) throw new GitTransportError(`${remote.url}: the answer ended in its shallow lines`);
      const text = line.toString("utf8").trim();
      const [kind, oid] = text.split(" ");
      if (kind === "shallow" && oid) shallow.push(oid);
      else if (kind === "unshallow" && oid) unshallow.push(oid);
      else throw serverError(remote.url, text);
    }
  }
  // The negotiation's end: NAK (nothing in common) or ACK of a common commit.
  for (;;) {
    const line = await reader.next();
    if (line === null || line === FLUSH) throw new GitTransportError(`${remote.url}: the answer ended before its pack`);
    const text = line.toString("utf8").trim();
    if (text === "NAK" || /^ACK [0-9a-f]{40}$/.test(text)) break;
    if (!/^ACK [0-9a-f]{40} (?:continue|common|ready)$/.test(text)) throw serverError(remote.url, text);
  }
  const chunks: Buffer[] = [];
  if (sideband === null) {
    for (let chunk = await reader.rest(); chunk !== null; chunk = await reader.rest()) chunks.push(chunk);
  } else {
    for (let line = await reader.next(); line !== null && line !== FLUSH; line = await reader.next()) {
      const band = line[0];
      if (band === 1) chunks.push(line.subarray(1));
      else if (band === 3) throw new GitTransportError(`${remote.url}: ${line.subarray(1).toString("utf8").trim()}`);
      else if (band !== 2) throw serverError(remote.url, line.toString("utf8").trim());
    }
  }
  const pack = Buffer.concat(chunks);
  return { pack: pack.length === 0 ? null : pack, shallow, unshallow };
}

function serverError(url: string, text: string): GitTransportError {
  return new GitTransportError(text.startsWith("ERR ") ? `${url}: ${text.slice(4)}` : `${url}: unexpected answer from the git server (${JSON.stringify(text.slice(0, 80))})`);
}

async function send(remote: UploadPackRemote, method: "GET" | "POST", url: string, body: Buffer | undefined, accept: string): Promise<AsyncIterator<Uint8Array>> {
  const auth = (await remote.onAuth(remote.url, {})) ?? {};
  if (auth.cancel) throw new GitTransportError(`${remote.url}: no credentials`);
  const headers: Record<string, string> = { "user-agent": USER_AGENT, accept, ...auth.headers };
  if (auth.username !== undefined || auth.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64")}`;
  }
  if (body) {
    headers["content-type"] = "application/x-git-upload-pack-request";
    headers["content-length"] = String(body.length);
  }
  const response = await remote.http.request({ url, method, headers, ...(body ? { body: once(body) } : {}) });
  const iterator = (response.body ?? once(Buffer.alloc(0)))[Symbol.asyncIterator]();
  if (response.statusCode !== 200) {
    // The body is not read: end it so the connection is freed.
    await iterator.return?.();
    throw new GitTransportError(`${remote.url}: the git server answered HTTP ${response.statusCode} ${response.statusMessage ?? ""}`.trimEnd(), response.statusCode);
  }
  const type = Object.entries(response.headers ?? {}).find(([name]) => name.toLowerCase() === "content-type")?.[1] ?? "";
  if (!type.startsWith(accept)) {
    await iterator.return?.();
    throw new GitTransportError(`${remote.url}: not a smart git server (content type ${JSON.stringify(type)})`);
  }
  return iterator;
}

async function* once(buffer: Buffer): AsyncIterableIterator<Uint8Array> {
  yield buffer;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Lines as git's pkt-lines: four hex digits of length (itself included) and the line; null is a flush (`0000`). */
export function encodePktLines(lines: ReadonlyArray<string | null>): Buffer {
  return Buffer.concat(
    lines.map((line) => {
      if (line === null) return Buffer.from("0000");
      const data = Buffer.from(line, "utf8");
      return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, "0")), data]);
    }),
  );
}

const FLUSH = Symbol("flush");

/** Reads pkt-lines from a streamed body without gathering it first. */
class PktReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #buffer = Buffer.alloc(0);
  #ended = false;

  constructor(source: AsyncIterator<Uint8Array>) {
    this.#source = source;
  }

  /** The next line's payload, FLUSH for `0000` (and `0001`/`0002`), null at the end of the body. */
  async next(): Promise<Buffer | typeof FLUSH | null> {
    if (!(await this.#fill(4))) {
      if (this.#buffer.length > 0) throw new GitTransportError("The git server's answer ends inside a line");
      return null;
    }
    const length = Number.parseInt(this.#buffer.toString("latin1", 0, 4), 16);
    if (!Number.isInteger(length) || !/^[0-9a-f]{4}$/i.test(this.#buffer.toString("latin1", 0, 4))) throw new GitTransportError("The git server's answer is not pkt-lines");
    if (length < 4) {
      this.#buffer = this.#buffer.subarray(4);
      return FLUSH;
    }
    if (!(await this.#fill(length))) throw new GitTransportError("The git server's answer ends inside a line");
    const line = this.#buffer.subarray(4, length);
    this.#buffer = this.#buffer.subarray(length);
    return line;
  }

  /** What is left of the body, a chunk at a time (a pack sent without side-band). */
  async rest(): Promise<Buffer | null> {
    if (this.#buffer.length > 0) {
      const chunk = this.#buffer;
      this.#buffer = Buffer.alloc(0);
      return chunk;
    }
    if (this.#ended) return null;
    const { value, done } = await this.#source.next();
    if (done) {
      this.#ended = true;
      return null;
    }
    return Buffer.from(value);
  }

  async #fill(bytes: number): Promise<boolean> {
    const parts: Buffer[] = [this.#buffer];
    let have = this.#buffer.length;
    while (have < bytes && !this.#ended) {
      const { value, done } = await this.#source.next();
      if (done) this.#ended = true;
      else {
        parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        have += value.byteLength;
      }
    }
    if (parts.length > 1) this.#buffer = Buffer.concat(parts);
    return this.#buffer.length >= bytes;
  }
}
