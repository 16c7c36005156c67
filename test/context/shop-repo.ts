import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { RepositoryIndex } from "../../src/context/index.ts";

/**
 * A small polyglot repository written to a temporary folder: one file per parsed language with
 * known definitions and cross-file references, plus the things the index must skip. Written
 * from here (not kept as files) so the linter and type checker never read it as Droid's code.
 */
export const SHOP_FILES: Record<string, string> = {
  "src/orders/service.ts": `import { PriceCalculator, TAX_RATE } from "../pricing/calculator";

export interface Order {
  id: OrderId;
  lines: string[];
}

export type OrderId = string;

/** Places orders and totals them. */
export class OrderService {
  constructor(private readonly prices: PriceCalculator) {}

  total(order: Order): number {
    const net = order.lines.reduce((sum, line) => sum + this.prices.priceOf(line), 0);
    return net * (1 + TAX_RATE);
  }
}

export function placeOrder(order: Order): OrderId {
  return order.id;
}
`,
  "src/pricing/calculator.ts": `export const TAX_RATE = 0.2;

export class PriceCalculator {
  priceOf(item: string): number {
    // a discount applies to bulk items
    return item.startsWith("bulk") ? applyDiscount(10) : 10;
  }
}

function applyDiscount(price: number): number {
  return price * 0.9;
}
`,
  "src/web/App.tsx": `import { OrderService, placeOrder } from "../orders/service";

export function App({ service }: { service: OrderService }) {
  return <button onClick={() => placeOrder({ id: "1", lines: [] })}>{service.total({ id: "1", lines: [] })}</button>;
}
`,
  "lib/legacy.js": `function Cart() {
  this.items = [];
}

Cart.prototype.add = function add(item) {
  this.items.push(item);
};

module.exports = Cart;
`,
  "tools/report.py": `from shop import OrderService


class ReportBuilder:
    def build(self, orders):
        return summarize(orders)


def summarize(orders):
    return len(orders)
`,
  "cmd/server/main.go": `package main

type Server struct {
\tport int
}

type Handler interface {
\tServe()
}

func NewServer() *Server {
\treturn &Server{port: 8080}
}

func (s *Server) Start() {
\tNewServer()
}
`,
  "crates/ledger/src/lib.rs": `pub struct Ledger {
    entries: Vec<u64>,
}

pub trait Store {
    fn save(&self);
}

impl Ledger {
    pub fn record(&mut self, amount: u64) {
        self.entries.push(amount);
    }
}
`,
  "java/src/Invoice.java": `public class Invoice implements Payable {
  public Invoice() {}

  public long total() {
    return 0;
  }
}

interface Payable {
  long total();
}
`,
  "app/models/customer.rb": `class Customer < Base
  def loyalty_points
    orders.count * 10
  end
end
`,
  "README.md": "# Shop\n\nOrders, prices, invoices.\n",
  // Skipped: dependencies, build output, lockfiles, minified and binary files.
  "node_modules/dep/index.js": "module.exports = function dependency() {};\n",
  "dist/bundle.js": "function built() {}\n",
  "package-lock.json": "{}\n",
  "public/app.min.js": "function a(){}\n",
};

export async function writeShop(extra: Record<string, string | Buffer> = {}): Promise<{ root: string; dispose: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "droid-shop-"));
  for (const [relative, content] of Object.entries({ ...SHOP_FILES, ...extra })) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  }
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}

/**
 * The shop, written and indexed once for a test file (hooks registered here); `prepare` runs on
 * the work tree before indexing. Read `index` inside tests, once the hooks have run.
 */
export function indexedShop(prepare?: (root: string) => Promise<void>): { readonly index: RepositoryIndex } {
  let shop: { root: string; dispose: () => Promise<void> } | undefined;
  let cacheDir: string | undefined;
  let index: RepositoryIndex | undefined;
  beforeAll(async () => {
    shop = await writeShop();
    await prepare?.(shop.root);
    cacheDir = await mkdtemp(path.join(os.tmpdir(), "droid-shop-index-"));
    index = await RepositoryIndex.build({ root: shop.root, repository: "acme/shop", commit: "a1", cacheDir });
  });
  afterAll(async () => {
    await shop?.dispose();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });
  return {
    get index(): RepositoryIndex {
      if (!index) throw new Error("the shop is indexed in beforeAll; read it inside a test");
      return index;
    },
  };
}
