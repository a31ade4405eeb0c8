// Jest's runtime with V8's code cache kept on disk, shared by every test file.
//
// Jest gives every test file a fresh module registry, so every integration
// file loads Nest, Apollo, TypeORM, BullMQ, NATS and our own code again (some
// 4,300 modules), and V8 parses all of it again before any service starts.
// V8's code cache does not depend on the context a function is compiled in,
// so one parse serves every later file, in this worker, in a recycled worker
// and in the next run. Only the parse is shared: every file still runs every
// module afresh in its own context (its own registry, globals and module
// state), exactly as before. An entry is found by a hash of the file's name,
// its (transformed) source and the Node version, and V8 checks the data
// itself: rejected data is an ordinary compile, and is written anew.
// See docs/adr/070-faster-integration-tests.md.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { compileFunction } = require('node:vm');
const { default: Runtime } = require('jest-runtime');

class CodeCacheRuntime extends Runtime {
  constructor(config, ...rest) {
    super(config, ...rest);
    // Jest 30 compiles modules in its ModuleExecutor; with another layout this is Jest's own runtime, unchanged.
    const executor = this.executor;
    if (typeof executor?.compile !== 'function') return;
    const dir = join(config.cacheDirectory, `v8-code-cache-${process.version}-${process.arch}`);
    mkdirSync(dir, { recursive: true });
    const jestCompile = executor.compile.bind(executor);
    executor.compile = (source, filename) => compileCached(executor, jestCompile, dir, source, filename);
  }
}

function compileCached(executor, jestCompile, dir, source, filename) {
  const vmContext = executor.environment.getVmContext();
  if (vmContext == null || executor.resolution.isCoreModule(filename)) return jestCompile(source, filename);
  const entry = join(dir, createHash('sha1').update(filename).update('\0').update(source).digest('hex'));
  const cachedData = readIfPresent(entry);
  let fn;
  try {
    fn = compileFunction(source, executor.injectedModuleParameters, {
      filename,
      importModuleDynamically: (specifier, _function, importAttributes, ...rest) =>
        executor.dynamicImport(specifier, filename, vmContext, importAttributes, rest[0]),
      parsingContext: vmContext,
      ...(cachedData ? { cachedData } : { produceCachedData: true }),
    });
  } catch {
    // Jest's compile reports the error as Jest does (hints for ESM syntax, the failing frame).
    return jestCompile(source, filename);
  }
  // Rejected data (another V8 build, say) is dropped; the next file that loads the module writes it anew.
  if (cachedData && fn.cachedDataRejected) rmSync(entry, { force: true });
  if (!cachedData && fn.cachedDataProduced) writeAtomically(entry, fn.cachedData);
  return fn;
}

function readIfPresent(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Written under a name of its own, then renamed: a worker reading the entry meanwhile sees all of it or none. */
function writeAtomically(path, data) {
  const partial = `${path}.${process.pid}`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, path);
  } catch {
    // A cache that cannot be written costs a parse next time, nothing more.
    rmSync(partial, { force: true });
  }
}

module.exports = CodeCacheRuntime;
