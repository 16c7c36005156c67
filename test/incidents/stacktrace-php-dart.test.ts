/**
 * PHP and Dart/Flutter traces. The texts here are synthetic, written in the formats PHP,
 * Laravel, the Dart VM and Flutter print; the real ones are in test/fixtures/traces/.
 */
import { describe, expect, it } from "vitest";
import { locateFrame, RepoFiles } from "../../src/incidents/repo-paths.ts";
import { analysedException, innermostInAppFrame, mainException, parseStackTrace } from "../../src/incidents/stacktrace/index.ts";

const PHP_CHAIN = `PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/app/src/Db/Connection.php:41
Stack trace:
#0 /var/www/app/src/Db/Connection.php(41): PDO->__construct('mysql:host=db', 'app', 'secret')
#1 /var/www/app/src/Repository/OrderRepository.php(18): App\\Db\\Connection->open()
#2 {main}

Next App\\Exception\\StorageException: orders unavailable in /var/www/app/src/Repository/OrderRepository.php:22
Stack trace:
#0 /var/www/app/src/Http/Controllers/OrderController.php(45): App\\Repository\\OrderRepository->find(12)
#1 /var/www/app/vendor/laravel/framework/src/Illuminate/Routing/Controller.php(54): App\\Http\\Controllers\\OrderController->show(12)
#2 [internal function]: Illuminate\\Routing\\Controller->callAction('show', Array)
#3 /var/www/app/public/index.php(52): Illuminate\\Foundation\\Http\\Kernel->handle(Object(Illuminate\\Http\\Request))
#4 {main}
  thrown in /var/www/app/src/Repository/OrderRepository.php on line 22`;

const LARAVEL_LOG_PREVIOUS = `[2026-11-30 10:00:00] production.ERROR: orders unavailable {"exception":"[object] (App\\\\Exception\\\\StorageException(code: 0): orders unavailable at /var/www/app/app/Repository/OrderRepository.php:22)
[stacktrace]
#0 /var/www/app/app/Http/Controllers/OrderController.php(45): App\\\\Repository\\\\OrderRepository->find(12)
#1 /var/www/app/vendor/laravel/framework/src/Illuminate/Routing/Controller.php(54): App\\\\Http\\\\Controllers\\\\OrderController->show(12)
#2 {main}

[previous exception] [object] (PDOException(code: 2002): Connection refused at /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php:70)
[stacktrace]
#0 /var/www/app/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php(70): PDO->__construct('mysql:host=db')
#1 /var/www/app/app/Repository/OrderRepository.php(18): Illuminate\\\\Database\\\\Connectors\\\\Connector->connect()
#2 {main}
"}`;

const DART_CLI = `Unhandled exception:
FormatException: Invalid radix-10 number (at character 1)
abc
^

#0      int._throwFormatException (dart:core-patch/integers_patch.dart:195:5)
#1      int._parse (dart:core-patch/integers_patch.dart:103:12)
#2      int.parse (dart:core-patch/integers_patch.dart:65:12)
#3      parseQuantity (package:shop_cli/src/quantity.dart:7:14)
#4      main (file:///home/dev/shop_cli/bin/shop_cli.dart:12:3)
#5      _delayEntrypointInvocation.<anonymous closure> (dart:isolate-patch/isolate_patch.dart:297:19)
#6      _RawReceivePort._handleMessage (dart:isolate-patch/isolate_patch.dart:192:26)`;

const FLUTTER_WIDGETS = `══╡ EXCEPTION CAUGHT BY WIDGETS LIBRARY ╞═══════════════════════════════════════════════════════════
The following _TypeError was thrown building CartPage(dirty):
type 'Null' is not a subtype of type 'String'

The relevant error-causing widget was:
  CartPage CartPage:file:///home/dev/shop/lib/main.dart:30:18

When the exception was thrown, this was the stack:
#0      CartPage.build (package:shop/cart/cart_page.dart:21:32)
#1      StatelessElement.build (package:flutter/src/widgets/framework.dart:5687:49)
#2      ComponentElement.performRebuild (package:flutter/src/widgets/framework.dart:5617:15)
<asynchronous suspension>
#3      Element.rebuild (package:flutter/src/widgets/framework.dart:5333:7)
════════════════════════════════════════════════════════════════════════════════════════════════════
══╡ EXCEPTION CAUGHT BY RENDERING LIBRARY ╞═════════════════════════════════════════════════════════
#0      RenderFlex.performLayout (package:flutter/src/rendering/flex.dart:1000:7)`;

