import { describe, expect, it } from "vitest";
import { innermostInAppFrame, parseStackTrace } from "../../src/incidents/stacktrace/index.ts";
import { loadCorpus, renderScores, scoreCorpus } from "./trace-corpus.ts";

const corpus = loadCorpus();

function repository(name: string | null) {
  const [owner, repo] = name?.split("/") ?? [];
  return owner && repo ? { repository: { owner, name: repo } } : {};
}

describe("the corpus of real stack traces", () => {
  const scores = scoreCorpus(corpus, { parse: (text, repo) => parseStackTrace(text, repository(repo)), innermost: innermostInAppFrame });

  it("holds at least 76 traces across the languages", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(76);
    expect(scores.map((s) => s.language).sort()).toEqual(["dart", "dotnet", "go", "javascript", "jvm", "php", "python", "ruby", "rust"]);
  });

  it("finds the frame to open first in at least 90 % of each language's traces", () => {
    console.log(`Stack-trace corpus (${corpus.length} traces):\n${renderScores(scores)}`);
    for (const score of scores) {
      if (score.misses.length > 0) console.log(`${score.language} misses:\n  ${score.misses.join("\n  ")}`);
    }
    const shares = Object.fromEntries(scores.map((s) => [s.language, s.innermost / s.traces]));
    for (const [language, share] of Object.entries(shares)) expect({ language, atLeast90: share >= 0.9 }).toEqual({ language, atLeast90: true });
  });
});
