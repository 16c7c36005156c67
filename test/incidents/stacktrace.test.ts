import { describe, expect, it } from "vitest";
import { fromSentryException, inAppFrames, mainException, parseStackTrace } from "../../src/incidents/stacktrace/index.ts";
import eventAlert from "../fixtures/sentry/event-alert.json" with { type: "json" };

const PYTHON = `Something broke when placing an order:

\`\`\`
Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/flask/app.py", line 1473, in wsgi_app
    response = self.full_dispatch_request()
  File "/app/shop/views.py", line 27, in place_order
    total = orders.total(cart)
            ^^^^^^^^^^^^^^^^^^
  File "/app/shop/orders/service.py", line 45, in total
    return sum(i.price for i in cart.items) / cart.discount
           ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^~~~~~~~~~~~~~~
ZeroDivisionError: division by zero
\`\`\`
`;

const PYTHON_CHAINED = `Traceback (most recent call last):
  File "/srv/app/shop/db.py", line 10, in load
    row = cursor.fetchone()
KeyError: 'id'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/srv/app/shop/api.py", line 5, in get
    return db.load(key)
  File "/srv/app/shop/db.py", line 12, in load
    raise LookupError(key)
LookupError: order 42
`;

const NODE = `TypeError: Cannot read properties of undefined (reading 'id')
    at getUser (/app/src/users/service.ts:12:20)
    at async Promise.all (index 0)
    at Object.handler (/app/node_modules/fastify/lib/route.js:300:15)
    at /app/src/server.ts:40:7
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`;

const FIREFOX = `TypeError: cart is null
renderCart@webpack:///./src/components/Cart.tsx:31:9
updateView@https://shop.example.com/static/js/main.4f3a9b2c.js:1:20345
@https://shop.example.com/static/js/vendor.js:2:100`;

const JAVA = `Exception in thread "main" java.lang.IllegalStateException: order not found
	at com.acme.shop.orders.OrderService.load(OrderService.java:88)
	at com.acme.shop.web.OrderController.show(OrderController.java:42)
	at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897) ~[spring-webmvc-5.3.9.jar:5.3.9]
	at java.base/java.lang.Thread.run(Thread.java:833)
Caused by: java.lang.NullPointerException: Cannot invoke "String.length()" because "id" is null
	at com.acme.shop.orders.OrderRepository.find(OrderRepository.java:17)
	at com.acme.shop.orders.OrderService.load(OrderService.java:85)
	... 3 more`;

const GO = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b4f21]

goroutine 34 [running]:
github.com/acme/shop/orders.(*Service).Total(0x0, {0xc0001a2000, 0x3, 0x4})
	/home/runner/work/shop/shop/orders/service.go:57 +0x21
github.com/acme/shop/api.(*Handler).Checkout(0xc000120000, {0x8f1e20, 0xc0002a0000}, 0xc000290000)
	/home/runner/work/shop/shop/api/checkout.go:31 +0x9c
net/http.HandlerFunc.ServeHTTP(0xc000114000, {0x8f1e20, 0xc0002a0000}, 0xc000290000)
	/usr/local/go/src/net/http/server.go:2136 +0x29
github.com/go-chi/chi/v5.(*Mux).routeHTTP(0xc00009e060, {0x8f1e20, 0xc0002a0000}, 0xc000290000)
	/root/go/pkg/mod/github.com/go-chi/chi/v5@v5.0.8/mux.go:444 +0x216
created by net/http.(*Server).Serve in goroutine 1
	/usr/local/go/src/net/http/server.go:3086 +0x4cc
exit status 2`;

const RUBY = `app/models/order.rb:23:in \`total': undefined method \`price' for nil:NilClass (NoMethodError)
	from app/controllers/orders_controller.rb:9:in \`show'
	from /usr/local/bundle/gems/actionpack-7.0.4/lib/action_controller/metal/basic_implicit_render.rb:6:in \`send_action'
	from /usr/local/lib/ruby/3.2.0/benchmark.rb:311:in \`realtime'`;

