# The WhatsNext server as an image: dependencies installed and the code
# compiled once, at build time, never into the clone it was built from.
FROM node:20-slim
RUN mkdir /app && chown node:node /app
WORKDIR /app
USER node
COPY --chown=node:node . .
# npm ci runs `prepare`, which compiles src/ into dist/ and builds the dashboard.
RUN npm ci && npm prune --omit=dev --ignore-scripts && npm cache clean --force
ENV WHATSNEXT_HOST=0.0.0.0 WHATSNEXT_PORT=50051 NODE_ENV=production
EXPOSE 50051
CMD ["node", "bin/whatsnext.js", "serve"]
