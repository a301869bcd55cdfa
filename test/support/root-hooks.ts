import { stopTestServices } from './services.js';

/** Mocha root hooks: whatever services the run started are cleaned and stopped once at the end. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestServices();
  },
};
