/**
 * An Anthropic Messages API stand-in over real HTTP, for the real `droid serve` process
 * (`ANTHROPIC_BASE_URL` + `ANTHROPIC_API_KEY`). The script's answer to a request is chosen
 * by how many assistant messages the request already holds, so an agent that restarts
 * from scratch is answered turn 0 again. Answers are real Messages (`message()` of the
 * fixtures); every request is recorded; a request past the script is answered 400 and
 * listed in `unexpected`. A hook may hold a turn's request (a model request in flight).
 */
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { message, type FakeUsage } from "../fixtures/anthropic.ts";

export type ModelTurn = { tool: string; input: Record<string, unknown> } | { text: string };

export interface ModelServer {
  /** `ANTHROPIC_BASE_URL` */
  readonly url: string;
  readonly requests: MessageCreateParamsNonStreaming[];
  readonly unexpected: MessageCreateParamsNonStreaming[];
  /** Replaces the script (and forgets requests and hooks). */
  script(turns: ModelTurn[]): void;
  /** Calls `hook` when a request for turn `turn` arrives; "hold" leaves it unanswered. Returns a function removing it. */
  onTurn(turn: number, hook: () => "answer" | "hold" | void): () => void;
  close(): Promise<void>;
}

const USAGE: FakeUsage = { input: 1200, output: 300, cacheWrite: 0, cacheRead: 3000 };

export async function startModelServer(): Promise<ModelServer> {
  let turns: ModelTurn[] = [];
  const requests: MessageCreateParamsNonStreaming[] = [];
  const unexpected: MessageCreateParamsNonStreaming[] = [];
  const hooks = new Map<number, Set<() => "answer" | "hold" | void>>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json", "request-id": `req_${requests.length}` }).end(JSON.stringify(body));
      if (req.method !== "POST" || new URL(req.url ?? "/", "http://127.0.0.1").pathname !== "/v1/messages") {
        return send(404, { type: "error", error: { type: "not_found_error", message: `${req.method} ${req.url}` } });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as MessageCreateParamsNonStreaming;
      requests.push(body);
      const turn = body.messages.filter((m) => m.role === "assistant").length;
      const scripted = turns[turn];
      if (!scripted) {
        unexpected.push(body);
        return send(400, { type: "error", error: { type: "invalid_request_error", message: `the script has no turn ${turn}` } });
      }
      if ([...(hooks.get(turn) ?? [])].map((hook) => hook()).includes("hold")) return;
      send(
        200,
        "tool" in scripted
          ? message([{ type: "tool_use", id: `toolu_${turn}`, name: scripted.tool, input: scripted.input, caller: { type: "direct" } }], USAGE, "tool_use")
          : message([{ type: "text", text: scripted.text, citations: null }], USAGE),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unexpected,
    script(next) {
      turns = next;
      requests.length = 0;
      unexpected.length = 0;
      hooks.clear();
    },
    onTurn(turn, hook) {
      const set = hooks.get(turn) ?? new Set();
      set.add(hook);
      hooks.set(turn, set);
      return () => void set.delete(hook);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
