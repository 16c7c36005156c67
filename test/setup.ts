import nock from "nock";
import { afterEach, beforeAll } from "vitest";

// Network is closed in tests, except loopback to servers a test starts itself.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) {
    throw new Error(`GitHub/Anthropic calls declared but never made:\n${pending.join("\n")}`);
  }
});
