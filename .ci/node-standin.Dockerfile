# A local stand-in for the official node:<version>-bookworm-slim image, for machines that
# cannot reach Docker Hub. .ci/smoke-app-image.sh builds it from a scratch context holding
#   node/  the node-linux-<arch>@<version> package from the npm registry (bin/node)
#   npm/   the npm@<major> package from the npm registry (its dependencies are bundled)
#   etc/   npm's global settings (npmrc): on a machine whose npm trusts its own CA bundle
#          (a network that intercepts TLS), that bundle (npm-ca.crt) and `cafile=` naming it
# Laid out like the official image (Node in /usr/local, a `node` user with uid/gid 1000),
# without the C headers: nothing here compiles native addons.
FROM debian:bookworm-slim

ARG NODE_VERSION
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=${NODE_VERSION}
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY etc/ /usr/local/etc/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
