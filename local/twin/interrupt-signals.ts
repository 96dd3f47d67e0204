/**
 * Ctrl-C for a long-running command: the first interrupt asks for a graceful stop, a second one
 * for an immediate stop.
 *
 * A Ctrl-C in a terminal signals the whole foreground process group: under `npm start` npm, the
 * shell and node each get SIGINT, and npm forwards its copy to its child, so node receives two
 * or three SIGINTs within milliseconds for one key press. Counting them would turn every Ctrl-C
 * into "stop now". Interrupts arriving within `echoMs` of the first are therefore taken as the
 * same key press; an interrupt after that is a second Ctrl-C. (Asking whether we lead the
 * foreground process group would not help: npm forwards its copy whatever the group.)
 */

export const INTERRUPT_ECHO_MS = 1_000;

export interface InterruptHandlers {
  /** First interrupt: stop gracefully. */
  onFirst(signal: NodeJS.Signals): void;
  /** A later interrupt, `echoMs` or more after the first: stop now. */
  onSecond(signal: NodeJS.Signals): void;
}

export interface InterruptWatch {
  /** Stops listening. */
  dispose(): void;
}

export function watchInterrupts(
  handlers: InterruptHandlers,
  options: { echoMs?: number; signals?: readonly NodeJS.Signals[]; now?: () => number } = {},
): InterruptWatch {
  const echoMs = options.echoMs ?? INTERRUPT_ECHO_MS;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const now = options.now ?? Date.now;
  let firstAt: number | undefined;
  let stoppedNow = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const at = now();
    if (firstAt === undefined) {
      firstAt = at;
      handlers.onFirst(signal);
    } else if (at - firstAt >= echoMs && !stoppedNow) {
      stoppedNow = true;
      handlers.onSecond(signal);
    }
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
