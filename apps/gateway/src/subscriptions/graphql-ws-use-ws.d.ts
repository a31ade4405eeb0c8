// The project's "node" module resolution (tsconfig.base.json) does not read package exports, so TypeScript
// cannot find graphql-ws's `use/ws` entry point by its public name; Node resolves it at run time.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
