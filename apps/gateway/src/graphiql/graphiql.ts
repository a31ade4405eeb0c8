import { dirname, join } from 'node:path';
import type { Express } from 'express';

/**
 * The GraphQL IDE, served entirely from this process (React and GraphiQL
 * come from node_modules), so it works on a laptop with no internet. Only
 * outside production, on GET /graphql for browsers.
 */
export function mountGraphiQL(app: Express): void {
  const assets: Record<string, string> = {
    'react.js': join(dirname(require.resolve('react/package.json')), 'umd/react.production.min.js'),
    'react-dom.js': join(dirname(require.resolve('react-dom/package.json')), 'umd/react-dom.production.min.js'),
    'graphiql.js': join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'),
    'graphiql.css': join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.css'),
  };
  app.get('/graphiql/:asset', (req, res) => {
    const file = assets[req.params.asset];
    if (!file) return void res.status(404).end();
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(file);
  });
  app.get('/graphql', (req, res, next) => {
    if (!req.accepts('html') || req.query.query) return next();
    res.type('html').send(PAGE);
  });
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Rapport GraphQL</title>
  <link rel="stylesheet" href="/graphiql/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="/graphiql/react.js"></script>
  <script src="/graphiql/react-dom.js"></script>
  <script src="/graphiql/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    const defaultQuery = [
      '# Sign in, then copy accessToken into the Headers tab as',
      '# { "Authorization": "Bearer <accessToken>" }',
      'mutation SignIn {',
      '  login(input: { tenant: "demo", email: "admin@demo.test", password: "rapport-demo" }) {',
      '    accessToken',
      '    expiresAt',
      '  }',
      '}',
      '',
      'query Contacts {',
      '  contacts(first: 10) {',
      '    totalCount',
      '    edges { node { id firstName lastName emails account { name } } }',
      '  }',
      '}',
    ].join('\\n');
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery, shouldPersistHeaders: true, isHeadersEditorEnabled: true }),
    );
  </script>
</body>
</html>`;
