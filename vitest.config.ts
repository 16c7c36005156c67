import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.docker.test.ts"],
          // Docker over loopback TCP: nock's interceptor breaks unix-socket passthrough (see the file).
          globalSetup: ["test/global-setup.ts"],
          setupFiles: ["test/setup.ts"],
        },
      },
      {
        // Tests against the real Docker engine and git server. nock's interceptor corrupts
        // Docker's hijacked exec connections (EPIPE), so these files close the network with a
        // socket guard instead: loopback and unix sockets only.
        extends: true,
        test: {
          name: "docker",
          include: ["test/**/*.docker.test.ts"],
          setupFiles: ["test/setup-docker.ts"],
        },
      },
    ],
  },
});
