/**
 * Text as people paste it, made into the lines a trace printed: Markdown quotes and
 * the HTML of error-tracker issue bodies removed, log prefixes (timestamps,
 * Android logcat tags, Rails request ids, PHP's error_log, Flutter on iOS, Heroku and
 * docker-compose sources) cut,
 * and a first frame glued to its header put on a line of its own.
 */

/** Longer lines are cut: no frame is this long, and it bounds the work of every pattern. */
const MAX_LINE = 4_000;

const HTML_TAG = /<\/?(?:a|pre|code|span|div|b|i|em|strong|tt|br)\b[^<>]*>/gi;
const QUOTE = /^\s{0,3}(?:>\s?)+/;

/** One prefix per pattern, tried in this order, each at most once per line. */
const LOG_PREFIXES = [
  // 2016-01-08T20:38:23.835130+00:00, 2020-06-19 17:17:27.517, 2018-04-05 18:06:44,246
  /^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?:?\s+/,
  // logcat: 06-08 18:27:02.280: / 10-04 11:37:50.953
  /^\s*\d{2}-\d{2}\s+\d{2}:\d{2}:\d{2}\.\d{3}:?\s+/,
  // [10:28:53]
  /^\s*\[\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]\s*/,
  // logcat pid-tid/package: 9332-9332/com.example.app
  /^\s*\d+-\d+\/[\w.:-]+\s+/,
  // logcat tag: E/AndroidRuntime(12345): or I/art:
  /^\s*[VDIWEFA]\/[\w.$-]+\s*(?:\(\s*\d+\))?:\s?/,
  // Heroku: app[web.3]:
  /^\s*app\[[\w.-]+\]:\s?/,
  // Rails request-id tags: [dfd6f02e-08cf-4bb5-b2f2-f644da0aab7e] or [aldx7CrFrxhJXYYAK6vkdQAAAEQ]
  /^\s*\[(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9_-]{20,40})\]\s?/,
  // PHP's error_log: [12-Jan-2022 16:40:37 UTC]
  /^\s*\[\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2}(?: [\w/+-]+)?\]\s*/,
  // Flutter on iOS: "flutter: "
  /^flutter: /,
  // docker compose: "service  | "
  /^[\w.-]+\s+\|\s/,
];

/** A header with its first frame on the same line: "TypeError: x    at f (a.js:1:2)", "Traceback (most recent call last):  File …". */
const GLUED = [/(\S)\s+(?=at\s+[\w$.<>/\\[\]-]+\s?\([^)]*\)\s*$)/, /(Traceback \(most recent call last\):)\s*(?=File ")/];

export function traceLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
    line = line.replace(HTML_TAG, "").replace(QUOTE, "");
    for (const prefix of LOG_PREFIXES) line = line.replace(prefix, "");
    out.push(...unglue(line));
  }
  return out;
}

function unglue(line: string): string[] {
  if (/^\s*at\s/.test(line)) return [line];
  for (const glued of GLUED) {
    const match = glued.exec(line);
    if (match && match.index > 0) {
      const cut = match.index + (match[1]?.length ?? 0);
      return [line.slice(0, cut), `    ${line.slice(cut).trimStart()}`];
    }
  }
  return [line];
}
