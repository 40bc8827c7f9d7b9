/** Resolves with -1 (the "keep running" code) and stops `handle` on SIGINT/SIGTERM. */
export function runUntilSignal(handle: { close(): Promise<void> }, name: string): Promise<number> {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.error(`${name}: ${signal}, shutting down`);
    handle.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`${name}: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return Promise.resolve(-1);
}