const RUBY_34 = `NoMethodError (undefined method 'price' for nil):

app/models/order.rb:23:in 'Order#total'
app/controllers/orders_controller.rb:9:in 'block in OrdersController#show'
/usr/local/bundle/gems/actionpack-7.1.3/lib/action_controller/metal/basic_implicit_render.rb:6:in 'send_action'`;

describe("parseStackTrace", () => {
  it("reads a Python traceback inside Markdown, crash site first, site-packages not in-app", () => {
    const trace = parseStackTrace(PYTHON);
    expect(trace?.format).toBe("python");
    const main = trace && mainException(trace);
    expect(main).toMatchObject({ type: "ZeroDivisionError", message: "division by zero" });
    expect(main?.frames.map((f) => [f.file, f.line, f.function, f.inApp])).toEqual([
      ["/app/shop/orders/service.py", 45, "total", true],
      ["/app/shop/views.py", 27, "place_order", true],
      ["/usr/local/lib/python3.12/site-packages/flask/app.py", 1473, "wsgi_app", false],
    ]);
  });

  it("keeps Python's exception chain, root cause first", () => {
    const trace = parseStackTrace(PYTHON_CHAINED);
    expect(trace?.exceptions.map((e) => `${e.type}: ${e.message}`)).toEqual(["KeyError: 'id'", "LookupError: order 42"]);
    expect(trace && mainException(trace)?.frames[0]).toMatchObject({ file: "/srv/app/shop/db.py", line: 12 });
  });

  it("reads a V8 stack: skips frames without a location, marks node_modules and node: internals", () => {
    const trace = parseStackTrace(NODE);
    expect(trace?.format).toBe("javascript");
    const main = trace && mainException(trace);
    expect(main).toMatchObject({ type: "TypeError", message: "Cannot read properties of undefined (reading 'id')" });
    expect(main?.frames.map((f) => [f.file, f.line, f.column, f.function, f.inApp])).toEqual([
      ["/app/src/users/service.ts", 12, 20, "getUser", true],
      ["/app/node_modules/fastify/lib/route.js", 300, 15, "Object.handler", false],
      ["/app/src/server.ts", 40, 7, null, true],
      ["node:internal/process/task_queues", 95, 5, "process.processTicksAndRejections", false],
    ]);
  });

  it("reads a Firefox-style stack", () => {
    const trace = parseStackTrace(FIREFOX);
    const main = trace && mainException(trace);
    expect(main).toMatchObject({ type: "TypeError", message: "cart is null" });
    expect(main?.frames.map((f) => [f.file, f.line, f.column, f.function])).toEqual([
      ["webpack:///./src/components/Cart.tsx", 31, 9, "renderCart"],
      ["https://shop.example.com/static/js/main.4f3a9b2c.js", 1, 20345, "updateView"],
      ["https://shop.example.com/static/js/vendor.js", 2, 100, null],
    ]);
  });

  it("reads a Java trace: package paths, library packages not in-app, Caused by as root cause", () => {
    const trace = parseStackTrace(JAVA);
    expect(trace?.format).toBe("java");
    expect(trace?.exceptions.map((e) => e.type)).toEqual(["java.lang.NullPointerException", "java.lang.IllegalStateException"]);
    const main = trace && mainException(trace);
    expect(main?.message).toBe("order not found");
    expect(main?.frames.map((f) => [f.file, f.line, f.function, f.inApp])).toEqual([
      ["com/acme/shop/orders/OrderService.java", 88, "OrderService.load", true],
      ["com/acme/shop/web/OrderController.java", 42, "OrderController.show", true],
      ["org/springframework/web/servlet/FrameworkServlet.java", 897, "FrameworkServlet.service", false],
      ["java/lang/Thread.java", 833, "Thread.run", false],
    ]);
    expect(trace?.exceptions[0]?.frames[0]).toMatchObject({ file: "com/acme/shop/orders/OrderRepository.java", line: 17 });
  });

  it("reads a Go panic: module code in-app, standard library and module cache not", () => {
    const trace = parseStackTrace(GO);
    expect(trace?.format).toBe("go");
    const main = trace && mainException(trace);
    expect(main).toMatchObject({ type: "panic", message: "runtime error: invalid memory address or nil pointer dereference" });
    expect(main?.frames.map((f) => [f.file, f.line, f.function, f.inApp])).toEqual([
      ["/home/runner/work/shop/shop/orders/service.go", 57, "github.com/acme/shop/orders.(*Service).Total", true],
      ["/home/runner/work/shop/shop/api/checkout.go", 31, "github.com/acme/shop/api.(*Handler).Checkout", true],
      ["/usr/local/go/src/net/http/server.go", 2136, "net/http.HandlerFunc.ServeHTTP", false],
      ["/root/go/pkg/mod/github.com/go-chi/chi/v5@v5.0.8/mux.go", 444, "github.com/go-chi/chi/v5.(*Mux).routeHTTP", false],
      ["/usr/local/go/src/net/http/server.go", 3086, "net/http.(*Server).Serve", false],
    ]);
  });

  it("reads a Ruby backtrace and a Rails log with Ruby 3.4 quoting", () => {
    const classic = parseStackTrace(RUBY);
    expect(classic?.format).toBe("ruby");
    expect(classic && mainException(classic)).toMatchObject({ type: "NoMethodError", message: "undefined method `price' for nil:NilClass" });
    expect(classic && mainException(classic)?.frames.map((f) => [f.file, f.line, f.function, f.inApp])).toEqual([
      ["app/models/order.rb", 23, "total", true],
      ["app/controllers/orders_controller.rb", 9, "show", true],
      ["/usr/local/bundle/gems/actionpack-7.0.4/lib/action_controller/metal/basic_implicit_render.rb", 6, "send_action", false],
      ["/usr/local/lib/ruby/3.2.0/benchmark.rb", 311, "realtime", false],
    ]);
    const rails = parseStackTrace(RUBY_34);
    expect(rails && mainException(rails)).toMatchObject({ type: "NoMethodError", message: "undefined method 'price' for nil" });
    expect(rails && inAppFrames(rails).map((f) => f.function)).toEqual(["Order#total", "OrdersController#show"]);
  });

  it("finds nothing in prose, and survives a huge body", () => {
    expect(parseStackTrace("The checkout page is slow since Tuesday. at least for me.")).toBeNull();
    const big = `${"x".repeat(100)}\n`.repeat(50_000) + NODE;
    const started = performance.now();
    expect(parseStackTrace(big)?.format).toBe("javascript");
    // One endless line that keeps almost matching a Ruby frame: bounded by the line cut.
    parseStackTrace(`from ${"a:1:in `".repeat(25_000)}`);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("fromSentryException", () => {
  it("reads Sentry's documented issue alert: frames turned crash site first, the SDK's in_app (orig_in_app) kept", () => {
    const trace = fromSentryException(eventAlert.data.event.exception);
    expect(trace && mainException(trace)).toMatchObject({ type: "ReferenceError", message: "heck is not defined" });
    expect(trace && mainException(trace)?.frames.map((f) => [f.file, f.line, f.column, f.inApp])).toEqual([
      ["<anonymous>", 3, 5, false],
      ["https://static.jsbin.com/js/prod/runner-4.1.7.min.js", 1, 13924, true],
      ["https://static.jsbin.com/js/prod/runner-4.1.7.min.js", 1, 10866, true],
    ]);
    expect(trace && inAppFrames(trace)).toHaveLength(2);
  });

  it("overrules in_app for vendored paths", () => {
    const trace = fromSentryException({
      values: [
        {
          type: "ValueError",
          value: "bad",
          stacktrace: {
            frames: [
              { filename: "shop/api.py", abs_path: "/app/shop/api.py", lineno: 3, function: "get", in_app: true },
              { filename: "requests/api.py", abs_path: "/app/.venv/lib/python3.12/site-packages/requests/api.py", lineno: 9, in_app: true },
            ],
          },
        },
      ],
    });
    expect(trace?.exceptions[0]?.frames.map((f) => f.inApp)).toEqual([false, true]);
  });
});
