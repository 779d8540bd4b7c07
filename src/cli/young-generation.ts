import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * Memory of the server processes the CLI owns (`serve`, `demo`), never of an application that embeds
 * Gatehouse: V8 grows the young generation to 2 × 16 MB under a steady allocation rate, and for a
 * Gatehouse process that is a quarter of its resident memory for no measurable gain. Measured on the
 * bench (docs/benchmarks.md): with semi-spaces of 1 or 4 MB instead of 16 MB, peak RSS under the token
 * loads fell by 20-30 MB at the same requests per second. Request garbage dies young either way.
 *
 * Workers get the start-up flag; every other CLI process (bin/gatehouse.js) stops the young generation
 * growing once it reaches that size (V8 reads its growth factor at each resize), before it loads the
 * CLI's modules: loading them alone grew it to 2 × 16 MB, so a cap applied when `serve` started was
 * no cap at all (issue 18: peak RSS 129-130 MB under client_credentials, 106-109 MB capped). A
 * `--max-semi-space-size` or `--min-semi-space-size` given by the operator (command line or
 * NODE_OPTIONS) is respected and this does nothing.
 */
const SEMI_SPACE_MB = 4;

function operatorChose(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('semi-space'));
}

/** execArgv for cluster workers. */
export function workerExecArgv(): string[] {
  return operatorChose() ? process.execArgv : [...process.execArgv, `--max-semi-space-size=${SEMI_SPACE_MB}`];
}

/** Stops the young generation of this process growing past two SEMI_SPACE_MB semi-spaces. */
export function capYoungGeneration(): void {
  if (operatorChose()) return;
  const limit = 2 * SEMI_SPACE_MB * 1024 * 1024;
  const newSpace = () =>
    v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  const stopGrowing = () => v8.setFlagsFromString('--semi-space-growth-factor=1');
  if (newSpace() >= limit) {
    stopGrowing();
    return;
  }
  // Growth happens at a garbage collection; look after each one until the limit is reached.
  const observer = new PerformanceObserver(() => {
    if (newSpace() < limit) return;
    stopGrowing();
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}
