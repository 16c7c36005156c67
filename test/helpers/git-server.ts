import { execFile, spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A request to the git server, as its hooks see it (before it is answered). */
export interface GitRequest {
  method: string;
  /** The path asked for, e.g. `/Codertocat/Hello-World.git/info/refs`. */
  path: string;
  /** `git-upload-pack` (clone, fetch, ls-refs) or `git-receive-pack` (push): the query's `service`, or the path's last part. */
  service: "git-upload-pack" | "git-receive-pack" | null;
  /** The fixture repository that answers it. */
  repo: string | null;
}

/**
 * What a hook does with a git request: answer it (the default), hold it unanswered (a request
 * in flight), or answer it after a delay (a slow network).
 */
export type GitRequestAction = "answer" | "hold" | { delayMs: number };

export interface GitServerOptions {
  /**
   * Answers every request under `/api/` (GitHub's REST API at `/api/v3`, GraphQL at
   * `/api/graphql` on GitHub Enterprise), so that one host serves both what Probot calls
   * (`GHE_HOST`) and clone/push; git's Basic auth is not asked of these.
   */
  api?: http.RequestListener;
}

/** A fixture file: text content, content with a mode, or a symlink. */
export type FixtureFile = string | { content: string; executable: true } | { symlink: string };

export interface GitServer {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** Droid's settings for cloning from this server, as an operator would set them (`GHE_HOST`, `GHE_PROTOCOL`). */
  readonly env: { GHE_HOST: string; GHE_PROTOCOL: "http" };
  /** The clone URL of a repository by its fixture name (no credentials in it), for tests that open a clone themselves. */
  cloneUrl(name: string): string;
  /**
   * Answers for `owner/name` (the path of a GitHub clone URL, `/owner/name.git`) with the
   * fixture repository `name`, as GitHub would for that repository. The last call wins.
   */
  serve(fullName: string, name: string): void;
  /** Creates a bare repository whose default branch holds these files in one commit. */
  createRepo(name: string, files: Record<string, FixtureFile>, options?: { defaultBranch?: string }): Promise<void>;
  /** Commits files to a branch of a repository as a human would push them (author `author`). Returns the commit id. */
  commitFiles(name: string, branch: string, files: Record<string, FixtureFile>, options: { message: string; author?: string; from?: string }): Promise<string>;
  /** Makes the repository refuse every push from now on (a pre-receive hook), like a protected branch. */
  refusePushes(name: string, message: string): Promise<void>;
  /** Runs git against a bare repository (e.g. to read what was pushed). */
  git(name: string, ...args: string[]): Promise<string>;
  /** Every request the server answered, for assertions (method, path asked for, the fixture repository that answered, status, user). */
  readonly requests: { method: string; path: string; repo: string | null; status: number; user: string | null }[];
  /**
   * Calls `hook` with each authorized git request when it arrives, before it is answered; "hold"
   * leaves it unanswered until the client goes away (or the server closes). Returns a function
   * that removes the hook.
   */
  onRequest(hook: (request: GitRequest) => GitRequestAction | void): () => void;
  close(): Promise<void>;
}

/**
 * A real git smart-HTTP server for tests: `git http-backend` (CGI) behind a small Node HTTP
 * server on 127.0.0.1. Every request must carry Basic auth with `token` as the password
 * (any user name, like GitHub's `x-access-token`); others get 401.
 */
export async function startGitServer(token: string, options: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(path.join(tmpdir(), "droid-git-server-"));
  const requests: GitServer["requests"] = [];
  const served = new Map<string, string>();
  const hooks = new Set<(request: GitRequest) => GitRequestAction | void>();
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (options.api && url.pathname.startsWith("/api/")) return options.api(request, response);
    const { repo, pathInfo } = routeRepository(decodeURIComponent(url.pathname), served);
    const user = authorizedUser(request.headers.authorization, token);
    if (user === null) {
      requests.push({ method: request.method ?? "GET", path: url.pathname, repo, status: 401, user: null });
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="droid-test"' }).end("unauthorized\n");
      request.resume();
      return;
    }
    const remoteUser = user;
    const seen: GitRequest = { method: request.method ?? "GET", path: url.pathname, service: serviceOf(url), repo };
    const actions = [...hooks].map((hook) => hook(seen));
    if (actions.includes("hold")) return;
    const delayMs = Math.max(0, ...actions.map((a) => (typeof a === "object" ? a.delayMs : 0)));
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();

    function answer(): void {
      const backend = spawn("git", ["http-backend"], {
        env: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          GIT_PROJECT_ROOT: root,
          GIT_HTTP_EXPORT_ALL: "1",
          REQUEST_METHOD: request.method ?? "GET",
          PATH_INFO: pathInfo,
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: request.headers["content-type"] ?? "",
          ...(request.headers["content-length"] ? { CONTENT_LENGTH: request.headers["content-length"] } : {}),
          ...(request.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: request.headers["content-encoding"] } : {}),
          ...(request.headers["git-protocol"] ? { GIT_PROTOCOL: String(request.headers["git-protocol"]) } : {}),
          REMOTE_USER: remoteUser,
          REMOTE_ADDR: "127.0.0.1",
        },
      });
      request.pipe(backend.stdin);
      relayCgiResponse(backend.stdout, response, (status) =>
        requests.push({ method: request.method ?? "GET", path: url.pathname, repo, status, user: remoteUser }),
      );
      backend.stderr.resume();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const git = async (name: string, ...args: string[]) =>
    (await run("git", ["--git-dir", path.join(root, `${name}.git`), ...args])).stdout;

  return {
    url: base,
    env: { GHE_HOST: `127.0.0.1:${port}`, GHE_PROTOCOL: "http" },
    requests,
    cloneUrl: (name) => `${base}/${name}.git`,
    serve: (fullName, name) => void served.set(`/${fullName}.git`.toLowerCase(), name),
    onRequest(hook) {
      hooks.add(hook);
      return () => void hooks.delete(hook);
    },
    git,
    async createRepo(name, files, options = {}) {
      const branch = options.defaultBranch ?? "main";
      const bare = path.join(root, `${name}.git`);
      const work = await mkdtemp(path.join(tmpdir(), "droid-fixture-"));
      try {
        await writeFixture(work, files);
        const inWork = (...args: string[]) =>
          run("git", ["-C", work, "-c", "user.name=Fixture", "-c", "user.email=fixture@example.com", "-c", "gc.auto=0", "-c", "maintenance.auto=false", ...args]);
        await inWork("init", "-q", "-b", branch);
        await inWork("add", "-A");
        await inWork("commit", "-q", "-m", "Initial commit");
        await run("git", ["init", "-q", "--bare", "-b", branch, bare]);
        await run("git", ["--git-dir", bare, "config", "http.receivepack", "true"]);
        await inWork("push", "-q", bare, `${branch}:${branch}`);
      } finally {
        await rm(work, { recursive: true, force: true, maxRetries: 3 });
      }
    },
    async commitFiles(name, branch, files, options) {
      const bare = path.join(root, `${name}.git`);
      const work = await mkdtemp(path.join(tmpdir(), "droid-human-"));
      const author = options.author ?? "Human";
      try {
        const inWork = (...args: string[]) =>
          run("git", ["-C", work, "-c", `user.name=${author}`, "-c", `user.email=${author.toLowerCase()}@example.com`, "-c", "gc.auto=0", ...args]);
        await run("git", ["clone", "-q", "--branch", options.from ?? branch, bare, work]);
        if (options.from && options.from !== branch) await inWork("checkout", "-q", "-b", branch);
        await writeFixture(work, files);
        await inWork("add", "-A");
        await inWork("commit", "-q", "-m", options.message);
        await inWork("push", "-q", "origin", `HEAD:refs/heads/${branch}`);
        return (await inWork("rev-parse", "HEAD")).stdout.trim();
      } finally {
        await rm(work, { recursive: true, force: true, maxRetries: 3 });
      }
    },
    async refusePushes(name, message) {
      const hook = path.join(root, `${name}.git`, "hooks", "pre-receive");
      await mkdir(path.dirname(hook), { recursive: true });
      await writeFile(hook, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`, { mode: 0o755 });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function writeFixture(work: string, files: Record<string, FixtureFile>): Promise<void> {
  for (const [file, spec] of Object.entries(files)) {
    const target = path.join(work, file);
    await mkdir(path.dirname(target), { recursive: true });
    await rm(target, { force: true });
    if (typeof spec === "string") await writeFile(target, spec);
    else if ("symlink" in spec) await symlink(spec.symlink, target);
    else await writeFile(target, spec.content, { mode: 0o755 });
  }
}

function serviceOf(url: URL): GitRequest["service"] {
  const named = url.searchParams.get("service") ?? url.pathname.split("/").at(-1);
  return named === "git-upload-pack" || named === "git-receive-pack" ? named : null;
}

/** The fixture repository a request path names (served under `owner/name` or its own name), and the path git sees. */
function routeRepository(path: string, served: ReadonlyMap<string, string>): { repo: string | null; pathInfo: string } {
  const match = /^(\/[^/]+\/[^/]+\.git)(\/.*)?$/.exec(path);
  const name = match?.[1] ? served.get(match[1].toLowerCase()) : undefined;
  if (name !== undefined) return { repo: name, pathInfo: `/${name}.git${match?.[2] ?? ""}` };
  const own = /^\/([^/]+)\.git(?:\/|$)/.exec(path);
  return { repo: own?.[1] ?? null, pathInfo: path };
}

function authorizedUser(header: string | undefined, token: string): string | null {
  const match = header?.match(/^Basic (.+)$/);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const separator = decoded.indexOf(":");
  if (separator < 0 || decoded.slice(separator + 1) !== token) return null;
  return decoded.slice(0, separator) || "git";
}

/** Parses the CGI header block ("Status: 200 OK", headers, blank line) and streams the body. */
function relayCgiResponse(cgi: NodeJS.ReadableStream, response: http.ServerResponse, onStatus: (status: number) => void): void {
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.on("data", (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n") >= 0 ? head.indexOf("\r\n\r\n") : head.indexOf("\n\n");
    if (end < 0) return;
    const separatorLength = head[end] === 13 ? 4 : 2;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("utf8").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[key] = value;
    }
    onStatus(status);
    response.writeHead(status, headers);
    headersSent = true;
    response.write(head.subarray(end + separatorLength));
  });
  cgi.on("end", () => response.end());
}
