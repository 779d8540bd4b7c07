import fc from 'fast-check';

/**
 * Property tests are reproducible in CI (a red CI must mean a bug someone can replay, not a lucky draw):
 * with CI set, every property runs from one fixed seed. Locally each run draws a new seed, so the suite
 * keeps exploring; a failure prints its seed and path, and GATEHOUSE_FUZZ_SEED replays it anywhere.
 */
const fixed = process.env['GATEHOUSE_FUZZ_SEED'];
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
else if (process.env['CI']) fc.configureGlobal({ seed: 20_261_127 });