describe("PHP traces", () => {
  it("reads a 'Next' chain root cause first and places each exception's own location before its frames", () => {
    const trace = parseStackTrace(PHP_CHAIN);
    expect(trace?.format).toBe("php");
    expect(trace?.exceptions.map((e) => [e.type, e.message])).toEqual([
      ["PDOException", "SQLSTATE[HY000] [2002] Connection refused"],
      ["App\\Exception\\StorageException", "orders unavailable"],
    ]);
    expect(trace && mainException(trace)?.frames.map((f) => [f.file, f.line, f.function, f.inApp])).toEqual([
      ["/var/www/app/src/Repository/OrderRepository.php", 22, "App\\Repository\\OrderRepository->find", true],
      ["/var/www/app/src/Http/Controllers/OrderController.php", 45, "App\\Http\\Controllers\\OrderController->show", true],
      ["/var/www/app/vendor/laravel/framework/src/Illuminate/Routing/Controller.php", 54, "Illuminate\\Routing\\Controller->callAction", false],
      ["[internal function]", null, "Illuminate\\Foundation\\Http\\Kernel->handle", false],
      ["/var/www/app/public/index.php", 52, null, true],
    ]);
    // The root cause's first frame is the header's location (the same as #0: printed once).
    expect(trace && analysedException(trace)?.why).toBe("root-cause");
    expect(trace && innermostInAppFrame(trace)).toMatchObject({ file: "/var/www/app/src/Db/Connection.php", line: 41, function: "App\\Db\\Connection->open" });
  });

  it("reads Laravel's log, whose previous exception comes after the one it caused", () => {
    const trace = parseStackTrace(LARAVEL_LOG_PREVIOUS);
    expect(trace?.exceptions.map((e) => e.type)).toEqual(["PDOException", "App\\Exception\\StorageException"]);
    // The root cause's own location is in the framework; its first in-app frame is the application's call.
    expect(trace && analysedException(trace)?.why).toBe("root-cause");
    expect(trace && innermostInAppFrame(trace)).toMatchObject({ file: "/var/www/app/app/Repository/OrderRepository.php", line: 18 });
  });

  it("takes the location from 'thrown in … on line N' when the header has none", () => {
    const trace = parseStackTrace("Stack trace:\n#0 /srv/site/lib/cart.php(9): total()\n#1 {main}\n  thrown in /srv/site/lib/price.php on line 4");
    expect(trace?.exceptions[0]?.frames.map((f) => [f.file, f.line, f.function])).toEqual([
      ["/srv/site/lib/price.php", 4, "total"],
      ["/srv/site/lib/cart.php", 9, null],
    ]);
  });
});

describe("Dart and Flutter traces", () => {
  it("reads the VM's 'Unhandled exception:' with the error on the next line; dart: frames are not in-app", () => {
    const trace = parseStackTrace(DART_CLI);
    expect(trace?.format).toBe("dart");
    expect(trace && mainException(trace)).toMatchObject({ type: "FormatException", message: "Invalid radix-10 number (at character 1)" });
    expect(trace && mainException(trace)?.frames.map((f) => [f.file, f.line, f.column, f.inApp])).toEqual([
      ["dart:core-patch/integers_patch.dart", 195, 5, false],
      ["dart:core-patch/integers_patch.dart", 103, 12, false],
      ["dart:core-patch/integers_patch.dart", 65, 12, false],
      ["package:shop_cli/src/quantity.dart", 7, 14, true],
      ["file:///home/dev/shop_cli/bin/shop_cli.dart", 12, 3, true],
      ["dart:isolate-patch/isolate_patch.dart", 297, 19, false],
      ["dart:isolate-patch/isolate_patch.dart", 192, 26, false],
    ]);
  });

  it("reads the first Flutter 'EXCEPTION CAUGHT BY' block, across async gaps; package:flutter is not in-app", () => {
    const trace = parseStackTrace(FLUTTER_WIDGETS);
    expect(trace && mainException(trace)).toMatchObject({ type: "_TypeError" });
    expect(trace && mainException(trace)?.frames.map((f) => [f.function, f.inApp])).toEqual([
      ["CartPage.build", true],
      ["StatelessElement.build", false],
      ["ComponentElement.performRebuild", false],
      ["Element.rebuild", false],
    ]);
  });

  it("gives a package repository its own package: frames back, and places package: URIs under lib/", () => {
    const text = "#0      Client.send (package:http/src/client.dart:30:5)\n#1      main (package:shop/main.dart:4:3)";
    const theirs = parseStackTrace(text);
    expect(theirs && innermostInAppFrame(theirs)?.file).toBe("package:shop/main.dart");
    const own = parseStackTrace(text, { repository: { owner: "dart-lang", name: "http" } });
    expect(own && innermostInAppFrame(own)?.file).toBe("package:http/src/client.dart");
    const files = new RepoFiles(["lib/src/client.dart", "test/client_test.dart"]);
    const frame = own?.exceptions[0]?.frames[0];
    expect(frame && locateFrame(frame, files)).toEqual({ kind: "repo", path: "lib/src/client.dart", line: 30, how: "exact" });
  });
});
