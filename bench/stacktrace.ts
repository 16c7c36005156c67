/**
 * How long `parseStackTrace` takes on the largest text it meets: a 65,536-character
 * issue description (GitHub's limit) of log lines with a trace at the end, for each
 * language. The baseline, measured in the same run on the same texts, is the least
 * any line-based reader does: split into lines and test one regular expression per line.
 *
 *   npm run bench:stacktrace [-- --rounds 200]
 */
import { parseArgs } from "node:util";
import { parseStackTrace } from "../src/incidents/stacktrace/parse.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "200" } } });
const rounds = Number(values.rounds);

const TRACES: Record<string, string> = {
  python: `Traceback (most recent call last):\n  File "/app/shop/views.py", line 27, in place_order\n    total = orders.total(cart)\n  File "/app/shop/orders/service.py", line 45, in total\n    return x / y\nZeroDivisionError: division by zero`,
  javascript: `TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/app/src/users/service.ts:12:20)\n    at /app/src/server.ts:40:7`,
  java: `java.lang.IllegalStateException: order not found\n\tat com.acme.shop.orders.OrderService.load(OrderService.java:88)\n\tat com.acme.shop.web.OrderController.show(OrderController.java:42)`,
  go: `panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.total(...)\n\t/app/main.go:12 +0x1d\nmain.main()\n\t/app/main.go:20 +0x25`,
  ruby: "app/models/order.rb:23:in `total': undefined method `price' for nil:NilClass (NoMethodError)\n\tfrom app/controllers/orders_controller.rb:9:in `show'",
  php: `PHP Fatal error:  Uncaught TypeError: total(): Argument #1 ($items) must be of type array, null given in /var/www/app/src/Orders/Total.php:12\nStack trace:\n#0 /var/www/app/src/Http/OrderController.php(34): App\\Orders\\Total->of(NULL)\n#1 /var/www/app/public/index.php(20): App\\Http\\OrderController->show()\n#2 {main}\n  thrown in /var/www/app/src/Orders/Total.php on line 12`,
  dart: `Unhandled exception:\nNull check operator used on a null value\n#0      OrderTotal.of (package:shop/orders/total.dart:12:20)\n<asynchronous suspension>\n#1      main (package:shop/main.dart:8:3)\n#2      _delayEntrypointInvocation.<anonymous closure> (dart:isolate-patch/isolate_patch.dart:297:19)`,
};

const LOG_LINE = "2026-11-25T10:00:00.000Z INFO request handled path=/api/orders status=200 duration_ms=12\n";

function bodyWith(trace: string): string {
  const filler = LOG_LINE.repeat(Math.floor((65_536 - trace.length) / LOG_LINE.length));
  return `${filler}${trace}`;
}

function time(fn: () => unknown): number {
  for (let i = 0; i < 5; i++) fn();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return (performance.now() - started) / rounds;
}

console.log(`parseStackTrace on a 65,536-character issue body, mean of ${rounds} rounds`);
console.log("language     parse        baseline     parse / baseline  frames");
for (const [language, trace] of Object.entries(TRACES)) {
  const text = bodyWith(trace);
  const parsed = parseStackTrace(text);
  const frames = parsed?.exceptions.reduce((n, e) => n + e.frames.length, 0) ?? 0;
  if (parsed?.format !== language) throw new Error(`${language}: read as ${parsed?.format ?? "nothing"}`);
  const parse = time(() => parseStackTrace(text));
  const baseline = time(() => text.split(/\r?\n/).filter((line) => /^\s*at /.test(line)).length);
  console.log(`${language.padEnd(13)}${`${parse.toFixed(3)} ms`.padEnd(13)}${`${baseline.toFixed(3)} ms`.padEnd(13)}${`${(parse / baseline).toFixed(1)}x`.padEnd(18)}${frames}`);
}
