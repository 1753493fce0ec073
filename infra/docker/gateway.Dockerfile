# The gateway's local stack (`make run`) in a container, for docker-compose.localstack.yml.
# Python 3.11 for the gateway, Node 22 for building the checkout and the dashboard, make.
FROM node:22.12.0-bookworm-slim AS node

FROM python:3.11.11-bookworm
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx

WORKDIR /app
COPY . .
# Everything `make run` would build on its first start: the virtual environment and both front
# ends. At start-up `make run` finds them up to date and goes straight to the stack.
RUN make install frontends

CMD ["make", "run"]
