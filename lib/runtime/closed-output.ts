/**
 * When whoever reads Gantry's output goes away (a log collector that died, a
 * terminal closed, `npm start | head`), writing to stdout/stderr fails with
 * EPIPE. Unhandled, that error crashes the process in the middle of a
 * shutdown, or worse, an error handler that logs the error fails again and
 * the process spins. From the first EPIPE on, that stream's writes are
 * dropped: the portal keeps serving and stops cleanly, just without a log.
 */
export function dropOutputWhenReaderGoes(
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    if (stream.listeners("error").includes(onError)) continue;
    stream.on("error", onError);
  }
}

function onError(this: NodeJS.WriteStream, error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  const dropped: NodeJS.WriteStream["write"] = (
    _chunk: unknown,
    encodingOrCallback?: unknown,
    callback?: unknown,
  ) => {
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    if (typeof done === "function") queueMicrotask(() => done());
    return true;
  };
  this.write = dropped;
}
