import { closeServicesLeftOpen } from './start-service';

/**
 * Jest setup (after the framework) of the integration tests: runs after every
 * test file's own hooks. A service the file started and never closed is
 * closed here and fails the file, naming the service — a leak is found where
 * it happens, not as a stranger's answer in a later file.
 */
afterAll(async () => {
  const left = await closeServicesLeftOpen();
  if (left.length > 0) {
    throw new Error(`left running by this test file: ${left.join(', ')} — close every service a test starts (in afterAll)`);
  }
});
