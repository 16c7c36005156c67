/**
 * The process logger: pino, JSON in production, with secrets redacted wherever
 * they might appear in a log object.
 */
import { pino, type Logger } from "pino";

export const REDACTED_PATHS = [
  "token",
  "*.token",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  'req.headers["x-hub-signature-256"]',
  'req.headers["sentry-hook-signature"]',
  "clientSecret",
  "*.clientSecret",
  "err.request.headers.authorization",
  "err.response.headers.authorization",
];

/** The process logger; `toStderr` (a command whose output is its stdout, like `droid stats`): JSON lines on stderr, warnings and worse unless `LOG_LEVEL` says otherwise. */
export function createLogger(env: NodeJS.ProcessEnv = process.env, options: { toStderr?: boolean } = {}): Logger {
  if (options.toStderr) return pino({ name: "droid", level: env.LOG_LEVEL ?? "warn", redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, pino.destination(2));
  const level = env.LOG_LEVEL ?? "info";
  const pretty = env.LOG_FORMAT === "pretty" || (env.LOG_FORMAT !== "json" && env.NODE_ENV !== "production" && process.stdout.isTTY);
  return pino({
    name: "droid",
    level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true } } } : {}),
  });
}
